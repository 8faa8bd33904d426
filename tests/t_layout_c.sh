#!/bin/sh
# t_layout_c.sh -- exact C layouts across compilers, optimisation levels and
# DWARF versions.
#
# Builds tests/fixtures/layouts.c with every cc_variants entry (gcc and
# clang, -O0/-O2, DWARF 4/5), relocatable objects (-c) from both, plus gcc
# DWARF 2 and 3 (DW_OP_plus_uconst
# member locations, MSB-relative DW_AT_bit_offset), analyzes each binary
# and checks every layout case field by field.  The expected values were
# worked out by hand from the x86-64 SysV ABI and confirmed with pahole
# 1.24 (`pahole -C NAME BIN`); where holeprof deliberately reports
# something pahole does not, the comment at that type says so.  The
# layouts must not depend on compiler, -O level or DWARF version, so one
# table serves every variant.
. "${TOP_SRCDIR:-$(dirname "$0")/..}/tests/lib.sh"

need sqlite3
[ -x "$HOLEPROF" ] || die "holeprof not built: $HOLEPROF"
SRC=$FIXTURES/layouts.c

check_layouts() {
    # Every type: "size holes hole_bytes bit_holes tail_padding optimal_size".

    # Two byte holes (3 after a, 7 after c) and 6 bytes of tail padding;
    # sorted by alignment it packs into 8+4+2+1+1 -> 16.
    expect_type "$db" s_holes "32 2 10 0 6 16"
    mem s_holes "a:0:1 b:4:4 c:8:1 d:16:8 e:24:2"
    col s_holes "kind||' '||lang||' '||cu_count||' '||members||' '||cachelines" "struct C 1 5 1"
    col s_holes "decl_line" "$(grep -n '^struct s_holes {' "$SRC" | cut -d: -f1)"
    assert_match "[$tag] s_holes decl_file" 'tests/fixtures/layouts\.c$' "$(type_row "$db" s_holes decl_file)"
    mcol s_holes d "hole_after||' '||suggested_pos" "0 0"

    expect_type "$db" s_tail "16 0 0 0 7 16"
    mem s_tail "a:0:8 b:8:1"
    assert_eq "[$tag] s_tail_t is an alias of s_tail" "s_tail" \
        "$(q "$db" "SELECT name FROM type_aliases WHERE alias = 's_tail_t';")"
    assert_eq "[$tag] ListObj is a type, not an alias" 0 \
        "$(q "$db" "SELECT count(*) FROM type_aliases WHERE alias = 'ListObj';")"

    expect_type "$db" s_tight "16 0 0 0 0 16"
    mem s_tight "a:0:4 b:4:4 c:8:8"

    # Bitfields: a, b, c use bits 0-11 of the unsigned unit at 0; the
    # other 20 bits of the unit are one bit hole (pahole: "XXX 20 bits
    # hole", "bit holes: 1, sum bit holes: 20 bits"), not a byte hole.
    expect_type "$db" s_bits "8 0 0 1 0 8"
    col s_bits "bit_hole_bits||' '||bit_padding" "20 0"
    mem s_bits "a:0:4:0:3 b:0:4:3:5 c:0:4:8:4 d:4:4"
    mcol s_bits c "bit_hole_after||' '||(flags & 1)" "20 1"

    # b does not fit in bits 30-33 (it would cross the unsigned unit), so
    # it starts the next unit at byte 4: 2 bits lost after a, then c (a
    # char) at byte 5 leaves 4 bits after b; 2 bytes tail padding.  pahole:
    # bit holes 2, sum bit holes 6, padding 2.  No order does better.
    expect_type "$db" s_bitjump "8 0 0 2 2 8"
    col s_bitjump bit_hole_bits 6
    mem s_bitjump "a:0:4:0:30 b:4:4:0:4 c:5:1"

    # Mixed declared widths in one 64-bit word: big at bits 8-47 (unit:
    # the 8-byte word at 0), s at 48-59 (unit: the short at 6), t at 60-62
    # (unit: the byte at 7).  Bit 63 is unused: pahole calls it
    # "bit_padding: 1 bits" and counts no bit hole.
    expect_type "$db" s_bitmix "8 0 0 0 0 8"
    col s_bitmix bit_padding 1
    mem s_bitmix "x:0:1 big:0:8:8:40 s:6:2:0:12 t:7:1:4:3"

    # "unsigned : 0" moves b to the next unsigned unit (byte 4).  The
    # unnamed field is not in DWARF.  Holes: 6 bits + 3 bytes after a,
    # 6 bits + 1 byte after b (pahole: holes 2, sum 4, bit holes 2, sum
    # 12).  Reordered c, a, b fits in 4 bytes.
    expect_type "$db" s_bitzero "8 2 4 2 0 4"
    col s_bitzero bit_hole_bits 12
    mem s_bitzero "a:0:1:0:2 b:4:1:0:2 c:6:2"

    # Packed bitfields: v straddles bytes 1-4 (bits 8-37), w is bits
    # 38-43; 48 bits of size leave 4 bits of bit_padding (pahole agrees;
    # it shows v in the unit at 0 from bit 8).  Which unit a straddling
    # field is charged to is a convention, so only absolute bit positions
    # are checked.
    expect_type "$db" s_bitpacked "6 0 0 0 0 6"
    col s_bitpacked "packed||' '||bit_padding" "1 4"
    assert_eq "[$tag] s_bitpacked bit positions" "c:0:0 v:8:30 w:38:6" \
        "$(q "$db" "SELECT name||':'||bitpos||':'||bit_size FROM members
                    WHERE type_id = (SELECT id FROM types WHERE name = 's_bitpacked')
                    ORDER BY idx;" | tr '\n' ' ' | sed 's/ $//')"

    # A union: everything at 0, no holes; 16 = 12 rounded up to double's
    # alignment, so 4 bytes of tail padding (pahole prints no summary
    # for unions).  Unions are never reordered.
    expect_type "$db" u_num "16 0 0 0 4 16"
    col u_num kind union
    mem u_num "c:0:1 i:0:4 d:0:8 buf:0:12"

    # Anonymous union (8 bytes, align 8) and anonymous struct (4 bytes,
    # align 2) members; union first then kind and the struct -> 16.
    expect_type "$db" s_anon "24 1 4 0 4 16"
    mem s_anon "kind:0:4 (anon):8:8 (anon):16:4"
    # The anonymous types are stored too, named after where they are
    # declared (C has no enclosing scope to prefix).
    au="(anonymous union at layouts.c:$(grep -n '^    union {' "$SRC" | cut -d: -f1))"
    as="(anonymous struct at layouts.c:$(grep -n '^    struct {' "$SRC" | cut -d: -f1))"
    expect_type "$db" "$au" "8 0 0 0 0 8"
    mem "$au" "i:0:4 d:0:8"
    expect_type "$db" "$as" "4 1 1 0 0 4"
    mem "$as" "c:0:1 s:2:2"
    mcol s_anon kind type_name "int"
    assert_eq "[$tag] s_anon anonymous members flagged MF_ANON" "2" \
        "$(q "$db" "SELECT count(*) FROM members m JOIN types t ON t.id = m.type_id
                    WHERE t.name = 's_anon' AND m.name IS NULL AND (m.flags & 32) <> 0;")"

    # Arrays: the optimum (16+12+5+1 = 34) still rounds up to 40.
    expect_type "$db" s_arr "40 2 6 0 0 40"
    mem s_arr "name:0:5 vals:8:12 tag:20:1 d:24:16"

    # 256 and 65536 elements: gcc's upper bounds 0xff (data1) and 0xffff
    # (data2) are unsigned.  Sorted: map, wide, tag, tail = 66562 -> 66564.
    expect_type "$db" s_bigarr "66568 1 3 0 3 66564"
    mem s_bigarr "tag:0:1 map:4:1024 wide:1028:65536 tail:66564:1"

    # Flexible array member: size 0 at offset 8 (aligned for long), the
    # 3 bytes before it are a hole (pahole agrees); it stays last.
    expect_type "$db" s_flex "8 1 3 0 0 8"
    mem s_flex "len:0:4 kind:4:1 data:8:0"
    mcol s_flex data "(flags & 16)" 16
    col s_flex "(flags & 256)" 256

    # GNU zero-length array: same treatment (pahole: 2 bytes hole).
    expect_type "$db" s_zero "4 1 2 0 0 4"
    mem s_zero "n:0:2 items:4:0"

    # Packed: no padding anywhere, packed column set.
    expect_type "$db" s_packed "7 0 0 0 0 7"
    col s_packed packed 1
    mem s_packed "a:0:1 b:1:4 c:5:2"

    # Holding a packed struct (alignment 1) at offset 1 is natural, so
    # this struct is NOT packed.  pahole 1.24 prints it with an inferred
    # __attribute__((__packed__)); holeprof deliberately does not.
    expect_type "$db" s_haspacked "12 0 0 0 0 12"
    col s_haspacked packed 0
    mem s_haspacked "x:0:1 p:1:7 y:8:4"

    # aligned(64) member: a 60-byte hole before it, the struct is 128
    # bytes.  Put first, b would be at 0 and a at 4 (size 64), but a
    # member aligned to a cacheline starts a layout group on purpose (its
    # own line): a stays before it and nothing is gained.
    expect_type "$db" s_aligned "128 1 60 0 60 128"
    col s_aligned "explicit_align||' '||align||' '||cachelines" "1 64 2"
    mcol s_aligned b "(flags & 1024)||' '||align||' '||cacheline" "1024 64 1"
    mcol s_aligned b "flags & 16384" "16384"

    # Qualifiers are transparent: _Atomic int, volatile long, const char *,
    # char *restrict, const volatile short, _Atomic long.  pahole 1.24
    # cannot read DW_TAG_atomic_type and gets this one wrong.
    expect_type "$db" s_qual "48 2 10 0 0 40"
    mem s_qual "a:0:4 b:8:8 c:16:8 d:24:8 e:32:2 f:40:8"
    # DW_TAG_atomic_type is DWARF 5 (gcc and clang drop _Atomic from
    # older versions); DWARF 2 has no DW_TAG_restrict_type.
    case $g in -gdwarf-5) at="_Atomic int" ;; *) at=int ;; esac
    mcol s_qual a type_name "$at"
    case $g in -gdwarf-2) rt="char *" ;; *) rt="char * restrict" ;; esac
    mcol s_qual d type_name "$rt"
    mcol s_qual c type_name "const char *"

    # Enums of 1 (packed), 4 and 8 bytes.
    expect_type "$db" s_enums "24 2 10 0 0 16"
    mem s_enums "a:0:1 b:4:4 c:8:1 d:16:8"

    # A struct declared inside another: C gives it file scope, so it is
    # plain "s_inner".  The inner's own tail padding is its problem, not a
    # hole of the outer (pahole: "last struct has 1 byte of padding").
    expect_type "$db" s_outer "16 2 3 0 0 16"
    mem s_outer "tag:0:1 in:2:4 z:8:8"
    expect_type "$db" s_inner "4 0 0 0 1 4"

    # typedef struct { ... } ListObj: stored under the typedef name and
    # flagged TF_ANON|TF_TYPEDEF_NAME.
    expect_type "$db" ListObj "48 0 0 0 7 48"
    col ListObj "(flags & 24)||' '||kind" "24 struct"
    mem ListObj "ob_refcnt:0:8 ob_type:8:8 ob_size:16:8 ob_item:24:8 allocated:32:8 flag:40:1"

    # Function pointers are 8-byte pointers.
    expect_type "$db" s_ops "24 1 7 0 0 24"
    mem s_ops "open:0:8 kind:8:1 close:16:8"
    mcol s_ops open type_name "int (*)(const char *, int)"
    mcol s_ops close type_name "void (*)(void *)"

    # A struct member with tail padding of its own: only the outer tail
    # counts (16+1 rounds up to 24 whatever the order).
    expect_type "$db" s_nest "24 0 0 0 7 24"
    mem s_nest "t:0:16 c:16:1"

    # GNU empty struct: size 0, nothing to report.
    expect_type "$db" s_empty "0 0 0 0 0 0"

    # Every suggested order is a permutation of the members.
    assert_eq "[$tag] suggested_pos is a permutation" "" \
        "$(q "$db" "SELECT t.name FROM types t JOIN members m ON m.type_id = t.id
                    GROUP BY t.id HAVING count(DISTINCT m.suggested_pos) <> t.members
                        OR min(m.suggested_pos) <> 0 OR max(m.suggested_pos) <> t.members - 1;")"

    # Every name is stored once: one unit, no conflicts.
    assert_eq "[$tag] no conflicts" 0 "$(q "$db" "SELECT count(*) FROM types WHERE conflict <> 0;")"
    assert_eq "[$tag] no duplicate names" "" \
        "$(q "$db" "SELECT name FROM types GROUP BY name HAVING count(*) > 1;")"
    # Enums without data are not aggregates.
    assert_eq "[$tag] C enums are not stored" 0 \
        "$(q "$db" "SELECT count(*) FROM types WHERE name IN ('e_small','e_int','e_long');")"
}

