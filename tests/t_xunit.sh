#!/bin/sh
# t_xunit.sh -- classes defined in one compile unit only (issue 16).
#
# gcc writes a class with a key function (its first non-inline virtual
# method) only in that function's unit; the others get DW_AT_declaration,
# and clang's default -fno-standalone-debug does the same.  A member, base,
# array element or typedef'd member typed by such a declaration must get the
# size of the binary's definition: the multi-unit program
# (tests/fixtures/xunit_*.cc) must give exactly the types and members rows
# of the build where every unit has every definition (gcc
# -femit-class-debug-always, clang -fstandalone-debug) and of the same
# sources compiled as one unit -- for g++ and clang++, -O0 and -O2.
# When the unit with the key functions has no debug info, the classes are
# defined nowhere: the types using them are incomplete (flag, NULL hole and
# saving numbers, never ranked, no suggestion, one summary line).
# Early dedup must keep nested classes a first unit only declared, types
# inside the bodies of local classes and lambdas (xnest_*.cc), and a class
# whose members' types a unit renamed by macro (xrename_*.cc); on
# Debian's libstdc++ debug build it must report what --exact-dedup does.
. "${TOP_SRCDIR:-$(dirname "$0")/..}/tests/lib.sh"
need sqlite3

F=$FIXTURES
SRCS="$F/xunit_main.cc $F/xunit_use.cc $F/xunit_key.cc"

# every xu:: type and member, without what legitimately differs between
# builds (ids, unit counts)
rows() {
    sqlite3 -batch -noheader "$1" "SELECT t.kind, t.name, t.size, t.align, t.members,
        t.holes, t.hole_bytes, t.bit_holes, t.tail_padding, t.optimal_size, t.flags,
        t.incomplete, t.layout_hash, t.decl_line, m.idx, m.name, m.type_name, m.offset,
        m.size, m.align, m.flags, m.hole_after, m.suggested_pos
        FROM types t LEFT JOIN members m ON m.type_id = t.id
        WHERE t.name LIKE 'xu::%' ORDER BY t.name, t.layout_hash, m.idx"
}

