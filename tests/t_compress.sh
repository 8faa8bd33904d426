#!/bin/sh
# t_compress.sh -- compressed DWARF sections (src/elfimg.c): zstd
# (ELFCOMPRESS_ZSTD, objcopy/ld --compress-debug-sections=zstd) read like
# zlib, and decompression bombs refused by design (issue 22): a file may
# inflate to at most 32 times its size in all (HOLEPROF_MAX_INFLATE=BYTES
# sets the bound), checked before any memory is taken, lazily, section by
# section, with the limit in the one error line.
#
#   - a C program and python3.11's real debug file, recompressed with zstd:
#     the same types and members rows as their zlib or plain forms;
#   - a tiny ELF (made here by a short Python generator) whose zstd
#     .debug_info declares and really holds 1 GiB, and one whose zlib
#     stream does (5 MB of deflate): exit 2, one line naming the file, the
#     section and the limit, in under 5 s and 200 MB of memory;
#   - eight 1 MiB sections against a 3 MiB HOLEPROF_MAX_INFLATE: the
#     fourth is refused (the bound is the file's total), and with 64 MiB
#     all inflate.
. "${TOP_SRCDIR:-$(dirname "$0")/..}/tests/lib.sh"

need gcc objcopy readelf sqlite3 zstd python3
[ -x "$HOLEPROF" ] || die "holeprof not built: $HOLEPROF"
cd "$T" || die "no scratch directory"
objcopy --help | grep -q 'zstd' || skip "objcopy cannot compress with zstd (binutils < 2.40)"

rows() {
    sqlite3 -batch -noheader "$1" "
      SELECT kind, name, size, align, members, holes, hole_bytes, bit_holes, tail_padding,
             optimal_size, decl_file, decl_line, cu_count, lang, flags, layout_hash
        FROM types ORDER BY name, layout_hash;
      SELECT t.name, t.layout_hash, m.idx, m.name, m.type_name, m.offset, m.size,
             m.bit_offset, m.bit_size, m.align, m.flags
        FROM members m JOIN types t ON t.id = m.type_id ORDER BY t.name, t.layout_hash, m.idx;"
}

same() {        # TAG WANT_DB GOT_DB
    rows "$2" >"$1.want"
    rows "$3" >"$1.got"
    if cmp -s "$1.want" "$1.got"; then pass
    else fail "[$1] rows differ: $(diff "$1.want" "$1.got" | head -n 6)"; fi
    [ "$(wc -l <"$1.want")" -gt 5 ] && pass || fail "[$1] too few rows to compare"
}

cat >prog.c <<'EOF'
#include <stdlib.h>
struct zs_probe { char a; long b; short c; struct zs_probe *next; unsigned f : 3; };
int main(void) { struct zs_probe *p = calloc(1, sizeof *p); return p == 0; }
EOF
gcc -g -O1 -o prog prog.c || die "gcc failed"
objcopy --compress-debug-sections=zstd prog prog.zst || die "objcopy zstd failed"
readelf -S prog.zst | grep -A1 '\.debug_info' | grep -q ' C ' || die "objcopy left .debug_info uncompressed"
assert_status "[plain] analyze" 0 "$HOLEPROF" analyze -q prog -o plain.db
assert_status "[zstd] analyze" 0 "$HOLEPROF" analyze -q prog.zst -o zst.db
same zstd plain.db zst.db
# char, 7-byte hole, long, short, 6-byte hole, pointer, 3 bits in a 4-byte
# unit, 4 bytes of tail: 40; b, next, f, c, a in that order: 24
assert_eq "[zstd] probe" "40 2 13 0 4 24" \
    "$(q zst.db "SELECT size||' '||holes||' '||hole_bytes||' '||bit_holes||' '||tail_padding||' '||optimal_size
                  FROM types WHERE name = 'zs_probe';")"

# ---- python3.11's debug file (zlib in the package), recompressed with zstd ----
PY=/usr/bin/python3.11
PYID=$(readelf -n $PY 2>/dev/null | sed -n 's/.*Build ID: *\([0-9a-f]*\).*/\1/p' | head -n 1)
PYDBG=/usr/lib/debug/.build-id/$(printf %s "$PYID" | cut -c1-2)/$(printf %s "$PYID" | cut -c3-).debug
if [ -n "$PYID" ] && [ -f "$PYDBG" ]; then
    objcopy --decompress-debug-sections "$PYDBG" py.plain &&
        objcopy --compress-debug-sections=zstd py.plain py.zst || die "objcopy on python3.11 failed"
    rm -f py.plain
    assert_status "[python3.11 zlib] analyze" 0 "$HOLEPROF" analyze -q --no-sites \
        --debug-file "$PYDBG" $PY -o pyz.db
    assert_status "[python3.11 zstd] analyze" 0 "$HOLEPROF" analyze -q --no-sites \
        --debug-file py.zst $PY -o pyzst.db
    same python3.11-zstd pyz.db pyzst.db
    rm -f py.zst
else
    echo "python3.11 or its debug file missing: python case not run"
fi

