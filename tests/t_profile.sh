#!/bin/sh
# t_profile.sh -- `holeprof profile DB FILE` on a real valgrind DHAT run
# (and real heaptrack and Go pprof runs) of tests/fixtures/profile.c built as a PIE
# (valgrind maps it at a load bias the import must solve): allocation
# counts come back exactly per site -- 1000 hot, 64 cold through the
# xalloc wrapper, 10 arrays, 5 messages with a tail, 1 once -- the field
# heat names exactly the fields the fixture touches, `show` prints it and
# orders the suggestion hot-first,
# `top` switches to measured counts, a re-import replaces, and bad
# profiles are refused without touching the database.
. "${TOP_SRCDIR:-$(dirname "$0")/..}/tests/lib.sh"

need gcc sqlite3 valgrind python3
[ -x "$HOLEPROF" ] || die "holeprof not built: $HOLEPROF"

gcc -g -O0 -fpie -pie -o "$T/pf" "$FIXTURES/profile.c" || die "cannot compile the fixture"
assert_match "fixture is a PIE" 'DYN' "$(readelf -h "$T/pf" | grep 'Type:')"
"$HOLEPROF" analyze -q "$T/pf" -o "$T/db" || die "analyze failed"
valgrind -q --tool=dhat --dhat-out-file="$T/dhat.json" "$T/pf" 2>"$T/vg.err" \
    || die "valgrind failed: $(head -c 300 "$T/vg.err")"
cp "$T/db" "$T/orig.db"
line() { grep -n "$1" "$FIXTURES/profile.c" | head -1 | cut -d: -f1; }

assert_status "import" 0 "$HOLEPROF" profile "$T/db" "$T/dhat.json"
assert_match "reports the load bias" 'load bias 0x[0-9a-f]+' "$(cat "$T/out")"
assert_match "reports points matched" '^program points: [0-9]+, matched 5$' "$(cat "$T/out")"
assert_match "reports allocations matched" '^allocations: [0-9]+, matched 1080 ' "$(cat "$T/out")"
bias=$(q "$T/db" "SELECT load_bias FROM profiles")
assert_eq "bias is page aligned and nonzero (PIE)" "1" "$(q "$T/db" "SELECT load_bias > 0 AND load_bias % 4096 = 0 FROM profiles")"

