#!/bin/sh
# t_intent_abi.sh -- layouts that are a shared library's interface are not
# ranked (issue 19, point 2, ABI): tests/fixtures/abilib, built with gcc
# -shared -g -O1 at test time, laid out like liblua (a public header next
# to the sources) and CPython (an include/ directory).  What a library
# maintainer would accept, written down per type:
#   abi_info    public (abilib.h): callers allocate it and read its
#               fields, as lua_Debug: ABI, listed apart, never ranked,
#               no suggestion, although 40 -> 24.
#   abi_point   passed by value to abi_point_norm: its layout is the
#               calling convention: ABI.
#   abi_ext     declared under include/ and taken by pointer: ABI.
#   abi_handle  typedef'd in the public header, defined in a private one
#               (abilib_int.h), as lua_State: callers only hold pointers,
#               so it is reachable (TF_EXPORTED) but reordering it breaks
#               nobody: ranked, 48 -> 32, glibc 64 -> 48.
#   abi_node    private, reached only through abi_handle: reachable, ranked.
#   abi_secret  used only by a hidden function: no flag at all.
. "${TOP_SRCDIR:-$(dirname "$0")/..}/tests/lib.sh"

need gcc sqlite3
[ -x "$HOLEPROF" ] || die "holeprof not built: $HOLEPROF"

F=$FIXTURES/abilib
gcc -g -O1 -shared -fPIC -I "$F/include" -o "$T/libabi.so" "$F/abilib.c" || die "cannot build the library"
"$HOLEPROF" analyze -q "$T/libabi.so" -o "$T/db" || die "analyze failed"
DB=$T/db

fl() { q "$DB" "SELECT CASE WHEN flags & 16384 THEN 'abi' ELSE '-' END || '|' || CASE WHEN flags & 131072 THEN 'exported' ELSE '-' END || '|' || verdict FROM waste WHERE name = '$1'"; }
assert_eq "abi_info: public, callers allocate it" "abi|exported|abi" "$(fl abi_info)"
assert_eq "abi_point: passed by value" "abi|exported|abi" "$(fl abi_point)"
assert_eq "abi_ext: under include/" "abi|exported|abi" "$(fl abi_ext)"
assert_eq "abi_handle: opaque, ranked" "-|exported|saves" "$(fl abi_handle)"
assert_eq "abi_node: private, ranked" "-|exported|saves" "$(fl abi_node)"
assert_eq "abi_secret: a hidden function's only" "-|-|no sites" "$(fl abi_secret)"

"$HOLEPROF" top "$DB" > "$T/top.txt" || fail "top failed"
first=$(sed -n '3,/^$/p' "$T/top.txt")
assert_match "top: abi_handle ranked" '^ +1 +struct abi_handle +48 -> 32 +glibc +64 -> 48 ' "$first"
assert_eq "top: no interface type ranked" "" "$(printf '%s\n' "$first" | grep -E 'abi_info|abi_point|abi_ext')"
assert_match "top: abi_info listed apart" '^ +[0-9]+ +struct abi_info .* abi$' \
    "$(sed -n '/^Layout fixed, not ranked/,/^$/p' "$T/top.txt")"
"$HOLEPROF" show "$DB" abi_info > "$T/info.txt" || fail "show failed"
assert_match "show: no suggestion, says why" \
    'Suggested order: none \(part of the interface of the functions the binary exports' "$(cat "$T/info.txt")"
"$HOLEPROF" show "$DB" abi_handle > "$T/handle.txt" || fail "show failed"
assert_match "show: abi_handle flagged, with a suggestion" 'reachable from an exported function' \
    "$(cat "$T/handle.txt")"
assert_match "show: abi_handle suggested order" '^Suggested order \(size 48 -> 32' "$(cat "$T/handle.txt")"

assert_top_worst "$DB"

finish
