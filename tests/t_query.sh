#!/bin/sh
# t_query.sh -- `holeprof query`: the named queries in queries/, their
# table, CSV and JSON forms, agreement with the plain sqlite3 CLI running
# the same files, and the refusals (writes, foreign databases, unknown
# names, missing parameters).
#
# The fixture is compiled here with gcc -g; its expected numbers follow
# from the x86-64 SysV ABI:
#   conn   32 bytes: 7-byte hole after state, 29-bit hole after flags:3,
#          6 bytes tail padding; reordered 16.
#   flags  16 bytes: a:3,b:5 use 8 bits of a 4-byte unit (24-bit hole),
#          then a 4-byte hole before x; no order does better.
#   u      union of char[5] and int: 8 bytes, 3 of them tail padding.
#   point  typedef'd anonymous struct, 24 bytes: 7-byte hole, 7 tail; 16.
#   tight  16 bytes, no waste: must not appear in the holes query.
. "${TOP_SRCDIR:-$(dirname "$0")/..}/tests/lib.sh"

need gcc sqlite3 python3
[ -x "$HOLEPROF" ] || die "holeprof not built: $HOLEPROF"
QD=$TOP_SRCDIR/queries

cat > "$T/fix.c" <<'EOF'
struct conn { char state; void *buf; unsigned int flags:3; int fd; short port; };
struct flags { unsigned int a:3, b:5; long x; };
union u { char c[5]; int i; };
typedef struct { char a; long b; char c; } point;
struct tight { long a; int b; int c; };
struct conn g_conn; struct flags g_flags; union u g_u; point g_point; struct tight g_tight;
int main(void) { return g_conn.state + g_point.a; }
EOF
gcc -g -O0 -o "$T/fix" "$T/fix.c" || die "cannot compile the fixture"
"$HOLEPROF" analyze "$T/fix" -o "$T/db" -q || die "analyze failed"
DB=$T/db
conn_line=$(grep -n '^struct conn {' "$T/fix.c" | cut -d: -f1)

# ---- the file itself (store.c) ----
assert_eq "application_id is HPRF" 1213223494 "$(q "$DB" 'PRAGMA application_id')"
assert_eq "user_version" "$(sed -n 's/^#define ST_SCHEMA_VERSION \([0-9]*\).*/\1/p' "$TOP_SRCDIR/src/store.h")" \
    "$(q "$DB" 'PRAGMA user_version')"
assert_eq "no temporary file left" "" "$(ls -a "$T" | grep '\.tmp\.')"
assert_eq "binaries row" "1|$T/fix|embedded|64" "$(q "$DB" 'SELECT count(*), path, debug_how, cacheline FROM binaries')"
assert_match "analyzed_at is UTC ISO 8601" '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$' "$(q "$DB" 'SELECT analyzed_at FROM binaries')"
assert_eq "type_waste view" "13|16|50.0" "$(q "$DB" "SELECT waste, saving, saving_pct FROM type_waste WHERE name = 'conn'")"
assert_eq "member_holes view" "state|buf|1|7" "$(q "$DB" "SELECT after_member, before_member, hole_offset, hole_bytes FROM member_holes WHERE type_name = 'conn'")"
assert_eq "typedef'd anonymous struct flags" "24|0|0|0" "$(q "$DB" "SELECT flags, packed, explicit_align, conflict FROM types WHERE name = 'point'")"
assert_match "layout_hash is 16 hex digits" '^[0-9a-f]{16}$' "$(q "$DB" "SELECT layout_hash FROM types WHERE name = 'conn'")"
(umask 027 && "$HOLEPROF" analyze "$T/fix" -o "$T/mode.db" -q)
assert_eq "database permissions follow the umask" 640 "$(stat -c %a "$T/mode.db")"
# a failed analyze leaves an existing database exactly as it was
cp "$DB" "$T/keep.db"
assert_status "analyze of a non-ELF file" 2 "$HOLEPROF" analyze "$T/fix" "$T/fix.c" -o "$T/keep.db" -q
assert_eq "failed analyze: target untouched" "$(cksum < "$DB")" "$(cksum < "$T/keep.db")"
assert_eq "failed analyze: no temporary file" "" "$(ls -a "$T" | grep '\.tmp\.')"
# an unwritable directory (root ignores permissions: drop to nobody)
mkdir "$T/ro" && chmod 555 "$T/ro"
ran=0
if [ "$(id -u)" != 0 ]; then
    assert_status "unwritable directory" 2 "$HOLEPROF" analyze "$T/fix" -o "$T/ro/x.db" -q
    ran=1
