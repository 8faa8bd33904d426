#!/bin/sh
# t_typeunits.sh -- type units, -fdebug-types-section (issue 16;
# src/dwshim_tu.c, src/dwshim.c: .debug_types, signatures, stand-ins; src/dwtypes.c: the
# scope of a type read by reference).
#
# DWARF 4 puts each type in a unit of its own in .debug_types, DWARF 5 in
# .debug_info (DW_UT_type); the users name it by an 8-byte signature
# (DW_FORM_ref_sig8), and a type unit names the types of the others by
# stand-ins (a DIE with DW_AT_signature, gcc; a declaration holding the
# definitions of nested types, clang).  For a multi-unit C program
# (tests/fixtures/dedup_*.c; gcc only: clang writes type units for C++
# alone) and multi-unit C++ programs (xunit_*.cc:
# classes with key functions used as members, bases, arrays and through
# typedefs; xnest_*.cc: nested and local classes; layouts.cc: templates,
# virtual bases, anonymous unions, bitfields), built with gcc and clang,
# -O0 and -O2, -gdwarf-4 and -gdwarf-5: the same types and members rows as
# the plain -g build of the same sources.  (Not the allocation sites: the
# site scan does not follow a function's return type into a type unit,
# so clang -O2's `new` sites fall back to other evidence.)  Then the type units
# removed (.debug_types): one warning line, never a member laid out from
# a type that is not there.
. "${TOP_SRCDIR:-$(dirname "$0")/..}/tests/lib.sh"

need sqlite3 readelf objcopy
[ -x "$HOLEPROF" ] || die "holeprof not built: $HOLEPROF"
cd "$T" || die "no scratch directory"
F=$FIXTURES

analyze() {     # TAG DB FILE
    rm -f "$2"
    assert_status "[$1] analyze exit" 0 "$HOLEPROF" analyze --no-sites --no-system-debug-dirs \
        "$3" -o "$2"
    assert_eq "[$1] no warning" "" "$(grep -i warning "$T/err")"
}

ran=0
for cc in gcc clang; do
    command -v $cc >/dev/null 2>&1 || continue
    cxx=$([ $cc = gcc ] && echo g++ || echo clang++)
    command -v $cxx >/dev/null 2>&1 || continue
    for o in -O0 -O2; do
        for prog in c xunit xnest layouts; do
            case $prog in
            c)       comp=$cc;  srcs="$F/dedup_a.c $F/dedup_b.c"; inc=-I$F; min=3 ;;
            xunit)   comp=$cxx; srcs="$F/xunit_main.cc $F/xunit_use.cc $F/xunit_key.cc"; inc=; min=8 ;;
            xnest)   comp=$cxx; srcs="$F/xnest_a.cc $F/xnest_b.cc"; inc=; min=3 ;;
            layouts) comp=$cxx; srcs="$F/layouts.cc"; inc=; min=20 ;;
            esac
            tag="$comp $o $prog"
            d="$cc$o$prog"
            mkdir -p "$d"
            $comp -g $o $inc -o "$d/plain" $srcs || die "$tag: plain build failed"
            analyze "$tag plain" "$d/plain.db" "$d/plain"
            for g in -gdwarf-4 -gdwarf-5; do
                $comp $g -fdebug-types-section $o $inc -o "$d/tu$g" $srcs ||
                    die "$tag $g -fdebug-types-section: build failed"
                # the build really has type units
                if [ $g = -gdwarf-4 ]; then
                    readelf -S "$d/tu$g" | grep -q '\.debug_types' ||
                        { echo "$tag $g: no .debug_types (compiler wrote none)"; continue; }
                else
                    readelf --debug-dump=info "$d/tu$g" 2>/dev/null | grep -q 'DW_UT_type' ||
                        { echo "$tag $g: no DW_UT_type unit (compiler wrote none)"; continue; }
                fi
                analyze "$tag $g tu" "$d/tu$g.db" "$d/tu$g"
                same_rows "$d-tu$g" "$d/plain.db" "$d/tu$g.db" $min
                ran=$((ran + 1))
            done
        done
    done
done
[ $ran -ge 8 ] && pass || fail "only $ran type-unit builds compared"

# ---- the type units removed: a warning, never a layout from them ----
# A class local to a function has no type unit of its own (gcc gives one
# even to a type in an anonymous namespace): it stays in its unit, with a
# member whose type is in one.
cat >local.cc <<'EOF'
#include "xunit.h"
int local_x(int k)
{
    struct Local { char c; xu::Holder h; int x; };
    static Local l;
    l.x = k;
    return l.x + (int)sizeof l;
}
EOF
if command -v g++ >/dev/null 2>&1; then
    g++ -gdwarf-4 -fdebug-types-section -O0 -I$F -o gone $F/xunit_main.cc $F/xunit_use.cc \
        $F/xunit_key.cc local.cc && objcopy --remove-section .debug_types gone ||
        die "g++ build without .debug_types failed"
    rm -f gone.db
    assert_status "[no .debug_types] analyze exit" 0 "$HOLEPROF" analyze --no-sites gone -o gone.db
    assert_eq "[no .debug_types] one warning line" 1 "$(grep -c warning "$T/err")"
    assert_match "[no .debug_types] says what is missing" \
        "warning: [0-9]+ references to type units \(-fdebug-types-section\) that no unit of the file defines" \
        "$(cat "$T/err")"
    assert_eq "[no .debug_types] the type using one is incomplete" "1|" \
        "$(q gone.db "SELECT incomplete, holes FROM types WHERE name = 'Local';")"
    assert_eq "[no .debug_types] no complete type with a member of unknown size" 0 \
        "$(q gone.db "SELECT count(*) FROM members m JOIN types t ON t.id = m.type_id
                       WHERE t.incomplete = 0 AND (m.size = 0 OR m.size IS NULL)
                         AND m.bit_size = 0 AND m.type_name NOT LIKE '%[0]';")"
fi

finish
