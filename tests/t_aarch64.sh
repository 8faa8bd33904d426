#!/bin/sh
# t_aarch64.sh -- allocation sites in AArch64 binaries (arch/aarch64.c).
#
# The site fixtures (C, and C++ with clang++) are built twice from the
# same source with clang, for
# x86-64 and for aarch64-linux-gnu (Debian's cross libraries, GNU ld for
# AArch64), at -O0 and -O2; the AArch64 build must give the same sites as
# the x86-64 one line for line: allocator, type, method, element size,
# loop depth, call or tail jump, inline depth, ambiguity and candidates.
# That includes wrappers that round the size (a three-register and),
# allocators called through a struct field (ldr + blr), count * size by
# smull and a 32-bit count scaled by sbfiz (sites_a64ext.c), shared
# libraries (a call through the library's own PLT, a function table of
# R_AARCH64_ABS64 words), and the null check (sites_nullret.c: cbz,
# cbnz, cmp #0 + b.eq, tst + b.ne where x86-64 has test + je).  One
# known difference is allowed, and checked: where the AArch64 DWARF
# gives the pointer's variable no location at all (sites_pad.c -O2:
# clang reuses x0 at once), the site is typed by its size, with the
# x86-64 type a candidate.
# The AArch64 sites are also checked against an independent listing:
# every bl/b to a C allocator's PLT stub that aarch64-linux-gnu-objdump
# shows outside the wrappers is a site at that address, on the line
# llvm-symbolizer gives for it (the outermost frame).  Then -fno-plt
# (blr through the GOT), Go (GOARCH=amd64 and arm64 builds of sites.go:
# the same sites in it), site_scan's figures, and bad input (garbage over
# a function's code: counted in bad_bytes, never a crash).
. "${TOP_SRCDIR:-$(dirname "$0")/..}/tests/lib.sh"

need sqlite3 clang aarch64-linux-gnu-ld aarch64-linux-gnu-objdump llvm-symbolizer llvm-dwarfdump \
    python3 readelf
[ -x "$HOLEPROF" ] || die "holeprof not built: $HOLEPROF"
LD=$(command -v aarch64-linux-gnu-ld)

# a64 CC OUT SRC FLAGS... : build for AArch64
a64() {
    _cc=$1 _out=$2 _src=$3
    shift 3
    $_cc --target=aarch64-linux-gnu --ld-path="$LD" "$@" -o "$_out" "$_src" 2>"$T/cc.err"
}
printf 'int main(void) { return 0; }\n' >"$T/probe.c"
# the cross libraries are no command: without them, a failure (CI runs
# tools/quickstart, which installs them), not a skip nobody reads
if ! a64 clang "$T/probe" "$T/probe.c"; then
    fail "no AArch64 C library to link with (tools/quickstart installs libc6-dev-arm64-cross libgcc-12-dev-arm64-cross): $(head -c 200 "$T/cc.err")"
    finish
fi

# sites DB [FILE] : one line per site (of source FILE), ordered by line and address
sites() {
    q "$1" "SELECT s.line, s.allocator, coalesce(t.name, '-'), coalesce(s.method, '-'),
                   coalesce(s.size, ''), s.loop_depth, s.kind, coalesce(s.inline_depth, ''),
                   s.ambiguous, s.indirect,
                   coalesce((SELECT group_concat(name, ',') FROM (SELECT tt.name FROM site_candidates c
                             JOIN types tt ON tt.id = c.type_id WHERE c.site_id = s.id
                             ORDER BY tt.name)), '')
            FROM sites s LEFT JOIN types t ON t.id = s.type_id
            WHERE '${2:-}' = '' OR s.file LIKE '%/${2:-}' ORDER BY s.line, s.pc;"
}

