#!/bin/sh
# t_debuginfod.sh -- debug files fetched from a debuginfod server by
# build-id when none is installed (src/debugfind.c, issue 16).
#
# A real `debuginfod` (Debian package debuginfod) is started on 127.0.0.1,
# on a free port, over a directory of separate debug files (-F), and killed
# when the test ends.  Then, with DEBUGINFOD_URLS naming it and a cache of
# the test's own (DEBUGINFOD_CACHE_PATH):
#   - a stripped C program: analyzed through the server, binaries.debug_how
#     'debuginfod', the debug file in the cache, and the same types, members
#     and sites rows as the unstripped program;
#   - two programs compressed by `dwz -m`, stripped: their debug files and
#     the supplementary file (by the alt build-id) come from the server, with
#     the rows of the plain builds and no warning;
#   - the cache: the same analysis again with the server gone;
#   - a local debug file is preferred to the server;
#   - a build-id the server does not know: exit 2, the error says so;
#   - a server that is down, or one that accepts and never answers
#     (DEBUGINFOD_TIMEOUT=2): one note line, exit 2, a bounded wait;
#   - the progress line: drawn on a terminal (script(1)), never in a file.
. "${TOP_SRCDIR:-$(dirname "$0")/..}/tests/lib.sh"

need gcc dwz debuginfod curl python3 sqlite3 objcopy
[ -x "$HOLEPROF" ] || die "holeprof not built: $HOLEPROF"
cd "$T" || die "no scratch directory"

SRV=
SLOW=
stop_servers() {
    for p in $SRV $SLOW; do
        kill "$p" 2>/dev/null
        wait "$p" 2>/dev/null
    done
    SRV=
    SLOW=
}
if [ "${KEEP_TMP:-0}" = 1 ]; then
    trap 'stop_servers' EXIT
else
    trap 'stop_servers; rm -rf "$T"' EXIT
fi
trap 'exit 1' INT TERM HUP

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

cat >common.h <<'EOF'
#include <stdint.h>
struct node { char tag; struct node *next; int64_t v; short s; };
struct table { struct node *nodes[4]; uint8_t flags; double load; char name[13]; };
EOF
cat >a.c <<'EOF'
#include <stdlib.h>
#include "common.h"
struct only_a { int x; char c; long y; };
struct table *mk(void) { return malloc(sizeof(struct table)); }
int main(void) { struct only_a *o = malloc(sizeof *o); return mk() != 0 && o != 0; }
EOF
cat >b.c <<'EOF'
#include <stdlib.h>
#include "common.h"
struct only_b { char c; double d; char e; };
int main(void) { struct node *n = malloc(sizeof *n); struct only_b *b = malloc(sizeof *b);
                 struct table *t = malloc(sizeof *t); return n && b && t; }
EOF

mkdir -p srv plain bin local
gcc -g -O1 -o plain/a a.c && gcc -g -O1 -o plain/b b.c || die "gcc failed"
# the stripped single program and its debug file
cp plain/a bin/solo
objcopy --only-keep-debug bin/solo srv/solo.debug && objcopy --strip-debug bin/solo ||
    die "objcopy failed"
# the dwz'd pair, then stripped; the server gets their debug files and the
# supplementary file
mkdir -p dz
cp plain/a dz/a && cp plain/b dz/b
(cd dz && dwz -m shared.dwz -M shared.dwz a b) || die "dwz -m failed"
for p in a b; do
    objcopy --only-keep-debug dz/$p srv/$p.debug && cp dz/$p bin/$p &&
        objcopy --strip-debug bin/$p || die "objcopy $p failed"
done
cp dz/shared.dwz srv/shared.dwz
readelf -S srv/a.debug 2>/dev/null | grep -q gnu_debugaltlink || die "dwz wrote no .gnu_debugaltlink"

for p in a b; do
    "$HOLEPROF" analyze -q --no-system-debug-dirs plain/$p -o plain/$p.db || die "plain $p"
done

