#!/bin/sh
# t_diff.sh -- `holeprof diff` on one C program built twice, and
# queries/diff.sql giving the same type-level numbers in the sqlite3 CLI.
#
# The fixture is written here so the two versions sit side by side: V2
# reorders `reordered` (24 -> 16 bytes), adds a member to `grows` (8 -> 12,
# a 3-byte hole), widens a member of `resized` (4 -> 8), removes `gone`,
# adds `fresh`, keeps `same`, and adds a calloc site in main.  FIX only
# reorders `reordered`, so it improves without regressing.  Expected
# numbers are from the x86-64 SysV ABI (pahole agrees).
. "${TOP_SRCDIR:-$(dirname "$0")/..}/tests/lib.sh"

need sqlite3 python3 gcc
[ -x "$HOLEPROF" ] || die "holeprof not built: $HOLEPROF"

cat > "$T/fx.c" <<'EOF'
#include <stdlib.h>
struct reordered {
#if defined V2 || defined FIX
    long b; char a; char c;
#else
    char a; long b; char c;
#endif
};
struct grows {
#ifdef V2
    int x; char flag; int y;
#else
    int x; int y;
#endif
};
#ifndef V2
struct gone { int a; char b; };
struct gone g_gone;
#else
struct fresh { char a; int b; };
struct fresh g_fresh;
#endif
struct same { long a; int b; };
struct resized {
#ifdef V2
    int a; short b;
#else
    short a; short b;
#endif
};
struct reordered g_r; struct grows g_g; struct same g_s; struct resized g_z;
int main(int argc, char **argv)
{
    struct reordered *r = malloc(sizeof *r);
#ifdef V2
    struct grows *g = calloc((size_t)argc, sizeof *g);   /* site added */
    free(g);
#endif
    free(r);
    (void)argv;
    return 0;
}
EOF
cat > "$T/other.c" <<'EOF'
struct other { char c; double d; };
struct other g_o;
int main(void) { return 0; }
EOF
mkdir -p "$T/old" "$T/new" "$T/fix"
gcc -g -O0 -o "$T/old/prog" "$T/fx.c" || die "cannot build fixture"
gcc -g -O0 -DV2 -o "$T/new/prog" "$T/fx.c" || die "cannot build fixture"
gcc -g -O0 -DFIX -o "$T/fix/prog" "$T/fx.c" || die "cannot build fixture"
gcc -g -O0 -o "$T/old/other" "$T/other.c" && cp "$T/old/other" "$T/new/other" ||
    die "cannot build fixture"
# strip DB OUT: a copy without allocation data of any kind, so the exact
# unweighted numbers below hold whatever sites the analyzer finds (the
# real sites are checked on the full databases further down).
strip() {
    cp "$1" "$2" && q "$2" "DROP VIEW IF EXISTS waste; DROP TABLE IF EXISTS site_counts;
        DROP TABLE IF EXISTS site_candidates; DROP TABLE IF EXISTS sites;" ||
        die "cannot strip $1"
}
for v in old new fix; do
    "$HOLEPROF" analyze -q "$T/$v/prog" -o "$T/$v-full.db" || die "analyze $v failed"
    strip "$T/$v-full.db" "$T/$v.db"
done

# "change kind name old_size new_size old_waste new_waste impact" per type
types_of() {
    python3 - "$1" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
for t in d["types"]:
    o, n = t["old"] or {}, t["new"] or {}
    print(t["change"], t["kind"], t["name"], o.get("size", "-"), n.get("size", "-"),
          o.get("waste", "-"), n.get("waste", "-"), t["impact"])
EOF
}
# "type member change old_offset new_offset old_size new_size" per member change
members_of_diff() {
    python3 - "$1" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
for t in d["types"]:
    for m in t["members"]:
        o, n = m["old"] or {}, m["new"] or {}
        print(t["name"], m["name"], m["change"], o.get("offset", "-"), n.get("offset", "-"),
              o.get("size", "-"), n.get("size", "-"))
EOF
}
jfield() {
    python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"
}

