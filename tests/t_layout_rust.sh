#!/bin/sh
# t_layout_rust.sh -- exact Rust layouts: reordered fields and enums with
# data.
#
# Builds tests/fixtures/layouts.rs with `rustc -g` at opt-level 0 and 2.
# rustc reorders the fields of a default-repr struct and lists them in
# DWARF in declaration order, so members arrive out of offset order; an
# enum with data is a DW_TAG_structure_type holding a DW_TAG_variant_part
# (discriminant + one member per variant).  Rust names are qualified by
# the crate: layouts::T.  rustc writes DW_AT_alignment on every type and
# member, which is not an explicit alignment request.  Expected values
# from the layouts rustc chose (checked with pahole 1.24, which walks
# members in DWARF order and so reports wrapped-around holes for
# layouts::Reordered and layouts::Holder).
. "${TOP_SRCDIR:-$(dirname "$0")/..}/tests/lib.sh"

need sqlite3
[ -x "$HOLEPROF" ] || die "holeprof not built: $HOLEPROF"
need_rustc

for opt in 0 2; do
    tag="rustc -g -C opt-level=$opt"
    echo "== $tag"; echo "== $tag" >&2
    bin=$T/rslayouts.$opt
    db=$T/rslayouts.$opt.db
    if ! (cd "$T" && "$RUSTC" -g -C opt-level=$opt -o "$bin" "$FIXTURES/layouts.rs") \
            >"$T/rustc.err" 2>&1 </dev/null; then
        fail "[$tag] rustc failed: $(head -c 600 "$T/rustc.err")"
        continue
    fi
    assert_status "[$tag] analyze" 0 "$HOLEPROF" analyze "$bin" -o "$db" -q

    # repr(C): declaration order, 7-byte hole after a, 6 bytes of tail.
    expect_type "$db" layouts::CHoles "24 1 7 0 6 16"
    mem layouts::CHoles "a:0:1 b:8:8 c:16:2"
    col layouts::CHoles "kind||' '||lang||' '||cu_count||' '||conflict" "struct Rust 1 0"
    # rustc's DW_AT_alignment on every type/member is not a request.
    col layouts::CHoles explicit_align 0

    # Default repr: rustc put b, d, c, a at 0, 8, 12, 14 -- no hole, one
    # byte of tail padding, members stored in offset order.
    expect_type "$db" layouts::Reordered "16 0 0 0 1 16"
    mem layouts::Reordered "b:0:8 d:8:4 c:12:2 a:14:1"
    col layouts::Reordered explicit_align 0

    # Holding a Rust enum and a reordered struct; rustc again sorted by
    # alignment: shape, re, flag, color; 6 bytes of tail.
    expect_type "$db" layouts::Holder "40 0 0 0 6 40"
    mem layouts::Holder "shape:0:16 re:16:16 flag:32:1 color:33:1"

    # Enum with data: kind 'enum'; the discriminant (artificial, no name,
    # MF_DISCR) and one overlapping member per variant (MF_VARIANT).  No
    # holes; never reordered.
    expect_type "$db" layouts::Shape "16 0 0 0 0 16"
    col layouts::Shape kind enum
    mem layouts::Shape "(anon):0:4 Circle:0:16 Rect:0:16 Empty:0:16"
    assert_eq "[$tag] Shape discriminant" "u32 256" \
        "$(q "$db" "SELECT type_name||' '||(flags & 256) FROM members WHERE name IS NULL
                    AND type_id = (SELECT id FROM types WHERE name = 'layouts::Shape');")"
    assert_eq "[$tag] Shape variants flagged" 3 \
        "$(q "$db" "SELECT count(*) FROM members WHERE (flags & 128) <> 0
                    AND type_id = (SELECT id FROM types WHERE name = 'layouts::Shape');")"
    # The variant structs live inside the enum, their fields placed after
    # the enum's discriminant: Circle's f64 at 8, Rect's u32s at 4 and 8.
    # Their layout is dictated by the enum, so reordering cannot shrink
    # them below the enum's 16 bytes.
    mem layouts::Shape::Circle "__0:8:8"
    mem layouts::Shape::Rect "w:4:4 h:8:4"
    col layouts::Shape::Circle "size||' '||optimal_size" "16 16"
    col layouts::Shape::Rect "size||' '||optimal_size" "16 16"

    # A C-like enum is not an aggregate.
    assert_eq "[$tag] layouts::Color not stored" 0 \
        "$(q "$db" "SELECT count(*) FROM types WHERE name = 'layouts::Color';")"
    assert_eq "[$tag] all Rust" "" "$(q "$db" "SELECT DISTINCT lang FROM types WHERE lang <> 'Rust';")"
done

finish
