#!/bin/sh
# t_harden.sh -- hostile text and files outside the database itself
# (issue 22).  Every crafted input is made here at run time.
#
# 4. Names holding ESC, BEL and a C1 CSI (U+009B) -- a type name, a site's
#    function and file -- never reach the terminal raw: sites, show (also
#    its "did you mean" line), top, query, diff and check's stderr print
#    '?' for each control byte, through one function (hp_text_clean).
# 6. Budget files: a key given twice in a rule, a second top-level
#    `budgets:`, a number above 2^63 and 100,000 levels of nesting are each
#    one line and exit 2, in bounded time (the last used to take > 20 s;
#    the duplicate silently let the last max_size win).
# 7. `query` of 40,000 statements costs about 4x that of 10,000 (it was
#    quadratic: 58 s); `--alloc-config /dev/zero` is refused at once (it
#    hung); a comment line over 4 KB is a comment, not a declaration.
# 8. A DWARF byte_size of 2^63 - 1 (and one of 2^50): analyze skips those
#    types with one note naming the binary, the count and the first DIE
#    offset, and every reader works (show used to call the database
#    damaged).
# 9. SIGINT, SIGTERM and SIGHUP during analyze, merge and profile leave no
#    temporary file (.DB.tmp.*) and no journal, and the database is the old
#    one or the new one; the run dies of the signal (tests/sigrun.py).  On a
#    full file system (a small tmpfs, when this machine lets the test mount
#    one) every writer says what failed ("database or disk is full", "No
#    space left on device"), never "not an error", and leaves nothing.
. "${TOP_SRCDIR:-$(dirname "$0")/..}/tests/lib.sh"

need gcc sqlite3 python3 valgrind awk readelf
[ -x "$HOLEPROF" ] || die "holeprof not built: $HOLEPROF"

gcc -g -O1 -o "$T/p" "$FIXTURES/conn_alloc.c" 2>"$T/cc.err" || die "gcc: $(head -c 300 "$T/cc.err")"
"$HOLEPROF" analyze -q "$T/p" -o "$T/good.db" 2>"$T/err" || die "analyze: $(head -c 300 "$T/err")"

# ---- 4. control characters in names ----
cp "$T/good.db" "$T/esc.db"
sqlite3 "$T/esc.db" "UPDATE types SET name = 'conn' || char(27) || '[31m' || char(7) || char(155)
                      WHERE name = 'conn';
    UPDATE sites SET function = 'mk' || char(27) || ']0;title' || char(7),
                     source_function = 'mk' || char(27) || '[2J',
                     file = '/x/p' || char(27) || '[1m.c', allocator = 'mal' || char(7) || 'loc';" ||
    die "cannot craft esc.db"