# ---- the type-level diff, in JSON ----
assert_status "diff old new (json)" 0 "$HOLEPROF" diff "$T/old.db" "$T/new.db" --format json
cp "$T/out" "$T/d.json"
assert_eq "diff json is valid JSON" ok "$(python3 -c 'import json,sys; json.load(open(sys.argv[1])); print("ok")' "$T/d.json" 2>&1)"
# Impact order: |d size| + |d waste|; ties by name.
assert_eq "changed types, impact order" "shrank struct reordered 24 16 14 6 16
added struct fresh - 8 - 3 11
removed struct gone 8 - 3 - 11
grew struct grows 8 12 0 3 7
grew struct resized 4 8 0 2 6" "$(types_of "$T/d.json")"
assert_eq "summary" "{'changed': 3, 'added': 1, 'removed': 1, 'unchanged': 1}" \
    "$(jfield "$T/d.json" 'd["summary"]')"
assert_eq "regression flags" "[False, False, False, True, True]" \
    "$(jfield "$T/d.json" '[t["regression"] for t in d["types"]]')"
assert_eq "reordered details" "1 0 7 0 7 6 16 16" \
    "$(jfield "$T/d.json" '" ".join(str(x) for t in d["types"] if t["name"]=="reordered" for x in (t["old"]["holes"], t["new"]["holes"], t["old"]["hole_bytes"], t["new"]["hole_bytes"], t["old"]["tail_padding"], t["new"]["tail_padding"], t["old"]["optimal_size"], t["new"]["optimal_size"]))')"
assert_eq "member changes" "reordered a moved 0 8 1 1
reordered b moved 8 0 8 8
reordered c moved 16 9 1 1
grows y moved 4 8 4 4
grows flag added - 4 - 1
resized a resized 0 0 2 4
resized b moved 2 4 2 2" "$(members_of_diff "$T/d.json")"
assert_eq "totals old" "{'types': 5, 'size': 60, 'waste': 21, 'hole_bytes': 7, 'tail_padding': 14, 'saving': 8, 'sites': $(jfield "$T/d.json" 'd["totals"]["old"]["sites"]'), 'weighted_waste': 21}" \
    "$(jfield "$T/d.json" 'd["totals"]["old"]')"
assert_eq "totals new waste" "18" "$(jfield "$T/d.json" 'd["totals"]["new"]["waste"]')"
assert_eq "verdict without --fail-on" "0 None" \
    "$(jfield "$T/d.json" 'str(d["verdict"]["status"]) + " " + str(d["verdict"]["reason"])')"

# ---- table form ----
assert_status "diff old new (table)" 0 "$HOLEPROF" diff "$T/old.db" "$T/new.db"
assert_match "table header" '^change +kind +name +size +waste' "$(cat "$T/out")"
assert_match "table row reordered" '^shrank +struct +reordered +24->16 +14->6 ' "$(cat "$T/out")"
assert_match "table row fresh" '^added +struct +fresh +8 +3 ' "$(cat "$T/out")"
assert_match "table member row" '^struct grows +flag +added +- +4\+1 +char' "$(cat "$T/out")"
assert_match "table totals" '^waste \(holes \+ tail padding\) +21 +18 +-3$' "$(cat "$T/out")"