# same CC SRC OPT [EXTRA] : the x86-64 and AArch64 builds give the same sites
same() {
    cc=$1 src=$2 opt=$3 extra=${4:-}
    name=$(basename "$src")
    tag="$name $cc $opt${extra:+ $extra}"
    x=$T/x86-$name$(printf %s "$opt$extra" | tr -d ' =')
    a=$T/a64-$name$(printf %s "$opt$extra" | tr -d ' =')
    $cc -g $opt $extra -o "$x" "$src" 2>"$T/cc.err" || die "$tag: x86-64 build failed: $(head -c 300 "$T/cc.err")"
    if [ "$extra" = -fno-plt ]; then
        # clang 14 ignores -fno-plt on AArch64: its assembly gets the
        # sequence GCC's -fno-plt emits for each C allocator call
        # (adrp/ldr of the GOT slot, blr; br for a tail call)
        $cc --target=aarch64-linux-gnu -S -g $opt -o "$T/np.s" "$src" 2>"$T/cc.err" ||
            die "$tag: AArch64 assembly failed: $(head -c 300 "$T/cc.err")"
        sed -E 's/^\t(bl|b)\t(malloc|calloc|realloc|aligned_alloc|posix_memalign)$/\tadrp\tx16, :got:\2\n\tldr\tx16, [x16, :got_lo12:\2]\n\t\1r\tx16/' \
            "$T/np.s" >"$T/np2.s"
        grep -q 'blr' "$T/np2.s" || fail "[$tag] no call rewritten"
        a64 $cc "$a" "$T/np2.s" -g || die "$tag: AArch64 build failed: $(head -c 300 "$T/cc.err")"
    else
        a64 $cc "$a" "$src" -g $opt $extra || die "$tag: AArch64 build failed: $(head -c 300 "$T/cc.err")"
    fi
    assert_status "[$tag] analyze x86-64" 0 "$HOLEPROF" analyze -q "$x" -o "$x.db"
    assert_status "[$tag] analyze AArch64" 0 "$HOLEPROF" analyze -q "$a" -o "$a.db"
    assert_eq "[$tag] arch" "aarch64|0" "$(q "$a.db" "SELECT arch || '|' || bad_bytes FROM site_scan;")"
    sites "$x.db" >"$T/x.sites"
    sites "$a.db" >"$T/a.sites"
    [ -s "$T/x.sites" ] || fail "[$tag] the x86-64 build has no site"
    if [ -n "${NOLOC:-}" ]; then
        # line NOLOC's variable has a location in the x86-64 DWARF, none
        # in the AArch64 one (the compiler reused its register at once):
        # there the site is typed by its size alone, the x86-64 type
        # among its candidates; the rest of the line must be the same
        var=$(sed -n "${NOLOC}p" "$src" | sed -E 's/.*\*([a-z_]+) = .*/\1/')
        llvm-dwarfdump --debug-info --name="$var" "$a" >"$T/var"
        if grep -q DW_AT_location "$T/var"; then
            cp "$T/a.sites" "$T/a.cmp"
        else
            awk -F'|' -v l="$NOLOC" -v x="$(grep "^$NOLOC|" "$T/x.sites" | cut -d'|' -f3)" '
                $1 == l && $3 == "-" && $4 == "size" && $9 == 1 && index("," $11 ",", "," x ",") {
                    $3 = x; $4 = "dwarf-var"; $9 = 0; $11 = "" }
                { print }' OFS='|' "$T/a.sites" >"$T/a.cmp"
        fi
        mv "$T/a.cmp" "$T/a.sites"
    fi
    if cmp -s "$T/x.sites" "$T/a.sites"; then
        pass
    else
        fail "[$tag] AArch64 sites differ from x86-64's: $(diff "$T/x.sites" "$T/a.sites" | tr '\n' ' ')"
    fi
}

# listing DB BIN : the independent check of the C allocators' call sites
listing() {
    aarch64-linux-gnu-objdump -d --no-show-raw-insn "$2" | awk '
        /^[0-9a-f]+ <.*>:$/ { fn = $2; gsub(/[<>:]/, "", fn) }
        $2 ~ /^(bl|b)$/ && $4 ~ /^<(malloc|calloc|realloc|aligned_alloc|posix_memalign)@plt>$/ {
            a = $1; sub(/:$/, "", a); print fn, a }' >"$T/calls"
    wrappers=" $(q "$1" "SELECT name FROM allocators WHERE origin = 'wrapper';" | tr '\n' ' ') "
    n=0
    while read -r fn addr; do
        case $wrappers in *" $fn "*) continue ;; esac
        n=$((n + 1))
        line=$(llvm-symbolizer --obj="$2" "0x$addr" | awk -F: 'NF >= 2 { l = $(NF - 1) } END { print l }')
        assert_eq "[$tag] objdump's call at 0x$addr in $fn is a site on line $line" 1 \
            "$(q "$1" "SELECT count(*) FROM sites WHERE pc = $((0x$addr)) AND line = $line;")"
    done <"$T/calls"
    [ "$n" -gt 0 ] || fail "[$tag] objdump shows no allocator call"
    assert_eq "[$tag] no other C allocator site" "$n" \
        "$(q "$1" "SELECT count(*) FROM sites WHERE allocator IN
                   ('malloc', 'calloc', 'realloc', 'aligned_alloc', 'posix_memalign');")"
}

