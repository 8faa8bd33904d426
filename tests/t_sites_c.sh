#!/bin/sh
# t_sites_c.sh -- allocation sites in C, across compilers, -O levels and
# DWARF versions.
#
# Builds tests/fixtures/sites.c with gcc and clang at -O0 and -O2 (DWARF 5,
# and DWARF 4 at -O2), with -fno-plt (calls through the GOT) and statically
# when the toolchain can, analyzes each binary and checks every line the
# fixture marks "SITE": exactly one site there, its allocator, the struct
# it allocates and the method that decided it, the element size, the loop
# depth and static weight, tail jumps and inline chains; that nothing else
# is reported (NOSITE lines, main, free, memset); that xmalloc and xcalloc
# are found as wrappers with their argument positions; and that --alloc
# and --alloc-config make pool_get an allocator.
. "${TOP_SRCDIR:-$(dirname "$0")/..}/tests/lib.sh"

need sqlite3
[ -x "$HOLEPROF" ] || die "holeprof not built: $HOLEPROF"
SRC=$FIXTURES/sites.c

# row LINE COLUMNS : the columns of the sites at fixture line LINE
row() {
    q "$db" "SELECT $2 FROM sites s LEFT JOIN types t ON t.id = s.type_id
              WHERE s.file LIKE '%/sites.c' AND s.line = $1 ORDER BY s.pc;"
}

# one_of WHAT ALTERNATIVES(a|b|c) VALUE
one_of() {
    case "|$2|" in *"|$3|"*) pass ;; *) fail "$1: [$3] is not one of [$2]" ;; esac
}

check_sites() {
    nsite=0
    grep -n '/\* SITE ' "$SRC" | sed 's/:.*SITE / /; s/ \*\/.*//' >"$T/expect"
    while read -r line rest; do
        nsite=$((nsite + 1))
        alloc=; type=; method=; size=; loop=0; tail=; inlined=
        for kv in $rest; do
            case $kv in
            alloc=*) alloc=${kv#alloc=} ;;
            type=*) type=${kv#type=} ;;
            method=*) method=${kv#method=} ;;
            size=*) size=${kv#size=} ;;
            loop=*) loop=${kv#loop=} ;;
            tail=*) tail=${kv#tail=} ;;
            inlined=*) inlined=${kv#inlined=} ;;
            esac
        done
        assert_eq "[$tag] line $line: one site" 1 "$(row "$line" "count(*)")"
        one_of "[$tag] line $line: allocator" "$alloc" "$(row "$line" s.allocator)"
        m=$(row "$line" "coalesce(s.method, '-')")
        one_of "[$tag] line $line: method" "$method" "$m"
        if [ "$m" = size ]; then
            # ambiguous: no type chosen, the expected one among the candidates
            assert_eq "[$tag] line $line: ambiguous" "1|" "$(row "$line" "s.ambiguous || '|' || coalesce(s.type_id, '')")"
            assert_eq "[$tag] line $line: $type is a candidate" 1 "$(q "$db" "SELECT count(*)
                FROM site_candidates c JOIN sites s ON s.id = c.site_id
                JOIN types t ON t.id = c.type_id WHERE s.file LIKE '%/sites.c'
                AND s.line = $line AND t.name = '$type';")"
        else
            assert_eq "[$tag] line $line: type" "$type" "$(row "$line" "coalesce(t.name, '-')")"
            [ "$type" = - ] || assert_eq "[$tag] line $line: not ambiguous" 0 "$(row "$line" s.ambiguous)"
        fi
        assert_eq "[$tag] line $line: element size" "$size" "$(row "$line" s.size)"
        w=1
        [ "$loop" = 1 ] && w=8
        assert_eq "[$tag] line $line: loop depth, weight" "$loop|$w" "$(row "$line" "s.loop_depth || '|' || s.static_weight")"
        if [ "$tail" = O2 ] && [ "$opt" = -O2 ]; then
            assert_eq "[$tag] line $line: tail jump" tail "$(row "$line" s.kind)"
        fi
        if [ "$inlined" = O2 ] && [ "$opt" = -O2 ]; then
            assert_match "[$tag] line $line: inlined call" '^[1-9]' "$(row "$line" s.inline_depth)"
        fi
    done <"$T/expect"
    # nothing else: exactly the marked lines, none in main or no_alloc
    assert_eq "[$tag] number of sites" "$(grep -c '/\* SITE ' "$SRC")" \
        "$(q "$db" "SELECT count(*) FROM sites;")"
    assert_eq "[$tag] no site outside the marked lines" "" "$(q "$db" "SELECT line FROM sites
        WHERE line NOT IN ($(grep -n '/\* SITE ' "$SRC" | cut -d: -f1 | tr '\n' ',' | sed 's/,$//'))
           OR line IS NULL OR source_function IN ('main', 'no_alloc', 'pool_get');")"
    # wrappers, with their argument positions and the reason
    assert_eq "[$tag] xmalloc is a wrapper" "wrapper|0||malloc" \
        "$(q "$db" "SELECT origin || '|' || size_arg || '|' || coalesce(count_arg, '') || '|' || wraps
                    FROM allocators WHERE name = 'xmalloc';")"
    assert_eq "[$tag] xcalloc is a wrapper" "wrapper|1|0|calloc" \
        "$(q "$db" "SELECT origin || '|' || size_arg || '|' || count_arg || '|' || wraps
                    FROM allocators WHERE name = 'xcalloc';")"
    assert_match "[$tag] wrapper reason" '^calls malloc at 0x[0-9a-f]+ with argument 0 as the size' \
        "$(q "$db" "SELECT reason FROM allocators WHERE name = 'xmalloc';")"
    assert_eq "[$tag] pool_get is no allocator by itself" 0 \
        "$(q "$db" "SELECT count(*) FROM allocators WHERE name = 'pool_get';")"
    assert_eq "[$tag] site_scan" "$nsite|0" \
        "$(q "$db" "SELECT sites || '|' || bad_bytes FROM site_scan;")"
}