# ---- the real sites, when analyze records them ----
assert_eq "sites null without a sites table" None "$(jfield "$T/d.json" 'd["sites"]')"
assert_match "note says sites skipped" "no sites table in either database: site changes skipped" "$(jfield "$T/d.json" 'd["notes"]')"
if [ "$(q "$T/new-full.db" "SELECT count(*) FROM sqlite_schema WHERE name = 'sites'")" = 1 ]; then
    assert_status "diff with the analyzer's sites" 0 "$HOLEPROF" diff "$T/old-full.db" "$T/new-full.db" -f json
    cp "$T/out" "$T/f.json"
    line=$(grep -n 'site added' "$T/fx.c" | cut -d: -f1)
    assert_eq "site added: calloc in main at line $line" "added main $line calloc" \
        "$(jfield "$T/f.json" '"\n".join("%s %s %s %s" % (s["change"], s["function"], s["new_line"], s["allocator"]) for s in d["sites"])')"
    # Weights may reorder the list, never change the per-type numbers.
    assert_eq "same type numbers with sites" "$(types_of "$T/d.json" | cut -d' ' -f1-7 | sort)" \
        "$(types_of "$T/f.json" | cut -d' ' -f1-7 | sort)"
fi

# ---- site matching and allocation weights, on hand-made sites ----
# Copies of the databases get a sites table with known rows (any real one
# is replaced), so the matching rules are pinned whatever the analyzer
# finds: same function+line with another pc is the same site; same
# function, allocator and type on another line than the rest of its
# function shifted by has moved (helper's realloc stays, its malloc goes
# from 10 to 12); same line with another type has changed.  static_weight
# makes the diff weigh waste by allocations.
mksites() {    # DB ROWS...  (function|line|allocator|type|weight|pc)
    _db=$1; shift
    q "$_db" "DROP VIEW IF EXISTS waste; DROP TABLE IF EXISTS site_counts;
              DROP TABLE IF EXISTS site_candidates; DROP TABLE IF EXISTS sites;
              CREATE TABLE sites(id INTEGER PRIMARY KEY, binary_id INTEGER, pc INTEGER,
                  function TEXT, file TEXT, line INTEGER, allocator TEXT, type_id INTEGER,
                  static_weight REAL);" || die "cannot make sites"
    for _r in "$@"; do
        IFS='|' read -r _f _l _a _t _w _pc <<EOF
$_r
EOF
        q "$_db" "INSERT INTO sites(binary_id, pc, function, file, line, allocator, type_id, static_weight)
                  VALUES (1, $_pc, '$_f', '$T/fx.c', $_l, '$_a',
                          (SELECT id FROM types WHERE name = '$_t'), $_w)" || die "cannot add site"
    done
}
cp "$T/old.db" "$T/olds.db"
cp "$T/new.db" "$T/news.db"
mksites "$T/olds.db" "main|40|malloc|reordered|8|4096" "helper|10|malloc|grows|1|4200" \
    "helper|30|realloc|reordered|0|4250" \
    "gone_fn|20|calloc|gone|1|4300" "main|50|malloc|same|1|4400"
mksites "$T/news.db" "main|40|malloc|reordered|8|8192" "helper|12|malloc|grows|1|8200" \
    "helper|30|realloc|reordered|0|8250" \
    "main|42|calloc|grows|1|8300" "main|50|malloc|resized|1|8400"
assert_status "diff with sites" 0 "$HOLEPROF" diff "$T/olds.db" "$T/news.db" -f json
cp "$T/out" "$T/s.json"
assert_eq "site changes" "moved helper 10 12 malloc grows grows
removed gone_fn 20 None calloc gone None
changed main 50 50 malloc same resized
added main None 42 calloc None grows" \
    "$(jfield "$T/s.json" '"\n".join("%s %s %s %s %s %s %s" % (s["change"], s["function"], s["old_line"], s["new_line"], s["allocator"], (s["old_type"] or "None").split()[-1], (s["new_type"] or "None").split()[-1]) for s in d["sites"])')"
assert_eq "weighted by static weights" "allocations static site weights (sites.static_weight)" \
    "$(jfield "$T/s.json" 'd["weighting"] + " " + d["new"]["allocation_data"]')"
