#!/bin/sh
# fuzz_regress.sh -- replay every input the fuzzers ever crashed on
# (tests/fuzz-regress/) through the normal program.
#
# The file name's prefix says which reader it hit:
#   elf-*, dwarf-*, sites-*  holeprof analyze FILE -o DB
#   budget-*                 holeprof check DB --budget FILE
#   dhat-*                   holeprof profile DB FILE (on a copy of DB)
# Each must end with status 0, 1 (check: a budget breached) or 2, never a
# signal or a hang; with no sanitizer report; with one line on stderr when
# it is 2; and analyze must leave no database behind when it fails.
# Add a file here for every crash fuzz/ finds, after fixing it.
#
# Directories seq-dwarf-*/ hold inputs that crash only one after another
# in one process (libdwarf kept state between handles): tests/dwarf_replay
# reads each sequence, in order, in a single process, and must get through
# all of it, with a verdict line per file and no sanitizer report.
. "${TOP_SRCDIR:-$(dirname "$0")/..}/tests/lib.sh"

need gcc sqlite3 timeout
[ -x "$HOLEPROF" ] || die "holeprof not built: $HOLEPROF"
dir=$TOP_SRCDIR/tests/fuzz-regress
[ -d "$dir" ] || die "no $dir"

# a small database for the readers
cat >"$T/p.c" <<'EOF2'
#include <stdlib.h>
struct conn { char a; long b; char c; };
int main(void) { struct conn *c = malloc(sizeof *c); c->a = 1; free(c); return 0; }
EOF2
gcc -g -O0 -o "$T/p" "$T/p.c" || die "gcc failed"
"$HOLEPROF" analyze -q "$T/p" -o "$T/p.db" || die "analyze of the reader fixture failed"

n=0
for f in "$dir"/*; do
    [ -f "$f" ] || continue
    b=$(basename "$f")
    mkdir -p "$T/o"
    case $b in
        elf-*|dwarf-*|sites-*) cmd="analyze"; timeout 120 "$HOLEPROF" analyze -q "$f" -o "$T/o/x.db" >"$T/out" 2>"$T/err" ;;
        budget-*) cmd="check"; timeout 120 "$HOLEPROF" check "$T/p.db" --budget "$f" >"$T/out" 2>"$T/err" ;;
        dhat-*) cmd="profile"; cp "$T/p.db" "$T/o/x.db"
                timeout 120 "$HOLEPROF" profile -q "$T/o/x.db" "$f" >"$T/out" 2>"$T/err" ;;
        *) fail "$b: unknown prefix (want elf-, dwarf-, sites-, budget-, dhat-)"; continue ;;
    esac
    s=$?
    n=$((n + 1))
    case $s in
        0|2) pass ;;
        1) [ "$cmd" = check ] && pass || fail "$b: $cmd exit status 1" ;;
        124) fail "$b: $cmd hangs" ;;
        *) fail "$b: $cmd exit status $s: $(head -c 300 "$T/err")" ;;
    esac
    if grep -qE 'Sanitizer|runtime error' "$T/err"; then
        fail "$b: sanitizer report: $(grep -m1 -E 'Sanitizer|runtime error' "$T/err")"
    else pass; fi
    if [ $s = 2 ]; then
        assert_eq "$b: one line on stderr" 1 "$(wc -l <"$T/err")"
        [ "$cmd" != analyze ] || assert_eq "$b: no database left" "" "$(ls -A "$T/o")"
    fi
    rm -rf "$T/o"
done
echo "replayed $n inputs"
[ "$n" -gt 0 ] && pass || fail "no input replayed"

REPLAY=$TOP_BUILDDIR/tests/dwarf_replay
[ -x "$REPLAY" ] || die "not built: $REPLAY"
nseq=0
for d in "$dir"/seq-dwarf-*/; do
    [ -d "$d" ] || continue
    nseq=$((nseq + 1))
    b=$(basename "$d")
    # shellcheck disable=SC2046  # one argument per file, in name order
    timeout 300 "$REPLAY" $(ls "$d"* | sort) >"$T/out" 2>"$T/err"
    assert_eq "$b: replayed in one process, exit status" 0 "$?"
    assert_eq "$b: a verdict for every file" "$(ls "$d" | wc -l | tr -d ' ')" "$(wc -l <"$T/out" | tr -d ' ')"
    if grep -qE 'Sanitizer|runtime error' "$T/err"; then
        fail "$b: sanitizer report: $(grep -m1 -E 'Sanitizer|runtime error' "$T/err")"
    else pass; fi
done
echo "replayed $nseq sequences in one process"
[ "$nseq" -gt 0 ] && pass || fail "no sequence replayed"
finish
