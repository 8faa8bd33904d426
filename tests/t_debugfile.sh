#!/bin/sh
# t_debugfile.sh -- finding DWARF outside the binary (src/debugfind.c) and
# reading it compressed (src/elfimg.c).
#
# Builds a C program with gcc -g, then makes with objcopy the shapes real
# systems have: a stripped binary with its debug file under a build-id
# tree, a stripped binary with a .gnu_debuglink found next to it, in
# .debug/ and under DEBUGDIR/<its directory>, a debug file given with
# --debug-file, a debuglink whose CRC does not match (must be refused),
# and DWARF compressed both ways (SHF_COMPRESSED and .zdebug_*).  Every
# case runs `holeprof analyze` and checks binaries.debug_file,
# debug_how and build_id and that struct dbgf_probe is in the database
# with its known layout.  --no-system-debug-dirs keeps /usr/lib/debug out
# of the synthetic cases; the python3.11 case uses it for real.
. "${TOP_SRCDIR:-$(dirname "$0")/..}/tests/lib.sh"

need gcc objcopy readelf sqlite3
[ -x "$HOLEPROF" ] || die "holeprof not built: $HOLEPROF"

# Physical path: debuglink candidates are built from the binary's real
# directory, so expected paths must not go through a symlinked /tmp.
TP=$(cd "$T" && pwd -P)

cat >"$TP/prog.c" <<'EOF'
#include <stdlib.h>
struct dbgf_probe {     /* 24 bytes: 7-byte hole after a, 7 bytes tail */
    char a;
    long b;
    char c;
};
int main(int argc, char **argv)
{
    struct dbgf_probe *p = calloc(1, sizeof *p);
    p->a = (char)argc;
    p->b = argc;
    p->c = argv[0][0];
    int r = p->a + p->c > 0;
    free(p);
    return r;
}
EOF
PROBE="24 1 7 0 7 16"


# analyze TAG DB ARGS... : run analyze, which must succeed
analyze() {
    _tag=$1; _db=$2; shift 2
    rm -f "$_db"
    assert_status "[$_tag] analyze exit" 0 "$HOLEPROF" analyze -q "$@" -o "$_db"
    [ -f "$_db" ] || { fail "[$_tag] no database written"; return 1; }
}

# expect_found TAG DB HOW DEBUG_FILE BUILD_ID : the binaries row and the probe
expect_found() {
    assert_eq "[$1] debug_how" "$3" "$(q "$2" 'SELECT debug_how FROM binaries;')"
    assert_eq "[$1] debug_file" "$4" "$(q "$2" 'SELECT debug_file FROM binaries;')"
    assert_eq "[$1] build_id" "$5" "$(q "$2" 'SELECT coalesce(build_id, 0) FROM binaries;')"
    expect_type "$2" dbgf_probe "$PROBE"
}

cd "$TP" || die "cd $TP"
gcc -std=c11 -O0 -g -gz=none -Wl,--build-id -o full prog.c 2>cc.err \
    || die "gcc failed: $(head -c 400 cc.err)"
ID=$(build_id full)
[ -n "$ID" ] || die "gcc produced no build-id"
NN=$(printf %s "$ID" | cut -c1-2)
REST=$(printf %s "$ID" | cut -c3-)
objcopy --only-keep-debug full prog.debug
objcopy --strip-all full stripped
readelf -S stripped | grep -q '\.debug_info' && die "objcopy --strip-all left .debug_info"

# ---- embedded: the unstripped binary itself ----
analyze embedded e.db full
expect_found embedded e.db embedded full "$ID"

# ---- (a) build-id under --debug-dir ----
mkdir -p bid/.build-id/$NN
cp prog.debug bid/.build-id/$NN/$REST.debug
analyze build-id a.db --no-system-debug-dirs --debug-dir "$TP/bid" stripped
expect_found build-id a.db build-id "$TP/bid/.build-id/$NN/$REST.debug" "$ID"

# The first root holds a file under the right name but from another build:
# it must be skipped for the second root's real one.
gcc -std=c11 -O1 -g -Wl,--build-id -o other prog.c 2>cc.err \
    || die "gcc (other) failed: $(head -c 400 cc.err)"
OID=$(build_id other)
[ "$OID" != "$ID" ] || die "decoy has the same build-id"
mkdir -p decoy/.build-id/$NN
cp other decoy/.build-id/$NN/$REST.debug
analyze build-id-decoy a2.db --no-system-debug-dirs --debug-dir "$TP/decoy" \
    --debug-dir "$TP/bid" stripped
expect_found build-id-decoy a2.db build-id "$TP/bid/.build-id/$NN/$REST.debug" "$ID"

# Only the decoy: refused, and the message says why.
assert_status "[build-id decoy only] analyze exit" 2 \
    "$HOLEPROF" analyze -q --no-system-debug-dirs --debug-dir "$TP/decoy" stripped -o a3.db
assert_match "[build-id decoy only] message" "build-id differs" "$(cat "$T/err")"
assert_eq "[build-id decoy only] no database" no "$( [ -e a3.db ] && echo yes || echo no)"

# ---- (b) .gnu_debuglink: next to the binary, in .debug/, under ROOT/DIR ----
objcopy --strip-all --add-gnu-debuglink=prog.debug full linked
assert_eq "[debuglink] name stored" "prog.debug" \
    "$(readelf -p .gnu_debuglink linked | sed -n 's/^ *\[ *0\] *//p' | head -n 1)"

mkdir -p b1 b2/.debug b3 root3$TP/b3
cp linked b1/prog && cp prog.debug b1/prog.debug
cp linked b2/prog && cp prog.debug b2/.debug/prog.debug
cp linked b3/prog && cp prog.debug root3$TP/b3/prog.debug

