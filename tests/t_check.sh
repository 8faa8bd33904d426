#!/bin/sh
# t_check.sh -- `holeprof check DB --budget FILE.yaml`: exact and glob
# rules, first match wins, kinds, every limit, JSON, the shipped example,
# and errors in the budget file.
#
# Fixture layouts (x86-64 SysV): net_a {char; long} 16 bytes, 7 of hole
# (43.75 %); net_b {char; long; char} 24 bytes, 7 hole + 7 tail = 14;
# net_tight 16, no padding; big {char[200]; int} 204, none; yy_gen like
# net_a; union u_val {char; long} 8.
. "${TOP_SRCDIR:-$(dirname "$0")/..}/tests/lib.sh"

need sqlite3 python3 gcc
[ -x "$HOLEPROF" ] || die "holeprof not built: $HOLEPROF"

cat > "$T/fx.c" <<'EOF'
struct net_a { char flag; long id; };
struct net_b { char flag; long id; char x; };
struct net_tight { long a; long b; };
struct big { char buf[200]; int n; };
struct yy_gen { char a; long b; };
union u_val { char c; long l; };
struct net_a g1; struct net_b g2; struct net_tight g3; struct big g4; struct yy_gen g5;
union u_val g6;
int main(void) { return 0; }
EOF
gcc -g -O0 -o "$T/prog" "$T/fx.c" || die "cannot build fixture"
"$HOLEPROF" analyze -q "$T/prog" -o "$T/p.db" || die "analyze failed"
expect_type "$T/p.db" net_a "16 1 7 0 0 16"
expect_type "$T/p.db" net_b "24 1 7 0 7 16"

cat > "$T/b.yaml" <<'EOF'
# first match wins: the exact net_b rule comes before the glob that would
# fail it, yy_* exempts, kinds split the catch-alls
version: 1
budgets:
  - type: net_b
    max_size: 24
    max_padding_bytes: 14
  - type: "net_*"
    max_padding_bytes: 4
    max_padding_percent: 40
  - type: "yy_*"
    note: generated, exempt
  - type: "*"
    kind: struct
    max_size: 200
    max_padding_bytes: 6
  - type: "*"
    kind: union
    max_size: 4
  - exact: "nothing*"
    max_size: 1
EOF

# "name limit allowed actual rule" per breach
breaches() {
    python3 -c 'import json,sys
d = json.load(open(sys.argv[1]))
for b in d["breaches"]:
    print(b["name"], b["limit"], b["allowed"], b["actual"], b["rule"])' "$1"
}

assert_status "budget with breaches" 1 "$HOLEPROF" check "$T/p.db" --budget "$T/b.yaml" --format json
cp "$T/out" "$T/c.json"
assert_eq "json valid" ok "$(python3 -c 'import json,sys; json.load(open(sys.argv[1])); print("ok")' "$T/c.json" 2>&1)"
assert_eq "breaches" "big max_size 200 204 4
net_a max_padding_bytes 4 7 2
net_a max_padding_percent 40 43.75 2
u_val max_size 4 8 5" "$(breaches "$T/c.json" | sort)"
assert_eq "types checked / matched" "6 6" \
    "$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["types_checked"], d["types_matched"])' "$T/c.json")"
assert_match "unused rule noted" 'rule 6 \(line 20, nothing\*\) matched no type' "$(cat "$T/c.json")"
assert_eq "one line on stderr" 1 "$(wc -l < "$T/err")"
assert_match "why: count and worst" "^holeprof: $T/b.yaml: 4 budget breaches \\(worst: union u_val max_size 8 > 4, rule 5\\)\$" "$(cat "$T/err")"

assert_status "table form" 1 "$HOLEPROF" check "$T/p.db" --budget "$T/b.yaml"
assert_match "table row" '^struct net_a +.*prog +2 \(line 8\) +max_padding_percent +40 +43.75$' "$(cat "$T/out")"
assert_match "table summary" '6 types checked, 6 matched a rule' "$(cat "$T/out")"

# Reorder the rules: the glob first now catches net_b too.
cat > "$T/glob-first.yaml" <<'EOF'
budgets:
  - type: "net_*"
    max_padding_bytes: 4
  - type: net_b
    max_padding_bytes: 14
EOF
assert_status "glob first" 1 "$HOLEPROF" check "$T/p.db" --budget "$T/glob-first.yaml" -f json
assert_eq "glob first: net_b breaks rule 1" "net_a max_padding_bytes 4 7 1
net_b max_padding_bytes 4 14 1" "$(breaches "$T/out" | sort)"

cat > "$T/ok.yaml" <<'EOF'
budgets:
  - type: "*"
    max_size: 204
EOF
assert_status "within budget" 0 "$HOLEPROF" check "$T/p.db" --budget "$T/ok.yaml"
assert_match "no breaches" '^no breaches$' "$(cat "$T/out")"
assert_eq "nothing on stderr" "" "$(cat "$T/err")"

# ---- allocations x waste: skipped without data, enforced with it ----
cat > "$T/alloc.yaml" <<'EOF'
budgets:
  - type: "*"
    max_waste_allocs: 5000