ran=0
for cxx in g++ clang++; do
    command -v $cxx >/dev/null 2>&1 || continue
    # full: every unit gets every definition; undef: what the others only
    # declare (gcc: the classes with key functions; clang, with its
    # constructors inline, only the explicit instantiation Box<long>)
    case $cxx in
        g++) full=-femit-class-debug-always; undef="one two ring inner"; nundef=3 ;;
        clang++) full=-fstandalone-debug; undef="box"; nundef=1 ;;
    esac
    for o in -O0 -O2; do
        tag="$cxx $o"
        ran=1
        d=$T/$cxx$o
        mkdir -p "$d"
        $cxx -g $o -o "$d/multi" $SRCS || die "$tag: build failed"
        $cxx -g $o $full -o "$d/full" $SRCS || die "$tag: $full build failed"
        cat $SRCS > "$d/one.cc"
        $cxx -g $o -I"$F" -o "$d/one" "$d/one.cc" || die "$tag: single-unit build failed"
        for b in multi full one; do
            assert_status "[$tag] analyze $b" 0 "$HOLEPROF" analyze --no-sites -o "$d/$b.db" "$d/$b"
            rows "$d/$b.db" > "$d/$b.rows"
        done
        # the multi-unit build really has the declarations the test is about
        n=$(sqlite3 "$d/multi.db" "SELECT units FROM (SELECT cu_count AS units FROM binaries)")
        assert_eq "[$tag] three units" 3 "$n"
        assert_eq "[$tag] all of Holder, Derived, Multi, Shape, Circle, Outer::Inner read" 6 \
            "$(q "$d/multi.db" "SELECT count(DISTINCT name) FROM types WHERE name IN ('xu::Holder',
                'xu::Derived','xu::Multi','xu::Shape','xu::Circle','xu::Outer::Inner')")"
        if cmp -s "$d/multi.rows" "$d/full.rows"; then pass; else
            fail "[$tag] multi-unit rows differ from the $full build: $(diff "$d/multi.rows" "$d/full.rows" | head -8)"
        fi
        if cmp -s "$d/multi.rows" "$d/one.rows"; then pass; else
            fail "[$tag] multi-unit rows differ from the single-unit build: $(diff "$d/multi.rows" "$d/one.rows" | head -8)"
        fi
        # no member or base of size 0 whose type has a definition
        assert_eq "[$tag] no member of size 0" 0 \
            "$(q "$d/multi.db" "SELECT count(*) FROM members m JOIN types t ON t.id = m.type_id
                WHERE t.name LIKE 'xu::%' AND m.size = 0")"
        assert_eq "[$tag] nothing incomplete" 0 "$(q "$d/multi.db" "SELECT count(*) FROM types WHERE incomplete")"
        # the numbers themselves, from the source: Holder's members at
        # their offsets with the sizes of the definitions
        assert_eq "[$tag] Holder members" "c0:0:1 one:8:40 c1:48:1 two:56:40 s:96:2 ring:104:72 c2:176:1 inner:184:16 c3:200:1 box:208:16" \
            "$(members_of "$d/multi.db" xu::Holder | tr '\n' ' ' | sed 's/ $//')"
        assert_eq "[$tag] Derived's base" "xu::Circle:0:40" \
            "$(q "$d/multi.db" "SELECT m.name||':'||m.offset||':'||m.size FROM members m JOIN types t ON t.id = m.type_id
                WHERE t.name = 'xu::Derived' AND m.flags & 2")"
    done

    # the key functions' unit without debug info: defined nowhere
    d=$T/$cxx-nodebug
    mkdir -p "$d"
    $cxx -c -O0 -o "$d/key.o" "$F/xunit_key.cc" || die "$cxx: key.o"
    $cxx -g -O0 -o "$d/nd" "$F/xunit_main.cc" "$F/xunit_use.cc" "$d/key.o" || die "$cxx: nodebug build"
    assert_status "[$cxx nodebug] analyze" 0 "$HOLEPROF" analyze -o "$d/nd.db" "$d/nd"
    n=$(q "$d/nd.db" "SELECT count(*) FROM types WHERE incomplete")
    assert_eq "[$cxx nodebug] types incomplete" $nundef "$n"
    assert_match "[$cxx nodebug] one summary line" \
        "^holeprof: .*nd: $n types incomplete: member types declared but not defined \\(first: xu::[A-Za-z]+\\.[^ ]+\\)\$" \
        "$(grep 'types incomplete' "$T/err")"
    assert_eq "[$cxx nodebug] one line only" 1 "$(grep -c 'incomplete' "$T/err")"
    assert_eq "[$cxx nodebug] Holder: NULL holes and savings" "1|1|1|1|1|1|1|1|1|2048" \
        "$(q "$d/nd.db" "SELECT incomplete, holes IS NULL, hole_bytes IS NULL, bit_holes IS NULL,
            tail_padding IS NULL, optimal_size IS NULL, pre_hole IS NULL, bit_padding IS NULL,
            (SELECT count(*) = 0 FROM members m WHERE m.type_id = t.id AND m.suggested_pos IS NOT NULL),
            flags & 2048 FROM types t WHERE name = 'xu::Holder'")"
    assert_eq "[$cxx nodebug] Holder's declared members: size NULL, MF_INCOMPLETE" "$undef" \
        "$(q "$d/nd.db" "SELECT m.name FROM members m JOIN types t ON t.id = m.type_id
            WHERE t.name = 'xu::Holder' AND m.size IS NULL AND m.flags & 2048 ORDER BY m.idx" | tr '\n' ' ' | sed 's/ $//')"
    assert_eq "[$cxx nodebug] no hole numbers on its members" 0 \
        "$(q "$d/nd.db" "SELECT count(*) FROM members m JOIN types t ON t.id = m.type_id
            WHERE t.incomplete AND (m.hole_after IS NOT NULL OR m.bit_hole_after IS NOT NULL)")"
    # never ranked, never suggested
    assert_status "[$cxx nodebug] top" 0 "$HOLEPROF" top -n 0 -f csv "$d/nd.db"
    if grep -q 'xu::Holder' "$T/out"; then fail "[$cxx nodebug] top ranks an incomplete type: $(grep 'xu::' "$T/out")"; else pass; fi
    assert_status "[$cxx nodebug] worst.sql" 0 "$HOLEPROF" query -f csv "$d/nd.db" worst
    if grep -q 'xu::Holder' "$T/out"; then fail "[$cxx nodebug] worst.sql ranks an incomplete type"; else pass; fi
    assert_status "[$cxx nodebug] holes.sql" 0 "$HOLEPROF" query -f csv "$d/nd.db" holes
    if grep -q 'xu::Holder' "$T/out"; then fail "[$cxx nodebug] holes.sql lists an incomplete type"; else pass; fi
    assert_status "[$cxx nodebug] show" 0 "$HOLEPROF" show "$d/nd.db" xu::Holder
    assert_match "[$cxx nodebug] show: unknown size" "${undef%% *}; +/\\* +[0-9]+ +\\? \\*/ /\\* type declared" "$(cat "$T/out")"
    assert_match "[$cxx nodebug] show: no suggestion" '^Suggested order: none \(incomplete layout' "$(cat "$T/out")"
    if grep -q 'XXX' "$T/out"; then fail "[$cxx nodebug] show prints a hole of an incomplete type"; else pass; fi
    assert_status "[$cxx nodebug] summary query" 0 "$HOLEPROF" query -f csv "$d/nd.db" summary
    assert_match "[$cxx nodebug] summary counts them" ",$n\$" "$(tail -1 "$T/out")"
    assert_status "[$cxx nodebug] report" 0 "$HOLEPROF" report -o "$d/r.html" "$d/nd.db"
    # diff against the complete build: no waste regression from an unknown
    assert_status "[$cxx nodebug] diff" 0 "$HOLEPROF" diff --fail-on-regression "$d/nd.db" "$T/$cxx-O0/multi.db"
