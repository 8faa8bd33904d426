#!/bin/sh
# t_dwscan.sh -- the raw subprogram scan (src/dwscan.c) finds exactly the
# DIEs a libdwarf walk finds.
#
# The site scan trusts src/dwscan.c to name the subprograms of a unit that
# it would otherwise find by walking the unit through libdwarf; if the two
# ever differed, sites would silently lose their lines and variable types.
# So tests/dwscan_check compares both, unit by unit, on fixtures built here
# with every producer shape the scan must read: gcc and clang, DWARF 4 and
# 5 (clang's DWARF 5 uses addrx/strx forms and no DW_AT_sibling; gcc writes
# sibling pointers the scan jumps by), 64-bit DWARF, -O0 and -O2, C and C++
# (namespaces, classes with member functions), Rust, Go (compressed DWARF 4
# location and range lists), and Debian's own python3.11 debug file when
# python3.11-dbg is installed.  Inside every subprogram each DIE is also
# read both ways -- attributes, address ranges, location lists, call-site
# values, child and sibling steps -- since dwlines.c reads function bodies
# raw.  Any unit or DIE the raw reader refuses, or any difference, fails.  dsc_subtree_ok, the guard
# run before libdwarf steps over a subtree without DW_AT_sibling, must
# accept every subtree of those files and refuse the fuzzed one that made
# libdwarf loop.
. "${TOP_SRCDIR:-$(dirname "$0")/..}/tests/lib.sh"

CHECK=$TOP_BUILDDIR/tests/dwscan_check
[ -x "$CHECK" ] || die "not built: $CHECK"
CC=${CC_FOR_TESTS:-cc}
need gcc g++

n=0
build() { # OUT COMPILER ARGS...
    _out=$T/$1; shift
    if "$@" -o "$_out" 2>"$T/cc.err"; then
        n=$((n + 1)); echo "$_out" >>"$T/list"
    else
        fail "cannot build $_out: $(head -c 300 "$T/cc.err")"
    fi
}
: >"$T/list"
compilers="gcc:g++"
if command -v clang >/dev/null 2>&1; then
    compilers="$compilers clang:clang++"
else
    echo "note: clang not installed, its DWARF not checked"
fi
for pair in $compilers; do
    cc=${pair%%:*} cxx=${pair#*:}
    for v in 4 5; do
        for o in 0 2; do
            build c-$cc-d$v-O$o "$cc" -g -gdwarf-$v -O$o "$FIXTURES/sites.c"
            build cxx-$cc-d$v-O$o "$cxx" -g -gdwarf-$v -O$o "$FIXTURES/sites.cc"
        done
    done
    build ns-$cc "$cxx" -g -O1 "$FIXTURES/layouts.cc"
done
build c-gcc-d64 gcc -g -gdwarf-5 -gdwarf64 -O2 "$FIXTURES/sites.c"
find_rustc
if [ -n "$RUSTC" ]; then
    build rust "$RUSTC" -g -O "$FIXTURES/sites.rs"
else
    echo "note: rustc not installed, Rust's DWARF not checked"
fi
if command -v go >/dev/null 2>&1; then
    # Go: compressed DWARF 4 with .debug_loc and .debug_ranges lists
    if go_build "$FIXTURES/sites.go" "$T/go"; then
        n=$((n + 1)); echo "$T/go" >>"$T/list"
    else
        fail "cannot build the Go fixture: $(head -c 300 "$T/go.err")"
    fi
else
    echo "note: go not installed, Go's DWARF not checked"
fi
PYDBG=
[ -x /usr/bin/python3.11 ] && PYDBG=$(debug_path /usr/bin/python3.11)
if [ -f "$PYDBG" ]; then
    echo "$PYDBG" >>"$T/list"
else
    echo "note: python3.11-dbg not installed, Debian's debug file not checked"
fi

# shellcheck disable=SC2046  # one argument per line of the list
"$CHECK" $(cat "$T/list") >"$T/out" 2>&1
st=$?
cat "$T/out"
assert_eq "dwscan_check exit status" 0 "$st"
assert_eq "files compared" "$(wc -l <"$T/list" | tr -d ' ')" "$(grep -c ', ok$' "$T/out")"
[ "$n" -ge 10 ] && pass || fail "only $n fixtures built"

# and the subtree check refuses the fuzzed file whose nested sibling
# pointers made libdwarf loop (tests/fuzz-regress)
"$CHECK" "$TOP_SRCDIR/tests/fuzz-regress/dwarf-sibling-loop-nested" >"$T/bad" 2>&1
assert_eq "dwscan_check on the looping input: exit status" 1 "$?"
assert_match "dwscan_check on the looping input" "subtrees refused by dsc_subtree_ok" "$(cat "$T/bad")"
[ "$_hp_failed" -eq 0 ] || exit 1
echo "ok: $_hp_checks checks"
