#!/bin/sh
# t_intent_evidence.sh -- what `top` may rank as a heap saving without a
# profile (issue 19, point 6): tests/fixtures/intent_evidence.c, built
# with gcc -g -O1 at test time.  What a reviewer of the ranking (someone
# who knows CPython's allocators) would accept, written down per type:
#   member_def  (PyMemberDef) a static table's element type: its typed
#               heap site asks for n x 48 bytes with n unknown and its
#               other site is a malloc(48) two structs could be.  No
#               evidence of a heap saving: never in the first section,
#               marked as a guess ('ambiguous only', '?').
#   other48     the other candidate of that malloc(48): the same.
#   varobj      malloc(sizeof *v + len), len known at run time only: the
#               request is not sizeof, so 'depends on n', no heap saving.
#   hot, hot2, hot3  allocated in loops, already packed: not listed at all;
#               with a DHAT profile they are the most allocated types,
#               and top says the hot objects have nothing to gain.
#   once        allocated once outside any loop: the only 'saves' (64 ->
#               40, glibc 80 -> 48, 32 bytes), and top says in one line
#               that there is nothing to gain in hot code.
. "${TOP_SRCDIR:-$(dirname "$0")/..}/tests/lib.sh"

need gcc sqlite3
[ -x "$HOLEPROF" ] || die "holeprof not built: $HOLEPROF"

gcc -g -O1 -o "$T/ev" "$FIXTURES/intent_evidence.c" || die "cannot compile the fixture"
"$HOLEPROF" analyze -q "$T/ev" -o "$T/db" || die "analyze failed"
DB=$T/db

v() { q "$DB" "SELECT verdict || '|' || section || '|' || coalesce(CAST(heap_saved AS INTEGER), 'NULL') FROM waste WHERE name = '$1'"; }
assert_eq "member_def: a static table's type, saving only from a size guess" "ambiguous only|2|8" "$(v member_def)"
assert_eq "other48: only a size guess" "ambiguous only|2|8" "$(v other48)"
assert_eq "varobj: request computed at run time, depends on n" "depends on n|2|NULL" "$(v varobj)"
assert_eq "once: the one typed saving" "saves|1|32" "$(v once)"
assert_eq "hot: nothing to reorder" "0" "$(q "$DB" "SELECT saving FROM waste WHERE name = 'hot'")"
assert_eq "typed_heap_saved: the typed part only" "0|32" \
    "$(q "$DB" "SELECT group_concat(CAST(typed_heap_saved AS INTEGER), '|') FROM (SELECT typed_heap_saved FROM waste WHERE name IN ('member_def', 'once') ORDER BY name)")"
assert_eq "varobj's site: request NULL (the allocator's size argument is not a constant)" "|" \
    "$(q "$DB" "SELECT coalesce(r.request, '') || '|' || coalesce(r.request_from, '') FROM site_rows r JOIN types t ON t.id = r.type_id WHERE t.name = 'varobj'")"

"$HOLEPROF" top "$DB" > "$T/top.txt" || fail "top failed"
first=$(sed -n '3,/^$/p' "$T/top.txt")
assert_match "top: once in the first section" '^ +1 +struct once ' "$first"
assert_eq "top: no guess in the first section" "" "$(printf '%s\n' "$first" | grep -E 'member_def|other48|varobj')"
assert_match "top: nothing to gain in hot code" \
    '^nothing to gain in hot code: the 1 type whose class shrinks is allocated only outside loops .*32 heap bytes' \
    "$(cat "$T/top.txt")"
assert_match "top: member_def marked as a guess" '^ +[0-9]+ +struct member_def .*static\? .*ambiguous only' \
    "$(sed -n '/^Raw savings only/,/^$/p' "$T/top.txt")"
assert_match "top: the ? footnote" '^\? built only from ambiguous sites' "$(cat "$T/top.txt")"

# a measured profile's counts are evidence too: with a DHAT run, top no
# longer says the savings are one-off guesses
if command -v valgrind >/dev/null 2>&1; then
    (cd "$T" && valgrind -q --tool=dhat --dhat-out-file="$T/ev.dhat" "$T/ev" >/dev/null 2>&1) ||
        die "valgrind failed"
    "$HOLEPROF" profile -q "$DB" "$T/ev.dhat" || fail "profile import failed"
    "$HOLEPROF" top "$DB" > "$T/topm.txt" || fail "top failed"
    assert_eq "measured: no 'nothing to gain in hot code'" "" "$(grep 'hot code' "$T/topm.txt")"
    assert_match "measured: the hot objects have nothing to gain" \
        '^nothing to gain in the hot objects: the most allocated types \(struct hot 1000, struct hot2 1000, struct hot3 1000, measured\) do not shrink; the types whose class shrinks take 0\.[0-9]+% of the measured allocations' \
        "$(cat "$T/topm.txt")"
    assert_eq "measured: once still saves, 1 allocation" "saves|1" \
        "$(q "$DB" "SELECT verdict || '|' || CAST(allocations AS INTEGER) FROM waste WHERE name = 'once'")"
fi

# top and worst.sql still agree
assert_top_worst "$DB"

finish