elif command -v setpriv >/dev/null 2>&1; then
    chmod 755 "$T" && chmod 644 "$T/fix"
    assert_status "unwritable directory" 2 setpriv --reuid=65534 --regid=65534 --clear-groups \
        "$HOLEPROF" analyze "$T/fix" -o "$T/ro/x.db" -q
    ran=1
fi
if [ $ran = 1 ]; then
    assert_match "unwritable directory: message" "ro: cannot create database: Permission denied" "$(cat "$T/err")"
    assert_eq "unwritable directory: nothing made" "" "$(ls -a "$T/ro" | grep -v '^\.\.\?$')"
fi

# ---- holes: table ----
assert_status "holes (table)" 0 "$HOLEPROF" query "$DB" holes
cp "$T/out" "$T/holes.txt"
assert_eq "holes table: header" \
    "name kind size optimal_size saving holes hole_bytes tail_padding waste members lang decl" \
    "$(head -1 "$T/holes.txt" | tr -s ' ')"
# ranked by waste: point 14, conn 13, flags 4, u 3; tight has none
assert_eq "holes table: ranking" "point conn flags u" \
    "$(awk 'NR > 2 { printf "%s%s", sep, $1; sep = " " }' "$T/holes.txt")"
assert_eq "holes table: conn row" "struct 32 16 16 1 7 6 13 5 C" \
    "$(awk '$1 == "conn" { print $2, $3, $4, $5, $6, $7, $8, $9, $10, $11 }' "$T/holes.txt")"
assert_match "holes table: conn decl" "fix\\.c:$conn_line\$" \
    "$(awk '$1 == "conn" { print $NF }' "$T/holes.txt")"
# Shape: the dashes under each header are as wide as the column, numbers
# end at the column's right edge, text starts at its left edge.
python3 - "$T/holes.txt" > "$T/shape" 2>&1 <<'EOF'
import re, sys
lines = open(sys.argv[1]).read().split('\n')[:-1]
spans = [m.span() for m in re.finditer(r'-+', lines[1])]
assert len(spans) == 12, spans
numeric = {2, 3, 4, 5, 6, 7, 8, 9}
for row in lines[2:]:
    for i, (a, b) in enumerate(spans):
        cell = row[a:b]
        if i in numeric:
            assert re.fullmatch(r' *\d+', cell), (row, i, cell)
        else:
            assert cell == '' or cell[0] != ' ', (row, i, cell)
        assert b >= len(row) or row[b:b + 2] == '  ', (row, i)
print('ok')
EOF
assert_eq "holes table: aligned columns" "ok" "$(cat "$T/shape")"

# ---- holes: CSV, checked with python's csv module ----
assert_status "holes (csv)" 0 "$HOLEPROF" query "$DB" holes --format csv
cp "$T/out" "$T/holes.csv"
got=$(python3 - "$T/holes.csv" <<'EOF'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1], newline='')))
by = {r['name']: r for r in rows}
c, p, u = by['conn'], by['point'], by['u']
print(len(rows), [r['name'] for r in rows],
      c['size'], c['optimal_size'], c['saving'], c['hole_bytes'], c['tail_padding'], c['waste'],
      p['kind'], p['saving'], u['kind'], u['tail_padding'], u['saving'], 'tight' in by)
EOF
)
assert_eq "holes csv" "4 ['point', 'conn', 'flags', 'u'] 32 16 16 7 6 13 struct 8 union 3 0 False" "$got"

# ---- holes: JSON, numbers as numbers ----
assert_status "holes (json)" 0 "$HOLEPROF" query "$DB" holes -f json
cp "$T/out" "$T/holes.json"
got=$(python3 - "$T/holes.json" "$conn_line" <<'EOF'
import json, sys
rows = json.load(open(sys.argv[1]))
c = [r for r in rows if r['name'] == 'conn'][0]
ints = all(isinstance(r[k], int) for r in rows for k in ('size', 'optimal_size', 'saving', 'waste'))
print(len(rows), c['size'], c['optimal_size'], c['saving'], c['waste'], c['lang'], ints,
      c['decl'].endswith('fix.c:' + sys.argv[2]))
EOF
)
assert_eq "holes json" "4 32 16 16 13 C True True" "$got"

