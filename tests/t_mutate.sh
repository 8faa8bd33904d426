#!/bin/sh
# t_mutate.sh -- hundreds of damaged real binaries: holeprof must refuse
# them cleanly or read them, never crash, hang or leave a database behind.
#
# Four real fixtures (gcc -O2 DWARF 5, clang -O0 DWARF 4, g++ C++,
# gcc with zlib-compressed DWARF) are mutated by tests/mutate.py with a
# fixed seed: truncations at many offsets, bit flips in the ELF header, the
# section table, .debug_info, .debug_abbrev, .debug_str, .debug_line,
# .debug_rnglists, .text and the symbol table, section sizes and offsets
# past the end (and wrapping 64 bits), zero-length sections, wrong class,
# byte order, machine and header geometry.  A fifth set mutates a
# separate debug file read through --debug-file.  For every case:
#   - exit status 0 or 2 (no signal, no other status, no hang: 120 s cap)
#   - no sanitizer report (meaningful in the --enable-sanitizers build)
#   - status 2: exactly one line on stderr, "holeprof: ...", and nothing
#     left in the output directory (neither the db nor a temporary file)
#   - status 0: the database exists and passes PRAGMA quick_check
#   - peak RSS under 512 MB (with GNU time; a file claiming huge sizes must
#     not make holeprof allocate them), including compressed sections whose
#     header claims 1 GB, 1 TB, 0 or one byte less than the truth
# Cases run two at a time.  MUTATE_SEED picks another seed (default 1).
. "${TOP_SRCDIR:-$(dirname "$0")/..}/tests/lib.sh"

need gcc g++ clang python3 sqlite3 objcopy timeout
[ -x "$HOLEPROF" ] || die "holeprof not built: $HOLEPROF"

fx=$FIXTURES
mkdir -p "$T/base" "$T/m" "$T/d" "$T/o"
build() { _o=$1; shift; "$@" -o "$T/base/$_o" 2>"$T/cc.err" || die "$* failed: $(head -c 400 "$T/cc.err")"; }
build gcc5   gcc -g -O2 -gdwarf-5 "$fx/layouts.c"
build clang4 clang -g -O0 -gdwarf-4 "$fx/layouts.c"
build cxx    g++ -g -O1 "$fx/layouts.cc"
build gz     gcc -g -O1 -gz=zlib "$fx/dedup_a.c" "$fx/dedup_b.c"
# a stripped binary and its debug file (the debug file gets mutated)
build split  gcc -g -O0 -Wl,--build-id "$fx/layouts.c"
objcopy --only-keep-debug "$T/base/split" "$T/base/split.debug"
objcopy --strip-debug "$T/base/split" "$T/base/split.stripped"

seed=${MUTATE_SEED:-1}
python3 "$TOP_SRCDIR/tests/mutate.py" "$T/m" "$seed" gcc5="$T/base/gcc5" \
    clang4="$T/base/clang4" cxx="$T/base/cxx" gz="$T/base/gz" >"$T/n1" ||
    die "mutate.py failed"
python3 "$TOP_SRCDIR/tests/mutate.py" "$T/d" "$seed" dbg="$T/base/split.debug" >"$T/n2" ||
    die "mutate.py failed"

# GNU time measures peak RSS; without it the RSS check is skipped
TIMECMD=""
if [ -x /usr/bin/time ] && /usr/bin/time -f %M -o "$T/rss" true 2>/dev/null; then
    TIMECMD="/usr/bin/time -f %M -o"
else
    echo "note: no GNU time, peak RSS not checked"
fi

# one CASE: run analyze, print "NAME STATUS" and the problems found, if any
run_case() {
    _f=$1; _n=$(basename "$_f"); _o=$T/o/$_n
    mkdir -p "$_o"
    case $_n in
        dbg-*) timeout 120 $TIMECMD ${TIMECMD:+"$_o.rss"} "$HOLEPROF" analyze -q --debug-file "$_f" "$T/base/split.stripped" \
                   -o "$_o/x.db" >"$_o.out" 2>"$_o.err" ;;
        *)     timeout 120 $TIMECMD ${TIMECMD:+"$_o.rss"} "$HOLEPROF" analyze -q "$_f" -o "$_o/x.db" >"$_o.out" 2>"$_o.err" ;;
    esac
    _s=$?
    _p=""
    case $_s in
        0)  if [ ! -f "$_o/x.db" ]; then _p="$_p no-db"
            elif [ "$(sqlite3 -batch "$_o/x.db" 'PRAGMA quick_check;' 2>&1)" != ok ]; then
                _p="$_p db-not-ok"; fi ;;
        2)  [ "$(wc -l <"$_o.err")" = 1 ] || _p="$_p stderr-lines=$(wc -l <"$_o.err")"
            [ "$(cut -c1-10 "$_o.err" | head -n 1)" = "holeprof: " ] || _p="$_p not-holeprof:"
            [ -z "$(ls -A "$_o")" ] && [ ! -s "$_o.out" ] || _p="$_p left:$(ls -A "$_o" | tr '\n' ,)" ;;
        124) _p="$_p hang" ;;
        *)  _p="$_p status=$_s" ;;
    esac
    grep -qE 'Sanitizer|runtime error' "$_o.err" && _p="$_p sanitizer"
    if [ -s "$_o.rss" ] && [ "$(tail -n 1 "$_o.rss")" -gt 524288 ] 2>/dev/null; then
        _p="$_p rss=$(tail -n 1 "$_o.rss")KB"
    fi
    if [ -n "$_p" ]; then
        echo "$_n $_s$_p :: $(head -c 300 "$_o.err" | tr '\n' ' ')"
    else
        echo "$_n $_s"
    fi
    rm -rf "$_o" "$_o.out" "$_o.err" "$_o.rss"
}

ls "$T"/m/* "$T"/d/* >"$T/all"
total=$(wc -l <"$T/all")
split -n l/2 "$T/all" "$T/part."
for p in "$T"/part.*; do
    ( while read -r f; do run_case "$f"; done <"$p" >"$p.res" ) &
done
wait

cat "$T"/part.*.res >"$T/results"
ran=$(wc -l <"$T/results")
assert_eq "every mutated case ran" "$total" "$ran"
[ "$ran" -ge 500 ] && pass || fail "only $ran mutated cases (want >= 500)"
ok=0 refused=0
while read -r name st rest; do
    if [ -n "$rest" ]; then
        fail "$name: $st$rest"
    else
        pass
        case $st in 0) ok=$((ok + 1)) ;; 2) refused=$((refused + 1)) ;; esac
    fi
done <"$T/results"
echo "mutated cases: $ran ($ok read, $refused refused cleanly), seed $seed"
# the unmutated bases must still read (else every case would be a refusal)
for b in gcc5 clang4 cxx gz; do
    assert_status "unmutated $b" 0 "$HOLEPROF" analyze -q "$T/base/$b" -o "$T/base/$b.db"
done
[ "$ok" -gt 0 ] && pass || fail "no mutated case was read at all"
finish
