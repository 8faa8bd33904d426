#!/bin/sh
# t_profile_sizes.sh -- measured block sizes decide the allocator class
# arithmetic of a site whose request varies (issue 18 point 5, issue 19
# point 1): tests/fixtures/profile_flex.c allocates struct msg (24 -> 16
# bytes, a flexible array) with malloc(24 + 4n), n = 2, 4 and an
# alternating 1/7, under real valgrind DHAT, heaptrack and perf uprobes.
# Without a profile the saving depends on n (no heap saving claimed).
# With one, each measured size is classed on its own: glibc 2.36 makes a
# request r a chunk of max(32, (r + 8 + 15) & ~15) bytes (malloc/malloc.c;
# src/sizeclass.c), so 32 B (48 -> 32 after the reorder) saves 16 bytes
# a block and 40 B (48 -> 48) nothing -- their mean (36 B, 48 -> 48) says
# nothing is saved.  DHAT keeps one size per call path: the alternating
# path is known only by its mean, and is classed at that mean.  heaptrack
# and perf see every block.  The expected figures are computed here from
# what the program says it allocated, with that formula.
. "${TOP_SRCDIR:-$(dirname "$0")/..}/tests/lib.sh"

need gcc sqlite3 valgrind python3
[ -x "$HOLEPROF" ] || die "holeprof not built: $HOLEPROF"

GROUP=holeprof MALLOC=fmalloc_$$
cleanup() {
    [ -n "${probes:-}" ] && perf probe -q -d "$GROUP:$MALLOC" >/dev/null 2>&1
    [ "${KEEP_TMP:-0}" = 1 ] || rm -rf "$T"
}
trap cleanup EXIT

gcc -g -O1 -fpie -pie -o "$T/pf" "$FIXTURES/profile_flex.c" || die "cannot compile the fixture"
"$T/pf" > "$T/truth" || die "the fixture failed"
"$HOLEPROF" analyze -q "$T/pf" -o "$T/orig.db" || die "analyze failed"
assert_eq "msg: 24 -> 16, a flexible array, one typed site" "24|16|256|1" \
    "$(q "$T/orig.db" "SELECT t.size, t.optimal_size, t.flags & 256, count(s.id) FROM types t
                       JOIN sites s ON s.type_id = t.id WHERE t.name = 'msg'")"
saving=$(q "$T/orig.db" "SELECT size - optimal_size FROM types WHERE name = 'msg'")
glibc_saved() {   # glibc_saved MODE: heap bytes the reorder saves, from $T/truth
    python3 - "$1" "$saving" "$T/truth" <<'PY'
import sys
mode, saving = sys.argv[1], int(sys.argv[2])
chunk = lambda r: max(32, (r + 8 + 15) & ~15)
rows = {}
for line in open(sys.argv[3]):
    f = line.split()
    if len(f) == 3:
        rows.setdefault(f[0], []).append((int(f[1]), int(f[2])))
total = 0
for caller, sizes in rows.items():
    if mode == "path-mean" and len(sizes) > 1:
        n = sum(k for _, k in sizes)
        mean = sum(r * k for r, k in sizes) // n
        sizes = [(mean, n)]
    if mode == "site-mean":
        continue
    total += sum((chunk(r) - chunk(r - saving)) * k for r, k in sizes)
if mode == "site-mean":
    n = sum(k for s in rows.values() for _, k in s)
    mean = sum(r * k for s in rows.values() for r, k in s) // n
    total = (chunk(mean) - chunk(mean - saving)) * n
print(total)
PY
}
true_saved=$(glibc_saved every)
dhat_saved=$(glibc_saved path-mean)
mean_saved=$(glibc_saved site-mean)
# the fixture is only a test when the three differ
[ "$true_saved" != "$dhat_saved" ] && [ "$dhat_saved" != "$mean_saved" ] \
    || die "fixture: the per-size, per-path and mean figures agree ($true_saved $dhat_saved $mean_saved)"

heap() { q "$1" "SELECT coalesce(CAST(heap_saved AS INTEGER), '') || '|' || verdict FROM waste WHERE name = 'msg'"; }

# no profile: depends on n
assert_eq "static: depends on n" "|depends on n" "$(heap "$T/orig.db")"

# ---- DHAT ----
valgrind -q --tool=dhat --dhat-out-file="$T/dhat.json" "$T/pf" >/dev/null 2>"$T/vg.err" \
    || die "valgrind failed: $(head -c 300 "$T/vg.err")"
cp "$T/orig.db" "$T/d.db"
assert_status "DHAT import" 0 "$HOLEPROF" profile -q "$T/d.db" "$T/dhat.json"
assert_eq "DHAT: the two one-size paths' sizes, per size" "$(awk '$1 == "small" || $1 == "big" {print $2 "|" $3}' "$T/truth" | sort)" \
    "$(q "$T/d.db" "SELECT size || '|' || allocations FROM site_sizes ORDER BY size")"
