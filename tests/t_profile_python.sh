#!/bin/sh
# t_profile_python.sh -- one real program, Debian's python3.11 (stripped,
# non-PIE, its DWARF in python3.11-dbg), running tests/fixtures/workload.py
# with PYTHONMALLOC=malloc under every profiler there is (issue 18: the
# coverage differed hugely by profiler on the same run):
#   - gperftools (libtcmalloc's HEAPPROFILE=): addresses only, no names or
#     lines; CPython allocates through _PyObject.malloc, an indirect call
#     beside the direct one gcc's speculative devirtualisation kept (the
#     sites table has only the direct one): holeprof's own DWARF and code
#     must tell that the frame is that indirect call (7.8% before, 99.9%).
#     gperftools writes at most 1 MiB of stacks: the header's total minus
#     the stacks listed is counted under the reason 'cut', with what to do;
#   - heaptrack: each address lists its inline chain innermost first; the
#     function the database's site names is the last (a foreign-profile
#     refusal before);
#   - perf script of uprobes: a frame of a user-space object is printed as
#     the offset in its file (python3.11's text is at 0x41f000, offset
#     0x1f000) and ffffffffffffffff marks a frame perf could not unwind
#     (5.7% and a bias of -0x680000 before, 99.9% and bias 0);
#   - DHAT, the reference.
# Each must put at least 95% of the allocations it lists on a site.
. "${TOP_SRCDIR:-$(dirname "$0")/..}/tests/lib.sh"

need sqlite3 readelf valgrind
[ -x "$HOLEPROF" ] || die "holeprof not built: $HOLEPROF"
PY=/usr/bin/python3.11
[ -x "$PY" ] || skip "$PY not installed (Debian package python3.11-minimal)"
id=$(LC_ALL=C readelf -n "$PY" 2>/dev/null | sed -n 's/.*Build ID: *\([0-9a-f]*\).*/\1/p' | head -n1)
dbg=/usr/lib/debug/.build-id/$(echo "$id" | cut -c1-2)/$(echo "$id" | cut -c3-).debug
[ -r "$dbg" ] || skip "no debug file $dbg for $PY: install the Debian package python3.11-dbg"
GROUP=holeprof MALLOC=pymalloc_$$ CALLOC=pycalloc_$$ REALLOC=pyrealloc_$$
cleanup() {
    [ -n "${probes:-}" ] && perf probe -q -d "$GROUP:$MALLOC" -d "$GROUP:$CALLOC" -d "$GROUP:$REALLOC" >/dev/null 2>&1
    [ "${KEEP_TMP:-0}" = 1 ] || rm -rf "$T"
}
trap cleanup EXIT

"$HOLEPROF" analyze -q "$PY" -o "$T/py.db" || die "analyze $PY failed"
W=$FIXTURES/workload.py
# share SOURCE: allocations on a site of those the profile lists (the cut
# and lost ones are not listed), as a percentage with one decimal
listed_share() {
    q "$1" "SELECT printf('%.1f', 100.0 * allocations_matched /
                (allocations - coalesce((SELECT sum(allocations) FROM profile_misses m
                 WHERE m.profile_id = p.id AND reason IN ('cut', 'lost')), 0)))
            FROM profiles p"
}
at_least() {   # at_least WHAT MIN VALUE
    if awk -v v="$3" -v m="$2" 'BEGIN { exit !(v + 0 >= m + 0) }'; then pass; else fail "$1: $3% < $2%"; fi
}

# ---- DHAT, the reference ----
PYTHONMALLOC=malloc valgrind -q --tool=dhat --dhat-out-file="$T/py.dhat" "$PY" "$W" >/dev/null 2>"$T/vg.err" \
    || die "valgrind failed: $(head -c 300 "$T/vg.err")"
cp "$T/py.db" "$T/d.db"
assert_status "DHAT import" 0 "$HOLEPROF" profile "$T/d.db" "$T/py.dhat"
at_least "DHAT: allocations on a site" 95 "$(listed_share "$T/d.db")"
dhat_allocs=$(q "$T/d.db" "SELECT allocations FROM profiles")

