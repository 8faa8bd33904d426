#!/bin/sh
# t_top.sh -- `holeprof top` against queries/worst.sql in the sqlite3 CLI:
# the same order and the same numbers, byte for byte in CSV, for each
# binary's own allocator model and for an override; the allocator
# arithmetic on known fixtures; ambiguous sites split evenly; options
# and refusals.
#
# tests/fixtures/profile.c (gcc -g -O0, PIE), glibc chunks max(32, n+8
# rounded to 16):
#   arr   40 -> 24, calloc(4, 40) in a loop: 160 -> 176 B, 96 -> 112 B,
#         64 B saved per array x static weight 8 = 512
#   msg   24 -> 16 with a flexible array, malloc(24 + 100) in a loop:
#         124 -> 144 B, 116 -> 128 B (the tail is kept): 16 x 8 = 128;
#         struct saving 8 x 8 = 64
#   once  40 -> 24, one malloc outside loops: 48 -> 32, 16 x 1 = 16
#   hot   24 -> 16 and cold 24 -> 16: 32 -> 32, no heap saving; raw
#         (struct) saving 8 x 8 = 64 each
. "${TOP_SRCDIR:-$(dirname "$0")/..}/tests/lib.sh"

need gcc sqlite3 python3
[ -x "$HOLEPROF" ] || die "holeprof not built: $HOLEPROF"
W=$TOP_SRCDIR/queries/worst.sql
# the sqlite3 shell prints a whole REAL as "8.0", holeprof as "8"
whole() { sed -E ':a; s/(^|,)(-?[0-9]+)\.0(,|$)/\1\2\3/; ta'; }

gcc -g -O0 -fpie -pie -o "$T/pf" "$FIXTURES/profile.c" || die "cannot compile the fixture"
"$HOLEPROF" analyze -q "$T/pf" -o "$T/db" || die "analyze failed"
DB=$T/db

# ---- models chosen and stored ----
assert_eq "models per binary" "glibc|1|default|glibc go jemalloc kmalloc mimalloc" \
    "$(q "$DB" "SELECT (SELECT allocator || '|' || chosen || '|' || why FROM alloc_models WHERE chosen = 1),
                       group_concat(allocator, ' ') FROM (SELECT allocator FROM alloc_models ORDER BY allocator)")"
assert_eq "classes (glibc: arr, arr[4], msg + tail)" "48|32|176|112|144|128" \
    "$(q "$DB" "SELECT (SELECT bytes FROM alloc_classes WHERE allocator = 'glibc' AND request = 40),
                       (SELECT bytes FROM alloc_classes WHERE allocator = 'glibc' AND request = 24),
                       (SELECT bytes FROM alloc_classes WHERE allocator = 'glibc' AND request = 160),
                       (SELECT bytes FROM alloc_classes WHERE allocator = 'glibc' AND request = 96),
                       (SELECT bytes FROM alloc_classes WHERE allocator = 'glibc' AND request = 124),
                       (SELECT bytes FROM alloc_classes WHERE allocator = 'glibc' AND request = 116)")"

# ---- the ranking, by hand-checked numbers ----
"$HOLEPROF" top "$DB" -n 0 -f csv > "$T/c.csv" || fail "top csv failed"
assert_eq "ranked rows (rank name size opt class_now class_after allocs source heap struct)" \
"1 arr 40 24 48 32 8 static 512 512
2 msg 24 16 32 32 8 static 128 64
3 once 40 24 48 32 1 static 16 16
4 cold 24 16 32 32 8 static 0 64
5 hot 24 16 32 32 8 static 0 64" \
    "$(tail -n +2 "$T/c.csv" | tr -d '\r' | awk -F, '{print $1, $4, $5, $6, $8, $9, $10, $11, $14, $15}')"
assert_match "worst site of arr is the calloc line" "^1,.*profile\.c:$(grep -n 'calloc(4, sizeof \*v)' "$FIXTURES/profile.c" | cut -d: -f1),saves,[^,]*\$" \
    "$(sed -n 2p "$T/c.csv" | tr -d '\r')"

