#!/bin/sh
# t_merge.sh -- `holeprof merge OUT IN...` and the --binary filter: three
# programs analyzed separately (as shards on different machines would)
# and merged must hold exactly what one `analyze A B C -o` run holds, with
# every key still pointing at the right row; queries, show and check then
# work across binaries or on one.  Also: atomic failure, a shard given
# twice, foreign and future databases, merging into one of the inputs.
. "${TOP_SRCDIR:-$(dirname "$0")/..}/tests/lib.sh"

need sqlite3 python3 gcc
[ -x "$HOLEPROF" ] || die "holeprof not built: $HOLEPROF"

# `shared` has a different layout in each program; the rest are unique.
cat > "$T/a.c" <<'EOF'
#include <stdlib.h>
struct shared { char a; long b; };
struct only_a { int x; char y; };
struct shared ga; struct only_a oa;
int main(void) { struct only_a *p = malloc(sizeof *p); free(p); return 0; }
EOF
cat > "$T/b.c" <<'EOF'
#include <stdlib.h>
struct shared { long b; char a; char c; };
struct only_b { char m; double n; char o; };
struct shared gb; struct only_b ob;
int main(void) { struct only_b *p = calloc(2, sizeof *p); free(p); return 0; }
EOF
cat > "$T/c.c" <<'EOF'
union only_c { char c; int i; };
union only_c oc;
int main(void) { return 0; }
EOF
for p in a b c; do
    gcc -g -O0 -o "$T/$p" "$T/$p.c" || die "cannot build $p"
    "$HOLEPROF" analyze -q "$T/$p" -o "$T/$p.db" || die "analyze $p failed"
done
"$HOLEPROF" analyze -q "$T/a" "$T/b" "$T/c" -o "$T/direct.db" || die "analyze a b c failed"

assert_status "merge three shards" 0 "$HOLEPROF" merge "$T/all.db" "$T/a.db" "$T/b.db" "$T/c.db"
assert_match "merge says what it did" "merged $T/c.db \\([0-9]+ rows\\)" "$(cat "$T/err")"
assert_eq "binaries" "$T/a|$T/b|$T/c" "$(q "$T/all.db" "SELECT group_concat(path, '|') FROM (SELECT path FROM binaries ORDER BY id)")"

# Content equal to the direct run: every type with its numbers, every
# member, per binary path (ids and timestamps may differ).
dump() {
    sqlite3 -batch -noheader "$1" "
        SELECT b.path, t.kind, t.name, t.size, t.holes, t.hole_bytes, t.tail_padding,
               t.optimal_size, t.layout_hash, t.members,
               (SELECT group_concat(coalesce(m.name, '?') || ':' || m.offset || ':' || m.size, ' ')
                  FROM (SELECT * FROM members WHERE type_id = t.id ORDER BY idx) m)
          FROM types t JOIN binaries b ON b.id = t.binary_id
         ORDER BY b.path, t.kind, t.name, t.layout_hash;"
}
assert_eq "merged = analyzed together" "$(dump "$T/direct.db")" "$(dump "$T/all.db")"
assert_eq "no dangling binary ids" 0 "$(q "$T/all.db" "SELECT count(*) FROM types t LEFT JOIN binaries b ON b.id = t.binary_id WHERE b.id IS NULL")"
assert_eq "no dangling type ids" 0 "$(q "$T/all.db" "SELECT count(*) FROM members m LEFT JOIN types t ON t.id = m.type_id WHERE t.id IS NULL")"
assert_eq "row counts add up" \
    "$(( $(q "$T/a.db" "SELECT count(*) FROM members") + $(q "$T/b.db" "SELECT count(*) FROM members") + $(q "$T/c.db" "SELECT count(*) FROM members") ))" \
    "$(q "$T/all.db" "SELECT count(*) FROM members")"
assert_eq "still a holeprof database" "1213223494|$(q "$T/a.db" "PRAGMA user_version")" \
    "$(q "$T/all.db" "PRAGMA application_id")|$(q "$T/all.db" "PRAGMA user_version")"
if [ "$(q "$T/all.db" "SELECT count(*) FROM sqlite_schema WHERE name = 'sites'")" = 1 ]; then
    assert_eq "sites copied" \
        "$(( $(q "$T/a.db" "SELECT count(*) FROM sites") + $(q "$T/b.db" "SELECT count(*) FROM sites") + $(q "$T/c.db" "SELECT count(*) FROM sites") ))" \
        "$(q "$T/all.db" "SELECT count(*) FROM sites")"
    assert_eq "sites keep their binary's types" 0 \
        "$(q "$T/all.db" "SELECT count(*) FROM sites s JOIN types t ON t.id = s.type_id WHERE t.binary_id <> s.binary_id")"
fi

# ---- queries across binaries, and on one ----
assert_status "summary across binaries" 0 "$HOLEPROF" query "$T/all.db" summary -f csv
assert_eq "one summary row per binary" 4 "$(wc -l < "$T/out")"
assert_status "holes, all binaries" 0 "$HOLEPROF" query "$T/all.db" holes -f csv
assert_eq "shared has a row per binary" 2 "$(grep -c '^shared,' "$T/out")"
assert_status "holes --binary b" 0 "$HOLEPROF" query "$T/all.db" holes -f csv --binary b
assert_eq "--binary b: only b's types" "only_b shared" "$(tail -n +2 "$T/out" | cut -d, -f1 | sort | tr '\n' ' ' | sed 's/ $//')"
cat > "$T/views.sql" <<'EOF'
SELECT (SELECT count(*) FROM binaries) AS binaries,
       (SELECT count(*) FROM types) AS types,
       (SELECT count(DISTINCT type_id) FROM members) AS with_members,
       (SELECT group_concat(name) FROM (SELECT name FROM type_waste ORDER BY name)) AS waste_view;