variants() {
    for cc in gcc clang; do
        command -v $cc >/dev/null 2>&1 || continue
        echo "$cc -O0 -gdwarf-5"
        echo "$cc -O2 -gdwarf-5"
        echo "$cc -O2 -gdwarf-4"
    done
    command -v gcc >/dev/null 2>&1 && echo "gcc -O2 -gdwarf-5 -fno-plt"
}

variants >"$T/variants"
[ -s "$T/variants" ] || skip "no C compiler"
while read -r cc opt g extra; do
    tag="$cc $opt $g${extra:+ $extra}"
    bin=$T/sites-$cc$opt$g$extra
    db=$bin.db
    $cc -std=c11 $opt $g $extra -o "$bin" "$SRC" 2>"$T/cc.err" || die "$tag: compile failed: $(head -c 300 "$T/cc.err")"
    "$bin" >/dev/null || fail "[$tag] fixture program exits non-zero"
    assert_status "[$tag] analyze" 0 "$HOLEPROF" analyze -q "$bin" -o "$db"
    check_sites
    if [ "$extra" = -fno-plt ]; then
        assert_eq "[$tag] calls through the GOT are indirect" 0 \
            "$(q "$db" "SELECT count(*) FROM sites WHERE kind = 'call' AND allocator = 'malloc' AND indirect = 0;")"
    fi
done <"$T/variants"

# A static binary: the allocators are functions of the binary itself.
tag="gcc -O2 -static"
bin=$T/sites-static
if gcc -std=c11 -O2 -g -static -o "$bin" "$SRC" 2>/dev/null; then
    db=$bin.db
    assert_status "[$tag] analyze" 0 "$HOLEPROF" analyze -q "$bin" -o "$db"
    opt=-O2
    assert_eq "[$tag] conn_new's site" "malloc|conn" "$(row "$(grep -n 'SITE alloc=malloc type=conn' "$SRC" | cut -d: -f1)" "s.allocator || '|' || t.name")"
    assert_eq "[$tag] malloc has an address here" 1 \
        "$(q "$db" "SELECT count(*) > 0 FROM allocators WHERE name = 'malloc' AND address IS NOT NULL;")"
    assert_eq "[$tag] no site inside libc's own allocator" 0 \
        "$(q "$db" "SELECT count(*) FROM sites WHERE function IN ('malloc', 'calloc', 'realloc', '__libc_malloc');")"
