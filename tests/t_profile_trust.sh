#!/bin/sh
# t_profile_trust.sh -- profiles you can trust (issue 18, 22): a profile
# of another program is refused (a real DHAT run of lua5.4 into the
# database of tests/fixtures/profile.c), imports are named, replace and
# drop by name and never silently add up, --profile chooses, coverage is
# printed by profile, top, show, report and the coverage query, and bad
# or hostile profiles (truncated, garbled, overflowing, deep, bombs) are
# one line, exit 2, in bounded memory, with the database untouched.
. "${TOP_SRCDIR:-$(dirname "$0")/..}/tests/lib.sh"

need gcc sqlite3 valgrind python3
[ -x "$HOLEPROF" ] || die "holeprof not built: $HOLEPROF"

gcc -g -O0 -fpie -pie -o "$T/pf" "$FIXTURES/profile.c" || die "cannot compile the fixture"
"$HOLEPROF" analyze -q "$T/pf" -o "$T/db" || die "analyze failed"
valgrind -q --tool=dhat --dhat-out-file="$T/run.dhat" "$T/pf" 2>"$T/vg.err" \
    || die "valgrind failed: $(head -c 300 "$T/vg.err")"
cp "$T/db" "$T/orig.db"
sum0=$(cksum < "$T/orig.db")
# peak RSS of a command, in KiB (its exit status in $T/rc)
rss() {
    python3 -c 'import resource, subprocess, sys
r = subprocess.run(sys.argv[2:], stdout=subprocess.DEVNULL, stderr=open(sys.argv[1], "w"))
open(sys.argv[1] + ".rc", "w").write(str(r.returncode))
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)' "$T/rss.err" "$@"
}

# ---- a foreign profile: a real DHAT run of lua5.4 ----
if command -v lua5.4 >/dev/null 2>&1; then
    valgrind -q --tool=dhat --dhat-out-file="$T/lua.dhat" lua5.4 "$FIXTURES/workload.lua" \
        >/dev/null 2>"$T/vg.err" || die "valgrind lua5.4 failed: $(head -c 300 "$T/vg.err")"
    cp "$T/orig.db" "$T/f.db"
    assert_status "lua5.4 profile into another program's database" 2 "$HOLEPROF" profile "$T/f.db" "$T/lua.dhat"
    assert_match "foreign: names the profile, its command and the database's binary" \
        "^holeprof: $T/lua.dhat: a profile of 'lua5.4 [^']*workload.lua', not of $T/f.db \\(which holds pf\\)" "$(cat "$T/err")"
    assert_eq "foreign: one line" "1" "$(wc -l < "$T/err")"
    assert_eq "foreign: database untouched" "$sum0" "$(cksum < "$T/f.db")"
else
    fail "lua5.4 not installed (tools/quickstart installs it)"
fi
# a DHAT profile whose cmd and frame names say another program, at the
# addresses of this one's sites: the function names decide
python3 - "$T/run.dhat" "$T/renamed.dhat" <<'EOF'
import json, re, sys
d = json.load(open(sys.argv[1]))
d["cmd"] = "./other"
d["ftbl"] = [re.sub(r": [A-Za-z_][A-Za-z0-9_]*", ": other_fn", f) if f.startswith("0x") and "vgpreload" not in f else f for f in d["ftbl"]]
json.dump(d, open(sys.argv[2], "w"))
EOF
cp "$T/orig.db" "$T/f.db"
assert_status "renamed frames" 2 "$HOLEPROF" profile "$T/f.db" "$T/renamed.dhat"
assert_match "renamed frames: the names disagree" "a profile of './other', not of .* [0-9]+ of [0-9]+ function names at matching addresses agree \\(e\\.g\\. other_fn where the database has main\\)" "$(cat "$T/err")"
assert_eq "renamed frames: database untouched" "$sum0" "$(cksum < "$T/f.db")"

# ---- named profiles ----
cp "$T/run.dhat" "$T/again.dhat"
assert_status "import (default name)" 0 "$HOLEPROF" profile "$T/db" "$T/run.dhat"
assert_match "import names the profile" "^profile $T/run.dhat \\(dhat\\) as 'run.dhat': " "$(cat "$T/out")"
assert_status "second import of the same run" 0 "$HOLEPROF" profile "$T/db" "$T/again.dhat"
assert_match "says which profile it replaces in the counts" "^counted instead of 'run.dhat' for this binary \\(to add them up: --use run.dhat,again.dhat\\)$" "$(cat "$T/out")"
assert_eq "two profiles, the newest counted" "run.dhat|0
again.dhat|1" "$(q "$T/db" "SELECT name, selected FROM profiles ORDER BY id")"
assert_eq "the same run does not add up" "1080" "$(q "$T/db" "SELECT sum(allocations) FROM site_allocations")"
"$HOLEPROF" top "$T/db" -f csv | tr -d '\r' > "$T/one.csv"
"$HOLEPROF" top "$T/db" -f csv --profile run.dhat,again.dhat | tr -d '\r' > "$T/two.csv"
assert_eq "--profile A,B adds them up (hot: 1000 -> 2000)" "1000 2000" \
    "$(awk -F, '$4 == "hot" {print $10}' "$T/one.csv") $(awk -F, '$4 == "hot" {print $10}' "$T/two.csv")"