# exact counts per site (file:line of the allocating statement)
assert_eq "allocations per site" "arr|$(line 'calloc(4, sizeof \*v)')|10|1600
cold|$(line 'xalloc(sizeof')|64|1536
hot|$(line 'malloc(sizeof \*h)')|1000|24000
msg|$(line 'malloc(sizeof \*m + 100)')|5|620
once|$(line 'malloc(sizeof \*o)')|1|40" \
    "$(q "$T/db" "SELECT t.name, s.line, c.allocations, c.bytes FROM site_counts c JOIN sites s ON s.id = c.site_id
                  JOIN types t ON t.id = s.type_id ORDER BY t.name")"
assert_eq "profile row" "dhat|5|5|1080|1080" \
    "$(q "$T/db" "SELECT source, points_matched, heat_points, allocations_matched, allocations_matched FROM profiles")"

# field heat: exactly the touched fields, with their counts
#   hot.a: 1 store + 1 load x 1000; hot.b: 8 bytes x 2 x 1000
#   cold.y: 8 bytes x 2 x 64; arr.d: 8 bytes x (4 stores + 1 load) x 10
#   msg.id: 8 bytes x 2 x 5 (data[0] lies past the members: not counted)
#   once.e: 1 store + 1 load
assert_eq "touched fields" "arr.d 400 8
cold.y 1024 8
hot.a 2000 1
hot.b 16000 8
msg.id 80 8
once.e 2 1" \
    "$(q "$T/db" "SELECT t.name || '.' || m.name || ' ' || h.accesses || ' ' || h.bytes_touched
                  FROM member_heat h JOIN members m ON m.type_id = h.type_id AND m.idx = h.idx
                  JOIN types t ON t.id = h.type_id WHERE h.accesses > 0 ORDER BY 1")"
assert_eq "untouched fields have rows with 0" "15" "$(q "$T/db" "SELECT count(*) FROM member_heat WHERE accesses = 0")"

# top now uses the measured counts, and agrees with worst.sql
"$HOLEPROF" top "$T/db" -n 0 -f csv | tr -d '\r' > "$T/c.csv"
# (the sqlite3 shell prints a whole REAL as "8.0", holeprof as "8")
sqlite3 -batch -csv -header "$T/db" < "$TOP_SRCDIR/queries/worst.sql" | tr -d '\r' |
    sed -E ':a; s/(^|,)(-?[0-9]+)\.0(,|$)/\1\2\3/; ta' > "$T/s.csv"
assert_eq "measured: top = worst.sql" "$(cat "$T/s.csv")" "$(cat "$T/c.csv")"
assert_eq "measured ranking (name allocations source heap struct)" "arr 10 measured 640 640
msg 5 measured 80 40
once 1 measured 16 16
hot 1000 measured 0 8000
cold 64 measured 0 512" \
    "$(tail -n +2 "$T/c.csv" | awk -F, '{print $4, $10, $11, $14, $15}')"

# show: field heat, the hot-first suggestion (still minimal, and it
# compiles to the offsets it prints), the allocator view and the sites
"$HOLEPROF" show "$T/db" hot > "$T/hot.show" || fail "show hot failed"
assert_match "show: heat and untouched fields" '^Field heat \(DHAT accesses, counted profiles\): b 16000, a 2000; never touched: c, d$' "$(cat "$T/hot.show")"
assert_eq "show: hot fields first at the minimal size" "b a c d" \
    "$(sed -n '/^Suggested order (size 24 -> 16/,/^}/p' "$T/hot.show" | sed -n 's/^    [a-z ]* \([a-z]\);.*/\1/p' | tr '\n' ' ' | sed 's/ $//')"
sed -n '/^Suggested order (size/,/^}/p' "$T/hot.show" | sed '1d' > "$T/hot.h"
printf '#include <stddef.h>\n#include "hot.h"\n_Static_assert(sizeof(struct hot) == 16, "size");\n_Static_assert(offsetof(struct hot, a) == 8, "a");\nint main(void) { return 0; }\n' > "$T/hot_check.c"
if gcc -fsyntax-only -I"$T" "$T/hot_check.c" 2>"$T/cc.err"; then pass; else fail "hot-first declaration: $(cat "$T/cc.err")"; fi
assert_match "show: allocator view" '^Allocator glibc \(default\): one object takes 32 bytes, 32 after reordering; other models: go 24 -> 16, jemalloc 32 -> 16' "$(cat "$T/hot.show")"
assert_match "show: the site with measured counts" "profile\.c:$(line 'malloc(sizeof \*h)')  main  malloc\(1 x 24 B\)  1000 allocations, class 32 -> 32, heap saved 0, struct saved 8000$" "$(cat "$T/hot.show")"
"$HOLEPROF" show "$T/db" arr > "$T/arr.show" || fail "show arr failed"
assert_match "show: array site" 'calloc\(4 x 40 B\)  10 allocations, class 176 -> 112, heap saved 640, struct saved 640$' "$(cat "$T/arr.show")"
assert_match "show: arr heat" '^Field heat \(DHAT accesses, counted profiles\): d 400; never touched: a, b, c, e$' "$(cat "$T/arr.show")"
"$HOLEPROF" show "$T/orig.db" hot > "$T/hot0.show" || fail "show without profile failed"
assert_eq "show without a profile: no heat line" "0" "$(grep -c '^Field heat' "$T/hot0.show")"
assert_match "show without a profile: static weights" 'Allocation sites \(static weights' "$(cat "$T/hot0.show")"

# importing the same file again replaces it
assert_status "re-import" 0 "$HOLEPROF" profile -q "$T/db" "$T/dhat.json"
assert_eq "re-import: one profile, same counts" "1|1080|6" \
    "$(q "$T/db" "SELECT (SELECT count(*) FROM profiles), (SELECT sum(allocations) FROM site_counts),
                         (SELECT count(*) FROM member_heat WHERE accesses > 0)")"

# a wrapper's own call to malloc, as an analyzer may record it: the count
# goes past it to the caller's site in main (hand-made site row at the
# real pc of the call inside xalloc)
pc=$(objdump -d --no-show-raw-insn "$T/pf" | awk '/<xalloc>:$/ {f = 1} f && /call.*<malloc@plt>/ {sub(":", "", $1); print $1; exit}')
if [ -n "$pc" ]; then
    cp "$T/orig.db" "$T/w.db"
    q "$T/w.db" "INSERT OR IGNORE INTO allocators(binary_id, name, family, origin, size_arg, sites)
                   SELECT 1, 'xalloc', 'user', 'user', 0, 1
                    WHERE NOT EXISTS (SELECT 1 FROM allocators WHERE name = 'xalloc');
                 INSERT INTO sites(id, binary_id, pc, function, file, line, allocator, size, count,
                   type_id, method, confidence, static_weight, loop_depth, kind, indirect, inline_depth,
                   ambiguous, candidates) VALUES
                  (777, 1, $((0x$pc)), 'xalloc', 'profile.c', 26, 'malloc', NULL, NULL, NULL, NULL, 0, 1,
                   0, 'call', 0, 0, 0, 0)"
    assert_status "import with a wrapper site" 0 "$HOLEPROF" profile -q "$T/w.db" "$T/dhat.json"
    assert_eq "wrapper: counted at the caller, via the wrapper" "cold|64|1|1" \
        "$(q "$T/w.db" "SELECT t.name, c.allocations, c.points, c.via_wrapper FROM site_counts c
                        JOIN sites s ON s.id = c.site_id JOIN types t ON t.id = s.type_id WHERE t.name = 'cold'")"
    assert_eq "wrapper: its own site counts nothing" "0" "$(q "$T/w.db" "SELECT count(*) FROM site_counts WHERE site_id = 777")"
else
    fail "cannot find the malloc call in xalloc"
fi

# a non-PIE build of the same program: bias 0
gcc -g -O0 -no-pie -o "$T/np" "$FIXTURES/profile.c" || die "cannot compile the fixture"
"$HOLEPROF" analyze -q "$T/np" -o "$T/np.db" || die "analyze failed"
valgrind -q --tool=dhat --dhat-out-file="$T/np.json" "$T/np" 2>/dev/null || die "valgrind failed"
assert_status "non-PIE import" 0 "$HOLEPROF" profile -q "$T/np.db" "$T/np.json"
assert_eq "non-PIE: bias 0, all matched" "0|1080" "$(q "$T/np.db" "SELECT load_bias, allocations_matched FROM profiles")"

# several binaries in one database: the frames pick the binary
"$HOLEPROF" merge -q "$T/both.db" "$T/orig.db" "$T/np.db" || die "merge failed"
assert_status "import into a merged database" 0 "$HOLEPROF" profile -q "$T/both.db" "$T/np.json"
assert_eq "merged: the non-PIE binary matched, bias 0" "$T/np|0|1080" \
    "$(q "$T/both.db" "SELECT b.path, p.load_bias, p.allocations_matched FROM profiles p JOIN binaries b ON b.id = p.binary_id")"
assert_status "--binary names the other one" 2 "$HOLEPROF" profile -q "$T/both.db" "$T/dhat.json" --binary np
assert_match "--binary: nothing matches there" 'no frame of the profile is an allocation site' "$(cat "$T/err")"
assert_status "--binary pf" 0 "$HOLEPROF" profile -q "$T/both.db" "$T/dhat.json" --binary pf
assert_eq "merged: two profiles, one per binary" "2|2" "$(q "$T/both.db" "SELECT count(*), count(DISTINCT binary_id) FROM profiles")"
"$HOLEPROF" analyze -q --no-sites "$T/pf" -o "$T/nosites.db" || die "analyze failed"
assert_status "database without sites" 2 "$HOLEPROF" profile "$T/nosites.db" "$T/dhat.json"
assert_match "without sites: says why" 'has no allocation sites' "$(cat "$T/err")"

# heaptrack: the same exact counts (no field heat in its data), from its
# zstd file, gzip'd and plain text
if command -v heaptrack >/dev/null 2>&1 && command -v zstd >/dev/null 2>&1; then
    heaptrack -o "$T/ht" "$T/pf" >"$T/ht.log" 2>&1 || die "heaptrack failed: $(tail -3 "$T/ht.log")"
    ht=$(ls "$T"/ht.zst "$T"/ht.gz 2>/dev/null | head -1)
    [ -n "$ht" ] || die "heaptrack wrote no file"
    for form in packed gz plain; do
        case $form in
            packed) f=$ht ;;
            gz) (zstd -dcq "$ht" 2>/dev/null || gzip -dc "$ht") | gzip -c > "$T/ht2.gz"; f=$T/ht2.gz ;;
            plain) (zstd -dcq "$ht" 2>/dev/null || gzip -dc "$ht") > "$T/ht.txt"; f=$T/ht.txt ;;
        esac
        cp "$T/orig.db" "$T/h.db"
        assert_status "heaptrack import ($form)" 0 "$HOLEPROF" profile "$T/h.db" "$f"
        assert_eq "heaptrack ($form): allocations per site" "arr|10|1600
