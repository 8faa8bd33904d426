#!/bin/sh
# t_profile_prod.sh -- production profile sources (issue 18, point 6) on
# real runs of tests/fixtures/profile.c: `perf script` of uprobes on
# libc's malloc and calloc with DWARF call graphs (the program started by
# perf, and a running process attached with -p), and a gperftools heap
# profile (HEAPPROFILE= with libtcmalloc preloaded) give the same
# per-site counts as a valgrind DHAT run of the same program and input
# (acceptance).  The kernel's sources on tests/fixtures/profile_kernel.c,
# a kernel-like program: kmem tracepoint records (call_site=SYMBOL+0xOFF,
# with and without a call graph), /proc/allocinfo tags (file:line) and
# /proc/slabinfo caches, in those formats (their documentation is cited
# in src/pf_perf.c and src/pf_kernel.c); this machine's real
# /proc/slabinfo and a real kmem recording are read too.  Bad input for
# every new reader: one line, exit 2, the database untouched.
. "${TOP_SRCDIR:-$(dirname "$0")/..}/tests/lib.sh"

need gcc sqlite3 valgrind python3 objdump
[ -x "$HOLEPROF" ] || die "holeprof not built: $HOLEPROF"

# probes of our own (perf wants event names unique across groups), removed at exit
GROUP=holeprof MALLOC=malloc_$$ CALLOC=calloc_$$
cleanup() {
    [ -n "${probes:-}" ] && perf probe -q -d "$GROUP:$MALLOC" -d "$GROUP:$CALLOC" >/dev/null 2>&1
    [ "${KEEP_TMP:-0}" = 1 ] || rm -rf "$T"
}
trap cleanup EXIT

gcc -g -O0 -fpie -pie -o "$T/pf" "$FIXTURES/profile.c" || die "cannot compile the fixture"
"$HOLEPROF" analyze -q "$T/pf" -o "$T/orig.db" || die "analyze failed"
per_site() {
    q "$1" "SELECT t.name, c.allocations, c.bytes FROM site_counts c JOIN sites s ON s.id = c.site_id
            JOIN types t ON t.id = s.type_id ORDER BY t.name"
}

# the reference: DHAT
valgrind -q --tool=dhat --dhat-out-file="$T/dhat.json" "$T/pf" 2>"$T/vg.err" \
    || die "valgrind failed: $(head -c 300 "$T/vg.err")"
cp "$T/orig.db" "$T/d.db"
assert_status "DHAT import" 0 "$HOLEPROF" profile -q "$T/d.db" "$T/dhat.json"
ref=$(per_site "$T/d.db")
assert_eq "DHAT: five sites counted" "5" "$(echo "$ref" | wc -l)"

