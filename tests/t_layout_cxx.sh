#!/bin/sh
# t_layout_cxx.sh -- exact C++ layouts (Itanium ABI) from g++ and clang++.
#
# Builds tests/fixtures/layouts.cc with g++ and clang++ at -O0/-O2 and
# DWARF 4/5, analyzes each binary and checks every class field by field:
# bases, multiple and virtual inheritance, empty bases and members, vtable
# pointers, tail-padding reuse, templates, namespaces, nested classes,
# static members.  Expected values were worked out by hand from the
# Itanium C++ ABI and checked with pahole 1.24, which gets several of
# these wrong (noted at each type); holeprof's deliberate conventions
# (src/layout.c, "Where we deliberately differ from pahole") are noted too.
. "${TOP_SRCDIR:-$(dirname "$0")/..}/tests/lib.sh"

need sqlite3
[ -x "$HOLEPROF" ] || die "holeprof not built: $HOLEPROF"
SRC=$FIXTURES/layouts.cc

check_layouts() {
    # gcc names the vtable pointer _vptr.CLASS, clang _vptr$CLASS.
    case $cxx in *clang*) vp='_vptr$' ;; *) vp='_vptr.' ;; esac

    expect_type "$db" PodBase "8 0 0 0 3 8"
    mem PodBase "b:0:4 c:4:1"
    col PodBase "kind||' '||lang||' '||cu_count" "struct C++ 1"
    col PodBase decl_line "$(grep -n '^struct PodBase {' "$SRC" | cut -d: -f1)"
    assert_match "[$tag] PodBase decl_file" 'tests/fixtures/layouts\.cc$' "$(type_row "$db" PodBase decl_file)"

    # A POD base's tail padding is never reused: d goes after all 8 bytes.
    # The base is a member named after its type, flagged MF_BASE.
    expect_type "$db" PodDerived "12 0 0 0 3 12"
    mem PodDerived "PodBase:0:8 d:8:1"
    mcol PodDerived PodBase "(flags & 2)" 2

    # A non-POD base's tail padding IS reused: d sits at 5, inside the
    # base's DW_AT_byte_size (8).  Bytes 6 and 7 are unused: 2 bytes of
    # tail padding (pahole: "padding: 2", after a bogus 65533-byte hole).
    expect_type "$db" NonPodDerived "8 0 0 0 2 8"
    mem NonPodDerived "NonPodBase:0:8 d:5:1"

    # Multiple inheritance: MA at 0, MB at 8, 3-byte hole, m at 12.
    # Bases keep their place, so nothing better exists.
    expect_type "$db" Multi "16 1 3 0 0 16"
    mem Multi "MA:0:8 MB:8:1 m:12:4"

    # Virtual base: its offset is an expression, not a constant, so it is
    # flagged MF_VIRTUAL and left out of the hole arithmetic (as pahole
    # does): vptr 0-8, x 8-12, and everything after x up to 24 (where the
    # VBase subobject really lives, at 16) counts as tail padding.  Types
    # with virtual bases are never reordered.
    expect_type "$db" VLeft "24 0 0 0 12 24"
    mcol VLeft VBase "(flags & 6)" 6
    mcol VLeft "${vp}VLeft" "offset||':'||size||':'||(flags & 8)" "0:8:8"
    col VLeft "(flags & 96)" 96
    expect_type "$db" VRight "24 0 0 0 12 24"

    # Diamond: VLeft's non-virtual part is bytes 0-11 (vptr, x), VRight's
    # 16-27, z 28-31, and the shared VBase 32-39.  Bytes 12-15 are a real
    # 4-byte hole (VRight needs 8-byte alignment).  By the VLeft
    # convention the virtual base's 8 bytes count as tail padding, which
    # is also what pahole prints ("padding: 8"; its holes are garbage:
    # 65528 and 65524 bytes).
    expect_type "$db" Diamond "40 1 4 0 8 40"
    mem Diamond "VLeft:0:24 VRight:16:24 z:28:4"

    # Empty class: size 1, that byte is padding.
    expect_type "$db" Empty "1 0 0 0 1 1"
    # Empty base optimisation: the base takes no room (size 0, as pahole
    # prints it; tests/t_emptybase.sh has the other empty-class cases), x is at 0.
    expect_type "$db" EmptyBase "4 0 0 0 0 4"
    mem EmptyBase "Empty:0:0 x:0:4"
    # An empty member takes one byte: 3-byte hole before x.  pahole 1.24
    # sizes the member 0 and reports a 4-byte hole instead.
    expect_type "$db" EmptyMember "8 1 3 0 0 8"
    mem EmptyMember "e:0:1 x:4:4"

    # vtable pointer first, 7-byte hole after c; the vptr stays first when
    # reordering, and 8+8+1 still rounds up to 24.
    expect_type "$db" Poly "24 1 7 0 0 24"
    col Poly "kind||' '||(flags & 32)" "class 32"
    mem Poly "${vp}Poly:0:8 c:8:1 l:16:8"
    mcol Poly "${vp}Poly" "(flags & 8)" 8
    # A polymorphic base has no tail padding to reuse here: s goes at 24.
    expect_type "$db" PolyDerived "32 0 0 0 6 32"
    mem PolyDerived "Poly:0:24 s:24:2"

    # Two instances of one template, named as DWARF names them.
    expect_type "$db" "Box<int>" "8 1 3 0 0 8"
    expect_type "$db" "Box<double>" "16 1 7 0 0 16"
    col "Box<int>" "(flags & 128)" 128
    mem "Box<double>" "tag:0:1 val:8:8"

    # Namespaces and nested classes give qualified names (pahole prints
    # only the last component).
    expect_type "$db" outer::inner::NsRec "16 1 6 0 0 16"
    expect_type "$db" Outer::Inner "8 1 3 0 0 8"
    col Outer::Inner "(flags & 512)" 512
    expect_type "$db" Outer "12 0 0 0 3 12"
    mem Outer "in:0:8 t:8:1"
    assert_eq "[$tag] no unqualified Inner/NsRec" 0 \
        "$(q "$db" "SELECT count(*) FROM types WHERE name IN ('Inner','NsRec');")"

    # class keyword with private members: sorted it fits in 16.
    expect_type "$db" Account "24 1 7 0 4 16"
    col Account kind class
    mem Account "kind:0:1 balance:8:8 id:16:4"

    # Static data members take no room (clang lists them as DW_TAG_member
    # with DW_AT_external; they must not become members).
    expect_type "$db" WithStatics "8 0 0 0 3 8"
    mem WithStatics "v:0:4 w:4:1"

    # A union: the widest member is 6, the size 8: 2 bytes tail padding.
    expect_type "$db" CxxUnion "8 0 0 0 2 8"
    col CxxUnion kind union

    # Anonymous union member, and the union itself stored under its
    # enclosing class's name plus where it is declared.
    expect_type "$db" HasAnonUnion "16 1 7 0 0 16"
    mem HasAnonUnion "kind:0:1 (anon):8:8"
    au="HasAnonUnion::(anonymous union at layouts.cc:$(grep -n '^    union {' "$SRC" | cut -d: -f1))"
    expect_type "$db" "$au" "8 0 0 0 0 8"
    mem "$au" "i:0:4 l:0:8"

    assert_eq "[$tag] all C++" "" "$(q "$db" "SELECT DISTINCT lang FROM types WHERE lang <> 'C++';")"
    assert_eq "[$tag] no conflicts" 0 "$(q "$db" "SELECT count(*) FROM types WHERE conflict <> 0;")"
}