for opt in -O0 -O2; do
    for f in sites.c sites_clone.c sites_passthru.c sites_line0.c sites_pytype.c \
             sites_kmem.c conn_alloc.c sites_header.c sites_fptr.c intent_evidence.c \
             sites_dest.c sites_a64ext.c; do
        same clang "$FIXTURES/$f" $opt
    done
    NOLOC=$(line_of sites_pad.c type=item) same clang "$FIXTURES/sites_pad.c" $opt
    # shared libraries: a call to the library's own exported wrapper
    # through its PLT, a function table of R_AARCH64_ABS64 words
    same clang "$FIXTURES/sites_plt.c" $opt "-fPIC -shared"
    same clang "$FIXTURES/sites_ftab.c" $opt "-fPIC -shared"
    # the null check (cbz, cbnz, cmp #0 + b.eq, tst + b.ne) against x86-64's test + je
    for v in 0 1 2 3; do
        same clang "$FIXTURES/sites_nullret.c" $opt "-DNULLCHECK=$v"
        assert_eq "[$tag] search_new is no wrapper" 0 \
            "$(q "$a.db" "SELECT count(*) FROM allocators WHERE name = 'search_new';")"
    done
    same clang++ "$FIXTURES/sites.cc" $opt
    same clang "$FIXTURES/sites.c" $opt -fno-plt
    tag="sites_plt.c clang $opt"
    # (-O2 inlines the wrapper: no call of it left)
    [ $opt = -O2 ] ||
        assert_match "[$tag] the library calls its wrapper through the PLT" 'bl.*<lw_xmalloc@plt>' \
            "$(aarch64-linux-gnu-objdump -d "$T/a64-sites_plt.c$opt-fPIC-shared")"
    tag="sites_ftab.c clang $opt"
    assert_match "[$tag] the table's words are R_AARCH64_ABS64" 'R_AARCH64_ABS64 .* tab_malloc' \
        "$(LC_ALL=C readelf -rW "$T/a64-sites_ftab.c$opt-fPIC-shared")"
    tag="sites.c clang $opt"
    listing "$T/a64-sites.c$opt.db" "$T/a64-sites.c$opt"
    tag="sites.c clang $opt -fno-plt"
    assert_eq "[$tag] malloc is called through the GOT (blr)" 0 \
        "$(q "$T/a64-sites.c$opt-fno-plt.db" "SELECT count(*) FROM sites WHERE allocator = 'malloc' AND kind = 'call' AND indirect = 0;")"
done

# Go: the same source built with GOARCH=amd64 and GOARCH=arm64 (register
# ABI: runtime.newobject's type in R0); the fixture's own sites compared
# (the runtimes' differ: each architecture has its own code)
need go
tag="sites.go"
for goarch in amd64 arm64; do
    export GOARCH=$goarch
    go_build "$FIXTURES/sites.go" "$T/go-$goarch" ||
        die "$tag: GOARCH=$goarch go build failed: $(head -c 300 "$T/go.err")"
    assert_status "[$tag $goarch] analyze" 0 "$HOLEPROF" analyze -q "$T/go-$goarch" -o "$T/go-$goarch.db"
    sites "$T/go-$goarch.db" sites.go >"$T/go-$goarch.sites"
done
unset GOARCH
assert_eq "[$tag] arm64 build disassembled as aarch64" aarch64 "$(q "$T/go-arm64.db" "SELECT arch FROM site_scan;")"
[ -s "$T/go-amd64.sites" ] || fail "[$tag] the amd64 build has no site in sites.go"
assert_eq "[$tag] typed by runtime.newobject's type argument" 1 \
    "$(q "$T/go-arm64.db" "SELECT count(*) > 0 FROM sites s JOIN types t ON t.id = s.type_id
                           WHERE s.file LIKE '%/sites.go' AND s.allocator = 'runtime.newobject';")"
if cmp -s "$T/go-amd64.sites" "$T/go-arm64.sites"; then
    pass
else
    fail "[$tag] arm64 sites differ from amd64's: $(diff "$T/go-amd64.sites" "$T/go-arm64.sites" | tr '\n' ' ')"