# ---- bombs ----
# mkelf OUT KIND N SIZE : an x86-64 ELF with .debug_abbrev and N compressed
# DWARF sections (the first .debug_info), each really inflating to SIZE
# zero bytes
cat >mkelf.py <<'EOF'
import struct, subprocess, sys, zlib
out, kind, n, size = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
def stream():
    if kind == "zstd":
        return subprocess.run(["sh", "-c", "head -c %d /dev/zero | zstd -q -1 --stream-size=%d -c"
                               % (size, size)], check=True, capture_output=True).stdout
    c, chunk, parts, left = zlib.compressobj(1), bytes(1 << 20), [], size
    while left:
        k = min(left, len(chunk)); parts.append(c.compress(chunk[:k])); left -= k
    parts.append(c.flush())
    return b"".join(parts)
body = stream()
chdr = struct.pack("<IIQQ", 2 if kind == "zstd" else 1, 0, size, 1)
real = [".debug_info", ".debug_str", ".debug_line", ".debug_line_str", ".debug_str_offsets",
        ".debug_addr", ".debug_rnglists", ".debug_loclists", ".debug_aranges"]
names = [".debug_abbrev"] + real[:n]
shstr = b"\0" + b"".join(s.encode() + b"\0" for s in names) + b".shstrtab\0"
data, secs, off = b"", [], 64
for i, nm in enumerate(names):
    blob = b"\0" if i == 0 else chdr + body       # .debug_abbrev: one empty table
    secs.append((shstr.index(nm.encode() + b"\0"), 1, 0 if i == 0 else 0x800,
                 off + len(data), len(blob)))
    data += blob
secs.append((shstr.index(b".shstrtab\0"), 3, 0, off + len(data), len(shstr)))
data += shstr
shoff = (off + len(data) + 7) & ~7
data += bytes(shoff - off - len(data))
hdr = b"\x7fELF\x02\x01\x01" + bytes(9) + struct.pack("<HHIQQQIHHHHHH", 2, 62, 1, 0, 0, shoff,
                                                          0, 64, 0, 0, 64, len(secs) + 1, len(secs))
sh = bytes(64) + b"".join(struct.pack("<IIQQQQIIQQ", nm, ty, fl, 0, o, sz, 0, 0, 8, 0)
                          for nm, ty, fl, o, sz in secs)
open(out, "wb").write(hdr + data + sh)
EOF
# bomb TAG FILE REGEX [ENV] : exit 2 fast, in bounded memory, REGEX in the line
bomb() {
    _tag=$1; _f=$2; _re=$3; shift 3
    _s=$(date +%s)
    env "$@" /usr/bin/time -f '%M' -o rss.txt "$HOLEPROF" analyze -q "$_f" -o "$_tag.db" \
        >"$T/out" 2>"$T/err"
    _rc=$?
    _el=$(( $(date +%s) - _s ))
    assert_eq "[$_tag] exit status" 2 "$_rc"
    assert_eq "[$_tag] one error line" 1 "$(grep -c . "$T/err")"
    assert_match "[$_tag] the file, the section, the limit" "$_re" "$(cat "$T/err")"
    [ "$_el" -le 5 ] && pass || fail "[$_tag] took $_el s"
    _rss=$(tail -n 1 rss.txt)
    [ "$_rss" -lt 200000 ] && pass || fail "[$_tag] peak RSS $_rss KB"
    [ ! -e "$_tag.db" ] && pass || fail "[$_tag] a database was written"
}
GIB=1073741824
python3 mkelf.py zbomb.elf zstd 1 $GIB || die "mkelf zstd"
python3 mkelf.py dbomb.elf zlib 1 $GIB || die "mkelf zlib"
python3 mkelf.py many.elf zlib 8 1048576 || die "mkelf many"
echo "sizes: zstd bomb $(wc -c <zbomb.elf), zlib bomb $(wc -c <dbomb.elf), eight sections $(wc -c <many.elf)"
bomb zstd-1g zbomb.elf "zbomb\.elf: .*\.debug_info: .* 1073741824 bytes, over the limit of [0-9]+ bytes \(32 times"
bomb zlib-1g dbomb.elf "dbomb\.elf: .*\.debug_info: .* 1073741824 bytes, over the limit of [0-9]+ bytes \(32 times"
# the budget is the file's, over all its sections: the fourth 1 MiB
# section passes a 3 MiB bound (sections in table order: tests/inflate_check)
IC=$TOP_BUILDDIR/tests/inflate_check
[ -x "$IC" ] || die "tests/inflate_check not built"
HOLEPROF_MAX_INFLATE=3M "$IC" many.elf >ic.out 2>&1
assert_eq "[eight] inflate_check exit" 1 "$?"
assert_eq "[eight] three sections inflate" 3 "$(grep -c ' 1048576 ok$' ic.out)"
assert_match "[eight] the fourth is refused, with the total and the limit" \
    "^\.debug_line_str error: many\.elf: section \.debug_line_str: .* 4194304 bytes, over the limit of 3145728 bytes set by HOLEPROF_MAX_INFLATE" \
    "$(grep error ic.out | head -n 1)"
HOLEPROF_MAX_INFLATE=64M "$IC" many.elf >ic.out 2>&1
assert_eq "[eight, 64 MiB] inflate_check exit" 0 "$?"
assert_eq "[eight, 64 MiB] every section inflates" 8 "$(grep -c ' 1048576 ok$' ic.out)"

finish