done
[ $ran = 1 ] || skip "no C++ compiler"

# Early dedup must not lose what a first reading lacked: Outer::Inner only
# declared in the unit linked first, defined (inside Outer) in the second;
# types defined in the member function of a local class and in a lambda
for cxx in g++ clang++; do
    command -v $cxx >/dev/null 2>&1 || continue
    d=$T/$cxx-nest
    mkdir -p "$d"
    $cxx -g -O0 -o "$d/xn" "$F/xnest_a.cc" "$F/xnest_b.cc" || die "$cxx: xnest build"
    assert_status "[$cxx nest] analyze" 0 "$HOLEPROF" analyze --no-sites -o "$d/xn.db" "$d/xn"
    assert_status "[$cxx nest] analyze --exact-dedup" 0 "$HOLEPROF" analyze --no-sites --exact-dedup \
        -o "$d/xnx.db" "$d/xn"
    for ty in xn::Outer::Inner Deep InLambda; do
        expect_type "$d/xn.db" $ty "24 1 7 0 7 16"
    done
    assert_eq "[$cxx nest] the same rows as --exact-dedup" "$(rows "$d/xnx.db"; q "$d/xnx.db" \
        "SELECT name, cu_count, layout_hash FROM types ORDER BY name, layout_hash")" \
        "$(rows "$d/xn.db"; q "$d/xn.db" "SELECT name, cu_count, layout_hash FROM types ORDER BY name, layout_hash")"
done

# One class, two layouts at one file:line that differ only in a member's
# type (a unit renames it by macro, xrename_b.cc): two rows in conflict,
# as --exact-dedup has them, in either link order, with either compiler
for cxx in g++ clang++; do
    command -v $cxx >/dev/null 2>&1 || continue
    for order in ab ba; do
        d=$T/$cxx-rename-$order
        mkdir -p "$d"
        if [ $order = ab ]; then srcs="$F/xrename_a.cc $F/xrename_b.cc"
        else srcs="$F/xrename_b.cc $F/xrename_a.cc"; fi
        $cxx -g -O0 -o "$d/xr" $srcs || die "$cxx: xrename build"
        assert_status "[$cxx rename $order] analyze" 0 "$HOLEPROF" analyze --no-sites -o "$d/xr.db" "$d/xr"
        assert_status "[$cxx rename $order] analyze --exact-dedup" 0 "$HOLEPROF" analyze --no-sites \
            --exact-dedup -o "$d/xrx.db" "$d/xr"
        assert_eq "[$cxx rename $order] xr::code: two layouts in conflict, a unit each" \
            "xr::code|1|1|const xr::category * xr::code|1|1|const xr::categoryxx *" \
            "$(q "$d/xr.db" "SELECT t.name, t.cu_count, t.conflict, m.type_name FROM types t
                JOIN members m ON m.type_id = t.id AND m.name = 'cat' WHERE t.name = 'xr::code'
                ORDER BY m.type_name" | tr '\n' ' ' | sed 's/ $//')"
        assert_eq "[$cxx rename $order] the same rows as --exact-dedup" "$(rows "$d/xrx.db"; q "$d/xrx.db" \
            "SELECT name, cu_count, layout_hash FROM types ORDER BY name, layout_hash")" \
            "$(rows "$d/xr.db"; q "$d/xr.db" "SELECT name, cu_count, layout_hash FROM types ORDER BY name, layout_hash")"
    done
