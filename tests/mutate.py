#!/usr/bin/env python3
"""mutate.py -- hostile variants of real ELF files for tests/t_mutate.sh.

Usage: mutate.py OUTDIR SEED NAME=FILE...

For each base file writes mutated copies OUTDIR/NAME-NNN-KIND (KIND says
what was done, so a failing case names itself): truncations at many
offsets, random bit flips in the ELF header, the section header table,
.debug_info, .debug_abbrev, .debug_str, .debug_line, .debug_rnglists and
.text, section sizes and offsets pointing past the end of the file (and
overflowing 64 bits), zero-length sections, and wrong class, byte order,
machine, type and header geometry.  Deterministic for a given SEED.
Prints the number of files written.
"""
import os
import random
import struct
import sys


def sections(d):
    """[(name, shdr_offset, sh_offset, sh_size, sh_flags)] of a valid ELF64 LE file."""
    shoff, = struct.unpack_from('<Q', d, 0x28)
    shentsize, shnum, shstrndx = struct.unpack_from('<HHH', d, 0x3a)
    out = []
    hdrs = []
    for i in range(shnum):
        h = shoff + i * shentsize
        name, typ, flags, addr, off, size = struct.unpack_from('<IIQQQQ', d, h)
        hdrs.append((h, name, off, size, flags))
    stroff = hdrs[shstrndx][2]
    for h, name, off, size, flags in hdrs:
        end = d.index(b'\0', stroff + name)
        out.append((d[stroff + name:end].decode(), h, off, size, flags))
    return out


def main():
    outdir, seed = sys.argv[1], int(sys.argv[2])
    rnd = random.Random(seed)
    count = 0

    def emit(name, kind, data):
        nonlocal count
        count += 1
        with open(os.path.join(outdir, '%s-%03d-%s' % (name, count, kind)), 'wb') as f:
            f.write(data)

    for arg in sys.argv[3:]:
        name, path = arg.split('=', 1)
        base = open(path, 'rb').read()
        n = len(base)
        secs = sections(base)
        byname = {s[0]: s for s in secs}
        shoff, = struct.unpack_from('<Q', base, 0x28)
        shnum, = struct.unpack_from('<H', base, 0x3c)

        # truncations: inside the header, at every section start/middle
        # and a spread of offsets; plus the file without its section table
        cuts = {0, 1, 4, 16, 52, 63, 64, 65, 100, shoff, shoff + 1, shoff + 64,
                n - 64 * shnum // 2, n - 1}
        for s in secs:
            if s[2] < n and (s[0].startswith('.debug') or s[0] in ('.text', '.symtab')):
                cuts.add(s[2] + s[3] // 2)
            if s[2] < n and rnd.random() < 0.5:
                cuts.add(s[2])
        cuts.update(rnd.randrange(1, n) for _ in range(8))
        for c in sorted(x for x in cuts if 0 <= x < n):
            emit(name, 'trunc%d' % c, base[:c])

        def flips(kind, lo, hi, times, nbits):
            if hi <= lo:
                return
            for _ in range(times):
                d = bytearray(base)
                for _ in range(nbits):
                    i = rnd.randrange(lo, hi)
                    d[i] ^= 1 << rnd.randrange(8)
                emit(name, kind, bytes(d))

        flips('ehdr', 0, 64, 16, 1)
        flips('shdr', shoff, min(n, shoff + 64 * shnum), 20, 2)
        for sec, times in (('.debug_info', 24), ('.debug_abbrev', 12), ('.debug_str', 4),
                           ('.debug_line', 4), ('.debug_rnglists', 4), ('.text', 6),
                           ('.symtab', 3), ('.strtab', 2)):
            if sec in byname:
                _, _, off, size, _ = byname[sec]
                flips(sec.lstrip('.'), off, min(n, off + size), times, rnd.choice((1, 2, 8)))

        # section fields pointing past the end / overflowing / zero
        def set_field(kind, h, field_off, value):
            d = bytearray(base)
            struct.pack_into('<Q', d, h + field_off, value & (2 ** 64 - 1))
            emit(name, kind, bytes(d))

        for sec in ('.debug_info', '.debug_abbrev', '.debug_str', '.symtab', '.shstrtab',
                    '.text', '.note.gnu.build-id', '.gnu_debuglink', '.debug_rnglists'):
            if sec not in byname:
                continue
            _, h, off, size, _ = byname[sec]
            k = sec.lstrip('.').replace('.', '_')
            set_field(k + '-size0', h, 0x20, 0)
            set_field(k + '-size2x', h, 0x20, n * 2)
            set_field(k + '-sizemax', h, 0x20, 2 ** 64 - 1)
            set_field(k + '-offend', h, 0x18, n + 16)
            set_field(k + '-offwrap', h, 0x18, 2 ** 64 - 8)
            set_field(k + '-offedge', h, 0x18, n - size // 2)

        # compressed sections (SHF_COMPRESSED): Elf64_Chdr.ch_size claims
        # a huge, zero or slightly wrong decompressed size
        for sname, h, off, size, flags in secs:
            if flags & 0x800 and size >= 24 and off + 24 <= n:
                k = sname.lstrip('.')
                for tag, v in (('chsize-1g', 2 ** 30 - 1), ('chsize-huge', 2 ** 40),
                               ('chsize0', 0), ('chsize-minus1', None)):
                    d = bytearray(base)
                    if v is None:
                        v = struct.unpack_from('<Q', base, off + 8)[0] - 1
                    struct.pack_into('<Q', d, off + 8, v)
                    emit(name, k + '-' + tag, bytes(d))

        # the ELF header itself
        def patch(kind, off, fmt, value):
            d = bytearray(base)
            struct.pack_into(fmt, d, off, value)
            emit(name, kind, bytes(d))

        patch('class32', 4, 'B', 1)
        patch('class0', 4, 'B', 0)
        patch('class9', 4, 'B', 9)
        patch('bigendian', 5, 'B', 2)
        patch('data0', 5, 'B', 0)
        patch('version0', 6, 'B', 0)
        patch('etype-rel', 0x10, '<H', 1)
        patch('etype-core', 0x10, '<H', 4)
        patch('machine-386', 0x12, '<H', 3)
        patch('machine-aarch64', 0x12, '<H', 183)
        patch('machine-ffff', 0x12, '<H', 0xffff)
        patch('shoff-end', 0x28, '<Q', n)
        patch('shoff-max', 0x28, '<Q', 2 ** 64 - 1)
        patch('shoff-0', 0x28, '<Q', 0)
        patch('phoff-max', 0x20, '<Q', 2 ** 64 - 64)
        patch('shentsize0', 0x3a, '<H', 0)
        patch('shentsize-big', 0x3a, '<H', 0xffff)
        patch('shnum-max', 0x3c, '<H', 0xffff)
        patch('shnum0', 0x3c, '<H', 0)
        patch('shstrndx-out', 0x3e, '<H', shnum + 5)
        patch('shstrndx-xindex', 0x3e, '<H', 0xffff)
        patch('phnum-max', 0x38, '<H', 0xffff)
    print(count)


main()