# ---- the same files in the sqlite3 CLI give the same bytes ----
sqlite3 -batch -csv -header "$DB" < "$QD/holes.sql" | tr -d '\r' > "$T/cli.csv"
assert_eq "holes: holeprof csv == sqlite3 CLI csv" "" "$(diff "$T/cli.csv" "$T/holes.csv")"
sqlite3 -batch -csv -header "$DB" < "$QD/summary.sql" | tr -d '\r' > "$T/cli.csv"
"$HOLEPROF" query "$DB" summary -f csv > "$T/hp.csv"
assert_eq "summary: holeprof csv == sqlite3 CLI csv" "" "$(diff "$T/cli.csv" "$T/hp.csv")"
sqlite3 -batch -csv -header -cmd ".param set ?1 'conn'" "$DB" < "$QD/type.sql" | tr -d '\r' > "$T/cli.csv"
"$HOLEPROF" query "$DB" type --param conn -f csv > "$T/hp.csv"
assert_eq "type: holeprof csv == sqlite3 CLI csv" "" "$(diff "$T/cli.csv" "$T/hp.csv")"
assert_eq "type: CLI run has the rows" 6 "$(wc -l < "$T/cli.csv" | tr -d ' ')"

# ---- summary ----
assert_status "summary (json)" 0 "$HOLEPROF" query "$DB" summary -f json
got=$(python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))
assert len(r) == 1, r
r = r[0]
print(r["binary"].endswith("/fix"), r["types"], r["structs"], r["classes"], r["unions"],
      r["with_holes"], r["hole_bytes"], r["tail_padding"], r["saving"], r["conflicts"])' "$T/out")
# holes: conn 7, flags 4, point 7 = 18; tail: conn 6, u 3, point 7 = 16;
# saving: conn 16 + point 8 = 24
assert_eq "summary values" "True 5 4 0 1 3 18 16 24 0" "$got"
assert_eq "summary agrees with the types table" \
    "$(q "$DB" 'SELECT sum(hole_bytes), sum(tail_padding), sum(size - optimal_size) FROM types')" \
    "$(python3 -c 'import json,sys; r=json.load(open(sys.argv[1]))[0]; print("%d|%d|%d" % (r["hole_bytes"], r["tail_padding"], r["saving"]))' "$T/out")"

# ---- type, with its parameter ----
assert_status "type --param conn" 0 "$HOLEPROF" query "$DB" type --param conn -f json
got=$(python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))
print(" ".join("%s:%d:%d:%d:%d" % (m["name"], m["offset"], m["size"], m["hole_after"], m["bit_hole_after"]) for m in r),
      sorted(m["suggested_pos"] for m in r) == list(range(5)))' "$T/out")
assert_eq "type conn members" "state:0:1:7:0 buf:8:8:0:0 flags:16:4:0:29 fd:20:4:0:0 port:24:2:0:0 True" "$got"
assert_status "type without --param" 2 "$HOLEPROF" query "$DB" type
assert_match "type without --param: message" 'type\.sql: needs 1 parameter.*--param' "$(cat "$T/err")"
assert_status "holes with a stray --param" 2 "$HOLEPROF" query "$DB" holes --param x
assert_match "stray --param: message" 'takes 0 parameters but 1 was given' "$(cat "$T/err")"
assert_status "type --param nosuch" 0 "$HOLEPROF" query "$DB" type --param nosuch -f json
assert_eq "type of an unknown name: empty array" "[]" "$(cat "$T/out")"

# ---- user query files ----
cksum_before=$(cksum < "$DB")
printf 'SELECT count(*) AS n FROM types;\nDELETE FROM types;\n' > "$T/w.sql"
assert_status "write statement refused" 2 "$HOLEPROF" query "$DB" "$T/w.sql"
assert_match "write refused: message" 'w\.sql: near line 2: .*read-only' "$(cat "$T/err")"
assert_eq "write refused: nothing printed" "" "$(cat "$T/out")"
printf 'UPDATE types SET size = 0' > "$T/w2.sql"
assert_status "update refused" 2 "$HOLEPROF" query "$DB" "$T/w2.sql"
printf "VACUUM INTO '%s/copy.db'" "$T" > "$T/w3.sql"
assert_status "vacuum into refused" 2 "$HOLEPROF" query "$DB" "$T/w3.sql"
assert_eq "vacuum into: no file made" "no" "$([ -e "$T/copy.db" ] && echo yes || echo no)"
assert_eq "db unchanged after refused writes" "$cksum_before" "$(cksum < "$DB")"
assert_eq "db rows unchanged" 5 "$(q "$DB" 'SELECT count(*) FROM types')"

printf -- '-- two results\nSELECT 1 AS one;\n\n/* second */ SELECT name FROM types WHERE name = ?1;\n' > "$T/two.sql"
assert_status "two statements, one parameter" 0 "$HOLEPROF" query "$DB" "$T/two.sql" --param point -f csv
assert_eq "two statements: both results" "one 1 name point" "$(tr '\n' ' ' < "$T/out" | sed 's/ $//')"

