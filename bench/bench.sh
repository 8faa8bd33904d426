#!/usr/bin/env bash
# bench/bench.sh -- holeprof against pahole on the same binaries.
#
# Usage: bench/bench.sh [-n RUNS] BINARY...
#
# Contract: RUNS times (default 3), going round the BINARYs (run 1 of
# each, then run 2 of each, so that a drift of the machine's speed falls
# on all of them alike), runs
#   holeprof analyze -q BINARY -o SCRATCH/x.db
#   holeprof analyze -q --no-sites BINARY -o SCRATCH/y.db
#                     (layouts only, the same job as pahole; only when
#                     this holeprof has the option)
#   pahole -j BINARY > /dev/null
#   pahole BINARY > /dev/null
# under /usr/bin/time -f '%e %M %U %S', and prints per tool the median wall
# time, CPU time (user + system, all threads) and peak RSS, then one line
# per pahole variant
#   ratio holeprof/pahole -j: time T cpu C rss R
# for the full analyze, and the same for the layouts-only run as
#   ratio holeprof --no-sites/pahole -j: time T cpu C rss R
# (below 1 means holeprof is faster / smaller), and, when the database
# records it (binaries.die_count), the DIEs holeprof read per second of
# wall time (of the layouts-only run when there is one); then
#   sites: full/--no-sites: time T cpu C
# (what the allocation-site scan adds), then the same ratio run by run
# (each full run over the --no-sites run right after it: median, lowest
# and highest; pairs close in time are less exposed to the machine's
# drift than medians taken apart), and the DIEs in the whole debug
# file (counted with readelf; DIE_COUNT=0 skips that) with the seconds
# per million of them, and after the last binary the ratio of the
# slowest to the fastest of those.  Wall time comes from the shell's nanosecond clock around
# /usr/bin/time, because %e has only 10 ms resolution; on a busy machine
# compare the CPU column, which other processes do not inflate.
# A failing holeprof run aborts (its timing would mean nothing); pahole's
# exit status is reported but not fatal, since pahole 1.24 exits non-zero
# on some DWARF it does not know (e.g. DW_TAG_atomic_type).
#
# Environment: HOLEPROF (default: build/src/holeprof, else holeprof on
# PATH), HOLEPROF_ARGS (extra analyze options, e.g. --debug-file F),
# PAHOLE (default pahole), RUNS.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
runs=${RUNS:-3}
if [ "${1:-}" = -n ]; then runs=${2:?-n needs a number}; shift 2; fi
case $runs in ''|*[!0-9]*|0) echo "bench: RUNS must be a positive integer" >&2; exit 2 ;; esac
[ $# -ge 1 ] || { echo "usage: bench/bench.sh [-n RUNS] BINARY..." >&2; exit 2; }

if [ -z "${HOLEPROF:-}" ]; then
    if [ -x "$here/../build/src/holeprof" ]; then HOLEPROF=$here/../build/src/holeprof
    else HOLEPROF=$(command -v holeprof || true); fi
fi
[ -n "$HOLEPROF" ] && [ -x "$HOLEPROF" ] ||
    { echo "bench: holeprof not found; set HOLEPROF=path/to/src/holeprof" >&2; exit 2; }
PAHOLE=${PAHOLE:-pahole}
TIME=/usr/bin/time
[ -x $TIME ] || { echo "bench: $TIME missing: install the Debian package time" >&2; exit 2; }
# --no-sites arrived with allocation-site scanning; older builds lack it.
have_nosites=0
# grep reads the whole text: with -q it could exit first and, under pipefail,
# holeprof's SIGPIPE would fail the test
"$HOLEPROF" --help 2>/dev/null | grep -e '--no-sites' >/dev/null && have_nosites=1
have_pahole=1
command -v "$PAHOLE" >/dev/null 2>&1 || { have_pahole=0; echo "bench: $PAHOLE not found, timing holeprof only" >&2; }

scratch=$(mktemp -d "${TMPDIR:-/tmp}/holeprof-bench.XXXXXX")
trap 'rm -rf "$scratch"' EXIT

# measure LABEL CMD... : run CMD once under /usr/bin/time; appends
# "wall_seconds rss_kb cpu_seconds" to $scratch/LABEL; returns CMD's status.
measure() {
    local label=$1 t0 t1 rc=0
    shift
    t0=$(date +%s%N)
    $TIME -f '%e %M %U %S' -o "$scratch/time.out" "$@" >/dev/null 2>"$scratch/stderr" || rc=$?
    t1=$(date +%s%N)
    # GNU time writes "Command exited with non-zero status N" first on failure
    tail -n 1 "$scratch/time.out" | awk -v ms=$(( (t1 - t0) / 1000000 )) \
        '{printf "%.3f %d %.2f\n", ms / 1000, $2, $3 + $4}' >> "$scratch/$label"
    return $rc
}

# median FILE COLUMN
median() {
    sort -g -k"$2,$2" "$1" | awk -v c="$2" '{v[NR] = $c} END {
        if (NR % 2) print v[(NR + 1) / 2]; else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# shellcheck disable=SC2206  # HOLEPROF_ARGS is a word list on purpose
hp_args=(${HOLEPROF_ARGS:-})
spm=()      # "seconds-per-million binary" of each binary that has one
bins=("$@")
for bin in "${bins[@]}"; do
    [ -f "$bin" ] || { echo "bench: $bin: no such file" >&2; exit 2; }
done
# Runs go round the binaries (run 1 of each, then run 2 of each...): this
# machine's speed drifts over minutes, and binaries timed one after the
# other would each see a different phase of it, which would skew the
# comparison between them (seconds per million DIEs).
for _ in $(seq "$runs"); do
    for k in "${!bins[@]}"; do
        bin=${bins[$k]}
        rm -f "$scratch/x$k.db"
        if ! measure "$k.hp" "$HOLEPROF" analyze -q "${hp_args[@]}" "$bin" -o "$scratch/x$k.db"; then
            echo "bench: holeprof analyze failed on $bin:" >&2
            cat "$scratch/stderr" >&2
            exit 1
        fi
        if [ $have_nosites = 1 ]; then
            rm -f "$scratch/y.db"
            if ! measure "$k.hn" "$HOLEPROF" analyze -q --no-sites "${hp_args[@]}" "$bin" \
                    -o "$scratch/y.db"; then
                echo "bench: holeprof analyze --no-sites failed on $bin:" >&2
                cat "$scratch/stderr" >&2
                exit 1
            fi
        fi
        if [ $have_pahole = 1 ]; then
            measure "$k.pj" "$PAHOLE" -j "$bin" ||
                echo "  (pahole -j exited non-zero on $bin: $(head -c 200 "$scratch/stderr"))"
            measure "$k.p" "$PAHOLE" "$bin" ||
                echo "  (pahole exited non-zero on $bin: $(head -c 200 "$scratch/stderr"))"
        fi
    done
done
for k in "${!bins[@]}"; do
    bin=${bins[$k]}
    for t in hp hn pj p; do
        rm -f "$scratch/$t"
        [ -f "$scratch/$k.$t" ] && cp "$scratch/$k.$t" "$scratch/$t"
    done
    [ -f "$scratch/x$k.db" ] && cp "$scratch/x$k.db" "$scratch/x.db"
    echo "binary: $bin  ($(du -k "$bin" | cut -f1) KiB, $runs runs, medians)"
    printf '  %-18s %10s %8s %12s\n' tool wall_s cpu_s peak_rss_mb
    for t in hp hn pj p; do
        [ -f "$scratch/$t" ] || continue
        case $t in
            hp) name="holeprof analyze" ;; hn) name="  --no-sites" ;;
            pj) name="pahole -j" ;; p) name="pahole" ;;
        esac
        printf '  %-18s %10s %8s %12s\n' "$name" "$(median "$scratch/$t" 1)" \
            "$(median "$scratch/$t" 3)" "$(median "$scratch/$t" 2 | awk '{printf "%.1f", $1 / 1024}')"
    done
    for h in hp hn; do
        [ -f "$scratch/$h" ] || continue
        hw=$(median "$scratch/$h" 1) hr=$(median "$scratch/$h" 2) hc=$(median "$scratch/$h" 3)
        # the DIE rate is a measure of the DWARF reader: prefer the
        # layouts-only run, which does nothing else
        case $h in hp) rate_wall=$hw rate_what="" ;; hn) rate_wall=$hw rate_what=" (layouts only)" ;; esac
        case $h in hp) hname=holeprof ;; hn) hname="holeprof --no-sites" ;; esac
        for t in pj p; do
            [ -f "$scratch/$t" ] || continue
            case $t in pj) name="pahole -j" ;; p) name="pahole" ;; esac
            awk -v h="$hname" -v n="$name" -v hw="$hw" -v hr="$hr" -v hc="$hc" \
                -v pw="$(median "$scratch/$t" 1)" -v pr="$(median "$scratch/$t" 2)" \
                -v pc="$(median "$scratch/$t" 3)" 'BEGIN {
                # floors: tiny inputs finish below the clock resolution
                # (1 ms for wall, 10 ms for CPU)
                if (pw < 0.001) pw = 0.001; if (hw < 0.001) hw = 0.001
                if (pc < 0.01) pc = 0.01; if (hc < 0.01) hc = 0.01
                printf "ratio %s/%s: time %.2f cpu %.2f rss %.2f\n", h, n, hw / pw, hc / pc, hr / pr }'
        done
    done
    if command -v sqlite3 >/dev/null 2>&1 && [ -f "$scratch/x.db" ]; then
        dies=$(sqlite3 -batch -noheader "$scratch/x.db" \
               'SELECT sum(die_count) FROM binaries;' 2>/dev/null || true)
        case $dies in
            ''|*[!0-9]*) ;;
            *) awk -v d="$dies" -v w="$rate_wall" -v what="$rate_what" 'BEGIN {
                   if (w < 0.001) w = 0.001
                   printf "dies: %d  dies/s: %.0f%s\n", d, d / w, what }' ;;
        esac
    fi
    # what the allocation-site scan adds to analyze (issue #3 budget: 1.30)
    if [ -f "$scratch/hp" ] && [ -f "$scratch/hn" ]; then
        awk -v fw="$(median "$scratch/hp" 1)" -v nw="$(median "$scratch/hn" 1)" \
            -v fc="$(median "$scratch/hp" 3)" -v nc="$(median "$scratch/hn" 3)" 'BEGIN {
            if (nw < 0.001) nw = 0.001; if (nc < 0.01) nc = 0.01
            printf "sites: full/--no-sites: time %.2f cpu %.2f\n", fw / nw, fc / nc }'
        # the same per run: each full run against the --no-sites run
        # right after it, which saw the same phase of a drifting machine
        paste -d ' ' "$scratch/hp" "$scratch/hn" | awk '{
            n = $4 < 0.001 ? 0.001 : $4; print $1 / n }' | sort -g | awk '
            { v[NR] = $1 } END { if (NR == 0) exit
                m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
                printf "sites: full/--no-sites run by run: median %.2f, %.2f to %.2f\n", m, v[1], v[NR] }'
    fi
    # time per million DIEs of the whole file (not only those visited):
    # readelf counts them, which takes about a minute on vmlinux;
    # DIE_COUNT=0 skips it
    if [ "${DIE_COUNT:-1}" != 0 ] && command -v readelf >/dev/null 2>&1 &&
       command -v sqlite3 >/dev/null 2>&1 && [ -f "$scratch/x.db" ]; then
        dbg=$(sqlite3 -batch -noheader "$scratch/x.db" 'SELECT debug_file FROM binaries LIMIT 1;')
        if [ -f "$dbg" ]; then
            total=$(readelf --debug-dump=info "$dbg" 2>/dev/null |
                    grep -c '^ *<[0-9]*><[0-9a-f]*>: Abbrev Number: [1-9]' || true)
            line=$(awk -v d="${total:-0}" -v w="$rate_wall" -v what="$rate_what" 'BEGIN {
                if (d > 0) printf "dies in file: %d  seconds per million: %.3f%s\n",
                                  d, w / (d / 1e6), what }')
            if [ -n "$line" ]; then
                echo "$line"
                spm+=("$(echo "$line" | awk '{print $8}') $bin")
            fi
        fi
    fi
done
# issue #6: the cost per DIE should not depend on the input; the spread
# between the slowest and the fastest binary of this run
if [ "${#spm[@]}" -ge 2 ]; then
    printf '%s\n' "${spm[@]}" | sort -g | awk '
        NR == 1 { lo = $1; lob = $2 } { hi = $1; hib = $2 }
        END { if (lo > 0) printf "seconds per million DIEs, slowest/fastest: %.2f (%s / %s)\n",
                                  hi / lo, hib, lob }'
fi