: > "$T/variants"
for cxx in g++ clang++; do
    command -v $cxx >/dev/null 2>&1 || continue
    for o in -O0 -O2; do
        for g in -gdwarf-4 -gdwarf-5; do
            echo "$cxx $o $g" >> "$T/variants"
        done
    done
done
[ -s "$T/variants" ] || skip "no C++ compiler"

n=0
while read -r cxx o g <&3; do
    n=$((n + 1))
    tag="$cxx $o $g"
    echo "== $tag"; echo "== $tag" >&2
    bin=$T/layouts.$n
    db=$T/layouts.$n.db
    # From $T, so the source is outside DW_AT_comp_dir (see t_layout_c.sh).
    if ! (cd "$T" && $cxx -std=c++17 $o $g -o "$bin" "$SRC") 2>"$T/cc.err" </dev/null; then
        fail "[$tag] compile: $(head -c 400 "$T/cc.err")"
        continue
    fi
    assert_status "[$tag] analyze" 0 "$HOLEPROF" analyze "$bin" -o "$db" -q
    [ -s "$db" ] || { fail "[$tag] no database written"; continue; }
    check_layouts
done 3< "$T/variants"
[ "$n" -eq "$(wc -l < "$T/variants")" ] || fail "ran $n of $(wc -l < "$T/variants") variants"

finish