assert_eq "the crafted name is there" 1 "$(q "$T/esc.db" "SELECT count(*) FROM types WHERE name LIKE 'conn' || char(27) || '%'")"
printf 'budgets:\n  - type: "*"\n    max_size: 1\n' >"$T/b.yaml"
ESCNAME=$(printf 'conn\033[31m\007\302\233')
# raw COMMAND... : run it, stdout and stderr into $T/all
raw() { "$@" >"$T/all" 2>&1; }
# no_controls WHAT : $T/all holds no C0 control but newline, no DEL, no C1
no_controls() {
    _bad=$(python3 -c '
import re, sys
d = open(sys.argv[1], "rb").read()
print(len(re.findall(rb"[\x00-\x09\x0b-\x1f\x7f]|\xc2[\x80-\x9f]", d)))' "$T/all")
    assert_eq "$1: no control bytes reach the terminal" 0 "$_bad"
}
raw "$HOLEPROF" sites "$T/esc.db"
assert_match "sites prints the site" 'conn\?\[31m\?\?\?' "$(cat "$T/all")"
no_controls "sites"
raw "$HOLEPROF" sites "$T/esc.db" "$ESCNAME"
assert_match "sites TYPE finds it" 'mk\?\[2J' "$(cat "$T/all")"
no_controls "sites TYPE"
raw "$HOLEPROF" show "$T/esc.db" "$ESCNAME"
assert_match "show prints the type" 'struct conn\?\[31m\?\?\? \{' "$(cat "$T/all")"
no_controls "show TYPE (site lines too)"
raw "$HOLEPROF" show "$T/esc.db" con
assert_match "show: did you mean" "did you mean: conn\\?\\[31m\\?\\?\\?" "$(cat "$T/all")"
no_controls "show's did-you-mean line"
raw "$HOLEPROF" top "$T/esc.db"
no_controls "top"
raw "$HOLEPROF" query "$T/esc.db" holes
no_controls "query"
raw "$HOLEPROF" diff "$T/good.db" "$T/esc.db"
no_controls "diff"
raw "$HOLEPROF" check "$T/esc.db" --budget "$T/b.yaml"
assert_match "check names the type on stderr" 'worst: struct conn\?\[31m\?\?\?' "$(cat "$T/all")"
no_controls "check (stdout and stderr)"
raw "$HOLEPROF" report "$T/esc.db" -o "$T/r.html"
cp "$T/r.html" "$T/all"
no_controls "report's HTML"

# ---- 6. budget files: one-line errors, bounded time ----
bad_budget() {   # WHAT FILE REGEX
    t0=$(date +%s)
    timeout 120 "$HOLEPROF" check "$T/good.db" --budget "$2" >"$T/out" 2>"$T/err"
    _st=$?
    t1=$(date +%s)
    assert_eq "budget $1: exit status" 2 "$_st"
    assert_eq "budget $1: one line" 1 "$(wc -l <"$T/err")"
    assert_match "budget $1: why" "$3" "$(cat "$T/err")"
    [ $((t1 - t0)) -le 10 ] && pass || fail "budget $1: took $((t1 - t0)) s"
}
printf 'budgets:\n  - type: "*"\n    max_size: 16\n    max_size: 100000\n' >"$T/dup.yaml"
bad_budget "duplicate key" "$T/dup.yaml" 'dup\.yaml: line 4: max_size given twice in one budget \(first on line 3\)'
printf 'budgets:\n  - type: "*"\n    max_size: 16\nbudgets: []\n' >"$T/dup2.yaml"
bad_budget "second budgets:" "$T/dup2.yaml" "dup2\\.yaml: line 4: a second 'budgets:' \\(the first is on line 1\\)"
printf 'budgets:\n  - type: "*"\n    max_size: 9223372036854775808\n' >"$T/huge.yaml"
bad_budget "2^63" "$T/huge.yaml" 'huge\.yaml: line 3: max_size 9223372036854775808 is too large'
printf 'budgets:\n  - type: "*"\n    max_padding_bytes: 1e300\n' >"$T/huge2.yaml"
bad_budget "1e300" "$T/huge2.yaml" 'huge2\.yaml: line 3: max_padding_bytes 1e300 is too large'
python3 -c "print('budgets: ' + '[' * 100000 + ']' * 100000)" >"$T/deep.yaml"
bad_budget "100k-deep nesting" "$T/deep.yaml" 'deep\.yaml: line 1: nested deeper than 64 levels'
# the same file without the tricks still breaches (max_size 16 < 24)
printf 'budgets:\n  - type: "*"\n    max_size: 16\n' >"$T/ok.yaml"
assert_status "budget: the plain rule breaches" 1 "$HOLEPROF" check "$T/good.db" --budget "$T/ok.yaml"

# ---- 7. query files and --alloc-config: linear, bounded ----
for n in 10000 40000; do
    python3 -c "import sys; sys.stdout.write(''.join('SELECT %d AS n;\n' % i for i in range($n)))" >"$T/many$n.sql"
    t0=$(date +%s%N)
    "$HOLEPROF" query "$T/good.db" "$T/many$n.sql" -f csv >"$T/out" 2>"$T/err"
    assert_eq "query of $n statements: exit status" "0 $n" "$? $(grep -c '^[0-9]' "$T/out")"
    eval "ms$n=$(( ($(date +%s%N) - t0) / 1000000 ))"
done
echo "query: 10000 statements $ms10000 ms, 40000 statements $ms40000 ms"
# linear: 4x the statements may cost 4x and noise; quadratic was 16x (58 s at 40k)
[ "$ms40000" -le $((8 * ms10000 + 2000)) ] && pass ||
    fail "query: 40000 statements took $ms40000 ms, 10000 took $ms10000 ms (not linear)"
t0=$(date +%s)
timeout 60 "$HOLEPROF" analyze -q "$T/p" -o "$T/z.db" --alloc-config /dev/zero >"$T/out" 2>"$T/err"
assert_eq "--alloc-config /dev/zero: refused" 2 "$?"
assert_match "--alloc-config /dev/zero: why" '/dev/zero: allocator config larger than [0-9]+ bytes' "$(cat "$T/err")"
[ $(($(date +%s) - t0)) -le 10 ] && pass || fail "--alloc-config /dev/zero took $(($(date +%s) - t0)) s"
python3 -c "print('# ' + 'x' * 5000 + ' not a declaration'); print('conn_new:0  # a wrapper')" >"$T/ac.txt"
assert_status "--alloc-config: a comment over 4 KB stays a comment" 0 "$HOLEPROF" analyze -q "$T/p" -o "$T/z.db" --alloc-config "$T/ac.txt"
assert_eq "--alloc-config: the declaration after it is read" "config" \
    "$(q "$T/z.db" "SELECT origin FROM allocators WHERE name = 'conn_new'")"
python3 -c "print('x' * 5000 + ':0')" >"$T/ac2.txt"
assert_status "--alloc-config: a declaration over 4 KB" 2 "$HOLEPROF" analyze -q "$T/p" -o "$T/z.db" --alloc-config "$T/ac2.txt"
assert_match "--alloc-config: long declaration refused" 'ac2\.txt: line 1: declaration longer than 4096 bytes' "$(cat "$T/err")"

# ---- 8. a DWARF size no real type has ----
cat >"$T/huge.c" <<'CEOF'
struct huge { char a[0x7fffffffffffffff]; };    /* byte_size 2^63 - 1 */
struct vast { long n; char a[1L << 50]; };      /* 2^50 + 8: beyond 2^48 too */
struct okay { char c; long l; };
struct huge *hp;
struct vast *vp;
struct okay ok;
int main(void) { return hp != 0 || vp != 0; }
CEOF
gcc -g -O0 -o "$T/huge" "$T/huge.c" 2>"$T/cc.err" || die "gcc: $(head -c 300 "$T/cc.err")"
die_of() { readelf --debug-dump=info "$T/huge" 2>/dev/null |
    awk -v n="$1" '/DW_TAG_structure_type/ { split($1, a, /[<>]/); off = a[4] }
                   /DW_AT_name/ && $NF == n && off != "" { print off; exit }
                   /Abbrev Number/ && !/DW_TAG_structure_type/ { off = "" }'; }
huge_die=$(die_of huge)
[ -n "$huge_die" ] || die "readelf does not show struct huge"
assert_status "analyze: an out-of-range type is skipped, not fatal" 0 "$HOLEPROF" analyze "$T/huge" -o "$T/huge.db"
assert_match "analyze: the note names the binary, the count and the first DIE" \
    "holeprof: $T/huge: 2 types skipped: a size or offset beyond 2\\^48 bytes \\(first: DIE 0x$huge_die in $T/huge\\)" "$(cat "$T/err")"
assert_eq "the skipped types are not stored" "okay" "$(q "$T/huge.db" "SELECT group_concat(name) FROM types")"
assert_status "show of the good type" 0 "$HOLEPROF" show "$T/huge.db" okay
assert_status "query holes: no damaged database" 0 "$HOLEPROF" query "$T/huge.db" holes
assert_status "top: no damaged database" 0 "$HOLEPROF" top "$T/huge.db"

# ---- 9. signals and full disks ----
python3 - "$T/big.c" <<'PYEOF' || die "cannot generate big.c"
import random, sys
r = random.Random(3)
tys = ['char', 'short', 'int', 'long', 'double', 'void *']
with open(sys.argv[1], 'w') as f:
    f.write('#include <stdlib.h>\n')
    for i in range(3000):
        f.write('struct big_%d { %s };\n' % (i, ' '.join('%s m%d;' % (r.choice(tys), j)
                                                     for j in range(r.randint(2, 12)))))
        f.write('struct big_%d *mk_%d(void) { return malloc(sizeof(struct big_%d)); }\n' % (i, i, i))
    f.write('int main(void) { return mk_1() == 0; }\n')
PYEOF
gcc -g -O0 -o "$T/big" "$T/big.c" 2>"$T/cc.err" || die "gcc: $(head -c 300 "$T/cc.err")"
valgrind -q --tool=dhat --dhat-out-file="$T/big.json" "$T/big" 2>"$T/vg.err" ||
    die "valgrind: $(head -c 300 "$T/vg.err")"
"$HOLEPROF" analyze -q "$T/big" -o "$T/big.db" 2>"$T/err" || die "analyze big: $(head -c 300 "$T/err")"
mkdir "$T/sig"
python3 "$TOP_SRCDIR/tests/sigrun.py" "$HOLEPROF" "$T" >"$T/sig.out" 2>"$T/sig.err" ||
    die "signal runs failed: $(tail -c 400 "$T/sig.err")"
cat "$T/sig.out"
assert_eq "every run died of its signal or finished" "" \
    "$(awk '$3 != "killed" && $3 != "finished"' "$T/sig.out")"
assert_eq "no temporary file or journal left by any run" "" "$(awk '$4 != "nothing"' "$T/sig.out")"
assert_eq "the database always passes integrity_check" "" "$(awk '$5 != "ok"' "$T/sig.out")"
assert_match "analyze runs were really stopped by SIGINT" '^analyze SIGINT killed' "$(cat "$T/sig.out")"
assert_match "analyze runs were really stopped by SIGHUP" '^analyze SIGHUP killed' "$(cat "$T/sig.out")"
assert_match "merge runs were really stopped" '^merge SIG[A-Z]+ killed' "$(cat "$T/sig.out")"
# the database is the old one (1 type) or the new one (3000 and more)
assert_eq "analyze: old or new database" "" "$(awk '$1 == "analyze" && $6 != 1 && $6 < 3000' "$T/sig.out")"

# Full file system: a small tmpfs (in a private mount namespace when the
# kernel allows one, else as root) holds the database but not the import.
valgrind -q --tool=dhat --dhat-out-file="$T/p.json" "$T/p" 2>"$T/vg.err" ||
    die "valgrind: $(head -c 300 "$T/vg.err")"
if unshare -rm sh -c "mount -t tmpfs -o size=64k tmpfs '$T/sig'" 2>/dev/null; then
    MNT="unshare -rm sh -c"
elif [ "$(id -u)" = 0 ] && mount -t tmpfs -o size=64k tmpfs "$T/sig" 2>/dev/null; then
    umount "$T/sig"
    MNT="sh -c"
else
    MNT=""
    echo "note: cannot mount a small tmpfs here; the full-disk checks are skipped"
fi
if [ -n "$MNT" ]; then
    # sizes just above the database (tmpfs counts 4 KiB pages): room for
    # the copy, not for the import's journal and new pages
    base=$(( ($(wc -c < "$T/good.db") + 4095) / 4096 * 4 ))
    for kb in $((base + 4)) $((base + 8)) $((base + 12)) $((base + 16)); do
        $MNT "mount -t tmpfs -o size=${kb}k tmpfs '$T/sig' && cp '$T/good.db' '$T/sig/' &&
              '$HOLEPROF' profile -q '$T/sig/good.db' '$T/p.json'; echo status \$?;
              sqlite3 '$T/sig/good.db' 'PRAGMA integrity_check'; ls -A '$T/sig';
              umount '$T/sig'" >"$T/full.$kb" 2>&1
    done
    cat "$T"/full.*
    assert_eq "full disk: never 'not an error'" "" "$(cat "$T"/full.* | grep 'not an error')"
    assert_match "full disk: profile says the disk is full" 'good\.db: cannot [a-z ]+: database or disk is full' "$(cat "$T"/full.*)"
    assert_eq "full disk: the database stays sound, nothing beside it" "" \
        "$(cat "$T"/full.* | grep -v -e '^status' -e '^ok$' -e '^good\.db$' -e '^holeprof: ')"
    $MNT "mount -t tmpfs -o size=40k tmpfs '$T/sig' &&
          '$HOLEPROF' analyze -q '$T/p' -o '$T/sig/x.db'; echo status \$?;
          '$HOLEPROF' merge -q '$T/sig/m.db' '$T/good.db'; echo status \$?;
          '$HOLEPROF' report '$T/big.db' -o '$T/sig/r.html'; echo status \$?; ls -A '$T/sig';
          umount '$T/sig'" >"$T/full.w" 2>&1
    cat "$T/full.w"
    assert_eq "full disk: analyze, merge, report fail with status 2" "status 2 status 2 status 2" \
        "$(grep '^status' "$T/full.w" | tr '\n' ' ' | sed 's/ $//')"
    assert_match "full disk: analyze names the problem" 'x\.db: cannot [a-z ]+: database or disk is full' "$(cat "$T/full.w")"
    assert_match "full disk: report names the errno" 'r\.html: cannot write: No space left on device' "$(cat "$T/full.w")"
    assert_eq "full disk: nothing left behind" "" "$(grep -v -e '^status' -e '^holeprof: ' "$T/full.w")"
fi

finish
