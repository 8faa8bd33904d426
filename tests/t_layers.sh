#!/bin/sh
# t_layers.sh -- the architecture of src/ (issues 16 and 22: one
# responsibility per file, libdwarf only behind dwshim.h, no circle between
# modules).  tests/layers_check.py reads every #include "..." of src/ and
# fails on an include cycle between files, a cycle between modules (a
# module: a header with its .c files and its family -- dwshim_*.c, pf_*.c,
# src/sites/, src/arch/), a module's private header (NAME_int.h,
# D/internal.h) included by another module, and libdwarf.h included
# outside the dwshim family.  Every src/ file opens with a contract
# comment.  The files of the dwshim family call each other only downwards,
# in the order dwshim_int.h lists them (nm over the build's objects).
# Then the checker is shown each problem once, in a copy of src/ (the
# calls: in another order), to prove it sees it: a module cycle, a file
# cycle, a private header, libdwarf outside dwshim, a call upwards.
. "${TOP_SRCDIR:-$(dirname "$0")/..}/tests/lib.sh"

need python3
CHECK="python3 $TOP_SRCDIR/tests/layers_check.py"
SRC=$TOP_SRCDIR/src

if $CHECK "$SRC" >"$T/out" 2>&1; then pass; else fail "src/ breaks the layering:
$(cat "$T/out")"; fi
cat "$T/out"

# the dwshim family calls downwards only (objects: make check builds them)
OBJ=$TOP_BUILDDIR/src
if command -v nm >/dev/null 2>&1 && ls "$OBJ"/*dwshim_split.o >/dev/null 2>&1; then
    if $CHECK --calls "$SRC" "$OBJ" >"$T/calls" 2>&1; then pass; else fail "the dwshim family calls upwards:
$(cat "$T/calls")"; fi
    cat "$T/calls"
    # the same objects in another order: the split part above the walk
    if $CHECK --calls "$SRC" "$OBJ" dwshim_image.c dwshim_form.c dwshim_tu.c dwshim_alt.c \
        dwshim.c dwshim_split.c dwshim_attr.c dwshim_files.c dwshim_code.c >"$T/calls2" 2>&1; then
        fail "[calls] an upward call not seen"
    else
        assert_match "[calls] said" "dwshim_split.c calls dwi_[a-z_]+ of dwshim.c, listed after it|dwshim.c calls dwi_[a-z_]+ of dwshim_split.c" "$(cat "$T/calls2")"
    fi
else
    echo "note: no objects in $OBJ (or no nm): the dwshim family's calls not checked"
fi

# every file opens with its contract: a comment before any code
for f in "$SRC"/*.[ch] "$SRC"/*/*.[ch]; do
    first=$(grep -v '^[[:space:]]*$' "$f" | head -n 1)
    case $first in
    '/*'*) pass ;;
    *) fail "${f#$TOP_SRCDIR/} does not open with a contract comment: [$first]" ;;
    esac
done

# mutate COPY-NAME FILE LINE PATTERN: a copy of src/ with LINE appended to
# FILE must fail with a line matching PATTERN
mutate() {
    rm -rf "$T/$1"
    cp -R "$SRC" "$T/$1" || die "cannot copy src/"
    printf '%s\n' "$3" >>"$T/$1/$2"
    if $CHECK "$T/$1" >"$T/$1.out" 2>&1; then
        fail "[$1] not seen: $2 + $3"
    else
        assert_match "[$1] said" "$4" "$(cat "$T/$1.out")"
    fi
}
# a copy as it is passes (the copying itself breaks nothing)
cp -R "$SRC" "$T/same" && $CHECK "$T/same" >/dev/null 2>&1 && pass || fail "an unchanged copy fails"
mutate modcycle layout.c '#include "dwtypes.h"' 'cycle between modules dwtypes layout.*layout -> dwtypes'
mutate filecycle dwcode.h '#include "dwshim.h"' 'include cycle between files: dwcode.h dwshim.h'
mutate private dwtypes.c '#include "dwshim_int.h"' 'dwtypes.c:[0-9]+: includes dwshim_int.h, private to module dwshim'
mutate libdwarf dwtypes.c '#include <libdwarf/libdwarf.h>' 'dwtypes.c:[0-9]+: includes libdwarf/libdwarf.h outside the dwshim family'
mutate dwarfh dwlines.c '#include <dwarf.h>' 'dwlines.c:[0-9]+: includes dwarf.h outside the dwshim family'

finish