EOF
assert_status "views follow --binary" 0 "$HOLEPROF" query "$T/all.db" "$T/views.sql" -f csv --binary "$T/a"
assert_eq "--binary by path: tables and views narrowed" "1,2,2,\"only_a,shared\"" "$(tail -n 1 "$T/out")"
bid=$(q "$T/all.db" "SELECT build_id FROM binaries WHERE path = '$T/c'")
assert_status "--binary by build-id prefix" 0 "$HOLEPROF" query "$T/all.db" "$T/views.sql" -f csv --binary "$(printf '%.12s' "$bid")"
assert_eq "c by build-id" "1,1,1,only_c" "$(tail -n 1 "$T/out")"
assert_status "--binary by id" 0 "$HOLEPROF" query "$T/all.db" "$T/views.sql" -f csv --binary 2
assert_eq "b by id" "1,2,2,\"only_b,shared\"" "$(tail -n 1 "$T/out")"
assert_status "--binary no match" 2 "$HOLEPROF" query "$T/all.db" holes --binary zzz
assert_match "no match lists binaries" "no binary matches 'zzz' \\(binaries: 1 $T/a, 2 $T/b, 3 $T/c\\)" "$(cat "$T/err")"

assert_status "show both layouts" 0 "$HOLEPROF" show "$T/all.db" shared
assert_match "two layouts" 'layout 2 of 2' "$(cat "$T/out")"
assert_status "show --binary a" 0 "$HOLEPROF" show "$T/all.db" shared --binary a
assert_match "a's layout" '^struct shared \{ +/\* size 16,' "$(cat "$T/out")"
assert_eq "one layout only" 0 "$(grep -c 'layout . of' "$T/out")"
assert_status "show --binary c: no such type there" 2 "$HOLEPROF" show "$T/all.db" shared --binary c

cat > "$T/budget.yaml" <<'EOF'
budgets:
  - type: "*"
    max_padding_bytes: 6
EOF
assert_status "check across binaries" 1 "$HOLEPROF" check "$T/all.db" --budget "$T/budget.yaml" -f json
# shared is 16 bytes in both, with 7 bytes of hole in a, 6 of tail in b.
assert_eq "breaches from a and b" "only_b $T/b
shared $T/a" "$(python3 -c 'import json,sys
for b in json.load(open(sys.argv[1]))["breaches"]: print(b["name"], b["binary"])' "$T/out" | sort)"
assert_status "check --binary c" 0 "$HOLEPROF" check "$T/all.db" --budget "$T/budget.yaml" --binary c

# ---- merging into an input; failures leave OUT alone ----
"$HOLEPROF" merge -q "$T/ab.db" "$T/a.db" "$T/b.db" || die "merge ab failed"
assert_status "merge into one of the inputs" 0 "$HOLEPROF" merge -q "$T/ab.db" "$T/ab.db" "$T/c.db"
assert_eq "ab.db now = all.db" "$(dump "$T/all.db")" "$(dump "$T/ab.db")"

sum=$(cksum < "$T/ab.db")
assert_status "a shard given twice" 2 "$HOLEPROF" merge "$T/ab.db" "$T/ab.db" "$T/a.db"
assert_match "twice: message" "a\\.db: binary $T/a \\(build-id [0-9a-f]+\\) is already in the merge" "$(cat "$T/err")"
assert_eq "failed merge left OUT as it was" "$sum" "$(cksum < "$T/ab.db")"
assert_eq "no temporary files left" "" "$(ls -A "$T" | grep '\.tmp\.' || true)"

printf 'not a database' > "$T/junk.db"
assert_status "foreign input" 2 "$HOLEPROF" merge "$T/new.db" "$T/a.db" "$T/junk.db"
assert_eq "foreign input: OUT not created" no "$( [ -e "$T/new.db" ] && echo yes || echo no)"
cp "$T/c.db" "$T/future.db"
q "$T/future.db" "PRAGMA user_version = 99" >/dev/null
assert_status "future input" 2 "$HOLEPROF" merge "$T/new.db" "$T/a.db" "$T/future.db"
assert_match "future: message" 'future\.db: made by a different holeprof schema version 99' "$(cat "$T/err")"
cp "$T/c.db" "$T/extra.db"
q "$T/extra.db" "CREATE TABLE zzz_later(id INTEGER PRIMARY KEY)" >/dev/null
assert_status "input with an unknown table" 2 "$HOLEPROF" merge "$T/new.db" "$T/extra.db"
assert_match "unknown table: message" "extra\\.db: has table 'zzz_later' that this holeprof does not know" "$(cat "$T/err")"
assert_status "no inputs" 2 "$HOLEPROF" merge "$T/new.db"
assert_status "missing input" 2 "$HOLEPROF" merge "$T/new.db" "$T/nope.db"
assert_eq "still no OUT" no "$( [ -e "$T/new.db" ] && echo yes || echo no)"

finish