# waste x allocations: old 14x8 + 0x1 + 3x1 + 4x1 = 119; new 6x8 + 3x2 + 2x1 = 56.
assert_eq "weighted totals" "119 56" \
    "$(jfield "$T/s.json" '"%s %s" % (d["totals"]["old"]["weighted_waste"], d["totals"]["new"]["weighted_waste"])')"
# impact = |d(size x allocs)| + |d(waste x allocs)|; `same` changed only in
# allocations (1 -> 0), `fresh` has none.
assert_eq "weighted impact order" "reordered 128 8 8
grows 22 1 2
same 20 1 0
gone 11 1 -
resized 10 0 1
fresh 0 - 0" \
    "$(jfield "$T/s.json" '"\n".join("%s %s %s %s" % (t["name"], t["impact"], (t["old"] or {}).get("allocations", "-"), (t["new"] or {}).get("allocations", "-")) for t in d["types"])')"
assert_status "weighted table" 0 "$HOLEPROF" diff "$T/olds.db" "$T/news.db"
assert_match "sites table rows" '^moved +helper +fx\.c:10 +fx\.c:12 +malloc +struct grows$' "$(cat "$T/out")"
assert_match "weighted totals row" '^weighted waste \(x allocations\) +119 +56 +-63$' "$(cat "$T/out")"
assert_status "sites only in NEW" 0 "$HOLEPROF" diff "$T/old.db" "$T/news.db" -f json
cp "$T/out" "$T/s1.json"
assert_match "one-sided sites: skipped with a note" 'sites table only in NEW: site changes skipped' "$(jfield "$T/s1.json" 'd["notes"]')"
assert_match "one-sided weights: unweighted with a note" 'allocation data only in NEW' "$(jfield "$T/s1.json" 'd["notes"]')"
assert_eq "one-sided: unweighted" "none None" "$(jfield "$T/s1.json" 'd["weighting"] + " " + str(d["sites"])')"

# Class bytes and scores, as the ranking stage stores them (a `waste`
# view), take precedence over site weights.
for v in olds news; do
    q "$T/$v.db" "CREATE VIEW waste AS SELECT id AS type_id, 10 AS allocations,
                    size + 16 AS class_now, optimal_size + 16 AS class_after,
                    (size - optimal_size) * 10 AS score FROM types" || die "cannot add view"
done
assert_status "diff with scores" 0 "$HOLEPROF" diff "$T/olds.db" "$T/news.db" -f json
cp "$T/out" "$T/w.json"
assert_eq "reordered: class bytes and score" "40 32 80 0 10 10" \
    "$(jfield "$T/w.json" '" ".join(str(x) for t in d["types"] if t["name"] == "reordered" for x in (t["old"]["class_now"], t["new"]["class_now"], t["old"]["score"], t["new"]["score"], t["old"]["allocations"], t["new"]["allocations"]))')"
assert_eq "score totals" "80 0" "$(jfield "$T/w.json" '"%s %s" % (d["totals"]["old"]["score"], d["totals"]["new"]["score"])')"
assert_status "scores in the table" 0 "$HOLEPROF" diff "$T/olds.db" "$T/news.db"
assert_match "class_bytes and score columns" '^shrank +struct +reordered +24->16 .* 10->10 +40->32 +80->0$' "$(cat "$T/out")"