PORT=$(free_port)
debuginfod -F "$T/srv" -p "$PORT" -d "$T/di.sqlite" -t 0 -g 0 -c 1 >"$T/server.log" 2>&1 &
SRV=$!
URL=http://127.0.0.1:$PORT
# ready when it serves every debug file it was given
ok=0
for i in $(seq 1 150); do
    ok=1
    for f in srv/solo.debug srv/a.debug srv/b.debug srv/shared.dwz; do
        id=$(build_id "$f")
        [ -n "$id" ] || die "$f has no build-id"
        code=$(curl -s -o /dev/null -w '%{http_code}' "$URL/buildid/$id/debuginfo" || true)
        [ "$code" = 200 ] || { ok=0; break; }
    done
    [ $ok = 1 ] && break
    kill -0 $SRV 2>/dev/null || break
    sleep 0.2
done
[ $ok = 1 ] || die "debuginfod did not serve the files: $(tail -n 5 "$T/server.log")"

export DEBUGINFOD_URLS="$URL"
export DEBUGINFOD_CACHE_PATH="$T/cache"
unset DEBUGINFOD_TIMEOUT DEBUGINFOD_PROGRESS DEBUGINFOD_VERBOSE

# ---- a stripped program ----
assert_status "[solo] analyze through debuginfod" 0 \
    "$HOLEPROF" analyze --no-system-debug-dirs bin/solo -o solo.db
assert_eq "[solo] debug_how" "debuginfod" "$(q solo.db "SELECT debug_how FROM binaries;")"
assert_match "[solo] debug file in the cache" "^$T/cache/$(build_id bin/solo)/" \
    "$(q solo.db "SELECT debug_file FROM binaries;")"
assert_match "[solo] summary names debuginfod" "\(debuginfod\)" "$(cat "$T/err")"
assert_eq "[solo] no progress line in a file" 0 "$(grep -c fetching "$T/err")"
same_rows solo plain/a.db solo.db

# ---- the dwz'd pair: debug file and supplementary file from the server ----
for p in a b; do
    assert_status "[dwz $p] analyze through debuginfod" 0 \
        "$HOLEPROF" analyze --no-system-debug-dirs bin/$p -o $p.db
    assert_eq "[dwz $p] no warning" "" "$(grep -i warning "$T/err")"
    assert_eq "[dwz $p] debug_how" "debuginfod" "$(q $p.db "SELECT debug_how FROM binaries;")"
    same_rows "dwz-$p" plain/$p.db $p.db
done
assert_eq "[dwz] supplementary file cached" 1 \
    "$(ls "$T/cache/$(build_id srv/shared.dwz)/debuginfo" 2>/dev/null | wc -l)"

# ---- a local debug file wins over the server ----
mkdir -p local/.build-id/$(build_id bin/solo | cut -c1-2)
cp srv/solo.debug local/.build-id/$(build_id bin/solo | cut -c1-2)/$(build_id bin/solo | cut -c3-).debug
assert_status "[local] analyze" 0 "$HOLEPROF" analyze --no-system-debug-dirs --debug-dir local \
    bin/solo -o local.db
assert_eq "[local] debug_how" "build-id" "$(q local.db "SELECT debug_how FROM binaries;")"

# ---- a build-id the server does not know ----
gcc -g -O0 -o unknown b.c && objcopy --strip-debug unknown || die "gcc unknown"
assert_status "[unknown] exit status" 2 "$HOLEPROF" analyze --no-system-debug-dirs unknown -o u.db
assert_match "[unknown] error names the server" "debuginfod \($URL\): not found" "$(cat "$T/err")"
assert_eq "[unknown] one line" 1 "$(wc -l <"$T/err")"
[ ! -e u.db ] && pass || fail "[unknown] a database was written"

# ---- the cache, with the server gone ----
stop_servers
assert_status "[cache] analyze with the server stopped" 0 \
    "$HOLEPROF" analyze --no-system-debug-dirs bin/a -o cached.db