fi

# User-declared allocators: pool_get never calls malloc.
pline=$(grep -n '/\* SITE-ALLOC' "$SRC" | cut -d: -f1)
bin=$T/sites-user
gcc -std=c11 -O2 -g -o "$bin" "$SRC" || die "compile failed"
db=$T/user.db
tag="--alloc"
assert_status "[$tag] analyze" 0 "$HOLEPROF" analyze -q --alloc pool_get:1 "$bin" -o "$db"
assert_eq "[$tag] pool_get's site" "pool_get|node|24" "$(row "$pline" "s.allocator || '|' || t.name || '|' || s.size")"
assert_eq "[$tag] declared allocator" "user|1" \
    "$(q "$db" "SELECT origin || '|' || size_arg FROM allocators WHERE name = 'pool_get';")"
printf '# pool allocators\n\n  pool_get:1   # size is the second argument\n' >"$T/allocs.conf"
db=$T/conf.db
tag="--alloc-config"
assert_status "[$tag] analyze" 0 "$HOLEPROF" analyze -q --alloc-config "$T/allocs.conf" "$bin" -o "$db"
assert_eq "[$tag] pool_get's site" "pool_get|node" "$(row "$pline" "s.allocator || '|' || t.name")"
assert_eq "[$tag] declared allocator" "config" \
    "$(q "$db" "SELECT origin FROM allocators WHERE name = 'pool_get';")"
tag="bad --alloc"
assert_status "[$tag] rejected" 2 "$HOLEPROF" analyze -q --alloc pool_get "$bin" -o "$T/x.db"
assert_match "[$tag] says why" 'NAME:SIZEARG' "$(cat "$T/err")"
assert_status "[$tag] count = size rejected" 2 "$HOLEPROF" analyze -q --alloc p:1:1 "$bin" -o "$T/x.db"
printf 'pool_get:x\n' >"$T/bad.conf"
assert_status "[bad config] rejected" 2 "$HOLEPROF" analyze -q --alloc-config "$T/bad.conf" "$bin" -o "$T/x.db"
assert_match "[bad config] names the line" 'bad.conf: line 1' "$(cat "$T/err")"
[ -e "$T/x.db" ] && fail "a failed analyze left a database behind"

# Slab caches: kmem_cache_alloc gets its size, and here its type, from the
# kmem_cache_create whose result went to the global it loads (gcc; clang
# knows this fixture's create returns one static object and stores that
# address instead of the call's result, which the scan cannot follow).
KSRC=$FIXTURES/sites_kmem.c
kline=$(grep -n '/\* SITE \*/' "$KSRC" | cut -d: -f1)
for opt in -O0 -O2; do
    tag="kmem_cache gcc $opt"
    bin=$T/kmem$opt
    gcc -std=c11 $opt -g -o "$bin" "$KSRC" || die "$tag: compile failed"
    "$bin" || fail "[$tag] fixture program exits non-zero"
    assert_status "[$tag] analyze" 0 "$HOLEPROF" analyze -q "$bin" -o "$bin.db"
    assert_eq "[$tag] the cache's size and type" "kmem_cache_alloc|24|kmem-cache|inode_like|kmem-cache|0.8" \
        "$(q "$bin.db" "SELECT s.allocator || '|' || s.size || '|' || s.size_from || '|' || t.name || '|' ||
                        s.method || '|' || s.confidence FROM sites s JOIN types t ON t.id = s.type_id
                        WHERE s.line = $kline;")"
    assert_eq "[$tag] kmem_cache_create is no site" 0 \
        "$(q "$bin.db" "SELECT count(*) FROM sites WHERE allocator LIKE 'kmem_cache_create%' OR source_function = 'init';")"
