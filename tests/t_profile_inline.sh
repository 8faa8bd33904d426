#!/bin/sh
# t_profile_inline.sh -- allocations in code inlined at -O2 (issue 18):
# tests/fixtures/profile_inline.c built with gcc -O2 as a non-PIE and as a
# PIE.  node_new, a static inline malloc wrapper, is inlined into main and
# make_pair: DHAT, gperftools and perf uprobes (when there) must give the
# same per-site counts (300, 100, 100 struct node).  leaf_new, inlined
# into main, allocates through a pointer set at run time: its 50 blocks
# are 'unresolved', and for an address-only profile (gperftools, perf)
# the reason must name the inlined function and where it was inlined,
# from holeprof's own DWARF ("leaf_new inlined at profile_inline.c:LINE
# in main"), not an address ("? (in pi)") or "UnknownInlinedFun".
. "${TOP_SRCDIR:-$(dirname "$0")/..}/tests/lib.sh"

need gcc sqlite3 valgrind
[ -x "$HOLEPROF" ] || die "holeprof not built: $HOLEPROF"
GROUP=holeprof MALLOC=imalloc_$$
cleanup() {
    [ -n "${probes:-}" ] && perf probe -q -d "$GROUP:$MALLOC" >/dev/null 2>&1
    [ "${KEEP_TMP:-0}" = 1 ] || rm -rf "$T"
}
trap cleanup EXIT
call=$(grep -n 'leaf_new(i)' "$FIXTURES/profile_inline.c" | cut -d: -f1)
per_site() {
    q "$1" "SELECT s.function, s.line, t.name, c.allocations FROM site_counts c JOIN sites s ON s.id = c.site_id
            JOIN types t ON t.id = s.type_id ORDER BY s.pc"
}
tcm=$(ls /usr/lib/*/libtcmalloc.so.4 2>/dev/null | head -1)
perf_why=$(uprobe_why)

for pie in no-pie pie; do
    if [ $pie = pie ]; then flags="-fpie -pie"; else flags="-fno-pie -no-pie"; fi
    b=$T/pi-$pie
    gcc -g -O2 $flags -o "$b" "$FIXTURES/profile_inline.c" || die "cannot compile profile_inline.c"
    "$HOLEPROF" analyze -q "$b" -o "$T/$pie.db" || die "analyze failed"
    assert_eq "$pie: node_new's malloc inlined into both callers, typed" "main|node
make_pair|node
make_pair|node" "$(q "$T/$pie.db" "SELECT s.function, t.name FROM sites s JOIN types t ON t.id = s.type_id
                                   WHERE s.inline_depth > 0 ORDER BY s.pc")"
    valgrind -q --tool=dhat --dhat-out-file="$T/$pie.dhat" "$b" >/dev/null 2>"$T/vg.err" \
        || die "valgrind failed: $(head -c 300 "$T/vg.err")"
    cp "$T/$pie.db" "$T/d.db"
    assert_status "$pie: DHAT import" 0 "$HOLEPROF" profile "$T/d.db" "$T/$pie.dhat"
    ref=$(per_site "$T/d.db")
    assert_eq "$pie: DHAT per site" "main|$(grep -n 'node_new(i)' "$FIXTURES/profile_inline.c" | cut -d: -f1)|node|300
make_pair|51|node|100
make_pair|51|node|100" "$ref"
    assert_eq "$pie: DHAT: leaf_new's blocks unresolved" "50" \
        "$(q "$T/d.db" "SELECT sum(allocations) FROM profile_misses WHERE reason = 'unresolved'")"
    if [ -n "$tcm" ]; then
        rm -f "$T"/hp.*.heap
        HEAPPROFILE="$T/hp" LD_PRELOAD="$tcm" "$b" >/dev/null 2>"$T/tc.err" || die "the program failed under tcmalloc"
        cp "$T/$pie.db" "$T/g.db"
        assert_status "$pie: gperftools import" 0 "$HOLEPROF" profile "$T/g.db" "$(ls "$T"/hp.*.heap | tail -1)"
        assert_eq "$pie: gperftools = DHAT, per site" "$ref" "$(per_site "$T/g.db")"
        assert_match "$pie: gperftools: the unresolved frame named from holeprof's DWARF" \
            "50 \\(9\\.[0-9]%\\) unresolved: leaf_new inlined at profile_inline\\.c:$call in main \\(profile_inline\\.c:$call\\)" \
            "$(cat "$T/out")"
    else
        echo "SKIP (part): gperftools: libtcmalloc.so.4 not installed (Debian libgoogle-perftools4)"
    fi
    if [ -z "$perf_why" ]; then
        libc=$(ldd "$b" | awk '/libc\.so\.6/ {print $3}')
        probes=1
        perf probe -q -d "$GROUP:$MALLOC" >/dev/null 2>&1
        perf probe -x "$libc" -a "$GROUP:$MALLOC=malloc size=%di" >"$T/probe.log" 2>&1 \
            || die "perf probe failed: $(tail -1 "$T/probe.log")"
        perf record -q -o "$T/perf.data" -m 4096 -e "$GROUP:$MALLOC" --call-graph dwarf,2048 "$b" \
            >"$T/rec.log" 2>&1 || die "perf record failed: $(tail -3 "$T/rec.log")"
        perf script --show-lost-events -i "$T/perf.data" > "$T/pi.perf" 2>/dev/null || die "perf script failed"
        cp "$T/$pie.db" "$T/p.db"
        assert_status "$pie: perf import" 0 "$HOLEPROF" profile "$T/p.db" "$T/pi.perf"
        assert_eq "$pie: perf = DHAT, per site" "$ref" "$(per_site "$T/p.db")"
        assert_eq "$pie: perf: load bias 0" "0" "$(q "$T/p.db" "SELECT load_bias FROM profiles")"
    else
        echo "SKIP (part): perf uprobes: $perf_why"
    fi
done
finish