# ---- gperftools ----
tcm=$(ls /usr/lib/*/libtcmalloc.so.4 2>/dev/null | head -1)
if [ -n "$tcm" ]; then
    HEAPPROFILE="$T/hp" LD_PRELOAD="$tcm" "$T/pf" 2>"$T/tc.err" || die "the program failed under tcmalloc"
    heap=$(ls "$T"/hp.*.heap 2>/dev/null | tail -1)
    [ -n "$heap" ] || die "gperftools wrote no heap profile: $(cat "$T/tc.err")"
    assert_match "gperftools: the real format" '^heap profile: .*@ heapprofile' "$(head -1 "$heap")"
    cp "$T/orig.db" "$T/g.db"
    assert_status "gperftools import" 0 "$HOLEPROF" profile "$T/g.db" "$heap" --name tcmalloc
    assert_match "gperftools: source named" "\\(gperftools\\) as 'tcmalloc'" "$(cat "$T/out")"
    assert_eq "gperftools = DHAT, per site" "$ref" "$(per_site "$T/g.db")"
    assert_eq "gperftools: the program it names" "$T/pf" "$(q "$T/g.db" "SELECT recorded_from FROM profiles")"
    # a sampled profile (heap_v2/RATE) is scaled back as pprof does
    rate=524288
    sed -e "1s|@ heapprofile|@ heap_v2/$rate|" "$heap" > "$T/sampled.heap"
    cp "$T/orig.db" "$T/gs.db"
    assert_status "gperftools sampled import" 0 "$HOLEPROF" profile "$T/gs.db" "$T/sampled.heap"
    assert_match "sampled: says the counts are estimates" '^sampled: the counts are estimates' "$(cat "$T/out")"
    want=$(python3 -c "import math; n,b=1000,24000; s=1/(1-math.exp(-(b/n)/$rate)); print(int(n*s+0.5))")
    assert_eq "sampled: hot scaled by 1/(1-exp(-avg/rate))" "$want" \
        "$(q "$T/gs.db" "SELECT c.allocations FROM site_counts c JOIN sites s ON s.id = c.site_id JOIN types t ON t.id = s.type_id WHERE t.name = 'hot'")"
    # a profile of another program is refused
    gcc -g -O0 -o "$T/other" "$FIXTURES/profile_kernel.c" || die "cannot compile profile_kernel.c"
    "$HOLEPROF" analyze -q "$T/other" -o "$T/other.db" || die "analyze failed"
    cp "$T/other.db" "$T/other0.db"
    assert_status "gperftools: foreign profile" 2 "$HOLEPROF" profile "$T/other.db" "$heap"
    assert_eq "gperftools: foreign: one line" "1" "$(wc -l < "$T/err")"
    if cmp -s "$T/other.db" "$T/other0.db"; then pass; else fail "gperftools: foreign: database changed"; fi
else
    echo "SKIP (part): gperftools: libtcmalloc.so.4 not installed (Debian libgoogle-perftools4)"
fi

# ---- perf uprobes ----
# perf uprobes (uprobe_why in lib.sh says what is missing)
why=$(uprobe_why)
libc=$(ldd "$T/pf" | awk '/libc\.so\.6/ {print $3}')
if [ -z "$why" ]; then
    probes=1
    # __libc_calloc: "calloc" also names libc's own PLT stub, a second probe
    perf probe -x "$libc" -a "$GROUP:$MALLOC=malloc size=%di" \
        -a "$GROUP:$CALLOC=__libc_calloc nmemb=%di size=%si" >"$T/probe.log" 2>&1 \
        || why="perf probe failed: $(tail -1 "$T/probe.log")"
fi
record() {   # record OUT CMD... : uprobes with DWARF call graphs, no sample lost
    _o=$1; shift
    perf record -q -o "$_o" -m 4096 -e "$GROUP:$MALLOC" -e "$GROUP:$CALLOC" --call-graph dwarf,4096 "$@" \
        >"$T/rec.log" 2>&1
}
lost() { perf report -i "$1" --stats 2>/dev/null | awk '/LOST_SAMPLES/ {n += $NF} END {print n + 0}'; }
if [ -z "$why" ]; then
    record "$T/perf.data" "$T/pf" || die "perf record failed: $(tail -3 "$T/rec.log")"
    assert_eq "perf: no sample lost" "0" "$(lost "$T/perf.data")"
    perf script -i "$T/perf.data" > "$T/pf.perf" 2>/dev/null || die "perf script failed"
    assert_match "perf script: the real format" "^ *pf +[0-9]+ .* $GROUP:$MALLOC: \\([0-9a-f]+\\) size=0x" "$(grep -m1 "$GROUP:$MALLOC" "$T/pf.perf")"
    cp "$T/orig.db" "$T/p.db"
    assert_status "perf import" 0 "$HOLEPROF" profile "$T/p.db" "$T/pf.perf"
    assert_match "perf: source named" "\\(perf\\) as 'pf.perf'" "$(cat "$T/out")"
    assert_eq "perf uprobes = DHAT, per site" "$ref" "$(per_site "$T/p.db")"
    assert_eq "perf: exact sizes measured (hot 24, msg 124, arr 160)" "arr|160|160
hot|24|24
msg|124|124" \
        "$(q "$T/p.db" "SELECT t.name, c.min_size, c.max_size FROM site_counts c JOIN sites s ON s.id = c.site_id
                        JOIN types t ON t.id = s.type_id WHERE t.name IN ('hot', 'msg', 'arr') ORDER BY 1")"
    # glibc's realloc(NULL, n) tail-calls malloc: with realloc probed too,
    # the thread's malloc sample right after a realloc of that size from
    # the same call is the same allocation (seen with lua5.4's l_alloc)
    python3 - "$T/pf.perf" "$GROUP" > "$T/re.perf" <<'PY'
import re, sys
text, group = open(sys.argv[1]).read(), sys.argv[2]
out = []
for s in text.split("\n\n"):
    lines = s.split("\n")
    m = re.match(r"^(.* )%s:malloc_\d+: \((\w+)\) size=(0x\w+)$" % group, lines[0])
    if m and len(lines) > 1:
        out.append("\n".join(["%s%s:realloc_1: (%s) ptr=0x0 size=%s" % (m.group(1), group, m.group(2), m.group(3)),
                              "\t           99130 __GI___libc_realloc+0x0 (inlined)"] + lines[2:]))
    out.append(s)
sys.stdout.write("\n\n".join(out))
PY
    cp "$T/orig.db" "$T/re.db"
    assert_status "perf: realloc(NULL) then its tail-called malloc" 0 "$HOLEPROF" profile -q "$T/re.db" "$T/re.perf"
    assert_eq "perf: the tail-called malloc is not counted twice" "$ref" "$(per_site "$T/re.db")"
    # perf script --show-lost-events: the loss is said
    { echo "              pf  5499 [001] 13167.858000: PERF_RECORD_LOST lost 7"; cat "$T/pf.perf"; } > "$T/lost.perf"
    cp "$T/orig.db" "$T/lost.db"
    assert_status "perf: lost events" 0 "$HOLEPROF" profile "$T/lost.db" "$T/lost.perf"
    assert_match "perf: lost events said" '^lost: perf lost 7 samples, so the counts are too low' "$(cat "$T/out")"
    # the same file again: replaced, not added up
    assert_status "perf re-import" 0 "$HOLEPROF" profile -q "$T/p.db" "$T/pf.perf"
    assert_eq "perf re-import replaces" "$ref" "$(per_site "$T/p.db")"
    # a running process: perf record -p PID (the fixture waits for a byte on stdin)
    rm -f "$T/go"; mkfifo "$T/go"
    "$T/pf" wait 0<>"$T/go" & pid=$!   # O_RDWR: the open does not wait, pf runs and reads
    record "$T/pid.data" -p "$pid" & rec=$!
    sleep 2
    alive=0; kill -0 "$pid" 2>/dev/null && alive=1
    echo x > "$T/go"
    wait "$pid"
    if wait "$rec"; then
        assert_eq "perf -p: no sample lost" "0" "$(lost "$T/pid.data")"
        perf script -i "$T/pid.data" > "$T/pid.perf" 2>/dev/null || die "perf script failed"
        cp "$T/orig.db" "$T/pp.db"
        assert_status "perf -p import" 0 "$HOLEPROF" profile -q "$T/pp.db" "$T/pid.perf"
        assert_eq "perf -p PID = DHAT, per site" "$ref" "$(per_site "$T/pp.db")"
    elif [ "$alive" = 1 ] && grep -q 'returned with 3 (No such process)' "$T/rec.log"; then
        # the process was there: this kernel (a sandbox's) refuses
        # perf_event_open on another task, whatever the event
        echo "SKIP (part): perf record -p: the kernel refuses perf_event_open on a running process (ESRCH for the live pid $pid)"
    else
        die "perf record -p failed: $(tail -3 "$T/rec.log")"
    fi
    # frames without a call graph: every sample is the allocator's own frame
    perf record -q -o "$T/nocg.data" -e "$GROUP:$MALLOC" "$T/pf" >/dev/null 2>&1
    perf script -i "$T/nocg.data" > "$T/nocg.perf" 2>/dev/null
    cp "$T/orig.db" "$T/n.db"
    assert_status "perf without a call graph" 2 "$HOLEPROF" profile -q "$T/n.db" "$T/nocg.perf"
    assert_eq "without a call graph: one line" "1" "$(wc -l < "$T/err")"
else
    echo "SKIP (part): perf uprobes: $why"
fi

# ---- perf script: bad input ----
cp "$T/orig.db" "$T/b.db"
sum0=$(cksum < "$T/b.db")
hdr='              pf 1234 [000] 100.000001: probe_libc:malloc: (7f0000001000) size=0x18'
bad() {   # bad WHAT REGEX FILE
    assert_status "bad input: $1" 2 "$HOLEPROF" profile -q "$T/b.db" "$3"
    assert_match "bad input: $1: message" "$2" "$(cat "$T/err")"
    assert_eq "bad input: $1: one line" "1" "$(wc -l < "$T/err")"
}
printf '%s\n\t    1146 main+0xd (%s)\n' "$hdr" "$T/pf" | head -c 90 > "$T/trunc.perf"
bad "perf: truncated" 'truncated perf script output: line 2 has no newline' "$T/trunc.perf"
printf '%s\nthis is not a frame\n' "$hdr" > "$T/garbled.perf"
bad "perf: garbled frame" 'damaged perf script output: line 2: a frame line without an address' "$T/garbled.perf"
printf '%s\n' "$hdr" | sed 's/size=0x18/size=0xffffffffffffffffff/' > "$T/over.perf"
bad "perf: overflowing size" 'line 1: size is not a count' "$T/over.perf"
printf '%s\n' "$hdr" | sed 's/(7f0000001000) size=0x18/(7f0000001000) nmemb=0x20000000 size=0x20000000/' > "$T/over2.perf"
bad "perf: nmemb x size overflows" 'nmemb x size is over 2\^53' "$T/over2.perf"
python3 -c "import sys; sys.stdout.write('$hdr\n\t' + '1' * 10 + ' ' + 'x' * (2 << 20) + '\n')" > "$T/huge.perf"
bad "perf: a huge line" 'line 2 is longer than 1048576 bytes' "$T/huge.perf"
printf '%s\n\t    1146 main+0xd (/x)\n\0\0\0\n' "$hdr" > "$T/nul.perf"
bad "perf: NUL bytes" 'damaged perf script output: line 3' "$T/nul.perf"
printf '%s\n' "$hdr" | sed 's/probe_libc:malloc:/probe_libc:free:/' > "$T/free.perf"
bad "perf: frees only" 'no allocation event' "$T/free.perf"
assert_eq "perf: bad input left the database untouched" "$sum0" "$(cksum < "$T/b.db")"

# ---- gperftools: bad input ----
printf 'heap profile:    1:       24 [     1:       24] @ heapprofile\n     1:       24 [     1:       24] @ 0x5580388fc1ba 0x7f4a59e4524a\n' > "$T/g.heap"
head -c 100 "$T/g.heap" > "$T/gtrunc.heap"
bad "gperftools: truncated" 'truncated gperftools heap profile: line 2' "$T/gtrunc.heap"
sed '2s/@ 0x5580388fc1ba/@ 5580388fc1ba/' "$T/g.heap" > "$T/gbad.heap"
bad "gperftools: garbled frame" 'line 2: a frame that is not 0xADDR' "$T/gbad.heap"
sed '2s/\[     1:/[ 99999999999999999999:/' "$T/g.heap" > "$T/gover.heap"
bad "gperftools: overflowing count" "line 2: not 'N: B \\[N: B\\] @ ADDR...'" "$T/gover.heap"
printf 'heap profile:    1:       24 [     1:       24] @ growthz\n' > "$T/gkind.heap"
bad "gperftools: another kind" "a gperftools profile of another kind \\('growthz'\\)" "$T/gkind.heap"
assert_eq "gperftools: bad input left the database untouched" "$sum0" "$(cksum < "$T/b.db")"

# ---- the kernel: kmem tracepoints, allocinfo, slabinfo ----
gcc -g -O1 -o "$T/pk" "$FIXTURES/profile_kernel.c" || die "cannot compile profile_kernel.c"
"$HOLEPROF" analyze -q "$T/pk" -o "$T/k0.db" || die "analyze failed"
assert_eq "kernel-like: the kmalloc model" "kmalloc" "$(q "$T/k0.db" "SELECT allocator FROM alloc_models WHERE chosen")"
# SYMBOL+0xOFF of the return address after each allocator call
retsite() {   # retsite FUNCTION ALLOCATOR -> "FUNCTION+0xOFF LINKADDR"
    objdump -d --no-show-raw-insn "$T/pk" | python3 -c '
import re, sys
fn, alloc = sys.argv[1], sys.argv[2]
start = want = None
for line in sys.stdin:
    m = re.match(r"^([0-9a-f]+) <(.*)>:$", line)
    if m:
        start = int(m.group(1), 16) if m.group(2) == fn else None
        continue
    m = re.match(r"^ *([0-9a-f]+):", line)
    if start is None or not m:
        continue
    if want:
        r = int(m.group(1), 16)
        print("%s+0x%x %d" % (fn, r - start, r))
        break
    want = "call" in line and "<%s>" % alloc in line
' "$1" "$2"
}
req=$(retsite new_req __kmalloc); sock=$(retsite new_sock kmem_cache_alloc)
[ -n "$req" ] && [ -n "$sock" ] || die "cannot find the allocator calls in profile_kernel"
reqcs=${req% *}; sockcs=${sock% *}; reqpc=${req#* }; sockpc=${sock#* }
kl() {   # the header of a kmem record, as perf script prints it (include/trace/events/kmem.h)
    printf '              pk 4242 [000]  1000.%06d: %20s: call_site=%s ptr=0xffff888100%06x %sbytes_req=%s bytes_alloc=%s gfp_flags=GFP_KERNEL node=-1 accounted=false\n' \
        "$1" "$2" "$3" "$1" "$4" "$5" "$6"
}
: > "$T/kmem.perf"
for i in 1 2 3; do
    kl "$i" kmem:kmalloc "$reqcs" "" 24 32 >> "$T/kmem.perf"
    kl "$((i + 10))" kmem:kmem_cache_alloc "$sockcs" "name=sock_obj " 32 32 >> "$T/kmem.perf"
    kl "$((i + 20))" kmem:kfree "$reqcs" "" 0 0 | sed 's/bytes_req.*//' >> "$T/kmem.perf"
done
cp "$T/k0.db" "$T/k.db"
assert_status "kmem tracepoints (call_site only)" 0 "$HOLEPROF" profile "$T/k.db" "$T/kmem.perf"
assert_eq "kmem: per site" "req|3|72
sock_obj|3|96" "$(per_site "$T/k.db")"
# the same records against another build of the program (-O0): the
# functions are there, the offsets are not right after a call: refused
gcc -g -O0 -o "$T/pk0" "$FIXTURES/profile_kernel.c" || die "cannot compile profile_kernel.c"
"$HOLEPROF" analyze -q "$T/pk0" -o "$T/ko.db" || die "analyze failed"
cp "$T/ko.db" "$T/ko0.db"
assert_status "kmem: a recording of another build" 2 "$HOLEPROF" profile "$T/ko.db" "$T/kmem.perf"
assert_match "kmem: another build: one line naming it" \
    "^holeprof: $T/kmem.perf: a recording of another build than pk0: of the 2 call sites given as symbol\\+offset, 0 are right after a call" \
    "$(cat "$T/err")"
if cmp -s "$T/ko.db" "$T/ko0.db"; then pass; else fail "kmem: another build: database changed"; fi
assert_eq "kmem: block sizes are bytes_req" "req|24|24
sock_obj|32|32" "$(q "$T/k.db" "SELECT t.name, c.min_size, c.max_size FROM site_counts c JOIN sites s ON s.id = c.site_id
                                 JOIN types t ON t.id = s.type_id ORDER BY 1")"
# with a call graph (perf record -g): runtime addresses at a KASLR bias
bias=$((0x3a000000))
: > "$T/kmemg.perf"
for i in 1 2 3; do
    kl "$i" kmem:kmalloc "$reqcs" "" 24 32 >> "$T/kmemg.perf"
    printf '\tffffffff%08x __kmalloc+0x5e ([kernel.kallsyms])\n\tffffffff%08x %s ([kernel.kallsyms])\n\tffffffff%08x main+0x40 ([kernel.kallsyms])\n\n' \
        $((bias + 0x1149 + 0x5e)) $((bias + reqpc)) "$reqcs" $((bias + 0x1200)) >> "$T/kmemg.perf"
    kl "$((i + 10))" kmem:kmem_cache_alloc "$sockcs" "name=sock_obj " 32 32 >> "$T/kmemg.perf"
    printf '\tffffffff%08x kmem_cache_alloc+0x10 ([kernel.kallsyms])\n\tffffffff%08x %s ([kernel.kallsyms])\n\n' \
        $((bias + 0x116c + 0x10)) $((bias + sockpc)) "$sockcs" >> "$T/kmemg.perf"
done
cp "$T/k0.db" "$T/kg.db"
assert_status "kmem tracepoints with a call graph" 0 "$HOLEPROF" profile "$T/kg.db" "$T/kmemg.perf"
assert_eq "kmem -g: per site" "req|3|72
sock_obj|3|96" "$(per_site "$T/kg.db")"
assert_eq "kmem -g: the bias solved" "1" "$(q "$T/kg.db" "SELECT load_bias = 0xffffffff3a000000 FROM profiles")"
# a real recording of this machine's kernel is not of this program
if [ -z "$why" ] && grep -q '^kmem:kmalloc$' /sys/kernel/tracing/available_events 2>/dev/null; then
    perf record -q -o "$T/kreal.data" -e kmem:kmalloc -e kmem:kmem_cache_alloc -a -- sleep 0.3 >/dev/null 2>&1
    perf script -i "$T/kreal.data" > "$T/kreal.perf" 2>/dev/null
    assert_match "real kmem recording: the real format" 'kmem:km[a-z_]+: call_site=[A-Za-z0-9_.]+\+0x[0-9a-f]+ ptr=0x[0-9a-f]+ .*bytes_req=[0-9]+ bytes_alloc=[0-9]+' "$(head -3 "$T/kreal.perf")"
    cp "$T/k0.db" "$T/kr.db"
    assert_status "real kmem recording into another program's database" 2 "$HOLEPROF" profile -q "$T/kr.db" "$T/kreal.perf"
    assert_eq "real kmem recording: refused in one line" "1" "$(wc -l < "$T/err")"
    if cmp -s "$T/kr.db" "$T/k0.db"; then pass; else fail "real kmem: database changed"; fi
elif [ -n "$why" ]; then
    echo "SKIP (part): a real kmem recording: $why"
else
    echo "SKIP (part): a real kmem recording: this kernel ($(uname -r)) lists no kmem:kmalloc tracepoint in /sys/kernel/tracing/available_events (a container without tracefs, or CONFIG_TRACING off)"
fi

# /proc/allocinfo (Documentation/mm/allocation-profiling.rst): live bytes and calls per file:line
lreq=$(q "$T/k0.db" "SELECT line FROM sites WHERE function = 'new_req'")
lsock=$(q "$T/k0.db" "SELECT line FROM sites WHERE function = 'new_sock'")
cat > "$T/allocinfo" <<EOF
allocinfo - version: 1.0
#     <size>  <calls> <tag info>
           0        0 init/main.c:1310 func:do_initcalls
          72        3 fixtures/profile_kernel.c:$lreq func:new_req
          64        2 fixtures/profile_kernel.c:$lsock func:new_sock
        4096        1 mm/nowhere.c:12 func:elsewhere
EOF
cp "$T/k0.db" "$T/ka.db"
assert_status "allocinfo import" 0 "$HOLEPROF" profile "$T/ka.db" "$T/allocinfo"
assert_match "allocinfo: live objects said" '^live objects: ' "$(cat "$T/out")"
assert_eq "allocinfo: per site" "req|3|72
sock_obj|2|64" "$(per_site "$T/ka.db")"
assert_eq "allocinfo: the tag at no site is counted apart" "unresolved|elsewhere (mm/nowhere.c:12)|1|4096" \
    "$(q "$T/ka.db" "SELECT reason, detail, allocations, bytes FROM profile_misses")"
sed '4s/:'"$lreq"' func/:99999999999999999999 func/' "$T/allocinfo" > "$T/abad"
cp "$T/k0.db" "$T/kb.db"; sumk=$(cksum < "$T/kb.db")
assert_status "allocinfo: overflowing line" 2 "$HOLEPROF" profile -q "$T/kb.db" "$T/abad"
assert_match "allocinfo: overflowing line: message" 'damaged allocinfo: line 4: the tag is not FILE:LINE' "$(cat "$T/err")"
sed '5s/^ *64 /  garbage /' "$T/allocinfo" > "$T/abad2"
assert_status "allocinfo: garbled counts" 2 "$HOLEPROF" profile -q "$T/kb.db" "$T/abad2"
assert_match "allocinfo: garbled: message" 'damaged allocinfo: line 5: not BYTES CALLS' "$(cat "$T/err")"
head -c 120 "$T/allocinfo" > "$T/atrunc"
assert_status "allocinfo: truncated" 2 "$HOLEPROF" profile -q "$T/kb.db" "$T/atrunc"
assert_match "allocinfo: truncated: message" 'truncated allocinfo' "$(cat "$T/err")"
sed '1s/1\.0/9.0/' "$T/allocinfo" > "$T/aver"
assert_status "allocinfo: unknown version" 2 "$HOLEPROF" profile -q "$T/kb.db" "$T/aver"
assert_eq "allocinfo: bad input left the database untouched" "$sumk" "$(cksum < "$T/kb.db")"

# /proc/slabinfo (slabinfo(5), version 2.1): active objects per cache
cat > "$T/slabinfo" <<'EOF'
slabinfo - version: 2.1
# name            <active_objs> <num_objs> <objsize> <objperslab> <pagesperslab> : tunables <limit> <batchcount> <sharedfactor> : slabdata <active_slabs> <num_slabs> <sharedavail>
sock_obj             340    384     32  128    1 : tunables    0    0    0 : slabdata      3      3      0
req                   10     10     24  170    1 : tunables    0    0    0 : slabdata      1      1      0
kmem_cache             5      5     40  102    1 : tunables    0    0    0 : slabdata      1      1      0
kmalloc-64          1000   1024     64   64    1 : tunables    0    0    0 : slabdata     16     16      0
dentry               100    105    192   21    1 : tunables    0    0    0 : slabdata      5      5      0
EOF
cp "$T/k.db" "$T/ks.db"
top0=$("$HOLEPROF" top "$T/ks.db" -n 0 -f csv)
assert_status "slabinfo import" 0 "$HOLEPROF" profile "$T/ks.db" "$T/slabinfo"
assert_match "slabinfo: summary" '1 caches hold the struct their kmem_cache_alloc sites allocate \(340 active objects\)' "$(cat "$T/out")"
assert_eq "slabinfo: caches and the structs they hold" "0|sock_obj|340|384|32|sock_obj|sites|sock_obj
1|req|10|10|24|req|name|
2|kmem_cache|5|5|40||no-fit|
3|kmalloc-64|1000|1024|64||kmalloc|
4|dentry|100|105|192||none|" \
    "$(q "$T/ks.db" "SELECT c.idx, c.name, c.active_objs, c.num_objs, c.objsize, t.name, c.type_from, k.name
                     FROM slab_caches c LEFT JOIN types t ON t.id = c.type_id
                     LEFT JOIN kmem_caches k ON k.id = c.kmem_cache_id ORDER BY c.idx")"
assert_eq "slabinfo: not a per-site profile (never selected), the kmem one still counts" "slabinfo|0
perf|1" "$(q "$T/ks.db" "SELECT source, selected FROM profiles ORDER BY source DESC")"
assert_eq "slabinfo: top unchanged" "$top0" "$("$HOLEPROF" top "$T/ks.db" -n 0 -f csv)"
assert_status "slabinfo: dropped by name" 0 "$HOLEPROF" profile -q "$T/ks.db" --drop slabinfo
assert_eq "slabinfo: drop removes its caches" "0" "$(q "$T/ks.db" "SELECT count(*) FROM slab_caches")"
if [ -r /proc/slabinfo ] && head -1 /proc/slabinfo | grep -q '^slabinfo - version: 2'; then
    cp /proc/slabinfo "$T/real.slabinfo"
    assert_status "this machine's /proc/slabinfo" 0 "$HOLEPROF" profile -q "$T/ks.db" "$T/real.slabinfo"
    assert_eq "real slabinfo: every cache stored" "$(($(wc -l < "$T/real.slabinfo") - 2))" \
        "$(q "$T/ks.db" "SELECT count(*) FROM slab_caches")"
    assert_eq "real slabinfo: kmalloc classes recognised" "$(grep -c '^\(dma-\)\?kmalloc-' "$T/real.slabinfo")" \
        "$(q "$T/ks.db" "SELECT count(*) FROM slab_caches WHERE type_from = 'kmalloc'")"
fi
sed '3s/ 340 / 99999999999999999999 /' "$T/slabinfo" > "$T/sbad"
assert_status "slabinfo: overflowing count" 2 "$HOLEPROF" profile -q "$T/kb.db" "$T/sbad"
assert_match "slabinfo: overflowing: message" 'damaged slabinfo: line 3: not NAME ACTIVE' "$(cat "$T/err")"
sed '3s/ 340    384 / 400    384 /' "$T/slabinfo" > "$T/sbad2"
assert_status "slabinfo: more active than allocated" 2 "$HOLEPROF" profile -q "$T/kb.db" "$T/sbad2"
head -c 300 "$T/slabinfo" > "$T/strunc"
assert_status "slabinfo: truncated" 2 "$HOLEPROF" profile -q "$T/kb.db" "$T/strunc"
assert_match "slabinfo: truncated: message" 'truncated slabinfo' "$(cat "$T/err")"
assert_status "slabinfo into a database without a kernel" 2 "$HOLEPROF" profile -q "$T/b.db" "$T/slabinfo"
assert_match "slabinfo without a kernel: message" 'holds no kernel' "$(cat "$T/err")"
assert_eq "kernel: bad input left the databases untouched" "$sumk|$sum0" "$(cksum < "$T/kb.db")|$(cksum < "$T/b.db")"

finish