done

# Bad input: never a crash, what was skipped is counted.
tag="bad input"
bin=$T/sites-bad
gcc -std=c11 -O2 -g -o "$bin" "$SRC" || die "compile failed"
if command -v python3 >/dev/null 2>&1; then
    # data in text: garbage over the middle of conn_new
    python3 - "$bin" "$T/garbage" <<'PY'
import struct, subprocess, sys
d = bytearray(open(sys.argv[1], 'rb').read())
syms = subprocess.check_output(['readelf', '-sW', sys.argv[1]]).decode().split('\n')
addr = [int(l.split()[1], 16) for l in syms if l.split()[-1:] == ['conn_new']][0]
shoff, = struct.unpack_from('<Q', d, 0x28)
shentsize, shnum = struct.unpack_from('<HH', d, 0x3a)
for i in range(shnum):
    h = shoff + i * shentsize
    typ, flags, sa, so, sz = struct.unpack_from('<IQQQQ', d, h + 4)
    if sa <= addr < sa + sz and flags & 4:
        o = addr - sa + so
        for k in range(6, 30):
            d[o + k] = (0x0f, 0xff, 0xc4, 0x62)[k % 4]
open(sys.argv[2], 'wb').write(d)
PY
    assert_status "[$tag] garbage in code" 0 "$HOLEPROF" analyze -q "$T/garbage" -o "$T/garbage.db"
    assert_eq "[$tag] the other sites are still found" 1 \
        "$(q "$T/garbage.db" "SELECT count(*) >= 8 FROM sites;")"
    # an architecture without a disassembler (e_machine patched to RISC-V)
    python3 -c 'import sys; d = bytearray(open(sys.argv[1], "rb").read()); d[18:20] = (243).to_bytes(2, "little"); open(sys.argv[2], "wb").write(d)' "$bin" "$T/arm"
    assert_status "[$tag] unknown architecture" 0 "$HOLEPROF" analyze -q "$T/arm" -o "$T/arm.db"
    assert_eq "[$tag] unknown architecture: counted, no sites" "riscv64|1|0" \
        "$(q "$T/arm.db" "SELECT arch || '|' || skipped || '|' || sites FROM site_scan;")"
    assert_match "[$tag] unknown architecture: said" 'no disassembler' "$(q "$T/arm.db" "SELECT note FROM site_scan;")"
    assert_eq "[$tag] unknown architecture: types still there" 1 \
        "$(q "$T/arm.db" "SELECT count(*) FROM types WHERE name = 'conn';")"
fi
# stripped, with the DWARF and symbols in a separate file
objcopy --only-keep-debug "$bin" "$T/sites.debug"
strip -o "$T/stripped" "$bin"
assert_status "[$tag] stripped + debug file" 0 "$HOLEPROF" analyze -q "$T/stripped" --debug-file "$T/sites.debug" -o "$T/stripped.db"
assert_eq "[$tag] stripped: same sites" "$(grep -c '/\* SITE ' "$SRC")" \
    "$(q "$T/stripped.db" "SELECT count(*) FROM sites;")"
assert_eq "[$tag] stripped: function names from the debug file" conn_new \
    "$(q "$T/stripped.db" "SELECT function FROM sites WHERE line = $(grep -n 'type=conn' "$SRC" | cut -d: -f1);")"
if command -v python3 >/dev/null 2>&1; then
    # and no symbol table anywhere: one anonymous body per code section
    python3 - "$T/sites.debug" "$T/nosym.debug" <<'PY'