analyze debuglink-here b1.db --no-system-debug-dirs b1/prog
expect_found debuglink-here b1.db debuglink "$TP/b1/prog.debug" "$ID"
analyze debuglink-.debug b2.db --no-system-debug-dirs b2/prog
expect_found debuglink-.debug b2.db debuglink "$TP/b2/.debug/prog.debug" "$ID"
analyze debuglink-root b3.db --no-system-debug-dirs --debug-dir "$TP/root3" b3/prog
expect_found debuglink-root b3.db debuglink "$TP/root3$TP/b3/prog.debug" "$ID"

# A symlink to the binary finds the debug file beside the real binary.
mkdir -p elsewhere && ln -s "$TP/b1/prog" elsewhere/prog
analyze debuglink-symlink b4.db --no-system-debug-dirs elsewhere/prog
expect_found debuglink-symlink b4.db debuglink "$TP/b1/prog.debug" "$ID"

# ---- (c) --debug-file ----
analyze given c.db --no-system-debug-dirs --debug-file "$TP/prog.debug" stripped
expect_found given c.db given "$TP/prog.debug" "$ID"
# --debug-file wins over embedded DWARF too
analyze given-over-embedded c2.db --debug-file "$TP/prog.debug" full
expect_found given-over-embedded c2.db given "$TP/prog.debug" "$ID"
# a --debug-file from another build is an error naming both build-ids
assert_status "[given mismatch] analyze exit" 2 \
    "$HOLEPROF" analyze -q --debug-file "$TP/other" stripped -o c3.db
assert_match "[given mismatch] names binary's id" "$ID" "$(cat "$T/err")"
assert_match "[given mismatch] names debug file's id" "$OID" "$(cat "$T/err")"
assert_eq "[given mismatch] one line" 1 "$(wc -l <"$T/err")"
assert_eq "[given mismatch] no database" no "$( [ -e c3.db ] && echo yes || echo no)"

# ---- (d) debuglink with a wrong CRC must not be used ----
mkdir -p d1 d2/.debug
cp linked d1/prog
cp prog.debug d1/prog.debug && printf 'x' >>d1/prog.debug   # same DWARF, other CRC
assert_status "[bad crc] analyze exit" 2 \
    "$HOLEPROF" analyze -q --no-system-debug-dirs d1/prog -o d1.db
assert_match "[bad crc] message" "CRC mismatch" "$(cat "$T/err")"
assert_match "[bad crc] advice" "-dbg" "$(cat "$T/err")"
assert_eq "[bad crc] no database" no "$( [ -e d1.db ] && echo yes || echo no)"
# a bad one next to the binary, a good one in .debug/: the good one wins
cp linked d2/prog
cp d1/prog.debug d2/prog.debug
cp prog.debug d2/.debug/prog.debug
analyze bad-crc-then-good d2.db --no-system-debug-dirs d2/prog
expect_found bad-crc-then-good d2.db debuglink "$TP/d2/.debug/prog.debug" "$ID"

# ---- (e) compressed DWARF ----
if gcc -std=c11 -O0 -g -gz=zlib -Wl,--build-id -o gz prog.c 2>cc.err; then
    assert_match "[gz=zlib] SHF_COMPRESSED .debug_info" \
        '\.debug_info .* C ' "$(readelf -SW gz | grep '\.debug_info' | sed 's/  */ /g')"
    analyze gz=zlib e1.db gz
    expect_found gz=zlib e1.db embedded gz "$(build_id gz)"
else
    fail "gcc -gz=zlib: $(head -c 400 cc.err)"
fi
objcopy --compress-debug-sections=zlib-gnu full zdebug
assert_eq "[zlib-gnu] has .zdebug_info" 1 "$(readelf -SW zdebug | grep -c '\.zdebug_info')"
analyze zlib-gnu e2.db zdebug
expect_found zlib-gnu e2.db embedded zdebug "$ID"
# a compressed separate debug file, as Debian's -dbgsym packages ship them
mkdir -p zbid/.build-id/$NN
objcopy --compress-debug-sections=zlib prog.debug zbid/.build-id/$NN/$REST.debug
analyze build-id-compressed e3.db --no-system-debug-dirs --debug-dir "$TP/zbid" stripped
expect_found build-id-compressed e3.db build-id "$TP/zbid/.build-id/$NN/$REST.debug" "$ID"

# ---- python3.11 (stripped) with python3.11-dbg: the real build-id tree ----
PY=/usr/bin/python3.11
PYID=$( [ -f $PY ] && build_id $PY )
PYDBG=$( [ -f $PY ] && debug_path $PY )
if [ -n "$PYID" ] && [ -f "$PYDBG" ]; then
    start=$(date +%s)
    rm -f py.db
    assert_status "[python3.11] analyze exit" 0 "$HOLEPROF" analyze -q $PY -o py.db
    echo "python3.11 analyze took $(( $(date +%s) - start )) s"
    assert_eq "[python3.11] debug_how" build-id "$(q py.db 'SELECT debug_how FROM binaries;')"
    assert_eq "[python3.11] debug_file" "$PYDBG" "$(q py.db 'SELECT debug_file FROM binaries;')"
    assert_eq "[python3.11] build_id" "$PYID" "$(q py.db 'SELECT build_id FROM binaries;')"
    assert_eq "[python3.11] PyObject present" 1 \
        "$(q py.db "SELECT count(*) > 0 FROM types WHERE name = '_object';")"
else
    echo "python3.11 or its debug file missing: python case not run"
fi

finish
