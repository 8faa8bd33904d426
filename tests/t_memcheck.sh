#!/bin/sh
# t_memcheck.sh -- analyze, show, query, top and diff under valgrind
# memcheck: no invalid read or write, no use of uninitialised values, no
# definite or indirect leak.
#
# Complements the ASan+UBSan suite: memcheck sees uninitialised reads
# (MSan-class bugs) and needs no rebuild.  A sanitizer build cannot run
# under valgrind, so the test skips there (the plain build runs it).
# Cases: the C fixture from gcc (DWARF 5) and clang (DWARF 4), analyzed
# with one and two threads, then every reader on the result.
. "${TOP_SRCDIR:-$(dirname "$0")/..}/tests/lib.sh"

need valgrind gcc clang
[ -x "$HOLEPROF" ] || die "holeprof not built: $HOLEPROF"
if grep -q -a -E '__asan_init|__ubsan_handle' "$HOLEPROF"; then
    skip "$HOLEPROF is a sanitizer build (valgrind cannot run it)"
fi

gcc -g -O2 -gdwarf-5 -o "$T/c5" "$FIXTURES/layouts.c" 2>"$T/cc.err" || die "gcc: $(head -c 300 "$T/cc.err")"
clang -g -O0 -gdwarf-4 -o "$T/c4" "$FIXTURES/layouts.c" 2>"$T/cc.err" || die "clang: $(head -c 300 "$T/cc.err")"

# vg WHAT CMD... : CMD under memcheck must exit 0 with no error
vg() {
    _w=$1; shift
    valgrind -q --tool=memcheck --error-exitcode=99 --leak-check=full \
        --show-leak-kinds=definite,indirect --errors-for-leak-kinds=definite,indirect \
        --track-origins=yes --log-file="$T/vg.log" "$@" >"$T/out" 2>"$T/err"
    _s=$?
    if [ $_s = 0 ]; then pass; else
        fail "[$_w] exit $_s under memcheck: $(grep -m3 -E '==[0-9]+== [A-Z]' "$T/vg.log" | tr '\n' ' ') $(head -c 200 "$T/err")"
    fi
    assert_eq "[$_w] memcheck log empty" "" "$(grep -v '^$' "$T/vg.log" | head -n 20)"
}

vg "analyze gcc -j1" "$HOLEPROF" analyze -q -j1 "$T/c5" -o "$T/c5.db"
vg "analyze clang -j2" "$HOLEPROF" analyze -q -j2 "$T/c4" -o "$T/c4.db"
vg "show" "$HOLEPROF" show "$T/c5.db" s_holes
assert_match "show printed the layout" "s_holes" "$(cat "$T/out")"
vg "query holes" "$HOLEPROF" query "$T/c5.db" holes
vg "query json" "$HOLEPROF" query "$T/c4.db" summary --format json
vg "top" "$HOLEPROF" top "$T/c5.db"
vg "diff" "$HOLEPROF" diff "$T/c4.db" "$T/c5.db"
# an error path: a corrupt file gives one line and frees everything
head -c 3000 "$T/c5" >"$T/trunc"
valgrind -q --tool=memcheck --error-exitcode=99 --leak-check=full \
    --show-leak-kinds=definite,indirect --errors-for-leak-kinds=definite,indirect \
    --log-file="$T/vg.log" "$HOLEPROF" analyze -q "$T/trunc" -o "$T/t.db" >"$T/out" 2>"$T/err"
assert_eq "truncated input: status 2 under memcheck" 2 "$?"
assert_eq "truncated input: memcheck log empty" "" "$(grep -v '^$' "$T/vg.log" | head -n 20)"
finish