assert_eq "--profile leaves the database as it was" "run.dhat|0
again.dhat|1" "$(q "$T/db" "SELECT name, selected FROM profiles ORDER BY id")"
assert_status "--profile with an unknown name" 2 "$HOLEPROF" top "$T/db" --profile nope
assert_match "unknown name: lists the names" "no profile named 'nope' \\(profiles: run.dhat, again.dhat\\)" "$(cat "$T/err")"
"$HOLEPROF" show "$T/db" hot --profile run.dhat,again.dhat > "$T/hot2.show" || fail "show --profile failed"
assert_match "show --profile A,B: combined counts and heat" 'malloc\(1 x 24 B\)  2000 allocations' "$(cat "$T/hot2.show")"
assert_match "show --profile A,B: heat of both" '^Field heat \(DHAT accesses, counted profiles\): b 32000, a 4000' "$(cat "$T/hot2.show")"
assert_status "query --profile" 0 "$HOLEPROF" query "$T/db" worst --profile run.dhat -f csv
assert_status "persistent --use" 0 "$HOLEPROF" profile "$T/db" --use run.dhat,again.dhat
assert_eq "--use: both counted" "2160" "$(q "$T/db" "SELECT sum(allocations) FROM site_allocations")"
assert_status "re-import under an existing name replaces it" 0 "$HOLEPROF" profile -q "$T/db" "$T/run.dhat" --name again.dhat
assert_eq "replaced: two profiles, one per name, the new one counted" "run.dhat|0
again.dhat|1" "$(q "$T/db" "SELECT name, selected FROM profiles ORDER BY id")"
assert_status "--drop" 0 "$HOLEPROF" profile "$T/db" --drop again.dhat
assert_eq "dropped: the other is counted again, no rows left behind" "run.dhat|1|0|0|0" \
    "$(q "$T/db" "SELECT name, selected, (SELECT count(*) FROM site_counts WHERE profile_id NOT IN (SELECT id FROM profiles)),
                  (SELECT count(*) FROM member_heat WHERE profile_id NOT IN (SELECT id FROM profiles)),
                  (SELECT count(*) FROM profile_misses WHERE profile_id NOT IN (SELECT id FROM profiles)) FROM profiles")"
assert_status "--drop of a name not there" 2 "$HOLEPROF" profile "$T/db" --drop again.dhat
assert_match "--drop unknown: message" "no profile named 'again.dhat' \\(profiles: run.dhat\\)" "$(cat "$T/err")"
assert_status "bad --name" 2 "$HOLEPROF" profile "$T/db" "$T/run.dhat" --name a,b

# ---- coverage everywhere ----
total=$(q "$T/db" "SELECT allocations FROM profiles")
bytes=$(q "$T/db" "SELECT bytes FROM profiles")
nosite=$(q "$T/db" "SELECT allocations - allocations_matched FROM profiles")
assert_status "import prints coverage" 0 "$HOLEPROF" profile "$T/db" "$T/run.dhat"
cov="coverage of profile run.dhat: $total allocations measured \\($bytes bytes\\); on struct-typed sites 1080 \\("
assert_match "profile: coverage line with the total" "^$cov" "$(cat "$T/out")"
assert_match "profile: no site share" "no site $nosite \\(" "$(cat "$T/out")"
assert_eq "misses add up to what no site took" "$nosite" "$(q "$T/db" "SELECT coalesce(sum(allocations), 0) FROM profile_misses")"
"$HOLEPROF" top "$T/db" > "$T/top.txt" || fail "top failed"
assert_match "top: coverage line" "^$cov" "$(cat "$T/top.txt")"
"$HOLEPROF" show "$T/db" hot > "$T/hot.show" || fail "show failed"
assert_match "show: coverage line" "^$cov" "$(cat "$T/hot.show")"
"$HOLEPROF" report "$T/db" -o "$T/r.html" 2>/dev/null || fail "report failed"
assert_match "report: coverage" "<pre id=\"coverage\">coverage of profile run.dhat: $total allocations measured" "$(cat "$T/r.html")"
assert_eq "coverage query: struct share = the profile's own numbers" \
    "$(q "$T/db" "SELECT name || ',' || round(100.0 * 1080 / allocations, 1) FROM profiles")" \
    "$("$HOLEPROF" query "$T/db" coverage -f csv | tr -d '\r' | awk -F, 'NR == 2 {printf "%s,%.1f\n", $1, $6}')"
