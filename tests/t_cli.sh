#!/bin/sh
# t_cli.sh -- the command line itself (issue 20): every command's --help,
# -h and `holeprof help COMMAND` print its usage and options on stdout and
# exit 0; a bad option, an option missing its value and an unknown
# command print exactly one line on stderr, nothing on stdout, exit 2.
# The commands are the ones `holeprof --help` lists, so a new command is
# covered without editing this file.
. "${TOP_SRCDIR:-$(dirname "$0")/..}/tests/lib.sh"

[ -x "$HOLEPROF" ] || die "holeprof not built: $HOLEPROF"

assert_status "--help" 0 "$HOLEPROF" --help
cmds=$(sed -n 's/^usage: holeprof \([a-z][a-z]*\) .*/\1/p' "$T/out" | grep -v '^help$' | grep -v '^version$')
assert_match "--help lists the commands" "analyze.*top.*show.*sites.*profile.*report.*query.*diff.*check.*merge" \
    "$(echo $cmds)"
assert_eq "--help: nothing on stderr" "" "$(cat "$T/err")"

# one_error WHAT CMD... : exit 2, exactly one line on stderr starting
# "holeprof: ", stdout empty
one_error() {
    _w=$1; shift
    assert_status "$_w: exit 2" 2 "$@"
    assert_eq "$_w: one stderr line" 1 "$(wc -l <"$T/err")"
    assert_match "$_w: holeprof's line" "^holeprof: " "$(cat "$T/err")"
    assert_eq "$_w: stdout empty" 0 "$(wc -c <"$T/out")"
}

for c in $cmds; do
    for h in --help -h; do
        assert_status "[$c $h] exit 0" 0 "$HOLEPROF" "$c" "$h"
        assert_match "[$c $h] usage on stdout" "^usage: holeprof $c " "$(head -n 1 "$T/out")"
        assert_eq "[$c $h] stderr empty" "" "$(cat "$T/err")"
        # the block is the one --help shows for the command
        cp "$T/out" "$T/one"
        "$HOLEPROF" --help >"$T/all"
        if grep -qxF -f "$T/one" "$T/all" && [ "$(grep -cxF -f "$T/one" "$T/all")" -ge "$(wc -l <"$T/one")" ]; then
            pass; else fail "[$c $h] not the block of holeprof --help"; fi
    done
    # --help wins wherever it is, even after other arguments
    assert_status "[$c] help after arguments" 0 "$HOLEPROF" "$c" some.db --help
    assert_status "[$c] holeprof help $c" 0 "$HOLEPROF" help "$c"
    assert_eq "[$c] help COMMAND = COMMAND --help" "$(cat "$T/one")" "$(cat "$T/out")"
    one_error "[$c] unknown long option" "$HOLEPROF" "$c" --no-such-option x.db
    assert_match "[$c] names the option" "'--no-such-option'" "$(cat "$T/err")"
    one_error "[$c] unknown short option" "$HOLEPROF" "$c" -Z x.db
    assert_match "[$c] names the short option" "'-Z'" "$(cat "$T/err")"
    assert_match "[$c] points to its help" "holeprof $c --help" "$(cat "$T/err")"
    one_error "[$c] no arguments" "$HOLEPROF" "$c"
done

# options that need a value, given none
one_error "[analyze -o] missing value" "$HOLEPROF" analyze x -o
assert_match "[analyze -o] says so" "option '-o' needs a value" "$(cat "$T/err")"
one_error "[analyze --output] missing value" "$HOLEPROF" analyze x --output
assert_match "[analyze --output] says so" "option '--output' needs a value" "$(cat "$T/err")"
one_error "[top -n] missing value" "$HOLEPROF" top x.db -n
one_error "[query -p] missing value" "$HOLEPROF" query x.db holes -p
one_error "[top -n] bad value" "$HOLEPROF" top -n lots x.db
one_error "[unknown command]" "$HOLEPROF" frobnicate
one_error "[help of an unknown command]" "$HOLEPROF" help frobnicate
assert_status "[no command] usage" 2 "$HOLEPROF"
assert_match "[no command] usage on stderr" "^usage: holeprof COMMAND" "$(head -n 1 "$T/err")"
assert_status "--version" 0 "$HOLEPROF" --version
assert_match "--version prints it" "^holeprof [0-9]" "$(cat "$T/out")"

finish
