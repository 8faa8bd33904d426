#!/bin/sh
# t_layout_go.sh -- exact Go struct layouts.
#
# Builds tests/fixtures/layouts.go with the Go toolchain (GOPATH mode, no
# module, no cgo, caches under $T, GOPROXY=off: nothing is fetched) and
# checks its structs.  Go 1.19 writes zlib-compressed DWARF sections, Go
# names types "main.T", marks embedded fields with DW_AT_go_embedded_field
# and never reorders fields.  Expected values from the amd64 Go ABI (same
# sizes and alignments as C for these types: string = 16, slice = 24,
# interface = 16, all 8-aligned), confirmed with pahole 1.24.
. "${TOP_SRCDIR:-$(dirname "$0")/..}/tests/lib.sh"

need sqlite3 go
[ -x "$HOLEPROF" ] || die "holeprof not built: $HOLEPROF"

mkdir -p "$T/go/src" "$T/cache" "$T/tmp"
cp "$FIXTURES/layouts.go" "$T/go/src/layouts.go"
bin=$T/golayouts
db=$T/golayouts.db
if ! (cd "$T/go/src" && env GO111MODULE=off GOFLAGS= GOPROXY=off GOTOOLCHAIN=local \
        CGO_ENABLED=0 GOPATH="$T/go" GOCACHE="$T/cache" GOTMPDIR="$T/tmp" HOME="$T" \
        go build -o "$bin" layouts.go) >"$T/go.err" 2>&1 </dev/null; then
    die "go build failed: $(head -c 600 "$T/go.err")"
fi
"$bin" || fail "fixture program exits non-zero"

assert_status "analyze" 0 "$HOLEPROF" analyze "$bin" -o "$db" -q

# A 7-byte hole after A, a 3-byte one after C, 7 bytes of tail padding;
# sorted (B, D, A, C, E) it needs 15 -> 16 bytes.
expect_type "$db" main.Holes "32 2 10 0 7 16"
mem main.Holes "A:0:1 B:8:8 C:16:1 D:20:4 E:24:1"
col main.Holes "kind||' '||lang||' '||members||' '||conflict" "struct Go 5 0"

expect_type "$db" main.Inner "8 0 0 0 3 8"
mem main.Inner "X:0:4 Y:4:1"

# Embedded field: a member named after its type, flagged MF_EMBEDDED.
# Sorted it is P, Inner, Z = 18 bytes, which still rounds up to 24.
expect_type "$db" main.Embed "24 1 6 0 0 24"
mem main.Embed "Inner:0:8 Z:8:2 P:16:8"
assert_eq "main.Embed.Inner is embedded" "64" \
    "$(q "$db" "SELECT flags & 64 FROM members WHERE name = 'Inner'
                AND type_id = (SELECT id FROM types WHERE name = 'main.Embed');")"
assert_eq "main.Embed.Z is not embedded" "0" \
    "$(q "$db" "SELECT flags & 64 FROM members WHERE name = 'Z'
                AND type_id = (SELECT id FROM types WHERE name = 'main.Embed');")"

expect_type "$db" main.Tight "16 0 0 0 0 16"
mem main.Tight "A:0:8 B:8:4 C:12:2 D:14:1 E:15:1"

# string, slice and interface headers: Flag wastes 7 bytes, Count 6 at
# the end; sorted, 56 + 2 + 1 = 59 -> 64.
expect_type "$db" main.Mixed "72 1 7 0 6 64"
mem main.Mixed "Flag:0:1 Name:8:16 Items:24:24 Any:48:16 Count:64:2"
col main.Mixed cachelines 2

# The runtime's own structs come along (runtime.g is the goroutine).
assert_match "runtime.g present and large" '^[0-9]{3,}$' "$(type_row "$db" runtime.g size)"
assert_eq "only Go types" "" "$(q "$db" "SELECT DISTINCT lang FROM types WHERE lang <> 'Go';")"
assert_eq "no empty names" 0 "$(q "$db" "SELECT count(*) FROM types WHERE name IS NULL OR name = '';")"

finish