"$HOLEPROF" top "$T/orig.db" > "$T/top0.txt" || fail "top without profile failed"
assert_eq "no profile, no coverage line" "0" "$(grep -c '^coverage' "$T/top0.txt")"

# the reasons: a database without sites says why, never "--no-sites" unless it was
printf 'int main(void) { return 0; }\n' > "$T/nosite.c"
gcc -g -O0 -o "$T/nosite" "$T/nosite.c" || die "cannot compile"
"$HOLEPROF" analyze -q "$T/nosite" -o "$T/ns.db" || die "analyze failed"
valgrind -q --tool=dhat --dhat-out-file="$T/ns.dhat" "$T/nosite" 2>/dev/null || die "valgrind failed"
assert_status "database with no sites" 2 "$HOLEPROF" profile "$T/ns.db" "$T/ns.dhat"
assert_match "no sites: says the code calls no known allocator" "has no allocation sites: the code of nosite calls no allocator holeprof knows" "$(cat "$T/err")"
assert_eq "no sites: no mention of --no-sites" "0" "$(grep -c 'no-sites' "$T/err")"

# ---- bad and hostile profiles: one line, exit 2, database untouched ----
# The memory bounds below are over a baseline: the peak RSS of importing
# the small real profile with this same build.  A sanitizer build (the
# second suite of .ci/run) starts some 40 MB higher and grows every heap
# block by its redzones, so an absolute bound would measure the build,
# not the reader.
cp "$T/orig.db" "$T/b.db"
base=$(rss "$HOLEPROF" profile "$T/b.db" "$T/run.dhat")
assert_eq "baseline import" "0" "$(cat "$T/rss.err.rc")"
cp "$T/orig.db" "$T/r.db"
bad() {   # name file message-regex
    assert_status "$1" 2 "$HOLEPROF" profile "$T/r.db" "$2"
    assert_match "$1: message" "$3" "$(cat "$T/err")"
    assert_eq "$1: one line" "1" "$(wc -l < "$T/err")"
}
head -c $(($(wc -c < "$T/run.dhat") / 2)) "$T/run.dhat" > "$T/half.dhat"
bad "truncated DHAT" "$T/half.dhat" 'not valid JSON: unexpected end of file|not valid JSON: unterminated'
python3 - "$T/run.dhat" "$T" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1])); t = sys.argv[2]
def w(name, doc): open(t + "/" + name, "w").write(doc if isinstance(doc, str) else json.dumps(doc))
x = json.loads(json.dumps(d)); x["pps"][0]["tbk"] = 99999999999999999999; w("ovf.dhat", x)
x = json.loads(json.dumps(d)); x["pps"][0]["tbk"] = 2**60; w("big.dhat", x)
x = json.loads(json.dumps(d)); x["pps"][0]["fs"] = [len(d["ftbl"]) + 5]; w("frame.dhat", x)
x = json.loads(json.dumps(d)); x["pps"][0]["tb"] = "12"; w("type.dhat", x)
x = json.loads(json.dumps(d))
for p in x["pps"]: p["tbk"] = 2**52; p["tb"] = 2**52
w("sum.dhat", x)
w("nest.dhat", '{"dhatFileVersion": 2, "x": ' + "[" * 100000 + "]" * 100000 + "}")
EOF
bad "count beyond int64" "$T/ovf.dhat" 'tbk is not an integer that fits 64 bits'
bad "count beyond 2^53" "$T/big.dhat" 'damaged DHAT profile: program point 0'
bad "counts that add up beyond 2^53" "$T/sum.dhat" 'the counts add up beyond 2\^53'
bad "frame index out of range" "$T/frame.dhat" 'bad frame index in point 0'
bad "a count of the wrong type" "$T/type.dhat" 'tb is not a number'
bad "JSON nested 100000 deep" "$T/nest.dhat" 'nested too deep'
# heaptrack: one 10000-deep trace under 10000 allocation kinds (the old
# reader copied every stack: 770 MB), at the real sites of the binary
python3 - "$T/db" "$T/deep.txt" "$T/huge.txt" <<'EOF'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
bias = 0x555555554000
pc = db.execute("SELECT pc FROM sites WHERE type_id IN (SELECT id FROM types WHERE name = 'hot')").fetchone()[0]
with open(sys.argv[2], "w") as f:
    f.write("v 10500 3\nX pf\ns 2 pf\ns 9 libfoo.so\n")
    f.write("i %x 1\n" % (pc + bias + 5))
    for k in range(1, 10000):
        f.write("i %x 2\n" % (0x7f0000000000 + k))
    f.write("t 1 0\n")
    for k in range(2, 10001):
        f.write("t %x %x\n" % (k, k - 1))
    for k in range(10000):
        f.write("a 18 %x\n+ %x\n" % (10000, k))
