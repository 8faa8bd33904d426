#!/bin/sh
# t_profile_realloc.sh -- DHAT counts a realloc at the block's first
# allocation point, heaptrack at the realloc's own call (issue 18: Lua
# 5.4's luaS_init and luaM_growaux_ counted differently by DHAT and by
# the static scan).  tests/fixtures/profile_realloc.c allocates 1024
# bytes once and grows the block by four reallocs in another function:
# heaptrack must give 1 block at main's site and 4 at grow's; DHAT gives
# 5 blocks (31744 bytes) at main's, and the import must say that those
# include reallocs made elsewhere.  With lua5.4 and liblua5.4-0-dbg, the
# same for the real luaS_init (lstring.c: luaM_newvector of MINSTRTABSIZE
# = 128 TString pointers, grown by luaS_resize).
. "${TOP_SRCDIR:-$(dirname "$0")/..}/tests/lib.sh"

need gcc sqlite3 valgrind
[ -x "$HOLEPROF" ] || die "holeprof not built: $HOLEPROF"
gcc -g -O1 -o "$T/r" "$FIXTURES/profile_realloc.c" || die "cannot compile profile_realloc.c"
"$HOLEPROF" analyze -q "$T/r" -o "$T/r.db" || die "analyze failed"
counts() {
    q "$1" "SELECT s.function, s.allocator, c.allocations, c.bytes FROM site_counts c JOIN sites s ON s.id = c.site_id
            ORDER BY s.pc"
}
valgrind -q --tool=dhat --dhat-out-file="$T/r.dhat" "$T/r" 2>"$T/vg.err" || die "valgrind failed: $(cat "$T/vg.err")"
cp "$T/r.db" "$T/d.db"
assert_status "DHAT import" 0 "$HOLEPROF" profile "$T/d.db" "$T/r.dhat"
assert_eq "DHAT: the reallocs at the first allocation point" "main|malloc|5|31744" "$(counts "$T/d.db")"
assert_match "DHAT: the import says so, naming the site and its constant request" \
    "^reallocs: DHAT counts a realloc at the block's first allocation point: at 1 site .*\\(main profile_realloc\\.c:[0-9]+ asks 1024 bytes; DHAT: 5 blocks, 31744 bytes\\)" \
    "$(cat "$T/out")"
if command -v heaptrack >/dev/null 2>&1; then
    heaptrack -o "$T/r.ht" "$T/r" >"$T/ht.log" 2>&1 || die "heaptrack failed: $(tail -3 "$T/ht.log")"
    cp "$T/r.db" "$T/h.db"
    assert_status "heaptrack import" 0 "$HOLEPROF" profile "$T/h.db" "$(ls "$T"/r.ht* | head -1)"
    assert_eq "heaptrack: each call counted at its own site" "grow|realloc|4|30720
main|malloc|1|1024" "$(counts "$T/h.db" | sort)"
    assert_eq "heaptrack: no realloc line" "" "$(grep '^reallocs:' "$T/out")"
else
    echo "SKIP (part): heaptrack not installed (Debian heaptrack)"
fi

# the real one: lua5.4's string table
lib=$(readlink -f /usr/lib/x86_64-linux-gnu/liblua5.4.so.0 2>/dev/null)
if command -v lua5.4 >/dev/null 2>&1 && [ -n "$lib" ] && command -v heaptrack >/dev/null 2>&1 \
        && readelf -n "$lib" >/dev/null 2>&1; then
    "$HOLEPROF" analyze -q /usr/bin/lua5.4 "$lib" -o "$T/lua.db" || die "analyze lua5.4 failed"
    init=$(q "$T/lua.db" "SELECT count(*) FROM sites WHERE function = 'luaS_init' AND size * count = 1024")
    if [ "$init" -ge 1 ]; then
        valgrind -q --tool=dhat --dhat-out-file="$T/lua.dhat" lua5.4 "$FIXTURES/workload.lua" >/dev/null 2>&1 \
            || die "valgrind lua5.4 failed"
        heaptrack -o "$T/lua.ht" lua5.4 "$FIXTURES/workload.lua" >/dev/null 2>&1 || die "heaptrack lua5.4 failed"
        cp "$T/lua.db" "$T/ld.db"
        assert_status "lua5.4: DHAT import" 0 "$HOLEPROF" profile "$T/ld.db" "$T/lua.dhat"
        assert_match "lua5.4: DHAT's luaS_init includes luaS_resize's reallocs, said" \
            "^reallocs: .*luaS_init lstring\\.c:127 asks 1024 bytes; DHAT: 5 blocks, 31744 bytes" "$(cat "$T/out")"
        cp "$T/lua.db" "$T/lh.db"
        assert_status "lua5.4: heaptrack import" 0 "$HOLEPROF" profile "$T/lh.db" "$(ls "$T"/lua.ht* | head -1)"
        lq() { q "$T/lh.db" "SELECT coalesce(sum(c.allocations), 0) || '|' || coalesce(sum(c.bytes), 0)
                             FROM site_counts c JOIN sites s ON s.id = c.site_id WHERE s.function = '$1'"; }
        assert_eq "lua5.4: heaptrack: luaS_init allocates one 1024-byte table" "1|1024" "$(lq luaS_init)"
        assert_eq "lua5.4: heaptrack: luaS_resize grows it four times" "4|30720" "$(lq luaS_resize)"
    else
        echo "SKIP (part): lua5.4: no luaS_init site of 1024 bytes (another lua5.4 build?)"
    fi
else
    echo "SKIP (part): lua5.4: lua5.4, liblua5.4-0-dbg or heaptrack not installed"
fi
finish
