#!/bin/sh
# t_elf32.sh -- 32-bit ELF files are read (issue 16): i386 executables and
# objects (gcc -m32, clang --target=i386-linux-gnu) and ARM objects (clang
# --target=arm-linux-gnueabihf -c; ET_REL with SHT_REL relocations).
#
# tests/fixtures/elf32.c holds the layouts where the ILP32 ABIs differ
# from x86-64 and from each other (i386 aligns long long and double to 4
# inside structs, _Atomic long long to 8; ARM aligns them to 8).  The truth
# is the compiler's own: a probe unit built with the same flags defines
# char arrays of sizeof/_Alignof each struct and of the struct in its best
# member order (written out by hand), and readelf gives their sizes; every
# holeprof size, alignment and optimal size must equal them.  Every member's
# offset and size is compared with pahole's (Debian's dwarves reads 32-bit
# files).  The site scan has no disassembler for these machines: analyze
# says so in its summary line, exits 0 and records the scan as not done.
. "${TOP_SRCDIR:-$(dirname "$0")/..}/tests/lib.sh"
need sqlite3 readelf

cat > "$T/probe.c" <<'CEOF'
#include "elf32.c"
struct mix_opt { long double ld; long long ll; double d; long l; void *p; short s; char c; };
struct atom_opt { _Atomic long long a; char c; };
struct node_opt { unsigned long long v; struct node *next; int key; char tag; };
struct fptr_opt { long long t; void (*fn)(int); char c; };
struct q_opt { long long x; char a; char b; };
#define P(T) char sz_##T[sizeof(struct T)]; char al_##T[_Alignof(struct T)]; \
             char op_##T[sizeof(struct T##_opt) < sizeof(struct T) ? sizeof(struct T##_opt) : sizeof(struct T)];
P(mix) P(atom) P(node) P(fptr) P(q)
CEOF
sed 's/^int main(void)$/static int unused_main(void)/' "$FIXTURES/elf32.c" > "$T/elf32.c"

# variant LABEL ARCH KIND CC FLAGS... : build, analyze, compare
variant() {
    _l=$1; _arch=$2; _kind=$3; _cc=$4; shift 4
    d=$T/$_l
    mkdir -p "$d"
    if [ "$_kind" = exe ]; then
        $_cc "$@" -g -O1 -o "$d/bin" "$FIXTURES/elf32.c" 2>"$d/cc.err" ||
            { echo "$_l: cannot build ($(head -c 200 "$d/cc.err")): skipped"; return; }
    else
        $_cc "$@" -g -O1 -c -o "$d/bin" "$FIXTURES/elf32.c" 2>"$d/cc.err" ||
            { echo "$_l: cannot build ($(head -c 200 "$d/cc.err")): skipped"; return; }
    fi
    $_cc "$@" -w -c -I"$T" -o "$d/probe.o" "$T/probe.c" || die "$_l: probe failed"
    ran=$((ran + 1))
    assert_match "[$_l] a 32-bit file" "ELF32" "$(readelf -h "$d/bin" | grep Class)"
    assert_status "[$_l] analyze (with the site scan)" 0 "$HOLEPROF" analyze -o "$d/x.db" "$d/bin"
    assert_match "[$_l] the site scan says why it found nothing" \
        'no disassembler for this architecture' "$(cat "$T/err")"
    assert_eq "[$_l] arch" "$_arch" "$(q "$d/x.db" "SELECT arch FROM binaries")"
    want=$(readelf -sW "$d/probe.o" | awk '$8 ~ /^(sz|al|op)_/ { print $8 "=" $3 }' | sort | tr '\n' ' ')
    got=$(q "$d/x.db" "SELECT 'sz_' || name || '=' || size, 'al_' || name || '=' || align,
        'op_' || name || '=' || optimal_size FROM types
        WHERE name IN ('mix', 'atom', 'node', 'fptr', 'q')" | tr '|' '\n' | sort | tr '\n' ' ')
    assert_eq "[$_l] size, alignment and optimal size as the compiler lays them out" "$want" "$got"
    assert_eq "[$_l] no member of size 0 or unknown" "0" \
        "$(q "$d/x.db" "SELECT count(*) FROM members WHERE size IS NULL OR (size = 0 AND bit_size = 0)")"
    assert_eq "[$_l] pointers are 4 bytes" "4 4" \
        "$(q "$d/x.db" "SELECT m.size FROM members m JOIN types t ON t.id = m.type_id
            WHERE (t.name = 'mix' AND m.name = 'p') OR (t.name = 'node' AND m.name = 'next')" | tr '\n' ' ' | sed 's/ $//')"
    if command -v pahole >/dev/null 2>&1; then
        # (not atom: pahole 1.24 cannot read DW_TAG_atomic_type; the probe
        # above has its layout)
        for ty in mix node bits fptr q; do
            # pahole: "TYPE NAME; /* OFF SIZE */", "void (*NAME)(int); /* OFF SIZE */",
            # bitfields "TYPE NAME:BITS; /* OFF: BIT SIZE */"
            want=$(pahole -C $ty "$d/bin" 2>/dev/null |
                sed -e 's|(\*\([a-z]*\))([a-z]*);|\1;|' | sed -n \
                's|^\t.*[ *]\([a-z]*\)\(:[0-9]*\)*; */\* *\([0-9]*\)\(: *[0-9]*\)* *\([0-9]*\) \*/$|\1:\3:\5|p' |
                tr '\n' ' ' | sed 's/ $//')
            got=$(q "$d/x.db" "SELECT m.name || ':' || m.offset || ':' || m.size FROM members m
                JOIN types t ON t.id = m.type_id WHERE t.name = '$ty' ORDER BY m.idx" |
                tr '\n' ' ' | sed 's/ $//')
            assert_eq "[$_l] $ty's members as pahole prints them" "$want" "$got"
        done
    fi
}

ran=0
if command -v gcc >/dev/null 2>&1; then
    variant gcc-m32 i386 exe gcc -m32
    variant gcc-m32-dwarf4 i386 exe gcc -m32 -gdwarf-4
    variant gcc-m32-obj i386 obj gcc -m32
fi
if command -v clang >/dev/null 2>&1; then
    variant clang-i386-obj i386 obj clang --target=i386-linux-gnu
    variant clang-arm-obj arm obj clang --target=arm-linux-gnueabihf
fi
[ $ran -gt 0 ] || skip "no compiler builds 32-bit code here"
finish