# ---- C and SQL agree, byte for byte ----
sqlite3 -batch -csv -header "$DB" < "$W" | tr -d '\r' | whole > "$T/s.csv"
tr -d '\r' < "$T/c.csv" > "$T/c2.csv"
assert_eq "top -n 0 --format csv = worst.sql (glibc)" "$(cat "$T/s.csv")" "$(cat "$T/c2.csv")"
for a in jemalloc mimalloc go kmalloc; do
    sed "s/\([ws]\)\.chosen = 1/\1.allocator = '$a'/g" "$W" > "$T/w_$a.sql"
    sqlite3 -batch -csv -header "$DB" < "$T/w_$a.sql" | tr -d '\r' | whole > "$T/s.csv"
    "$HOLEPROF" top "$DB" -n 0 -f csv --allocator "$a" | tr -d '\r' > "$T/c.csv"
    assert_eq "top --allocator $a = worst.sql" "$(cat "$T/s.csv")" "$(cat "$T/c.csv")"
done
# kmalloc: 160 -> 192, 96 -> 96 per array; 40 -> 64, 24 -> 32 per object
assert_eq "kmalloc classes for arr" "64|32|768" \
    "$("$HOLEPROF" top "$DB" -f csv --allocator kmalloc | tr -d '\r' | awk -F, '$4 == "arr" {print $8 "|" $9 "|" $14}')"
# the same query through holeprof query
"$HOLEPROF" query "$DB" worst -f csv | tr -d '\r' > "$T/q.csv"
sqlite3 -batch -csv -header "$DB" < "$W" | tr -d '\r' | whole > "$T/s.csv"
assert_eq "holeprof query worst = the CLI" "$(cat "$T/s.csv")" "$(cat "$T/q.csv")"

# json: same rows, numbers as numbers
"$HOLEPROF" top "$DB" -n 0 -f json > "$T/j.json"
assert_eq "json rows" "5 arr 512 True" "$(python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))
print(len(r), r[0]["name"], r[0]["heap_saved"], all(isinstance(x["class_now"], int) for x in r))' "$T/j.json")"

# -n and the table form
assert_eq "-n 1: one row" "2" "$("$HOLEPROF" top "$DB" -n 1 -f csv | wc -l | tr -d ' ')"
"$HOLEPROF" top "$DB" > "$T/t.txt"
assert_match "table: explains both savings" '^heap_saved: allocator bytes .*struct_saved: raw bytes' "$(cat "$T/t.txt")"
assert_match "table row" '^ +1 +struct arr +40 -> 24 +glibc +48 -> 32 +8 static +512 +512 ' "$(cat "$T/t.txt")"

# ---- ambiguous sites split evenly (hand-made rows) ----
cp "$DB" "$T/amb.db"
q "$T/amb.db" "INSERT INTO sites(id, binary_id, pc, function, file, line, allocator, size, count,
                 type_id, method, confidence, static_weight, loop_depth, kind, indirect, inline_depth,
                 ambiguous, candidates) VALUES
                (900, 1, 1, 'f', 'x.c', 7, 'malloc', 24, 1, NULL, 'size', 0, 64, 2, 'call', 0, 0, 1, 2);
               INSERT INTO site_candidates VALUES (900, (SELECT id FROM types WHERE name = 'hot'), 'size', 0.15),
                                                  (900, (SELECT id FROM types WHERE name = 'cold'), 'size', 0.15);"
"$HOLEPROF" top "$T/amb.db" -n 0 -f csv | tr -d '\r' > "$T/c.csv"
sqlite3 -batch -csv -header "$T/amb.db" < "$W" | tr -d '\r' | whole > "$T/s.csv"
assert_eq "ambiguous: top = worst.sql" "$(cat "$T/s.csv")" "$(cat "$T/c.csv")"
# 64 / 2 = 32 more allocations each: 40, struct saving 8 x 40 = 320
assert_eq "ambiguous weight split over 2 candidates" "cold 40 1 320 x.c:7
hot 40 1 320 x.c:7" \
    "$(awk -F, '$4 == "hot" || $4 == "cold" {print $4, $10, $12, $15, $16}' "$T/c.csv" | sort)"