# ---- exit codes of the gates ----
assert_status "identical: no regression" 0 "$HOLEPROF" diff "$T/old.db" "$T/old.db" --fail-on-regression
assert_match "identical: nothing changed" 'types: 0 changed, 0 added, 0 removed, 5 unchanged' "$(cat "$T/out")"
assert_status "old->new regresses" 1 "$HOLEPROF" diff "$T/old.db" "$T/new.db" --fail-on-regression
assert_eq "one line on stderr" 1 "$(wc -l < "$T/err")"
assert_match "why it failed" '^holeprof: regression: 2 types grew in size or waste \(worst: struct grows, size 8->12, waste 0->3\)$' "$(cat "$T/err")"
assert_status "old->fix only improves" 0 "$HOLEPROF" diff "$T/old.db" "$T/fix.db" --fail-on-regression
assert_status "fix->old: reordered grows back" 1 "$HOLEPROF" diff "$T/fix.db" "$T/old.db" --fail-on-regression
assert_match "fix->old reason" 'struct reordered, size 16->24, waste 6->14\); total waste \(bytes\) grew from 13 to 21' "$(cat "$T/err")"
assert_status "growth 4 > 3" 1 "$HOLEPROF" diff "$T/old.db" "$T/new.db" --fail-on-growth 3
assert_match "growth reason" '^holeprof: growth over 3 bytes: 2 types \(worst: struct grows grew 8->12, \+4\)$' "$(cat "$T/err")"
assert_status "growth 4 is not > 4" 0 "$HOLEPROF" diff "$T/old.db" "$T/new.db" --fail-on-growth 4
assert_status "both gates, json" 1 "$HOLEPROF" diff "$T/old.db" "$T/new.db" --fail-on-growth 0 --fail-on-regression -f json
cp "$T/out" "$T/g.json"
assert_eq "json verdict status" 1 "$(jfield "$T/g.json" 'd["verdict"]["status"]')"
assert_match "json verdict reason" '^regression: .*; growth over 0 bytes: 2 types' "$(jfield "$T/g.json" 'd["verdict"]["reason"]')"

# ---- errors are status 2, one line ----
assert_status "missing database" 2 "$HOLEPROF" diff "$T/old.db" "$T/nope.db"
assert_match "missing database message" 'nope\.db: No such file' "$(cat "$T/err")"
printf 'not a database' > "$T/junk.db"
assert_status "not a database" 2 "$HOLEPROF" diff "$T/junk.db" "$T/new.db"
cp "$T/new.db" "$T/future.db"
q "$T/future.db" "PRAGMA user_version = 99" >/dev/null
assert_status "other schema version refused" 2 "$HOLEPROF" diff "$T/old.db" "$T/future.db"
assert_match "version message" 'schema version 99' "$(cat "$T/err")"
assert_status "csv is not a diff format" 2 "$HOLEPROF" diff "$T/old.db" "$T/new.db" -f csv
assert_status "bad growth" 2 "$HOLEPROF" diff "$T/old.db" "$T/new.db" --fail-on-growth -1
# damaged rows are errors, never arithmetic on garbage
cp "$T/new.db" "$T/dmg.db"
q "$T/dmg.db" "UPDATE types SET size = 1 << 60 WHERE name = 'grows'"
assert_status "absurd size" 2 "$HOLEPROF" diff "$T/old.db" "$T/dmg.db"
assert_match "absurd size message" 'dmg\.db: damaged database: type id [0-9]+ has value 1152921504606846976 out of range' "$(cat "$T/err")"
cp "$T/new.db" "$T/dmg.db"
q "$T/dmg.db" "UPDATE types SET binary_id = 77 WHERE name = 'grows'"
assert_status "dangling binary id" 2 "$HOLEPROF" diff "$T/old.db" "$T/dmg.db"
assert_match "dangling message" 'names binary 77, which does not exist' "$(cat "$T/err")"
cp "$T/new.db" "$T/dmg.db"
q "$T/dmg.db" "DROP TABLE members"
assert_status "missing table" 2 "$HOLEPROF" diff "$T/old.db" "$T/dmg.db"
# read-only: diff never changes its inputs
sum_before=$(cksum < "$T/old.db")
"$HOLEPROF" diff "$T/old.db" "$T/new.db" >/dev/null
assert_eq "old.db untouched" "$sum_before" "$(cksum < "$T/old.db")"

