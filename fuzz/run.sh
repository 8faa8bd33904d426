#!/bin/sh
# fuzz/run.sh -- seed corpora from the fixtures, then run every harness.
#
# Usage: run.sh SRCDIR BUILDDIR SECONDS_PER_HARNESS [HARNESS...]
# Seeds are compiled now from tests/fixtures (gcc and clang, DWARF 4 and 5,
# -O0/-O2, compressed DWARF, stripped with a debuglink) plus the small
# committed seeds in fuzz/seeds/NAME.  Corpora grow in BUILDDIR/fuzz/corpus/NAME;
# crashes land in BUILDDIR/fuzz/crashes/NAME (copy the ones you fix to
# tests/fuzz-regress/, which tests/fuzz_regress.sh replays).  One job per
# harness, one process (the machine is shared).  FUZZ_FLAGS adds libFuzzer
# options, e.g. FUZZ_FLAGS="-fork=1 -ignore_crashes=1" to go on after a crash.
# Every seed is made here, from the fixtures and the tools installed (a
# fresh clone can fuzz); a format whose tool is missing is said and skipped.
set -eu
src=$(cd "$1" && pwd)
build=$(cd "$2" && pwd)
fz=$build/fuzz
secs=$3
shift 3
harnesses=${*:-$(cd "$fz" && ls fz_* | grep -v '\.' )}
# FUZZ_FAST=1: fuzz with the throughput build (FUZZ_FAST=1 fuzz/build.sh,
# BUILDDIR/fuzz-fast: UBSan, no ASan), then replay the corpus through the
# ASan+UBSan build in BUILDDIR/fuzz
bin=$fz
[ "${FUZZ_FAST:-0}" = 1 ] && bin=$build/fuzz-fast
seeds=$fz/seeds
mkdir -p "$seeds/bin" "$seeds/yaml"
fx=$src/tests/fixtures
if [ ! -f "$seeds/bin/c_gcc_o2_d5" ]; then
    gcc -g -O2 -gdwarf-5 -o "$seeds/bin/c_gcc_o2_d5" "$fx/layouts.c"
    gcc -g -O0 -gdwarf-4 -o "$seeds/bin/c_gcc_o0_d4" "$fx/layouts.c"
    clang -g -O0 -gdwarf-5 -o "$seeds/bin/c_clang_o0_d5" "$fx/layouts.c"
    clang -g -O2 -gdwarf-4 -o "$seeds/bin/c_clang_o2_d4" "$fx/layouts.c"
    g++ -g -O1 -o "$seeds/bin/cxx_gcc" "$fx/layouts.cc"
    gcc -g -O1 -gz=zlib -o "$seeds/bin/c_gz" "$fx/dedup_a.c" "$fx/dedup_b.c"
    gcc -g -O2 -o "$seeds/bin/sites" "$fx/sites.c" 2>/dev/null || true
    cp "$seeds/bin/c_gcc_o0_d4" "$seeds/bin/stripped"
    objcopy --only-keep-debug "$seeds/bin/stripped" "$seeds/bin/stripped.debug"
    objcopy --strip-debug --add-gnu-debuglink="$seeds/bin/stripped.debug" "$seeds/bin/stripped"
    rm -f "$seeds/bin/stripped.debug"
fi
# function bodies with location and range lists in every form the raw
# reader (dwscan.c) takes: clang's DWARF 5 indexes, gcc's DWARF 4 lists
if [ ! -f "$seeds/bin/sites_clang_d5" ]; then
    clang -g -O2 -gdwarf-5 -o "$seeds/bin/sites_clang_d5" "$fx/sites.c" 2>/dev/null || true
    gcc -g -O2 -gdwarf-4 -o "$seeds/bin/sites_gcc_d4" "$fx/sites.c" 2>/dev/null || true
fi
# relocatable objects: their DWARF is read after elfimg applies the RELA
# relocations, a reader of its own
if [ ! -f "$seeds/bin/obj_gcc.o" ]; then
    gcc -g -O2 -c -o "$seeds/bin/obj_gcc.o" "$fx/layouts.c"
    clang -g -O0 -gdwarf-4 -c -o "$seeds/bin/obj_clang.o" "$fx/sites.c" 2>/dev/null || true
fi
cp "$src/examples/budget.yaml" "$seeds/yaml/"
# machine code for fz_disasm: the seed programs' .text in 2 KB pieces
if [ ! -f "$seeds/code.done" ]; then
    mkdir -p "$seeds/code"
    for b in sites c_gcc_o2_d5 c_clang_o0_d5 cxx_gcc; do
        [ -f "$seeds/bin/$b" ] || continue
        objcopy -O binary --only-section=.text "$seeds/bin/$b" "$seeds/$b.text" &&
            split -b 2048 -a 3 "$seeds/$b.text" "$seeds/code/$b."
    done
    touch "$seeds/code.done"
