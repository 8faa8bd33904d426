#!/bin/sh
# t_db_scale.sh -- the ranking views cost what the rows they answer cost
# (issue 22).  A database of the sites fixture is grown here with the
# sqlite3 CLI (recursive CTEs) to 220k sites -- 20k copies of each typed
# site and 20k ambiguous sites with eight candidates each -- and then by
# 100k more sites of a type reordering cannot shrink.  SQLite's count of
# virtual-machine steps (`.stats on`, deterministic, unlike a timer) says
# what those 100k sites add to each query holeprof's top and show run:
# top's (waste_all and site_waste_all under the chosen model, types with
# size > optimal_size) and show's for another type must not compute the
# new sites' rows (a few steps each to pass them by; before, every site
# was expanded under all five allocator models and summed, about 1500
# steps each, and `top` on 1M sites took 68 s).  The plan of show's site
# list must use the indexes on the type.  The answers are checked against
# sums over the raw tables, and top against queries/worst.sql.  Whole
# commands count their steps too (HOLEPROF_DB_STEPS=1): report at most a
# few times top, and what the 100k sites add to top, show and report.
. "${TOP_SRCDIR:-$(dirname "$0")/..}/tests/lib.sh"

need sqlite3 gcc
[ -x "$HOLEPROF" ] || die "holeprof not built: $HOLEPROF"

gcc -g -O2 -o "$T/sites" "$FIXTURES/sites.c" 2>"$T/cc.err" || die "gcc: $(head -c 300 "$T/cc.err")"
"$HOLEPROF" analyze -q -o "$T/small.db" "$T/sites" || die "analyze failed"

# N copies of every typed site, and N ambiguous sites whose candidates are
# all the types the fixture allocates (what `analyze` writes for a size match)
cp "$T/small.db" "$T/big.db"
sqlite3 -batch "$T/big.db" >/dev/null <<'SQL' || die "cannot grow the database"
PRAGMA journal_mode = OFF;
PRAGMA synchronous = OFF;
CREATE TEMP TABLE n AS WITH RECURSIVE r(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM r WHERE i < 20000)
    SELECT i FROM r;
CREATE TEMP TABLE base AS SELECT max(id) AS mx, min(id) FILTER (WHERE type_id IS NOT NULL) AS one FROM sites;
INSERT INTO sites SELECT s.id + n.i * 1000, s.binary_id, s.pc + n.i * 4096, s.function, s.file, s.line,
       s.allocator, s.size, s.count, s.type_id, s.method, s.confidence, s.static_weight, s.loop_depth,
       s.kind, s.indirect, s.inline_depth, s.ambiguous, s.candidates, s.type_name, s.size_from,
       s.source_function, s.cache_id
  FROM sites s, n WHERE s.type_id IS NOT NULL;
INSERT INTO sites SELECT 900 + n.i * 1000, s.binary_id, s.pc + n.i * 4096 + 1, s.function, s.file,
       s.line, s.allocator, NULL, NULL, NULL, 'size', 0, s.static_weight, s.loop_depth, s.kind, 0, 0,
       1, 0, NULL, NULL, s.source_function, NULL
  FROM sites s, n WHERE s.id = (SELECT one FROM base);
INSERT INTO site_candidates SELECT 900 + n.i * 1000, t.id, 'size', 0.5
  FROM n, (SELECT DISTINCT type_id AS id FROM sites WHERE type_id IS NOT NULL) t;
UPDATE sites SET candidates = (SELECT count(*) FROM site_candidates c WHERE c.site_id = sites.id)
 WHERE ambiguous;
SQL
assert_eq "grown: sites, ambiguous sites, candidate rows" "220011|20000|160000" \
    "$(q "$T/big.db" "SELECT count(*), sum(ambiguous), (SELECT count(*) FROM site_candidates) FROM sites")"
# ... and 100k more sites of one type whose size is already optimal
cp "$T/big.db" "$T/big2.db"
q "$T/big2.db" "CREATE TEMP TABLE mx AS SELECT max(id) AS m FROM sites;
    WITH RECURSIVE r(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM r WHERE i < 100000)
    INSERT INTO sites SELECT (SELECT m FROM mx) + r.i, s.binary_id, s.pc, s.function, s.file, s.line,
           s.allocator, s.size, s.count, s.type_id, s.method, s.confidence, s.static_weight,
           s.loop_depth, s.kind, s.indirect, s.inline_depth, s.ambiguous, s.candidates, s.type_name,
           s.size_from, s.source_function, s.cache_id
      FROM r, sites s
     WHERE s.id = (SELECT min(s2.id) FROM sites s2 JOIN types t ON t.id = s2.type_id
                    WHERE t.size = t.optimal_size)" || die "cannot add the fixed-size sites"