printf -- '-- line 1\n-- line 2\nSELECT nosuch FROM types;\n' > "$T/bad.sql"
assert_status "bad column" 2 "$HOLEPROF" query "$DB" "$T/bad.sql"
assert_match "error names file and line" 'bad\.sql: near line 3: .*no such column: nosuch' "$(cat "$T/err")"
printf 'SELECT 1;\n\nSELEC 2;\n' > "$T/syn.sql"
assert_status "syntax error" 2 "$HOLEPROF" query "$DB" "$T/syn.sql"
assert_match "syntax error line" 'syn\.sql: near line 3: near "SELEC": syntax error' "$(cat "$T/err")"

# JSON escaping: quotes, backslash, control characters, UTF-8, NULL, reals
printf "SELECT 'a\"b\\\\c' || char(10) || char(1) || char(233) || char(128512) AS s, NULL AS n, 2.5 AS r, -7 AS i, '' AS e;\n" > "$T/esc.sql"
assert_status "escapes (json)" 0 "$HOLEPROF" query "$DB" "$T/esc.sql" -f json
got=$(python3 -c '
import json, sys
r = json.load(open(sys.argv[1], encoding="utf-8"))
print(r == [{"s": "a\"b\\c\n\x01\u00e9\U0001F600", "n": None, "r": 2.5, "i": -7, "e": ""}])' "$T/out")
assert_eq "json escaping round-trips" "True" "$got"
assert_status "escapes (csv)" 0 "$HOLEPROF" query "$DB" "$T/esc.sql" -f csv
got=$(python3 -c '
import csv, sys
r = list(csv.reader(open(sys.argv[1], newline="", encoding="utf-8")))
print(r == [["s", "n", "r", "i", "e"], ["a\"b\\c\n\x01\u00e9\U0001F600", "", "2.5", "-7", ""]])' "$T/out")
assert_eq "csv quoting round-trips" "True" "$got"
sqlite3 -batch -csv -header "$DB" < "$T/esc.sql" | tr -d '\r' > "$T/cli.csv"
assert_eq "escapes: csv == sqlite3 CLI" "" "$(diff "$T/cli.csv" "$T/out")"

# ---- names, directories ----
assert_status "unknown query name" 2 "$HOLEPROF" query "$DB" nosuch
assert_match "unknown name lists the queries" "unknown query 'nosuch' \\(available: " "$(cat "$T/err")"
# every shipped query is listed, whatever other queries ship beside them
for qn in holes summary type; do
    assert_match "available lists $qn" "available: (.*, )?$qn(,|\\))" "$(cat "$T/err")"
done
mkdir "$T/qd"
printf "SELECT 'mine' AS who;\n" > "$T/qd/holes.sql"
printf "SELECT 'extra' AS who;\n" > "$T/qd/extra.sql"
assert_status "HOLEPROF_QUERY_DIR first" 0 env HOLEPROF_QUERY_DIR="$T/qd" "$HOLEPROF" query "$DB" holes -f csv
assert_eq "HOLEPROF_QUERY_DIR overrides a name" "who mine" "$(tr '\n' ' ' < "$T/out" | sed 's/ $//')"
assert_status "fallback to built-in dirs" 0 env HOLEPROF_QUERY_DIR="$T/qd" "$HOLEPROF" query "$DB" summary -f csv
assert_match "fallback finds summary" '^binary,types' "$(head -1 "$T/out")"
assert_status "unknown name, two dirs" 2 env HOLEPROF_QUERY_DIR="$T/qd" "$HOLEPROF" query "$DB" nosuch
for qn in extra holes summary type; do
    assert_match "available names from every dir: $qn" "available: (.*, )?$qn(,|\\))" "$(cat "$T/err")"
done

# ---- foreign databases ----
sqlite3 "$T/other.db" "CREATE TABLE types(name); INSERT INTO types VALUES ('conn');"
assert_status "query on a non-holeprof sqlite db" 2 "$HOLEPROF" query "$T/other.db" holes
assert_match "non-holeprof: message" 'other\.db: not a holeprof database' "$(cat "$T/err")"
echo "just text" > "$T/text.db"
assert_status "query on a text file" 2 "$HOLEPROF" query "$T/text.db" holes
assert_match "text file: message" 'text\.db: not a holeprof database' "$(cat "$T/err")"
cp "$DB" "$T/vx.db"
sqlite3 "$T/vx.db" "PRAGMA user_version = 999"
assert_status "query on another schema version" 2 "$HOLEPROF" query "$T/vx.db" holes
assert_match "schema version: message" 'different holeprof schema version 999 \(this is [0-9]+\); re-run analyze' "$(cat "$T/err")"
assert_status "query on a missing file" 2 "$HOLEPROF" query "$T/missing.db" holes
assert_match "missing file: message" 'missing\.db: No such file' "$(cat "$T/err")"

finish