fi
# AArch64 machine code for fz_disasm_a64: the same fixtures built for
# aarch64-linux-gnu (clang and Debian's cross libraries), .text in 2 KB
# pieces; without the cross tools it is said and that harness has none
if [ ! -f "$seeds/code_a64.done" ]; then
    mkdir -p "$seeds/code_a64"
    ld64=$(command -v aarch64-linux-gnu-ld || true)
    if [ -n "$ld64" ] && command -v aarch64-linux-gnu-objcopy >/dev/null; then
        for f in sites.c sites_fptr.c sites_header.c layouts.c; do
            b=a64_${f%.c}
            clang --target=aarch64-linux-gnu --ld-path="$ld64" -g -O2 -o "$seeds/$b" "$fx/$f" \
                2>/dev/null || continue
            aarch64-linux-gnu-objcopy -O binary --only-section=.text "$seeds/$b" "$seeds/$b.text" &&
                split -b 2048 -a 3 "$seeds/$b.text" "$seeds/code_a64/$b."
        done
        # and an AArch64 program for the ELF harnesses (fz_sites: the
        # whole analyze through arch/aarch64.c)
        if [ -f "$seeds/a64_sites" ]; then cp "$seeds/a64_sites" "$seeds/bin/a64_sites"; fi
    else
        echo "fuzz seeds: no aarch64-linux-gnu-ld/objcopy: fz_disasm_a64 has no AArch64 seeds"
    fi
    touch "$seeds/code_a64.done"
fi
# DHAT: a real profile of tests/fixtures/profile.c and the database it
# imports into (needs the program and valgrind; the harness reads the db
# through FZ_DHAT_DB)
HOLEPROF=${HOLEPROF:-$build/src/holeprof}
if [ ! -f "$seeds/dhat.db" ] && [ -x "$HOLEPROF" ] && command -v valgrind >/dev/null; then
    mkdir -p "$seeds/dhat"
    gcc -g -O0 -fpie -pie -o "$seeds/pf" "$fx/profile.c"
    "$HOLEPROF" analyze -q "$seeds/pf" -o "$seeds/dhat.db"
    valgrind -q --tool=dhat --dhat-out-file="$seeds/dhat/dhat.json" "$seeds/pf" 2>/dev/null
