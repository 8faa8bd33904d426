#!/bin/sh
# t_type_depth.sh -- how deep the type loader follows a type (DT_TYPE_DEPTH,
# 256 levels; issue 22): a chain of structs, each holding the next by
# value (S0 { char; double; }, Sk { char; struct Sk-1; }), is built by gcc
# and clang.  clang writes the outermost first, so its alignment is
# computed through the whole chain at once: before the fix the loader
# stopped at 64 levels and called the rest aligned to 1, so a 70-struct
# chain had S5..S69 at align 1 with an "optimal" size 7 bytes below their
# size (a saving that does not exist, ranked by top).  Now a 70-chain is
# right from either compiler, and a 300-chain from clang (past the limit)
# leaves the structs whose alignment was not computed incomplete
# (TF_DEEP | TF_INCOMPLETE), said in the one `types incomplete` line with
# the first one's name and DIE offset, not ranked, and `show` says why;
# every struct it does give a layout for has the right one.
. "${TOP_SRCDIR:-$(dirname "$0")/..}/tests/lib.sh"

need gcc clang python3 sqlite3 readelf
[ -x "$HOLEPROF" ] || die "holeprof not built: $HOLEPROF"

chain() {
    python3 - "$1" >"$T/chain$1.c" <<'PY' || die "cannot write the fixture"
import sys
n = int(sys.argv[1])
out = ["#include <stdlib.h>", "struct S0 { char c; double d; };"]
out += ["struct S%d { char c; struct S%d s; };" % (i, i - 1) for i in range(1, n)]
out += ["struct waste { char a; long b; char c; };",
        "struct S%d *g; struct waste *w;" % (n - 1),
        "int main(int argc, char **argv) {",
        "    (void)argv;",
        "    g = malloc(sizeof *g); w = malloc(sizeof *w);",
        "    g->c = (char)argc; w->a = g->c;",
        "    return g->c + w->a;",
        "}"]
print("\n".join(out))
PY
}

# S_k: size 16 + 8k, align 8, one 7-byte hole, nothing to gain by reordering
right_rows() {
    q "$1" "SELECT count(*) FROM types WHERE name GLOB 'S[0-9]*' AND NOT incomplete
              AND size = 16 + 8 * CAST(substr(name, 2) AS INTEGER)
              AND align = 8 AND holes = 1 AND hole_bytes = 7 AND tail_padding = 0
              AND optimal_size = size;"
}

chain 70
for cc in gcc clang; do
    $cc -g -O0 -o "$T/c70$cc" "$T/chain70.c" || die "$cc cannot build the fixture"
    assert_status "[70 $cc] analyze" 0 "$HOLEPROF" analyze "$T/c70$cc" -o "$T/c70$cc.db"
    assert_eq "[70 $cc] every struct of the chain has its layout" 70 "$(right_rows "$T/c70$cc.db")"
    if grep -q 'types incomplete' "$T/err"; then fail "[70 $cc] $(cat "$T/err")"; else pass; fi
    assert_status "[70 $cc] top" 0 "$HOLEPROF" top -n 0 -f csv "$T/c70$cc.db"
    assert_eq "[70 $cc] top ranks the real waste only" "waste" \
        "$(cut -d, -f4 "$T/out" | sed 1d | tr '\n' ' ' | sed 's/ $//')"
done

chain 300
gcc -g -O0 -o "$T/c300gcc" "$T/chain300.c" || die "gcc cannot build the fixture"
assert_status "[300 gcc] analyze" 0 "$HOLEPROF" analyze -q "$T/c300gcc" -o "$T/c300gcc.db"
# gcc writes the innermost first: each level is one step from the last
assert_eq "[300 gcc] every struct of the chain has its layout" 300 "$(right_rows "$T/c300gcc.db")"

clang -g -O0 -o "$T/c300" "$T/chain300.c" || die "clang cannot build the fixture"
assert_status "[300 clang] analyze" 0 "$HOLEPROF" analyze "$T/c300" -o "$T/c300.db"
nin=$(q "$T/c300.db" "SELECT count(*) FROM types WHERE incomplete;")
assert_eq "[300 clang] the incomplete ones are TF_DEEP (0x80000) with TF_INCOMPLETE, NULL numbers" \
    "$nin" "$(q "$T/c300.db" "SELECT count(*) FROM types WHERE flags & 526336 = 526336
                                AND holes IS NULL AND optimal_size IS NULL;")"
assert_eq "[300 clang] what is not incomplete is right" "$((300 - nin))" "$(right_rows "$T/c300.db")"
# the outermost needs all 299 levels below it; the innermost ones are
# within the limit from wherever they are met first
if [ "$(type_row "$T/c300.db" S299 incomplete)" = 1 ] &&
   [ "$(type_row "$T/c300.db" S40 incomplete)" = 0 ]; then pass
else fail "[300 clang] $nin incomplete; S299 $(type_row "$T/c300.db" S299 incomplete), S40 $(type_row "$T/c300.db" S40 incomplete)"; fi
die_off=$(struct_die "$T/c300" S299)
[ -n "$die_off" ] || die "readelf shows no DIE for S299"
assert_eq "[300 clang] one incomplete line: the depth limit, the first type and its DIE" \
    "holeprof: $T/c300: $nin types incomplete: member types nested deeper than the limit of 256 or with more than 65536 members (first: S299, DIE 0x$die_off)" \
    "$(grep 'types incomplete' "$T/err")"
assert_status "[300 clang] top" 0 "$HOLEPROF" top -n 0 -f csv "$T/c300.db"
assert_eq "[300 clang] top ranks the real waste only" "waste" \
    "$(cut -d, -f4 "$T/out" | sed 1d | tr '\n' ' ' | sed 's/ $//')"
assert_status "[300 clang] show S299" 0 "$HOLEPROF" show "$T/c300.db" S299
assert_match "[300 clang] show: why it is incomplete" \
    "holes and padding unknown \\(incomplete: a member's type nests deeper than holeprof follows\\)" \
    "$(cat "$T/out")"
assert_match "[300 clang] show: the flag" '^/\* flags: .*member types nested too deep to follow' \
    "$(cat "$T/out")"

finish