done

# The real thing: Debian's libstdc++ debug build (libstdc++6-12-dbg), 181
# units, gcc -O0 -g3: no member or base of size 0 whose type has a
# definition, nothing left incomplete, and the default mode reports every
# type --exact-dedup reports, each layout with the same unit count (also
# std::error_code and std::error_condition, whose member types a
# compatibility unit renames by macro: two layouts each, in conflict).
# An empty base (MF_EMPTY) is the one member of size 0 that has a definition.
L=/usr/lib/x86_64-linux-gnu/debug/libstdc++.so.6.0.30
if [ -f "$L" ]; then
    assert_status "libstdc++: analyze" 0 "$HOLEPROF" analyze --no-sites -o "$T/cxx.db" "$L"
    assert_status "libstdc++: analyze --exact-dedup" 0 "$HOLEPROF" analyze --no-sites --exact-dedup \
        -o "$T/cxxx.db" "$L"
    assert_eq "libstdc++: no zero-size member with a definition" 0 \
        "$(q "$T/cxx.db" "SELECT count(*) FROM members m WHERE m.size = 0 AND m.bit_size = 0
            AND (m.flags & (16 | 8192)) = 0 AND EXISTS (SELECT 1 FROM types d WHERE d.size > 0 AND d.name =
            CASE WHEN instr(m.type_name, '[') > 0 THEN rtrim(substr(m.type_name, 1, instr(m.type_name, '[') - 1))
                 ELSE m.type_name END)")"
    assert_eq "libstdc++: nothing incomplete" 0 "$(q "$T/cxx.db" "SELECT count(*) FROM types WHERE incomplete")"
    assert_match "libstdc++: over 1700 types" '^1[7-9][0-9][0-9]$' "$(q "$T/cxx.db" "SELECT count(*) FROM types")"
    assert_eq "libstdc++: every --exact-dedup name" "" \
        "$(q "$T/cxxx.db" "ATTACH '$T/cxx.db' AS d; SELECT kind, name FROM types
            EXCEPT SELECT kind, name FROM d.types")"
    assert_eq "libstdc++: every --exact-dedup layout and unit count" "" \
        "$(q "$T/cxxx.db" "ATTACH '$T/cxx.db' AS d; SELECT name, cu_count FROM (SELECT name, layout_hash,
            cu_count FROM types EXCEPT SELECT name, layout_hash, cu_count FROM d.types)
            ORDER BY name, cu_count")"
    assert_eq "libstdc++: no layout --exact-dedup lacks" "" \
        "$(q "$T/cxx.db" "ATTACH '$T/cxxx.db' AS x; SELECT name, cu_count FROM (SELECT name, layout_hash,
            cu_count FROM types EXCEPT SELECT name, layout_hash, cu_count FROM x.types)
            ORDER BY name, cu_count")"
    assert_eq "libstdc++: std::error_code and std::error_condition, two layouts each, in conflict" \
        "std::error_code|1|1 std::error_code|10|1 std::error_condition|1|1 std::error_condition|10|1" \
        "$(q "$T/cxx.db" "SELECT name, cu_count, conflict FROM types WHERE name IN
            ('std::error_code', 'std::error_condition') ORDER BY name, cu_count" | tr '\n' ' ' | sed 's/ $//')"
else
    echo "libstdc++6-12-dbg not installed: real-binary part skipped"
fi

# DWARF present but without a single aggregate: said, not a quiet empty db
if command -v gcc >/dev/null 2>&1; then
    printf 'int main(void) { return 0; }\n' > "$T/bare.c"
    gcc -g -o "$T/bare" "$T/bare.c" || die "bare build"
    assert_status "no types: analyze" 0 "$HOLEPROF" analyze --no-sites -o "$T/bare.db" "$T/bare"
    assert_match "no types: said" 'has 1 units but no struct, class or union definition' "$(cat "$T/err")"
fi
finish