fi
# every other format the importer sniffs, each from a real run of the same
# program where the tool is here (what is missing is said, not faked):
# heaptrack (zstd or gzip as written, gzip, text), gperftools, perf script
# of uprobes on malloc/calloc, a Go pprof of tests/fixtures/profile.go
# (gzip and raw), the first 16 KB of /proc/slabinfo and /proc/allocinfo
d=$seeds/dhat
if [ -f "$seeds/pf" ] && [ ! -f "$d/formats.done" ]; then
    if command -v heaptrack >/dev/null; then
        (cd "$seeds" && heaptrack -o "$d/ht" "$seeds/pf" >/dev/null 2>&1) || true
        for h in "$d/ht.zst" "$d/ht.gz"; do
            [ -f "$h" ] || continue
            (zstd -dcq "$h" 2>/dev/null || gzip -dc "$h") > "$d/ht.txt" || true
            gzip -c "$d/ht.txt" > "$d/ht2.gz"
        done
    else echo "fuzz seeds: no heaptrack"; fi
    tcm=$(ls /usr/lib/*/libtcmalloc.so.4 2>/dev/null | head -1)
    if [ -n "$tcm" ]; then
        HEAPPROFILE="$d/gp" LD_PRELOAD="$tcm" "$seeds/pf" >/dev/null 2>&1 || true
    else echo "fuzz seeds: no libtcmalloc.so.4 (gperftools)"; fi
    libc=$(ldd "$seeds/pf" | awk '/libc\.so\.6/ {print $3}')
    g=hpfuzz$$
    # -f: another probe on the same function (someone else's) makes perf
    # refuse a second one; with it the events may be named malloc_1, so
    # the whole group is recorded.  The script is cut after a sample (at
    # an empty line), never inside one: a cut line is a truncated file,
    # which the importer refuses whole
    if [ "$(id -u)" = 0 ] && command -v perf >/dev/null &&
        perf probe -f -q -x "$libc" -a "$g:malloc=malloc size=%di" \
            -a "$g:calloc=__libc_calloc nmemb=%di size=%si" >/dev/null 2>&1; then
        perf record -q -o "$seeds/perf.data" -e "$g:*" \
            --call-graph dwarf,4096 "$seeds/pf" >/dev/null 2>&1 &&
            perf script -i "$seeds/perf.data" 2>/dev/null |
            awk '{ n += length($0) + 1; print } n > 16000 && $0 == "" { exit }' > "$d/pf.perf"
        perf probe -q -d "$g:*" >/dev/null 2>&1 || true
        rm -f "$seeds/perf.data"
    else echo "fuzz seeds: no perf uprobes (root and perf needed)"; fi
    if command -v go >/dev/null; then
        mkdir -p "$seeds/go" && cp "$fx/profile.go" "$seeds/go/main.go"
        if (cd "$seeds/go" && GOCACHE="$seeds/go/cache" GO111MODULE=off GOFLAGS= \
                go build -o prog main.go) >/dev/null 2>&1 &&
            "$seeds/go/prog" "$d/allocs.pb.gz" >/dev/null 2>&1; then
            gzip -dc "$d/allocs.pb.gz" > "$d/allocs.pb"
        fi
        rm -rf "$seeds/go/cache"
    else echo "fuzz seeds: no go (pprof)"; fi
    for k in slabinfo allocinfo; do
        # whole lines: a cut line is a truncated file, refused whole
        [ -r "/proc/$k" ] && head -n 150 "/proc/$k" > "$d/$k" 2>/dev/null || true
        [ -s "$d/$k" ] || { rm -f "$d/$k"; echo "fuzz seeds: no /proc/$k"; }
    done
    # a kernel without allocation profiling has no /proc/allocinfo: its
    # documented layout (Documentation/mm/allocation-profiling.rst), as
    # tests/t_profile_prod.sh writes it, with tags of profile.c
    if [ ! -f "$d/allocinfo" ]; then
        printf '%s\n' 'allocinfo - version: 1.0' '#     <size>  <calls> <tag info>' \
            '           0        0 init/main.c:1310 func:do_initcalls' \
            '       24000     1000 tests/fixtures/profile.c:50 func:main' \
            '        4096        1 mm/nowhere.c:12 func:elsewhere' > "$d/allocinfo"
        echo "fuzz seeds: allocinfo written in its documented layout instead"
    fi
    touch "$d/formats.done"
fi
export FZ_DHAT_DB="$seeds/dhat.db"
# fz_db: databases holeprof wrote (with sites, and with an imported profile),
# rewritten by SQLite's VACUUM with 512-byte pages (the same rows and
# schema; holeprof writes 4 KiB pages): 176 KiB -> 64 KiB each, so every
# seed fits in fz_db's -max_len.  A seed longer than -max_len is cut by
# libFuzzer, and a cut database is "malformed" at the first page it lacks:
# every reader stopped at st_open (coverage 155 edges, fuzz/README).
if [ ! -f "$seeds/db/small.done" ] && [ -x "$HOLEPROF" ] && [ -f "$seeds/dhat.db" ]; then
    rm -rf "$seeds/db"
    mkdir -p "$seeds/db"
    cp "$seeds/dhat.db" "$seeds/db/plain.db"
    [ -f "$seeds/dhat/dhat.json" ] && cp "$seeds/dhat.db" "$seeds/db/profiled.db" &&
        "$HOLEPROF" profile -q "$seeds/db/profiled.db" "$seeds/dhat/dhat.json" || true
    [ -f "$seeds/bin/sites" ] && "$HOLEPROF" analyze -q "$seeds/bin/sites" -o "$seeds/db/sites.db" || true
    for f in "$seeds/db"/*.db; do
        sqlite3 "$f" 'PRAGMA page_size = 512; VACUUM' || rm -f "$f"
    done
    touch "$seeds/db/small.done"
fi
for h in $harnesses; do
    maxlen=65536
    case $h in
        fz_budget) s="$seeds/yaml $src/fuzz/seeds/budget" ;;
        fz_dhat) s="$seeds/dhat" ;;
        fz_disasm) s="$seeds/code" ;;
        fz_disasm_a64) s="$seeds/code_a64" ;;
        fz_db) s="$seeds/db"; maxlen=131072 ;;
        *) s="$seeds/bin" ;;
    esac
    mkdir -p "$fz/corpus/$h" "$fz/crashes/$h"
    for d in $s; do [ -d "$d" ] || s=$(echo "$s" | sed "s|$d||"); done
    # libFuzzer cuts a longer seed to -max_len without a word
    for d in $s; do
        find "$d" -type f -size +"$maxlen"c | while read -r f; do
            echo "fuzz seeds: $f is over -max_len=$maxlen bytes: $h sees it cut"
        done
    done
    echo "== $h ($secs s$([ "$bin" = "$fz" ] || echo ", throughput build"))"
    "$bin/$h" ${FUZZ_FLAGS:-} -max_total_time="$secs" -timeout=20 -rss_limit_mb=2048 \
        -max_len="$maxlen" -print_final_stats=1 -artifact_prefix="$fz/crashes/$h/" \
        "$fz/corpus/$h" $s >"$fz/$h.log" 2>&1 || true
    grep -v 'Uses:' "$fz/$h.log" | tail -n 12
    if [ "$bin" != "$fz" ]; then
        # what the throughput build found, once through ASan+UBSan (fz_db:
        # every reader on every input; SQLite's planner as the product
        # runs it, flattener on: fz_common.h)
        echo "== $h: the corpus through the ASan build"
        FZ_DB_ALL=1 FZ_SQLITE_PLAN=product "$fz/$h" -runs=0 -max_len="$maxlen" -timeout=60 -rss_limit_mb=2048 \
            -artifact_prefix="$fz/crashes/$h/" "$fz/corpus/$h" >"$fz/$h.replay.log" 2>&1 || true
        grep -E 'ERROR|SUMMARY|Done|INITED' "$fz/$h.replay.log" | tail -n 4
    fi
done