EOF
# A copy without any allocation data (whatever the analyzer stores), then
# with data as the ranking stage will store it: a `waste` view.
cp "$T/p.db" "$T/n.db"
q "$T/n.db" "DROP VIEW IF EXISTS waste; DROP TABLE IF EXISTS site_counts;
             DROP TABLE IF EXISTS site_candidates; DROP TABLE IF EXISTS sites;" || die "cannot strip"
assert_status "no allocation data: limit skipped" 0 "$HOLEPROF" check "$T/n.db" --budget "$T/alloc.yaml"
assert_match "skipped note" 'max_waste_allocs skipped for 6 types: the database has no allocation data' "$(cat "$T/out")"
cp "$T/n.db" "$T/w.db"
q "$T/w.db" "CREATE VIEW waste AS SELECT id AS type_id,
               CASE name WHEN 'net_a' THEN 1000 WHEN 'net_b' THEN 100 ELSE 0 END AS allocations
               FROM types" || die "cannot add view"
assert_status "waste x allocations" 1 "$HOLEPROF" check "$T/w.db" --budget "$T/alloc.yaml" -f json
assert_eq "net_a 7 x 1000 > 5000, net_b 14 x 100 fine" "net_a max_waste_allocs 5000 7000 1" \
    "$(breaches "$T/out")"
assert_eq "source named" "the waste view" \
    "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["allocation_data"])' "$T/out")"
# Static site weights, as analyze stores them, when there is no view.
cp "$T/n.db" "$T/s.db"
q "$T/s.db" "CREATE TABLE sites(id INTEGER PRIMARY KEY, binary_id INTEGER, type_id INTEGER,
                                static_weight INTEGER);
             INSERT INTO sites(binary_id, type_id, static_weight)
                 SELECT binary_id, id, 512 FROM types WHERE name = 'net_b';
             INSERT INTO sites(binary_id, type_id, static_weight)
                 SELECT binary_id, id, 8 FROM types WHERE name = 'net_b';" || die "cannot add sites"
assert_status "static weights" 1 "$HOLEPROF" check "$T/s.db" --budget "$T/alloc.yaml" -f json
assert_eq "net_b 14 x (512 + 8) > 5000" "net_b max_waste_allocs 5000 7280 1" "$(breaches "$T/out")"

# ---- the shipped example on the sample program ----
gcc -g -O0 -std=c11 -o "$T/sample" "$TOP_SRCDIR/examples/sample.c" || die "cannot build sample"
"$HOLEPROF" analyze -q "$T/sample" -o "$T/sample.db" || die "analyze sample failed"
assert_status "examples/budget.yaml on the sample" 1 "$HOLEPROF" check "$T/sample.db" \
    --budget "$TOP_SRCDIR/examples/budget.yaml" -f json
assert_eq "sample: conn breaks rule 1" "conn max_size 56 80 1
conn max_padding_bytes 8 24 1" "$(breaches "$T/out")"

# ---- bad budget files: status 2 and the line ----
bad() {    # bad NAME EXPECTED-MESSAGE-REGEX PRINTF-FORMAT (not in a pipe:
           # the assertion counters live in this shell)
    printf -- "$3" > "$T/bad.yaml"
    assert_status "bad budget: $1" 2 "$HOLEPROF" check "$T/p.db" --budget "$T/bad.yaml"
    assert_match "bad budget: $1: message" "$2" "$(cat "$T/err")"
    assert_eq "bad budget: $1: nothing on stdout" "" "$(cat "$T/out")"
}
bad "unknown key" "bad.yaml: line 3: unknown key 'max_sise'" 'budgets:\n  - type: x\n    max_sise: 3\n'
bad "negative" 'line 3: max_size must not be negative' 'budgets:\n  - type: x\n    max_size: -1\n'
bad "fraction of a byte" 'line 3: max_size wants a whole number' 'budgets:\n  - type: x\n    max_size: 1.5\n'
bad "not a number" "wants a number, not 'lots'" 'budgets:\n  - type: x\n    max_padding_percent: lots\n'
bad "no type" 'line 2: budget without type' 'budgets:\n  - max_size: 3\n'
bad "bad kind" 'kind is one of struct, class, union, enum' 'budgets:\n  - type: x\n    kind: record\n'
bad "version" 'unsupported budget file version' 'version: 2\nbudgets: []\n'
bad "not YAML" 'bad.yaml: line [0-9]+: ' 'budgets: [\n'
bad "empty" 'empty budget file' ''
bad "top-level list" "a mapping with a 'budgets' list" '- type: x\n'
assert_status "missing budget file" 2 "$HOLEPROF" check "$T/p.db" --budget "$T/nope.yaml"
assert_match "missing budget message" 'nope\.yaml: No such file' "$(cat "$T/err")"
assert_status "no --budget" 2 "$HOLEPROF" check "$T/p.db"
assert_status "missing database" 2 "$HOLEPROF" check "$T/nope.db" --budget "$T/ok.yaml"

finish
