#!/bin/sh
# fuzz/build.sh -- build the libFuzzer harnesses (run by `make fuzz`).
#
# Usage: build.sh SRCDIR BUILDDIR
# Environment (set by Makefile.am from configure; defaults fit Debian 12):
#   FUZZ_CC    clang with libFuzzer (default: clang)
#   DEP_CFLAGS include flags of libdwarf, libelf, capstone, sqlite, yaml
#   DEP_LIBS   link flags of the same
#   FUZZ_CFLAGS extra compiler flags (e.g. -fno-sanitize=nonnull-attribute
#              to look past one known report)
#   FUZZ_FAST  1: the throughput build instead, into BUILDDIR/fuzz-fast:
#              UBSan only, no ASan (whose allocator is most of the time of
#              fz_db and fz_dhat, under SQLite); run.sh replays what it
#              finds through the ASan build
#
# The sources are compiled again with clang, coverage instrumentation and
# ASan+UBSan (the program's own objects may come from gcc); the harnesses
# land in BUILDDIR/fuzz/fz_*.  schema.c is generated here too, so the tree
# needs no prior `make`.  Run one with, e.g.:
#   BUILDDIR/fuzz/fz_elf -jobs=1 -max_total_time=600 CORPUS_DIR SEED_DIR
# fuzz/run.sh builds seed corpora from the fixtures and runs them all.
set -eu
src=$(cd "$1" && pwd)
out=$2/fuzz
SAN="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer"
OPT=-O1
if [ "${FUZZ_FAST:-0}" = 1 ]; then
    out=$2/fuzz-fast
    SAN="-fsanitize=undefined -fno-sanitize-recover=all -fno-omit-frame-pointer"
    OPT=-O2
fi
mkdir -p "$out/obj"
out=$(cd "$out" && pwd)
CC=${FUZZ_CC:-clang}
DEP_CFLAGS=${DEP_CFLAGS:-}
DEP_LIBS=${DEP_LIBS:--ldwarf -lelf -lz -lcapstone -lsqlite3 -lyaml -lzstd -lpthread -lm}
CONFIG=""; [ -f "$2/config.h" ] && CONFIG="-DHAVE_CONFIG_H"
CFLAGS="$CONFIG -std=c11 -D_GNU_SOURCE -g $OPT $SAN -I$src/src -I$2 -I$out/obj $DEP_CFLAGS \
 -DHOLEPROF_QUERYDIR=\"/nonexistent\" ${FUZZ_CFLAGS:-}"

sh "$src/tools/sql2c.sh" hp_schema_sql < "$src/db/schema.sql" > "$out/obj/schema.c"
objs="$out/obj/schema.o"
$CC $CFLAGS -fsanitize=fuzzer-no-link -c "$out/obj/schema.c" -o "$out/obj/schema.o"
# src/*.c and the modules' folders (src/sites/, src/arch/): objects are
# named by path (sites/flow.c -> sites_flow.o), so equal basenames in two
# folders cannot collide
for f in "$src"/src/*.c "$src"/src/*/*.c; do
    b=${f#"$src"/src/}
    b=$(echo "${b%.c}" | tr / _)
    [ "$b" = main ] && continue
    $CC $CFLAGS -fsanitize=fuzzer-no-link -c "$f" -o "$out/obj/$b.o"
    objs="$objs $out/obj/$b.o"
done
rm -f "$out/obj/libhpfuzz.a"
ar cr "$out/obj/libhpfuzz.a" $objs
for h in "$src"/fuzz/fz_*.c; do
    b=$(basename "$h" .c)
    $CC $CFLAGS -fsanitize=fuzzer "$h" "$out/obj/libhpfuzz.a" $DEP_LIBS -o "$out/$b"
    echo "built $out/$b"
done