# ---- gperftools ----
tcm=$(ls /usr/lib/*/libtcmalloc.so.4 2>/dev/null | head -1)
if [ -n "$tcm" ]; then
    PYTHONMALLOC=malloc HEAPPROFILE="$T/hp" LD_PRELOAD="$tcm" "$PY" "$W" >/dev/null 2>"$T/tc.err" \
        || die "python3.11 failed under tcmalloc: $(cat "$T/tc.err")"
    heap=$(ls "$T"/hp.*.heap 2>/dev/null | tail -1)
    [ -n "$heap" ] || die "gperftools wrote no heap profile: $(cat "$T/tc.err")"
    cp "$T/py.db" "$T/g.db"
    assert_status "gperftools import" 0 "$HOLEPROF" profile "$T/g.db" "$heap"
    assert_eq "gperftools: load bias 0 (a non-PIE)" "0" "$(q "$T/g.db" "SELECT load_bias FROM profiles")"
    at_least "gperftools: listed allocations on a site" 95 "$(listed_share "$T/g.db")"
    assert_match "gperftools: indirect twins found from holeprof's own DWARF" '^[1-9][0-9]*$' \
        "$(q "$T/g.db" "SELECT sum(via_twin) FROM site_counts")"
    # the header counts every allocation; the stacks past 1 MiB are 'cut'
    header=$(head -1 "$heap" | sed 's/.*\[ *\([0-9]*\):.*/\1/')
    listed=$(awk 'NR > 1 && /\] *@/ && match($0, /\[ *[0-9]+:/) { n += substr($0, RSTART + 1, RLENGTH - 2) } END { print n + 0 }' "$heap")
    assert_eq "gperftools: the profile's allocations are its header's" "$header" \
        "$(q "$T/g.db" "SELECT allocations FROM profiles")"
    assert_eq "gperftools: header minus listed stacks is 'cut'" "$((header - listed))" \
        "$(q "$T/g.db" "SELECT coalesce(sum(allocations), 0) FROM profile_misses WHERE reason = 'cut'")"
    if [ "$header" -gt "$listed" ]; then
        assert_match "gperftools: the cut is a coverage reason with what to do" \
            "cut: .*1 MiB.*profile a shorter run, or count with perf uprobes or heaptrack" "$(cat "$T/out")"
    fi
else
    echo "SKIP (part): gperftools: libtcmalloc.so.4 not installed (Debian libgoogle-perftools4)"
fi

# ---- heaptrack ----
if command -v heaptrack >/dev/null 2>&1; then
    PYTHONMALLOC=malloc heaptrack -o "$T/py.ht" "$PY" "$W" >"$T/ht.log" 2>&1 || die "heaptrack failed: $(tail -3 "$T/ht.log")"
    ht=$(ls "$T"/py.ht* | head -1)
    cp "$T/py.db" "$T/h.db"
    assert_status "heaptrack import (inline chains: the real function is the last name)" 0 \
        "$HOLEPROF" profile "$T/h.db" "$ht"
    at_least "heaptrack: allocations on a site" 95 "$(listed_share "$T/h.db")"
else
    echo "SKIP (part): heaptrack not installed (Debian heaptrack)"
fi

# ---- perf uprobes ----
why=$(uprobe_why)
libc=$(ldd "$PY" | awk '/libc\.so\.6/ {print $3}')
if [ -z "$why" ]; then
    probes=1
    perf probe -x "$libc" -a "$GROUP:$MALLOC=malloc size=%di" -a "$GROUP:$CALLOC=__libc_calloc nmemb=%di size=%si" \
        -a "$GROUP:$REALLOC=__libc_realloc ptr=%di size=%si" >"$T/probe.log" 2>&1 \
        || why="perf probe failed: $(tail -1 "$T/probe.log")"
fi
if [ -z "$why" ]; then
    PYTHONMALLOC=malloc perf record -q -o "$T/perf.data" -m 16M -e "$GROUP:$MALLOC" -e "$GROUP:$CALLOC" \
        -e "$GROUP:$REALLOC" --call-graph dwarf,2048 "$PY" "$W" >"$T/rec.log" 2>&1 \
        || die "perf record failed: $(tail -3 "$T/rec.log")"
    perf script --show-lost-events -i "$T/perf.data" > "$T/py.perf" 2>/dev/null || die "perf script failed"
    assert_match "perf script: user-space frames as file offsets" \
        '^[[:space:]]+[0-9a-f]{5,6} [^ ]+ \(/usr/bin/python3.11\)$' "$(grep -m1 '(/usr/bin/python3.11)' "$T/py.perf")"
    cp "$T/py.db" "$T/p.db"
    assert_status "perf import" 0 "$HOLEPROF" profile "$T/p.db" "$T/py.perf"
    assert_eq "perf: load bias 0 once the offsets are link addresses" "0" "$(q "$T/p.db" "SELECT load_bias FROM profiles")"
    at_least "perf: listed allocations on a site" 95 "$(listed_share "$T/p.db")"
    lost=$(q "$T/p.db" "SELECT coalesce(sum(allocations), 0) FROM profile_misses WHERE reason = 'lost'")
    if [ "$lost" = 0 ]; then
        # the same script, another process: CPython's start differs by a few blocks
        pa=$(q "$T/p.db" "SELECT allocations FROM profiles")
        if awk -v a="$pa" -v d="$dhat_allocs" 'BEGIN { x = a - d; if (x < 0) x = -x; exit !(x * 200 <= d) }'; then
            pass; else fail "perf: $pa allocations, DHAT $dhat_allocs (more than 0.5% apart)"; fi
    else
        assert_match "perf: the lost samples are a coverage reason with what to do" \
            "lost: .*larger -m buffer" "$(cat "$T/out")"
    fi
else
    echo "SKIP (part): perf uprobes: $why"
fi
finish
