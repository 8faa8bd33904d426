#!/bin/sh
# t_bench_smoke.sh -- bench/bench.sh still works, so the benchmark
# cannot rot between the (slow, manual) vmlinux runs.  Runs it once on
# the small examples/sample and checks it prints a timing row per tool,
# the ratio lines with numbers, the DIE rate from the database, the
# per-million spread between two binaries, and that a holeprof failure
# is reported rather than timed.
. "${TOP_SRCDIR:-$(dirname "$0")/..}/tests/lib.sh"

need pahole sqlite3
[ -x /usr/bin/time ] || skip "/usr/bin/time not installed (Debian package time)"
sample=$TOP_BUILDDIR/examples/sample
[ -x "$sample" ] || die "$sample not built (make builds it)"
bench=$TOP_SRCDIR/bench/bench.sh

assert_status "bench.sh on examples/sample" 0 bash "$bench" -n 1 "$sample"
out=$(cat "$T/out")
echo "$out"
num='[0-9]+(\.[0-9]+)?'
assert_match "holeprof row" "^  holeprof analyze +$num +$num +$num\$" "$out"
assert_match "pahole -j row" "^  pahole -j +$num +$num +$num\$" "$out"
assert_match "pahole row" "^  pahole +$num +$num +$num\$" "$out"
assert_match "ratio vs pahole -j" "^ratio holeprof/pahole -j: time $num cpu $num rss $num\$" "$out"
assert_match "ratio vs pahole" "^ratio holeprof/pahole: time $num cpu $num rss $num\$" "$out"
assert_match "DIE rate" "^dies: [1-9][0-9]*  dies/s: [0-9]+( \(layouts only\))?\$" "$out"
if command -v readelf >/dev/null 2>&1; then
    assert_match "DIEs in the file" "^dies in file: [1-9][0-9]*  seconds per million: $num( \(layouts only\))?\$" "$out"
fi
if "$HOLEPROF" --help | grep -q -e --no-sites; then
    # layouts-only run: its row and its two ratio lines
    assert_match "--no-sites row" "^    --no-sites +$num +$num +$num\$" "$out"
    assert_match "ratio --no-sites vs pahole -j" \
        "^ratio holeprof --no-sites/pahole -j: time $num cpu $num rss $num\$" "$out"
    assert_eq "ratio lines" 4 "$(printf '%s\n' "$out" | grep -c '^ratio ')"
    assert_match "sites overhead line" "^sites: full/--no-sites: time $num cpu $num\$" "$out"
    assert_match "sites overhead run by run" \
        "^sites: full/--no-sites run by run: median $num, $num to $num\$" "$out"
    # the median of the pairs lies within their range
    printf '%s\n' "$out" | awk '/run by run/ { gsub(",", ""); exit !($7 >= $8 && $7 <= $10) }' &&
        pass || fail "run-by-run median outside its range"
else
    assert_eq "ratio lines" 2 "$(printf '%s\n' "$out" | grep -c '^ratio ')"
fi

if command -v readelf >/dev/null 2>&1; then
    # one binary: no spread line; two: the slowest/fastest ratio of their
    # seconds per million DIEs (issue #6's linearity check)
    assert_eq "no spread line for one binary" 0 "$(grep -c 'slowest/fastest' "$T/out")"
    cp "$sample" "$T/sample2"
    assert_status "bench.sh on two binaries" 0 bash "$bench" -n 1 "$sample" "$T/sample2"
    assert_eq "one spread line" 1 "$(grep -c '^seconds per million DIEs, slowest/fastest: ' "$T/out")"
    assert_match "spread names both binaries" \
        "^seconds per million DIEs, slowest/fastest: $num \(.*sample.* / .*sample.*\)\$" "$(cat "$T/out")"
    lo=$(grep '^dies in file' "$T/out" | awk '{print $8}' | sort -g | head -n 1)
    hi=$(grep '^dies in file' "$T/out" | awk '{print $8}' | sort -g | tail -n 1)
    want=$(awk -v a="$hi" -v b="$lo" 'BEGIN { if (b > 0) printf "%.2f", a / b }')
    assert_eq "spread is slowest/fastest of the printed values" "$want" \
        "$(grep 'slowest/fastest' "$T/out" | awk '{print $6}')"
fi

# A file holeprof rejects must fail the benchmark, not produce numbers.
printf 'not an ELF file\n' > "$T/junk"
assert_status "bench.sh on a non-ELF file" 1 bash "$bench" -n 1 "$T/junk"
assert_match "failure names holeprof" "holeprof analyze failed" "$(cat "$T/err")"
assert_eq "no ratio after failure" 0 "$(grep -c '^ratio' "$T/out")"

assert_status "bench.sh without arguments" 2 bash "$bench"
assert_status "bench.sh on a missing file" 2 bash "$bench" "$T/missing"

# bench/pahole_agree.py: one summary line per binary; on the sample every
# struct pahole prints agrees (the script's parser and classes are what the
# 1.31 comparison in bench/README rests on)
if command -v python3 >/dev/null 2>&1 && python3 -c 'import sqlite3' 2>/dev/null; then
    assert_status "pahole_agree.py on examples/sample" 0 python3 "$TOP_SRCDIR/bench/pahole_agree.py" \
        --holeprof "$HOLEPROF" "$sample"
    assert_match "pahole_agree.py summary" \
        "^$sample: ([1-9][0-9]*) types compared, \\1 agree \\(100\\.00%\\); " "$(cat "$T/out")"
fi
finish