import struct, sys
d = bytearray(open(sys.argv[1], 'rb').read())
shoff, = struct.unpack_from('<Q', d, 0x28)
shentsize, shnum, shstrndx = struct.unpack_from('<HHH', d, 0x3a)
stroff, = struct.unpack_from('<Q', d, shoff + shstrndx * shentsize + 0x18)
for i in range(shnum):
    h = shoff + i * shentsize
    name, = struct.unpack_from('<I', d, h)
    if d[stroff + name:d.index(0, stroff + name)] == b'.symtab':
        struct.pack_into('<I', d, h + 4, 1)
open(sys.argv[2], 'wb').write(d)
PY
    assert_status "[$tag] no symbols at all" 0 "$HOLEPROF" analyze -q "$T/stripped" --debug-file "$T/nosym.debug" -o "$T/nosym.db"
    assert_eq "[$tag] no symbols: conn_new's site, by DWARF name and line" "|conn_new|conn" \
        "$(q "$T/nosym.db" "SELECT coalesce(s.function, '') || '|' || s.source_function || '|' || t.name
                            FROM sites s JOIN types t ON t.id = s.type_id
                            WHERE s.line = $(grep -n 'type=conn' "$SRC" | cut -d: -f1);")"
    assert_eq "[$tag] no symbols: no wrappers can be told" 0 \
        "$(q "$T/nosym.db" "SELECT count(*) FROM allocators WHERE origin = 'wrapper';")"
fi

# --no-sites writes no site rows; `holeprof sites` reads them back.
tag="--no-sites"
assert_status "[$tag] analyze" 0 "$HOLEPROF" analyze -q --no-sites "$bin" -o "$T/nosites.db"
assert_eq "[$tag] no sites" 0 "$(q "$T/nosites.db" "SELECT count(*) FROM sites;")"
# --timings: one line per phase on stderr, "committed" last and latest
tag="--timings"
assert_status "[$tag] analyze" 0 "$HOLEPROF" analyze --timings "$bin" -o "$T/timed.db"
tl=$(grep '^holeprof: time ' "$T/err")
for ph in "types: [0-9]+ units counted" "types read" "types stored" "sites: DWARF facts collected" \
          "sites: attributed" "sites: stored" "indexes built" "committed"; do
    assert_match "[$tag] phase '$ph'" "^holeprof: time [0-9]+\.[0-9]{3} s \(cpu [0-9]+\.[0-9]{3} s, this thread [0-9]+\.[0-9]{3} s\): $ph\$" "$tl"
done
assert_eq "[$tag] committed is the last line" "committed" "$(echo "$tl" | tail -n 1 | sed 's/.*s): //')"
assert_eq "[$tag] and the latest" "$(echo "$tl" | awk '{print $3}' | sort -g | tail -n 1)" \
    "$(echo "$tl" | tail -n 1 | awk '{print $3}')"
assert_status "[$tag] not asked" 0 "$HOLEPROF" analyze "$bin" -o "$T/untimed.db"
assert_eq "[$tag] no time lines without it" 0 "$(grep -c '^holeprof: time ' "$T/err")"

tag="sites command"
db=$T/user.db
assert_status "[$tag] all" 0 "$HOLEPROF" sites "$db"
assert_match "[$tag] groups by type" '^struct conn \(24 bytes\)' "$(grep '^struct conn' "$T/out")"
assert_match "[$tag] conn_new's line" "sites.c:$(grep -n 'type=conn' "$SRC" | cut -d: -f1) +conn_new +malloc\(24\) +dwarf-var 0.90" "$(cat "$T/out")"
assert_status "[$tag] one type" 0 "$HOLEPROF" sites "$db" pair_b
assert_eq "[$tag] pair_b: one site" 1 "$(grep -c 'pair_b_new' "$T/out")"
assert_status "[$tag] unknown type" 2 "$HOLEPROF" sites "$db" no_such_type
assert_match "[$tag] unknown type message" "no type named 'no_such_type'" "$(cat "$T/err")"
assert_status "[$tag] sites.sql" 0 "$HOLEPROF" query "$db" sites --format csv
assert_match "[$tag] query lists conn" '^struct,conn,24,' "$(grep ',conn,' "$T/out")"

finish