fi
# The runtime's LSE atomics (ldadd, cas, swp...: capstone 4 has no
# decoder for them) are counted whole words and skipped; the functions
# holding them keep their sites: the same allocator and type as in the
# amd64 build, function by function
aarch64-linux-gnu-objdump -d --no-show-raw-insn "$T/go-arm64" | awk '
    /^[0-9a-f]+ <.*>:$/ { fn = $2; gsub(/[<>:]/, "", fn) }
    $2 ~ /^(ldadd|ldclr|ldset|ldeor|ldsmax|ldsmin|ldumax|ldumin|swp|cas|ldapr|st(add|clr|set|eor))/ {
        n++; if (!(fn in f)) { f[fn]; print fn > "/dev/stderr" } }
    END { print n + 0 }' 2>"$T/lse.fns" >"$T/lse.n"
bad=$(q "$T/go-arm64.db" "SELECT bad_bytes FROM site_scan;")
if [ "$(cat "$T/lse.n")" -eq 0 ]; then
    echo "note: [$tag] this Go emits no LSE atomics; nothing undecodable to check"
else
    assert_eq "[$tag] bad bytes: whole words, at most the LSE words objdump lists" 1 \
        "$([ $((bad % 4)) -eq 0 ] && [ "$bad" -le $(($(cat "$T/lse.n") * 4)) ] && echo 1)"
    for goarch in amd64 arm64; do
        q "$T/go-$goarch.db" "SELECT function || '|' || allocator || '|' || coalesce(type_name, '-')
                              FROM sites ORDER BY 1;" |
            awk -F'|' 'NR == FNR { w[$1]; next } $1 in w' "$T/lse.fns" - >"$T/lse.$goarch"
    done
    [ -s "$T/lse.amd64" ] || fail "[$tag] no amd64 site in the functions holding LSE atomics"
    if cmp -s "$T/lse.amd64" "$T/lse.arm64"; then
        pass
    else
        fail "[$tag] sites in functions with undecodable words differ: $(diff "$T/lse.amd64" "$T/lse.arm64" | tr '\n' ' ')"
    fi
fi

# Rust: only when a std for aarch64-unknown-linux-gnu is installed for
# this rustc (rustup's rust-std; Debian 12's libstd-rust-dev:arm64 goes
# only with Debian's rustc 1.63)
if command -v rustc >/dev/null &&
    [ -d "$(rustc --print sysroot)/lib/rustlib/aarch64-unknown-linux-gnu/lib" ]; then
    echo "note: [rust] an aarch64 std is installed, but no Rust comparison is written yet"
else
    echo "note: [rust] no aarch64-unknown-linux-gnu std for $(rustc --version 2>/dev/null || echo 'rustc (none)'): Rust on arm64 not compared (bench/README)"
fi

# site_scan: what was decoded, counted
tag="site_scan"
db=$T/a64-sites.c-O2.db
assert_eq "[$tag] functions analyzed and instructions" 1 \
    "$(q "$db" "SELECT analyzed > 0 AND instructions > analyzed AND sites = (SELECT count(*) FROM sites) FROM site_scan;")"

# Bad input: garbage words over conn_new's code after its call to malloc
tag="bad input"
bin=$T/a64-bad
cp "$T/a64-sites.c-O2" "$bin"
python3 - "$bin" <<'PY'
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
        bl = next(k for k in range(0, 256, 4) if d[o + k + 3] & 0xfc == 0x94)
        for k in range(bl + 4, bl + 20):
            d[o + k] = 0      # udf #0: capstone 4 decodes no all-zero word
open(sys.argv[1], 'wb').write(d)
PY
assert_status "[$tag] analyze" 0 "$HOLEPROF" analyze -q "$bin" -o "$bin.db"
assert_eq "[$tag] bad bytes counted" 16 "$(q "$bin.db" "SELECT bad_bytes FROM site_scan;")"
assert_eq "[$tag] the sites are still found" "$(q "$T/a64-sites.c-O2.db" "SELECT count(*) FROM sites;")" \
    "$(q "$bin.db" "SELECT count(*) FROM sites;")"
# a truncated text section (the file cut inside .text)
off=$(( 0x$(readelf -SW "$bin" | awk '$2 == ".text" { print $5 }') + 64 ))
head -c "$off" "$T/a64-sites.c-O2" >"$bin.cut"
assert_status "[$tag] truncated file" 2 "$HOLEPROF" analyze -q "$bin.cut" -o "$bin.cut.db"
assert_match "[$tag] truncated file: one line naming it" "^holeprof: $bin.cut: .*truncated" "$(cat "$T/err")"
assert_eq "[$tag] truncated file: one line" 1 "$(wc -l <"$T/err")"
if [ -e "$bin.cut.db" ]; then fail "[$tag] truncated file: a database was written"; else pass; fi

finish
