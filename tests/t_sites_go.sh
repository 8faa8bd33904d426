#!/bin/sh
# t_sites_go.sh -- allocation sites in Go: &T{}, new(T), make([]T, n) and
# append growth, typed through the runtime type descriptor.
#
# Builds tests/fixtures/sites.go with the Go toolchain (GOPATH mode, no
# module, no cgo, caches under $T, GOPROXY=off: nothing is fetched) and
# checks every line the fixture marks "SITE": one site, the runtime entry
# point (runtime.newobject, makeslice, growslice), the struct it allocates
# -- the LEA of the type descriptor before the call, mapped to the DWARF
# type through DW_AT_go_runtime_type, method go-type -- the element size
# read from the descriptor, the loop depth; a descriptor that is not a
# struct (*main.Conn) gives the type's name without a types row; nothing
# is reported in main.noAlloc.  The runtime's own sites are there too and
# some wrappers of mallocgc are found.
. "${TOP_SRCDIR:-$(dirname "$0")/..}/tests/lib.sh"

need sqlite3 go
[ -x "$HOLEPROF" ] || die "holeprof not built: $HOLEPROF"
SRC=$FIXTURES/sites.go

bin=$T/gosites
db=$T/gosites.db
go_build "$SRC" "$bin" || die "go build failed: $(head -c 600 "$T/go.err")"

"$bin" || fail "fixture program exits non-zero"
assert_status "analyze" 0 "$HOLEPROF" analyze "$bin" -o "$db" -q

row() {
    q "$db" "SELECT $2 FROM sites s LEFT JOIN types t ON t.id = s.type_id
              WHERE s.file LIKE '%/sites.go' AND s.line = $1 ORDER BY s.pc;"
}

grep -n '// SITE ' "$SRC" | sed 's/:.*SITE / /' >"$T/expect"
while read -r line rest; do
    alloc=; type=; typename=; size=; count=; loop=0
    for kv in $rest; do
        case $kv in
        alloc=*) alloc=${kv#alloc=} ;;
        type=*) type=${kv#type=} ;;
        typename=*) typename=${kv#typename=} ;;
        size=*) size=${kv#size=} ;;
        count=*) count=${kv#count=} ;;
        loop=*) loop=${kv#loop=} ;;
        esac
    done
    [ -n "$typename" ] || typename=$type
    # the confidence is that of the chosen types row: none for *main.Conn
    conf=0.99
    [ "$type" = - ] && conf=0.0
    assert_eq "line $line: one site" 1 "$(row "$line" "count(*)")"
    assert_eq "line $line: allocator" "$alloc" "$(row "$line" s.allocator)"
    assert_eq "line $line: type" "$type" "$(row "$line" "coalesce(t.name, '-')")"
    assert_eq "line $line: type name, method, confidence" "$typename|go-type|$conf" \
        "$(row "$line" "s.type_name || '|' || s.method || '|' || s.confidence")"
    assert_eq "line $line: element size from the descriptor" "$size|go-type" \
        "$(row "$line" "s.size || '|' || s.size_from")"
    assert_eq "line $line: count" "$count" "$(row "$line" "coalesce(s.count, '-')")"
    assert_eq "line $line: loop depth" "$loop" "$(row "$line" s.loop_depth)"
done <"$T/expect"

assert_eq "sites in the fixture" "$(grep -c '// SITE ' "$SRC")" \
    "$(q "$db" "SELECT count(*) FROM sites WHERE file LIKE '%/sites.go';")"
assert_eq "nothing in main.noAlloc" 0 "$(q "$db" "SELECT count(*) FROM sites WHERE function = 'main.noAlloc';")"
assert_eq "the site's function is the Go symbol" "main.newConn" \
    "$(row "$(grep -n 'type=main.Conn' "$SRC" | cut -d: -f1)" s.function)"
# the runtime allocates too, and most of its sites are typed the same way
assert_match "runtime sites" '^[0-9]{2,}$' "$(q "$db" "SELECT count(*) FROM sites WHERE function LIKE 'runtime.%';")"
assert_eq "runtime.newobject sites all have a type name" 0 \
    "$(q "$db" "SELECT count(*) FROM sites WHERE allocator = 'runtime.newobject' AND type_name IS NULL
                AND function NOT LIKE 'reflect.%' AND function NOT LIKE 'runtime.%';")"
assert_match "a mallocgc wrapper" 'runtime.mallocgc' \
    "$(q "$db" "SELECT group_concat(wraps) FROM allocators WHERE origin = 'wrapper';")"
assert_eq "main.Conn in site_scan totals" 1 \
    "$(q "$db" "SELECT typed > 0 AND sites >= typed FROM site_scan;")"

assert_status "sites command" 0 "$HOLEPROF" sites "$db" main.Item
assert_eq "sites command: main.Item sites" 2 "$(grep -c 'sites.go:' "$T/out")"

finish