# ---- queries/diff.sql in the sqlite3 CLI agrees with holeprof diff ----
sqlcols=$(sqlite3 -batch -noheader -separator '|' \
    -cmd "ATTACH 'file:$T/old.db?mode=ro' AS old" -cmd "ATTACH 'file:$T/new.db?mode=ro' AS new" \
    :memory: < "$TOP_SRCDIR/queries/diff.sql" | grep -v '^old|\|^new|' |
    awk -F'|' '{ print $1, $2, $3, ($5 == "" ? "-" : $5), ($6 == "" ? "-" : $6), ($7 == "" ? "-" : $7), ($8 == "" ? "-" : $8), $17 }')
assert_eq "diff.sql columns = holeprof diff" "$(types_of "$T/d.json")" "$sqlcols"
assert_eq "diff.sql totals = holeprof diff" \
    "old 5 60 21 7 14 8
new $(jfield "$T/d.json" '" ".join(str(d["totals"]["new"][k]) for k in ("types","size","waste","hole_bytes","tail_padding","saving"))')" \
    "$(sqlite3 -batch -noheader -separator ' ' \
        -cmd "ATTACH 'file:$T/old.db?mode=ro' AS old" -cmd "ATTACH 'file:$T/new.db?mode=ro' AS new" \
        :memory: < "$TOP_SRCDIR/queries/diff.sql" | grep '^old \|^new ')"

# ---- several binaries per database: paired by name; --binary narrows ----
for v in old new; do
    "$HOLEPROF" analyze -q "$T/$v/prog" "$T/$v/other" -o "$T/${v}2-full.db" || die "analyze 2 $v failed"
    strip "$T/${v}2-full.db" "$T/${v}2.db"
done
assert_status "two binaries each side" 0 "$HOLEPROF" diff "$T/old2.db" "$T/new2.db" -f json
cp "$T/out" "$T/d2.json"
assert_eq "two binaries: same changes, binary named" \
    "$(types_of "$T/d.json" | sed 's/$/ prog/')" \
    "$(python3 -c 'import json,sys
d = json.load(open(sys.argv[1]))
for t in d["types"]:
    o, n = t["old"] or {}, t["new"] or {}
    print(t["change"], t["kind"], t["name"], o.get("size", "-"), n.get("size", "-"), o.get("waste", "-"), n.get("waste", "-"), t["impact"], t["binary"])' "$T/d2.json")"
assert_eq "two binaries: other unchanged" 2 "$(jfield "$T/d2.json" 'd["summary"]["unchanged"]')"
sqlcols2=$(sqlite3 -batch -noheader -separator '|' \
    -cmd "ATTACH 'file:$T/old2.db?mode=ro' AS old" -cmd "ATTACH 'file:$T/new2.db?mode=ro' AS new" \
    :memory: < "$TOP_SRCDIR/queries/diff.sql" | grep -v '^old|\|^new|' |
    awk -F'|' '{ print $1, $2, $3, ($5 == "" ? "-" : $5), ($6 == "" ? "-" : $6), ($7 == "" ? "-" : $7), ($8 == "" ? "-" : $8), $17, $4 }')
assert_eq "diff.sql pairs binaries the same way" "$(types_of "$T/d.json" | sed 's/$/ prog/')" "$sqlcols2"
assert_status "--binary prog" 0 "$HOLEPROF" diff "$T/old2.db" "$T/new2.db" --binary prog -f json
assert_eq "--binary prog = single-binary diff" "$(types_of "$T/d.json")" "$(types_of "$T/out")"
assert_status "--binary other: nothing changed" 0 "$HOLEPROF" diff "$T/old2.db" "$T/new2.db" --binary other --fail-on-regression
assert_match "--binary other summary" 'types: 0 changed, 0 added, 0 removed, 1 unchanged' "$(cat "$T/out")"
assert_status "--binary unknown" 2 "$HOLEPROF" diff "$T/old2.db" "$T/new2.db" --binary nosuch
assert_match "--binary unknown lists binaries" "no binary matches 'nosuch' \\(binaries: 1 .*/prog, 2 .*/other\\)" "$(cat "$T/err")"

finish
