# tests/lib.sh -- shared helpers for the shell tests.  Source it first:
#   . "${TOP_SRCDIR:-$(dirname "$0")/..}/tests/lib.sh"
#
# Conventions (automake parallel-tests): exit 0 pass, 1 fail, 77 skip,
# 99 hard error.  Every assertion prints what it compared, so a failing
# log says exactly what differed.  Each test gets a scratch directory $T
# removed on exit (kept when KEEP_TMP=1).

set -u

TOP_SRCDIR=${TOP_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
# make distcheck passes abs_top_srcdir as BUILD/_build/sub/../..; source
# paths recorded in databases come out with the '..' resolved, so spell
# TOP_SRCDIR (and FIXTURES) the same way.
TOP_SRCDIR=$(cd "$TOP_SRCDIR" && pwd)
TOP_BUILDDIR=${TOP_BUILDDIR:-$TOP_SRCDIR}
HOLEPROF=${HOLEPROF:-$TOP_BUILDDIR/src/holeprof}
# A debuginfod server from the user's environment (Debian sets one up with
# libdebuginfod-common) would make every "no debug info" case go to the
# network; tests/t_debuginfod.sh starts its own.
unset DEBUGINFOD_URLS
HOLEPROF_QUERY_DIR=${HOLEPROF_QUERY_DIR:-$TOP_SRCDIR/queries}
FIXTURES=$TOP_SRCDIR/tests/fixtures
export HOLEPROF HOLEPROF_QUERY_DIR

T=$(mktemp -d "${TMPDIR:-/tmp}/holeprof-test.XXXXXX")
if [ "${KEEP_TMP:-0}" = 1 ]; then
    echo "scratch: $T"
else
    trap 'rm -rf "$T"' EXIT
fi

_hp_failed=0
_hp_checks=0

fail() { echo "FAIL: $*" >&2; _hp_failed=$((_hp_failed + 1)); }
pass() { _hp_checks=$((_hp_checks + 1)); }
skip() { echo "SKIP: $*"; exit 77; }
die()  { echo "ERROR: $*" >&2; exit 99; }

# need CMD... : skip the test when a tool is missing
need() { for c in "$@"; do command -v "$c" >/dev/null 2>&1 || skip "$c not installed"; done; }

# q DB SQL : run SQL in the real sqlite3 CLI, print result ('|' separated)
q() { sqlite3 -batch -noheader "$1" "$2"; }

# line_of FIXTURE MARK : the line of tests/fixtures/FIXTURE holding "/* MARK"
line_of() { grep -n "/\* $2 " "$FIXTURES/$1" | cut -d: -f1 | head -1; }

# site_at DB FIXTURE LINE COLUMNS : COLUMNS (over sites s, LEFT JOIN types t)
# of the sites at that line of the fixture, in pc order
site_at() {
    q "$1" "SELECT $4 FROM sites s LEFT JOIN types t ON t.id = s.type_id
             WHERE s.file LIKE '%/$2' AND s.line = $3 ORDER BY s.pc;"
}

# assert_eq WHAT EXPECTED ACTUAL
assert_eq() {
    if [ "$2" = "$3" ]; then pass; else fail "$1: expected [$2] got [$3]"; fi
}

# assert_match WHAT REGEX TEXT   (grep -E)
assert_match() {
    if printf '%s\n' "$3" | grep -Eq -- "$2"; then pass; else fail "$1: [$3] does not match /$2/"; fi
}

# assert_status WHAT EXPECTED_STATUS CMD... : run CMD, compare exit status;
# its stdout/stderr are left in $T/out and $T/err for further checks
assert_status() {
    _what=$1; _want=$2; shift 2
    "$@" >"$T/out" 2>"$T/err"; _got=$?
    if [ "$_got" = "$_want" ]; then pass; else
        fail "$_what: exit status $_got, expected $_want (stderr: $(head -c 400 "$T/err"))"
    fi
}

# type_row DB NAME COLUMNS : the named type's columns, e.g.
#   type_row db 's1' 'size,holes,hole_bytes,tail_padding,optimal_size'
# prints "12|1|3|3|8".  NAME must be unique in the db (else all rows).
type_row() {
    sqlite3 -batch -noheader "$1" "SELECT $3 FROM types WHERE name = '$2' ORDER BY id;"
}

# expect_type DB NAME "size holes hole_bytes bit_holes tail_padding optimal_size"
expect_type() {
    _got=$(type_row "$1" "$2" "size||' '||holes||' '||hole_bytes||' '||bit_holes||' '||tail_padding||' '||optimal_size")
    assert_eq "type $2 (size holes hole_bytes bit_holes tail_padding optimal)" "$3" "$_got"
}

# members_of DB NAME : "name:offset:size[:bit_offset:bit_size]" one per line, by idx
members_of() {
    sqlite3 -batch -noheader "$1" "SELECT coalesce(m.name,'(anon)')||':'||m.offset||':'||m.size||
        CASE WHEN m.bit_size > 0 THEN ':'||m.bit_offset||':'||m.bit_size ELSE '' END
        FROM members m JOIN types t ON t.id = m.type_id WHERE t.name = '$2' ORDER BY m.idx;"
}

# The layout tests' checks, on the database $db, each labelled [$tag]
# (nothing when tag is not set):
# mem NAME "name:offset:size[:bit_offset:bit_size] ..." : the members of NAME
mem() {
    assert_eq "${tag:+[$tag] }members of $1" "$2" \
        "$(members_of "$db" "$1" | tr '\n' ' ' | sed 's/ $//')"
}
# col NAME COLUMNS EXPECTED : any columns of NAME's types row
col() {
    assert_eq "${tag:+[$tag] }$1: $2" "$3" "$(type_row "$db" "$1" "$2")"
}
# mcol TYPE MEMBER COLUMNS EXPECTED : columns of one member row
mcol() {
    _got=$(q "$db" "SELECT $3 FROM members WHERE name = '$2'
                    AND type_id IN (SELECT id FROM types WHERE name = '$1');")
    assert_eq "${tag:+[$tag] }$1.$2: $3" "$4" "$_got"
}

# build_id FILE : FILE's GNU build-id in hex, nothing when it has none
build_id() {
    LC_ALL=C readelf -n "$1" 2>/dev/null | sed -n 's/.*Build ID: *\([0-9a-f]*\).*/\1/p' | head -n 1
}

# debug_path FILE : where Debian's -dbg packages put FILE's debug file
# (/usr/lib/debug/.build-id/NN/REST.debug, there or not); nothing when
# FILE has no build-id
debug_path() {
    _id=$(build_id "$1")
    [ -n "$_id" ] || return 0
    echo "/usr/lib/debug/.build-id/$(printf %s "$_id" | cut -c1-2)/$(printf %s "$_id" | cut -c3-).debug"
}

# uprobe_why : why perf uprobes cannot be used here, or nothing when they
# can: they need root, perf, and uprobe_events in tracefs (mounted when it
# is not)
uprobe_why() {
    if [ "$(id -u)" != 0 ]; then echo "not root (uprobes need it)"
    elif ! command -v perf >/dev/null 2>&1; then echo "perf not installed (Debian linux-perf)"
    else
        [ -e /sys/kernel/tracing/uprobe_events ] || mount -t tracefs nodev /sys/kernel/tracing 2>/dev/null
        [ -e /sys/kernel/tracing/uprobe_events ] ||
            echo "no uprobe_events in tracefs (a kernel without CONFIG_UPROBE_EVENTS, or tracefs not mountable)"
    fi
}

# need_python311_dbg : PY=/usr/bin/python3.11, PYID its build-id and PYDBG
# its debug file (Debian's python3.11-dbg), or the test is skipped saying
# which is missing
need_python311_dbg() {
    PY=/usr/bin/python3.11
    [ -r "$PY" ] || skip "$PY not installed (Debian package python3.11-minimal)"
    PYID=$(build_id "$PY")
    [ -n "$PYID" ] || skip "$PY has no build-id"
    PYDBG=$(debug_path "$PY")
    [ -r "$PYDBG" ] || skip "no debug file $PYDBG for $PY: install the Debian package python3.11-dbg"
}

# find_rustc : RUSTC set to rustc from PATH, else from ~/.cargo/bin (or
# /root/.cargo/bin); empty when there is none
find_rustc() {
    RUSTC=$(command -v rustc 2>/dev/null || true)
    for _r in "${HOME:-/nonexistent}/.cargo/bin/rustc" /root/.cargo/bin/rustc; do
        [ -n "$RUSTC" ] && break
        [ -x "$_r" ] && RUSTC=$_r
    done
}

# need_rustc : find_rustc, or the test is skipped when there is none or it
# does not run
need_rustc() {
    find_rustc
    [ -n "$RUSTC" ] || skip "rustc not installed (looked in PATH and ~/.cargo/bin)"
    "$RUSTC" --version >/dev/null 2>&1 </dev/null || skip "rustc does not run (no default toolchain?)"
}

# layout_rows DB : every types and members row but ids and unit counts
# (cu_count), and the allocation sites with their types' names, ordered:
# what two builds of the same sources must agree on whatever the shape of
# their debug info (separate, dwz'd, split, type units, fetched)
layout_rows() {
    sqlite3 -batch -noheader "$1" "
      SELECT 'T', kind, name, size, align, members, holes, hole_bytes, bit_holes,
             bit_hole_bits, tail_padding, pre_hole, pre_bit_hole, bit_padding,
             optimal_size, cachelines, decl_file, decl_line, lang, flags, layout_hash
        FROM types ORDER BY name, layout_hash;
      SELECT 'M', t.name, t.layout_hash, m.idx, m.name, m.type_name, m.offset, m.size,
             m.bitpos, m.bit_offset, m.bit_size, m.align, m.flags, m.hole_after,
             m.bit_hole_after, m.cacheline, m.suggested_pos
        FROM members m JOIN types t ON t.id = m.type_id
       ORDER BY t.name, t.layout_hash, m.idx;
      SELECT 'S', s.pc, s.function, s.file, s.line, s.allocator, s.size, s.count, t.name,
             s.method
        FROM sites s LEFT JOIN types t ON t.id = s.type_id ORDER BY s.pc;"
}

# same_rows TAG WANT_DB GOT_DB [MIN_TYPES] : layout_rows of both identical,
# and at least MIN_TYPES (default 3) types compared; files TAG.want/.got
same_rows() {
    layout_rows "$2" >"$T/$1.want"
    layout_rows "$3" >"$T/$1.got"
    if cmp -s "$T/$1.want" "$T/$1.got"; then pass
    else fail "[$1] rows differ from $2: $(diff "$T/$1.want" "$T/$1.got" | head -n 8)"; fi
    if [ "$(grep -c '^T' "$T/$1.want")" -ge "${4:-3}" ]; then pass
    else fail "[$1] too few types to compare ($(grep -c '^T' "$T/$1.want"))"; fi
}

# assert_top_worst DB : `holeprof top -n 0 -f csv` and queries/worst.sql run
# by the sqlite3 shell agree row for row (the shell prints a whole REAL as
# "8.0", holeprof as "8")
assert_top_worst() {
    sqlite3 -batch -csv -header "$1" < "$TOP_SRCDIR/queries/worst.sql" | tr -d '\r' |
        sed -E ':a; s/(^|,)(-?[0-9]+)\.0(,|$)/\1\2\3/; ta' > "$T/worst.csv"
    "$HOLEPROF" top "$1" -n 0 -f csv | tr -d '\r' > "$T/top.csv"
    assert_eq "top = worst.sql ($1)" "$(cat "$T/worst.csv")" "$(cat "$T/top.csv")"
}

# struct_die BINARY NAME : the DIE offset (hex, no 0x) of the first
# DW_TAG_structure_type named NAME, as readelf prints it
struct_die() {
    readelf --debug-dump=info "$1" |
        awk -v want="$2" '/DW_TAG_structure_type/ { off = $1; sub(/^<[0-9]+></, "", off); sub(/>:$/, "", off); next }
             off != "" && /DW_AT_name/ && $NF == want { print off; exit }
             /DW_AT_name/ { off = "" }'
}

# finish : print a summary line and exit with the right status
finish() {
    echo "$_hp_checks checks passed, $_hp_failed failed"
    [ "$_hp_failed" -eq 0 ] || exit 1
    [ "$_hp_checks" -gt 0 ] || { echo "ERROR: no assertion ran" >&2; exit 99; }
    exit 0
}

# cc_variants : the compiler/flag matrix for C fixtures, one per line
cc_variants() {
    for cc in gcc clang; do
        command -v $cc >/dev/null 2>&1 || continue
        for o in -O0 -O2; do
            for g in -gdwarf-4 -gdwarf-5; do
                echo "$cc $o $g"
            done
        done
    done
}

# cxx_builds SRC NAME FUNC : build the C++ fixture SRC with g++ and clang++
# at -O0 and -O2 (-std=c++17 -g) as $T/NAME-COMPILER-OPT, run it (it must
# exit 0), analyze it, then call FUNC with tag ("g++ -O2"), opt, bin and
# db set; skips the test when there is no C++ compiler
cxx_builds() {
    _found=0
    for cxx in g++ clang++; do
        command -v $cxx >/dev/null 2>&1 || continue
        for opt in -O0 -O2; do
            _found=1
            tag="$cxx $opt"
            bin=$T/$2-$cxx$opt
            db=$bin.db
            $cxx -std=c++17 $opt -g -o "$bin" "$1" 2>"$T/cc.err" ||
                die "$tag: compile failed: $(head -c 300 "$T/cc.err")"
            "$bin" >/dev/null || fail "[$tag] fixture program exits non-zero"
            assert_status "[$tag] analyze" 0 "$HOLEPROF" analyze -q "$bin" -o "$db"
            $3
        done
    done
    [ $_found = 1 ] || skip "no C++ compiler"
}

# go_build SRC OUT : build one Go file offline (GOPATH mode, no module, no
# cgo, caches under $T/gobuild, GOPROXY=off: nothing is fetched); returns
# go's status, its messages in $T/go.err
go_build() {
    _gd=$T/gobuild
    mkdir -p "$_gd/src" "$_gd/cache" "$_gd/tmp"
    cp "$1" "$_gd/src/${1##*/}"
    (cd "$_gd/src" && env GO111MODULE=off GOFLAGS= GOPROXY=off GOTOOLCHAIN=local \
        CGO_ENABLED=0 GOPATH="$_gd" GOCACHE="$_gd/cache" GOTMPDIR="$_gd/tmp" HOME="$T" \
        go build -o "$2" "${1##*/}") >"$T/go.err" 2>&1 </dev/null
}