"$HOLEPROF" top "$T/amb.db" > "$T/t.txt"
assert_match "table marks ambiguous allocations" ' 40 static\* ' "$(cat "$T/t.txt")"
assert_match "table says how they were split" 'split evenly over the candidate types' "$(cat "$T/t.txt")"

# ---- two binaries (merged), --binary ----
gcc -g -O0 -o "$T/pf2" "$FIXTURES/profile.c" || die "cannot compile the fixture"
"$HOLEPROF" analyze -q "$T/pf2" -o "$T/db2" || die "analyze failed"
"$HOLEPROF" merge -q "$T/two.db" "$DB" "$T/db2" || die "merge failed"
assert_eq "two binaries: 10 rows" "11" "$("$HOLEPROF" top "$T/two.db" -n 0 -f csv | wc -l | tr -d ' ')"
assert_eq "--binary: 5 rows" "6" "$("$HOLEPROF" top "$T/two.db" -n 0 -f csv --binary pf2 | wc -l | tr -d ' ')"
sqlite3 -batch -csv -header "$T/two.db" < "$W" | tr -d '\r' | whole > "$T/s.csv"
assert_eq "two binaries: top = worst.sql" "$(cat "$T/s.csv")" "$("$HOLEPROF" top "$T/two.db" -n 0 -f csv | tr -d '\r')"

# ---- refusals ----
assert_status "unknown allocator" 2 "$HOLEPROF" top "$DB" --allocator tcmalloc
assert_match "unknown allocator: message" 'unknown allocator .tcmalloc.' "$(cat "$T/err")"
assert_status "bad -n" 2 "$HOLEPROF" top "$DB" -n x
assert_status "not a database" 2 "$HOLEPROF" top "$FIXTURES/profile.c"
cp "$DB" "$T/old.db" && q "$T/old.db" "DELETE FROM alloc_models"
assert_status "no allocator classes" 2 "$HOLEPROF" top "$T/old.db"
assert_match "no allocator classes: message" 'no allocator classes.*re-run holeprof analyze' "$(cat "$T/err")"

# ---- Go: the go model, and the tiny allocator for pointer-free types ----
if command -v go >/dev/null 2>&1; then
    mkdir -p "$T/g" && cat > "$T/g/main.go" <<'EOF2'
package main

type Small struct {
	A bool
	B int32
	C bool
}

type Ptr struct {
	A bool
	P *int
	C bool
}

var sink []interface{}

func main() {
	for i := 0; i < 3; i++ {
		sink = append(sink, &Small{A: true}, &Ptr{C: true})
	}
}
EOF2
    (cd "$T/g" && GOCACHE="$T/gocache" GO111MODULE=off GOFLAGS= go build -o prog main.go) || die "go build failed"
    "$HOLEPROF" analyze -q "$T/g/prog" -o "$T/go.db" || die "analyze go failed"
    assert_eq "Go binary: go model chosen" "go|Go binary" "$(q "$T/go.db" "SELECT allocator, why FROM alloc_models WHERE chosen = 1")"
    # main.Small 12 -> 8, pointer-free: tiny allocator 12 -> 8;
    # main.Ptr 24 -> 16 with a pointer: size classes 24 -> 16
    assert_eq "Go classes" "main.Ptr|24|16|main.Small|12|8" \
        "$(q "$T/go.db" "SELECT group_concat(name || '|' || class_now || '|' || class_after, '|') FROM
                         (SELECT name, class_now, class_after FROM waste WHERE name IN ('main.Small', 'main.Ptr') ORDER BY name)")"
    sqlite3 -batch -csv -header "$T/go.db" < "$W" | tr -d '\r' | whole > "$T/s.csv"
    assert_eq "Go: top = worst.sql" "$(cat "$T/s.csv")" "$("$HOLEPROF" top "$T/go.db" -n 0 -f csv | tr -d '\r')"
fi

finish