with open(sys.argv[3], "w") as f:
    f.write("v 10500 3\ns 4000000 " + "a" * 4000000 + "\n")
EOF
kb=$(rss "$HOLEPROF" profile "$T/r.db" "$T/deep.txt")
assert_eq "deep heaptrack trace: imported" "0" "$(cat "$T/rss.err.rc")"
assert_eq "deep heaptrack trace: 10000 allocations at the hot site" "10000" \
    "$(q "$T/r.db" "SELECT c.allocations FROM site_counts c JOIN sites s ON s.id = c.site_id JOIN types t ON t.id = s.type_id WHERE t.name = 'hot'")"
if [ "$kb" -lt $((base + 40000)) ]; then pass; else fail "deep heaptrack trace took $kb KiB (baseline $base)"; fi
cp "$T/orig.db" "$T/r.db"
bad "heaptrack line beyond the limit" "$T/huge.txt" 'line 2 is longer than 1048576 bytes \(the limit\)'
if command -v zstd >/dev/null 2>&1; then
    # a zstd bomb: a few KB that inflate to one endless line
    python3 -c 'import sys
sys.stdout.write("v 10500 3\ns 1 ")
for i in range(64): sys.stdout.write("b" * (1 << 20))' | zstd -q -19 -c > "$T/bomb.zst"
    kb=$(rss "$HOLEPROF" profile "$T/r.db" "$T/bomb.zst")
    assert_eq "zstd bomb: refused" "2" "$(cat "$T/rss.err.rc")"
    assert_match "zstd bomb: the limit in the message" 'line 2 is longer than 1048576 bytes \(the limit\)' "$(cat "$T/rss.err")"
    if [ "$kb" -lt $((base + 40000)) ]; then pass; else fail "zstd bomb took $kb KiB (baseline $base)"; fi
fi
# a gzip bomb pprof: 300 MB of padding fields in 300 KB
python3 - "$T/bomb.pb.gz" <<'EOF'
import gzip, sys
with gzip.open(sys.argv[1], "wb", compresslevel=9) as f:
    chunk = b"\x78\x00" * (1 << 19)
    for i in range(300):
        f.write(chunk)
EOF
kb=$(rss "$HOLEPROF" profile "$T/r.db" "$T/bomb.pb.gz")
assert_eq "gzip bomb: refused" "2" "$(cat "$T/rss.err.rc")"
assert_match "gzip bomb: the limit in the message" 'inflates beyond [0-9]+ bytes \(200 x its [0-9]+ bytes, at least 268435456\): refused as a decompression bomb' "$(cat "$T/rss.err")"
if [ "$kb" -lt $((base + 40000)) ]; then pass; else fail "gzip bomb took $kb KiB (baseline $base)"; fi
printf '\n\377\377\377\377\017' > "$T/len.pb"
bad "raw pprof: a length beyond the data" "$T/len.pb" 'pprof message of|damaged pprof profile'
# DHAT memory: a large generated profile costs far less than its size
python3 - "$T/run.dhat" "$T/large.dhat" <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
pps = d["pps"]
d["pps"] = [pps[i % len(pps)] for i in range(120000)]
json.dump(d, open(sys.argv[2], "w"))
EOF
size_kb=$(($(wc -c < "$T/large.dhat") / 1024))
kb=$(rss "$HOLEPROF" profile "$T/r.db" "$T/large.dhat")
assert_eq "large DHAT: imported" "0" "$(cat "$T/rss.err.rc")"
if [ "$kb" -lt $((base + size_kb / 2 + 20000)) ]; then pass; else fail "large DHAT ($size_kb KiB) took $kb KiB (baseline $base)"; fi
cp "$T/orig.db" "$T/r.db"

# a write that fails (a file size limit below what the rollback journal
# needs): the real cause, database untouched
( trap '' XFSZ; ulimit -f 16; "$HOLEPROF" profile "$T/r.db" "$T/run.dhat" >/dev/null 2>"$T/err"; echo $? > "$T/rc" )
assert_eq "file size limit: exit 2" "2" "$(cat "$T/rc")"
assert_match "file size limit: the system's reason" '\(File too large\)' "$(cat "$T/err")"
assert_eq "file size limit: database untouched" "$sum0" "$(cksum < "$T/r.db")"
assert_eq "refusals: database untouched" "$sum0" "$(cksum < "$T/r.db")"

finish