cold|64|1536
hot|1000|24000
msg|5|620
once|1|40" \
            "$(q "$T/h.db" "SELECT t.name, c.allocations, c.bytes FROM site_counts c JOIN sites s ON s.id = c.site_id
                            JOIN types t ON t.id = s.type_id ORDER BY t.name")"
        assert_eq "heaptrack ($form): profile row" "heaptrack|1|5|1080" \
            "$(q "$T/h.db" "SELECT source, load_bias > 0 AND load_bias % 4096 = 0, points_matched, allocations_matched FROM profiles")"
    done
    printf 'v 10400 9\n' > "$T/ht9.txt"
    assert_status "heaptrack: unknown format" 2 "$HOLEPROF" profile "$T/h.db" "$T/ht9.txt"
    assert_match "heaptrack: unknown format: message" 'file format 9' "$(cat "$T/err")"
    printf 'v 10400 3\na 18 0\n+ 5\n' > "$T/htbad.txt"
    assert_status "heaptrack: allocation of an unknown kind" 2 "$HOLEPROF" profile "$T/h.db" "$T/htbad.txt"
    assert_match "heaptrack: damaged: message" 'damaged heaptrack data: line 3' "$(cat "$T/err")"
    printf 'v 10400 3\ni 1000 1\nt 1 5\n' > "$T/htbad2.txt"
    assert_status "heaptrack: parent after child" 2 "$HOLEPROF" profile "$T/h.db" "$T/htbad2.txt"
    printf '\050\265\057\375garbage' > "$T/bad.zst"
    assert_status "heaptrack: corrupt zstd" 2 "$HOLEPROF" profile "$T/h.db" "$T/bad.zst"
    assert_match "heaptrack: corrupt zstd: message" 'zstd could not decompress it' "$(cat "$T/err")"
fi
# Go: a pprof allocs profile (gzip'd protocol buffer), exact counts with
# runtime.MemProfileRate = 1
if command -v go >/dev/null 2>&1; then
    mkdir -p "$T/go" && cp "$FIXTURES/profile.go" "$T/go/main.go"
    (cd "$T/go" && GOCACHE="$T/gocache" GO111MODULE=off GOFLAGS= go build -o prog main.go) \
        || die "go build failed"
    "$T/go/prog" "$T/go/allocs.pb.gz" || die "the Go fixture failed"
    "$HOLEPROF" analyze -q "$T/go/prog" -o "$T/go.db" || die "analyze go failed"
    assert_status "pprof import" 0 "$HOLEPROF" profile "$T/go.db" "$T/go/allocs.pb.gz"
    assert_match "pprof: source named" "\\(pprof\\) as 'allocs.pb.gz': binary 1, load bias 0x0$" "$(cat "$T/out")"
    gl() { grep -n "$1" "$FIXTURES/profile.go" | head -1 | cut -d: -f1; }
    assert_eq "pprof: allocations per site" "main.Cold|$(gl 'return &Cold')|64|1536
main.Hot|$(gl '&Hot{A: true}')|1000|32000" \
        "$(q "$T/go.db" "SELECT t.name, s.line, c.allocations, c.bytes FROM site_counts c JOIN sites s ON s.id = c.site_id
                         JOIN types t ON t.id = s.type_id WHERE t.name LIKE 'main.%' ORDER BY t.name")"
    assert_eq "pprof: ranked by measured counts under the go model" "main.Hot 32 24 go 1000 measured 8000
main.Cold 24 16 go 64 measured 512" \
        "$("$HOLEPROF" top "$T/go.db" -n 2 -f csv | tail -n +2 | tr -d '\r' | awk -F, '{print $4, $5, $6, $7, $10, $11, $14}')"
    head -c 300 "$T/go/allocs.pb.gz" > "$T/trunc.pb.gz"
    assert_status "pprof: truncated" 2 "$HOLEPROF" profile "$T/go.db" "$T/trunc.pb.gz"
    assert_match "pprof: truncated: message" 'truncated gzip data|damaged pprof profile' "$(cat "$T/err")"
    printf '\377\377\377\377\377\377\377\377\377\377\377' | gzip -c > "$T/junk.pb.gz"
    assert_status "pprof: junk" 2 "$HOLEPROF" profile "$T/go.db" "$T/junk.pb.gz"
    assert_match "pprof: junk: message" 'damaged pprof profile' "$(cat "$T/err")"
fi
printf 'hello\n' > "$T/text.txt"
assert_status "neither format" 2 "$HOLEPROF" profile "$T/db" "$T/text.txt"
assert_match "neither format: message" 'not a profile: neither a DHAT profile, heaptrack data, a pprof profile, perf script output, a gperftools heap profile, /proc/slabinfo nor /proc/allocinfo' "$(cat "$T/err")"

# refusals leave the database untouched
cp "$T/orig.db" "$T/r.db"
sum0=$(cksum < "$T/r.db")
printf '{"dhatFileVersion": 2, "mode": "heap", "pps": [' > "$T/trunc.json"
assert_status "truncated JSON" 2 "$HOLEPROF" profile "$T/r.db" "$T/trunc.json"
assert_match "truncated JSON: message" 'not valid JSON' "$(cat "$T/err")"
printf '{"dhatFileVersion": 2, "mode": "copy", "pps": [], "ftbl": []}' > "$T/copy.json"
assert_status "copy-mode profile" 2 "$HOLEPROF" profile "$T/r.db" "$T/copy.json"
assert_match "copy-mode profile: message" "a DHAT profile of mode .copy.: only heap profiles" "$(cat "$T/err")"
python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
d["pps"][0]["acc"] = [-5]
json.dump(d, open(sys.argv[2], "w"))' "$T/dhat.json" "$T/badacc.json"
assert_status "bad acc array" 2 "$HOLEPROF" profile "$T/r.db" "$T/badacc.json"
assert_match "bad acc: message" 'bad acc array' "$(cat "$T/err")"
assert_status "profile of another program" 2 "$HOLEPROF" profile "$T/r.db" "$T/np.json"
assert_status "missing file" 2 "$HOLEPROF" profile "$T/r.db" "$T/nope.json"
assert_status "not a database" 2 "$HOLEPROF" profile "$T/dhat.json" "$T/dhat.json"
assert_eq "refusals: database unchanged" "$sum0" "$(cksum < "$T/r.db")"

finish