assert_eq "grown again: sites" 320011 "$(q "$T/big2.db" "SELECT count(*) FROM sites")"

R=$(q "$T/big.db" "SELECT min(s.type_id) FROM sites s JOIN types t ON t.id = s.type_id
                    WHERE t.size > t.optimal_size")
[ -n "$R" ] || die "the fixture has no reorderable type with a site"

steps() {   # DB SQL: SQLite virtual-machine steps of SQL
    printf '.stats on\n%s;\n' "$2" | sqlite3 -batch "$1" 2>&1 |
        awk '/Virtual Machine Steps/ {s = $NF} END {print s + 0}'
}
# what 100k sites of another, fixed-size type add to a query, per site
per_site() {   # WHAT MAX SQL [DB SITES BASE]: what SITES more sites in DB (default big2) add to BASE (big)
    _a=$(steps "$T/${6:-big}.db" "$3")
    _b=$(steps "$T/${4:-big2}.db" "$3")
    _d=$(( (_b - _a) / ${5:-100000} ))
    if [ "$_a" -gt 0 ] && [ "$_d" -le "$2" ]; then pass; else
        fail "$1: $_a -> $_b VM steps, $_d per added site (at most $2)"
    fi
}
per_site "top's ranking (waste_all, chosen model, reorderable types)" 40 \
    "SELECT count(*), total(heap_saved), total(struct_saved), total(allocations) FROM waste_all
      WHERE reorderable = 1 AND saving > 0 AND chosen = 1"
per_site "top's worst sites (site_waste_all, chosen model, reorderable types)" 40 \
    "SELECT count(*), total(heap_saved) FROM site_waste_all WHERE reorderable = 1 AND chosen = 1"
per_site "show's models of one type (waste_all of type $R)" 40 \
    "SELECT count(*), total(class_now) FROM waste_all WHERE type_id = $R AND reorderable = 1"
per_site "show's site list of one type (site_waste_all of type $R)" 5 \
    "SELECT count(*), total(heap_saved) FROM site_waste_all WHERE type_id = $R AND chosen = 1"
# ... and 20k ambiguous sites whose candidates are every other type: show's
# site list of type R must not count their candidates, nor read their
# measured counts (before, site_rows grouped every site_candidates row and
# site_allocations every site_counts row for any query)
# (both with a selected profile, the added sites with counts)
cp "$T/big.db" "$T/bigp.db"
q "$T/bigp.db" "INSERT INTO profiles VALUES (1, 'p', 1, 1, 'dhat', '/p', NULL, NULL, NULL, 'now',
                 0, 0, 0, 0, 0, 0, 0, 0)" || die "cannot add a profile"
cp "$T/bigp.db" "$T/big3.db"
q "$T/big3.db" "CREATE TEMP TABLE mx AS SELECT max(id) AS m FROM sites;
    CREATE TEMP TABLE r AS WITH RECURSIVE r(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM r
        WHERE i < 20000) SELECT (SELECT m FROM mx) + i AS id, i FROM r;
    INSERT INTO sites SELECT r.id, s.binary_id, s.pc + r.i, s.function, s.file, s.line,
           s.allocator, NULL, NULL, NULL, 'size', 0, s.static_weight, s.loop_depth, s.kind, 0, 0,
           1, 0, NULL, NULL, s.source_function, NULL
      FROM r, sites s WHERE s.id = (SELECT min(id) FROM sites WHERE type_id IS NOT NULL);
    INSERT INTO site_candidates SELECT r.id, t.id, 'size', 0.5 FROM r,
           (SELECT DISTINCT type_id AS id FROM sites WHERE type_id IS NOT NULL AND type_id <> $R) t;
    INSERT INTO site_counts SELECT r.id, 1, 'dhat', 5, 500, 1, 0, NULL, NULL, 0, 0, NULL, 0, 0 FROM r;
    UPDATE sites SET candidates = (SELECT count(*) FROM site_candidates c WHERE c.site_id = sites.id)
     WHERE id > (SELECT m FROM mx)" || die "cannot add the ambiguous sites"
assert_eq "grown: ambiguous sites" 40000 "$(q "$T/big3.db" "SELECT sum(ambiguous) FROM sites")"
per_site "show's site list of one type (site_waste_all of type $R), other types' ambiguous sites" 5 \
    "SELECT count(*), total(heap_saved) FROM site_waste_all WHERE type_id = $R AND chosen = 1" \
    big3 20000 bigp