same_rows cache plain/a.db cached.db

# ---- a server that is down ----
DOWN=$(free_port)
start=$(date +%s)
assert_status "[down] exit status" 2 env DEBUGINFOD_URLS=http://127.0.0.1:$DOWN \
    DEBUGINFOD_CACHE_PATH="$T/cache-down" "$HOLEPROF" analyze --no-system-debug-dirs bin/solo -o d.db
took=$(( $(date +%s) - start ))
assert_eq "[down] one note line" 1 "$(grep -c 'note: debuginfod' "$T/err")"
assert_match "[down] says what failed" "note: debuginfod \(http://127.0.0.1:$DOWN\): .*not asked again" \
    "$(cat "$T/err")"
[ "$took" -le 10 ] && pass || fail "[down] took $took s"

# ---- a server that accepts and never answers ----
python3 -c '
import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(16)
print(s.getsockname()[1], flush=True)
time.sleep(120)' >slow.port &
SLOW=$!
for i in $(seq 1 50); do [ -s slow.port ] && break; sleep 0.1; done
start=$(date +%s)
assert_status "[slow] exit status" 2 env DEBUGINFOD_URLS=http://127.0.0.1:$(cat slow.port) \
    DEBUGINFOD_CACHE_PATH="$T/cache-slow" DEBUGINFOD_TIMEOUT=2 "$HOLEPROF" analyze --no-system-debug-dirs bin/solo -o s.db
took=$(( $(date +%s) - start ))
assert_match "[slow] note names the time limit" "note: debuginfod .*no answer within 2 s \(DEBUGINFOD_TIMEOUT\)" \
    "$(cat "$T/err")"
assert_eq "[slow] one note line" 1 "$(grep -c 'note: debuginfod' "$T/err")"
# libdebuginfod tries three times by default (DEBUGINFOD_RETRY_LIMIT)
[ "$took" -le 15 ] && pass || fail "[slow] took $took s"
# -r over two binaries: the failed server is not asked a second time
mkdir -p tree && cp bin/solo tree/x && cp bin/a tree/y
start=$(date +%s)
DEBUGINFOD_URLS=http://127.0.0.1:$(cat slow.port) DEBUGINFOD_CACHE_PATH="$T/cache-slow2" \
    DEBUGINFOD_TIMEOUT=2 "$HOLEPROF" analyze -r --no-system-debug-dirs tree -o tree.db \
    >"$T/out" 2>"$T/err"
took=$(( $(date +%s) - start ))
assert_eq "[slow -r] one note line for two binaries" 1 "$(grep -c 'note: debuginfod' "$T/err")"
[ "$took" -le 15 ] && pass || fail "[slow -r] took $took s"
stop_servers

# ---- the progress line on a terminal ----
if command -v script >/dev/null 2>&1; then
    PORT=$(free_port)
    debuginfod -F "$T/srv" -p "$PORT" -d "$T/di.sqlite" -t 0 -g 0 -c 1 >>"$T/server.log" 2>&1 &
    SRV=$!
    for i in $(seq 1 150); do
        [ "$(curl -s -o /dev/null -w '%{http_code}' \
            "http://127.0.0.1:$PORT/buildid/$(build_id bin/solo)/debuginfo" || true)" = 200 ] && break
        sleep 0.2
    done
    DEBUGINFOD_URLS=http://127.0.0.1:$PORT DEBUGINFOD_CACHE_PATH="$T/cache-tty" \
        script -qec "'$HOLEPROF' analyze --no-system-debug-dirs --no-sites bin/solo -o tty.db" \
        /dev/null >tty.out 2>&1 </dev/null
    assert_match "[tty] progress line" "fetching debug info from debuginfod: [0-9]+ KB" \
        "$(tr '\r' '\n' <tty.out)"
    assert_eq "[tty] debug_how" "debuginfod" "$(q tty.db "SELECT debug_how FROM binaries;")"
    stop_servers
else
    echo "script(1) missing: progress line not checked"
fi

finish