assert_eq "DHAT: heap saved from the measured sizes (the mixed path at its mean)" "$dhat_saved|saves" "$(heap "$T/d.db")"
"$HOLEPROF" show "$T/d.db" msg > "$T/d.show" || fail "show failed"
assert_match "DHAT: show lists the sizes and the rest at its mean" \
    'malloc\(2 measured sizes: 32 B x 1000 class 48 -> 32, 40 B x 1000 class 48 -> 48\)  3000 allocations \(2000 of them sized; the other 1000 at their mean 40 B: class 48 -> 48\), heap saved '"$dhat_saved"',' \
    "$(cat "$T/d.show")"
assert_top_worst "$T/d.db"
# re-import and drop: the sizes go with their profile
assert_status "DHAT re-import" 0 "$HOLEPROF" profile -q "$T/d.db" "$T/dhat.json"
assert_eq "re-import replaces the sizes" "2" "$(q "$T/d.db" "SELECT count(*) FROM site_sizes")"
assert_status "drop" 0 "$HOLEPROF" profile -q "$T/d.db" --drop dhat.json
assert_eq "drop removes the sizes" "0" "$(q "$T/d.db" "SELECT count(*) FROM site_sizes")"
assert_eq "dropped: depends on n again" "|depends on n" "$(heap "$T/d.db")"

# ---- heaptrack: every block's size ----
if command -v heaptrack >/dev/null 2>&1; then
    heaptrack -o "$T/ht" "$T/pf" >"$T/ht.log" 2>&1 || die "heaptrack failed: $(tail -3 "$T/ht.log")"
    ht=$(ls "$T"/ht.zst "$T"/ht.gz 2>/dev/null | head -1)
    [ -n "$ht" ] || die "heaptrack wrote no file"
    cp "$T/orig.db" "$T/h.db"
    assert_status "heaptrack import" 0 "$HOLEPROF" profile -q "$T/h.db" "$ht"
    assert_eq "heaptrack: every size" "$(awk 'NF == 3 {print $2 "|" $3}' "$T/truth" | sort)" \
        "$(q "$T/h.db" "SELECT size || '|' || allocations FROM site_sizes ORDER BY size")"
    assert_eq "heaptrack: the true heap saving" "$true_saved|saves" "$(heap "$T/h.db")"
    assert_top_worst "$T/h.db"
    # with the DHAT profile too, selected together: the sizes add up
    assert_status "DHAT beside heaptrack" 0 "$HOLEPROF" profile -q "$T/h.db" "$T/dhat.json"
    assert_status "both selected" 0 "$HOLEPROF" profile -q "$T/h.db" --use "dhat.json,$(basename "$ht")"
    assert_eq "two profiles: the savings add up" "$((true_saved + dhat_saved))|saves" "$(heap "$T/h.db")"
else
    echo "SKIP (part): heaptrack not installed"
fi

# ---- perf uprobes: every block's size ----
why=$(uprobe_why)
libc=$(ldd "$T/pf" | awk '/libc\.so\.6/ {print $3}')
if [ -z "$why" ]; then
    probes=1
    perf probe -x "$libc" -a "$GROUP:$MALLOC=malloc size=%di" >"$T/probe.log" 2>&1 \
        || why="perf probe failed: $(tail -1 "$T/probe.log")"
fi
if [ -z "$why" ]; then
    perf record -q -o "$T/perf.data" -m 4096 -e "$GROUP:$MALLOC" --call-graph dwarf,4096 "$T/pf" \
        >"$T/rec.log" 2>&1 || die "perf record failed: $(tail -3 "$T/rec.log")"
    perf script -i "$T/perf.data" > "$T/pf.perf" 2>/dev/null || die "perf script failed"
    cp "$T/orig.db" "$T/p.db"
    assert_status "perf import" 0 "$HOLEPROF" profile -q "$T/p.db" "$T/pf.perf"
    assert_eq "perf: every size" "$(awk 'NF == 3 {print $2 "|" $3}' "$T/truth" | sort)" \
        "$(q "$T/p.db" "SELECT size || '|' || allocations FROM site_sizes ORDER BY size")"
    assert_eq "perf: the true heap saving" "$true_saved|saves" "$(heap "$T/p.db")"
else
    echo "SKIP (part): perf uprobes: $why"
fi

# ---- bad input: a block size whose total overflows ----
cp "$T/orig.db" "$T/b.db"
sum0=$(cksum < "$T/b.db")
python3 - "$T/dhat.json" > "$T/over.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
for p in d["pps"]:
    if "acc" in p:
        p["tbk"], p["tb"] = 1 << 40, 1 << 50
        p["acc"] = [0] * 32768   # blocks of 32 KiB each: 2^40 of them is 2^55 bytes
        break
json.dump(d, sys.stdout)
PY
assert_status "overflowing sizes" 2 "$HOLEPROF" profile -q "$T/b.db" "$T/over.json"
assert_eq "overflowing sizes: one line" "1" "$(wc -l < "$T/err")"
assert_match "overflowing sizes: message" 'add up beyond 2\^53 \(blocks x block size\)' "$(cat "$T/err")"
assert_eq "overflowing sizes: database untouched" "$sum0" "$(cksum < "$T/b.db")"

finish