plan=$(q "$T/big.db" "EXPLAIN QUERY PLAN SELECT * FROM site_waste_all WHERE type_id = $R AND chosen = 1")
assert_match "show's site list: typed sites by sites_type" 'USING (COVERING )?INDEX sites_type \(type_id=\?\)' "$plan"
assert_match "show's site list: candidates by site_candidates_type" 'INDEX site_candidates_type \(type_id=\?' "$plan"

# the answers: allocations of each type from the raw tables (a typed site
# counts its static weight, an ambiguous one its weight / candidates)
expect=$(q "$T/big2.db" "SELECT t.name, (SELECT total(static_weight) FROM sites WHERE type_id = t.id)
             + (SELECT total(1.0 * s.static_weight / s.candidates) FROM site_candidates c
                  JOIN sites s ON s.id = c.site_id WHERE c.type_id = t.id AND s.type_id IS NULL)
             FROM types t WHERE t.size > t.optimal_size
              AND t.id IN (SELECT type_id FROM sites) ORDER BY t.name")
got=$(q "$T/big2.db" "SELECT name, allocations FROM waste WHERE reorderable = 1
                        AND type_id IN (SELECT type_id FROM sites) ORDER BY name")
assert_eq "waste: allocations per type = the raw tables' sums" "$expect" "$got"
[ -x /usr/bin/time ] && TIMEF="/usr/bin/time -f %M -o $T/kb" || TIMEF=""
$TIMEF timeout 300 "$HOLEPROF" top -n 0 -f csv "$T/big2.db" >"$T/top.csv" 2>"$T/err"
assert_eq "top on 320k sites exits 0 (stderr: $(head -c 200 "$T/err"))" 0 $?
if [ -n "$TIMEF" ]; then
    kb=$(tail -1 "$T/kb")
    [ "$kb" -lt 262144 ] && pass || fail "top on 320k sites: $kb KB peak (bound 256 MiB)"
fi
timeout 300 "$HOLEPROF" query -f csv "$T/big2.db" worst >"$T/worst.csv" 2>"$T/err"
assert_eq "queries/worst.sql on 320k sites exits 0" 0 $?
cmp -s "$T/top.csv" "$T/worst.csv" && pass ||
    fail "top and worst.sql disagree on 320k sites: $(diff "$T/top.csv" "$T/worst.csv" | head -5)"
assert_match "top ranks the fixture's types" '^1,[0-9]+,struct,' "$(sed -n 2p "$T/top.csv")"
timeout 300 "$HOLEPROF" show "$T/big2.db" "$(q "$T/big.db" "SELECT name FROM types WHERE id = $R")" \
    >"$T/show" 2>"$T/err"
assert_eq "show of type $R on 320k sites exits 0" 0 $?
assert_match "show lists its sites' allocations" 'Allocation sites \(static weights' "$(cat "$T/show")"

# whole commands: the VM steps of every statement they run
# (HOLEPROF_DB_STEPS=1), report against top on the same database, and
# what the 100k fixed-size sites add to each
cmd_steps() {   # CMD DB ARGS...: the SQLite VM steps of holeprof CMD DB ARGS...
    HOLEPROF_DB_STEPS=1 HOLEPROF_DB_TIME_LIMIT=0 timeout 600 "$HOLEPROF" "$@" 2>&1 >/dev/null |
        awk '/SQLite virtual-machine steps$/ {print $2}'
}
Rname=$(q "$T/big.db" "SELECT name FROM types WHERE id = $R")
top1=$(cmd_steps top "$T/big.db" -n 10); top2=$(cmd_steps top "$T/big2.db" -n 10)
rep1=$(cmd_steps report "$T/big.db" -o - -n 5); rep2=$(cmd_steps report "$T/big2.db" -o - -n 5)
show1=$(cmd_steps show "$T/big.db" "$Rname"); show2=$(cmd_steps show "$T/big2.db" "$Rname")
assert_match "the commands count their VM steps" '^[0-9]+ [0-9]+ [0-9]+ [0-9]+ [0-9]+ [0-9]+$' \
    "$top1 $top2 $rep1 $rep2 $show1 $show2"
if [ "$rep2" -le $((6 * top2)) ]; then pass; else
    fail "report costs more than 6 times top on 320k sites: $rep2 and $top2 VM steps"; fi
within() {   # WHAT BEFORE AFTER MAX: per added site
    _d=$(( ($3 - $2) / 100000 ))
    if [ "$_d" -le "$4" ]; then pass; else fail "$1: $2 -> $3 VM steps, $_d per added site (at most $4)"; fi
}
within "top: 100k sites of a fixed-size type" "$top1" "$top2" 40
# report's table of all types sums every type's sites once
within "report: 100k sites of a fixed-size type" "$rep1" "$rep2" 600
within "show of type $R: 100k sites of another type" "$show1" "$show2" 40
finish