{
    cc_variants
    if command -v gcc >/dev/null 2>&1; then
        echo "gcc -O2 -gdwarf-2"
        echo "gcc -O0 -gdwarf-3"
        # relocatable objects: every string and line offset in their DWARF
        # is a relocation that elfimg applies (libdwarf's loader is not used)
        echo "gcc -O2 -gdwarf-5 object"
        echo "gcc -O0 -gdwarf-4 object"
    fi
    if command -v clang >/dev/null 2>&1; then
        echo "clang -O0 -gdwarf-4 object"
        echo "clang -O2 -gdwarf-5 object"
    fi
} > "$T/variants"
[ -s "$T/variants" ] || skip "no C compiler"

# The loop reads the variants on fd 3 so that nothing inside it (sqlite3,
# the compilers) can swallow the list from stdin.
n=0
while read -r cc o g kind <&3; do
    n=$((n + 1))
    tag="$cc $o $g${kind:+ $kind}"
    echo "== $tag"; echo "== $tag" >&2
    bin=$T/layouts.$n
    db=$T/layouts.$n.db
    # Compile from $T so the source lies outside DW_AT_comp_dir: clang's
    # DWARF 5 line table then names it as file 0, which must count.
    c=
    [ "$kind" = object ] && c=-c
    if ! (cd "$T" && $cc -std=gnu11 $o $g $c -o "$bin" "$SRC") 2>"$T/cc.err" </dev/null; then
        fail "[$tag] compile: $(head -c 400 "$T/cc.err")"
        continue
    fi
    assert_status "[$tag] analyze" 0 "$HOLEPROF" analyze "$bin" -o "$db" -q
    [ -s "$db" ] || { fail "[$tag] no database written"; continue; }
    check_layouts
done 3< "$T/variants"
[ "$n" -eq "$(wc -l < "$T/variants")" ] || fail "ran $n of $(wc -l < "$T/variants") variants"

finish
