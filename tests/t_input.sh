#!/bin/sh
# t_input.sh -- input that never hangs (issue 20): a FIFO or a device
# given as BINARY (or as --debug-file) is refused at once with one line,
# never waited on; with -r, a directory or file that cannot be read is
# skipped with a note naming it and the run goes on to write the rest.
# Unreadable files are made unreadable to the test only: as root, holeprof
# runs with CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH dropped (setpriv).
. "${TOP_SRCDIR:-$(dirname "$0")/..}/tests/lib.sh"

need gcc sqlite3 mkfifo timeout
[ -x "$HOLEPROF" ] || die "holeprof not built: $HOLEPROF"

printf 'struct in_a { char c; long l; } g_a;\nint main(void){return 0;}\n' >"$T/a.c"
printf 'struct in_b { char c; int i; char d; } g_b;\nint main(void){return 0;}\n' >"$T/b.c"
gcc -g -o "$T/a" "$T/a.c" && gcc -g -o "$T/b" "$T/b.c" || die "cannot build fixtures"

# refused WHAT NEEDLE CMD... : CMD ends within 10 s with status 2, one line
# on stderr containing NEEDLE, and no database
refused() {
    _w=$1; _n=$2; shift 2
    assert_status "$_w: exit 2 at once (124 = it hung)" 2 timeout 10 "$@"
    assert_eq "$_w: one stderr line" 1 "$(wc -l <"$T/err")"
    assert_match "$_w: says why" "$_n" "$(cat "$T/err")"
    [ ! -e "$T/x.db" ] && pass || fail "$_w: a database was written"
}

mkfifo "$T/fifo"
refused "[fifo] as BINARY" "fifo: is a FIFO, not an ELF file" \
    "$HOLEPROF" analyze -q "$T/fifo" -o "$T/x.db"
refused "[fifo] as --debug-file" "fifo: is a FIFO, not an ELF file" \
    "$HOLEPROF" analyze -q --debug-file "$T/fifo" "$T/a" -o "$T/x.db"
refused "[device] /dev/zero as BINARY" "/dev/zero: is a device, not an ELF file" \
    "$HOLEPROF" analyze -q /dev/zero -o "$T/x.db"
# -r names a FIFO directly: skipped with a note like any unusable file,
# then nothing is left to analyze; no hang
assert_status "[fifo] as BINARY with -r: exit 2 at once (124 = it hung)" 2 \
    timeout 10 "$HOLEPROF" analyze -r "$T/fifo" -o "$T/x.db"
assert_match "[fifo] as BINARY with -r: noted" "^holeprof: skipped $T/fifo: is a FIFO, not an ELF file$" \
    "$(cat "$T/err")"
# inside a -r tree a FIFO is not an ELF file: ignored, never opened
mkdir -p "$T/ftree"
cp "$T/a" "$T/ftree/a"
mkfifo "$T/ftree/pipe"
assert_status "[fifo] inside a -r tree: ignored (124 = it hung)" 0 \
    timeout 10 "$HOLEPROF" analyze -q -r "$T/ftree" -o "$T/f.db"
assert_eq "[fifo] inside a -r tree: the ELF file stored" 1 "$(q "$T/f.db" "SELECT count(*) FROM binaries")"

# ---- -r over a tree with unreadable parts ----
if [ "$(id -u)" = 0 ]; then
    command -v setpriv >/dev/null 2>&1 || skip "setpriv not installed (needed to drop root's read override)"
    AS_USER="setpriv --bounding-set=-dac_override,-dac_read_search"
    $AS_USER true 2>/dev/null || skip "setpriv cannot drop capabilities here"
else
    AS_USER=
fi
mkdir -p "$T/tree/ok" "$T/tree/locked" "$T/tree/zz"
cp "$T/a" "$T/tree/ok/a"
cp "$T/b" "$T/tree/locked/b"
cp "$T/b" "$T/tree/zz/b"
cp "$T/a" "$T/tree/ok/unreadable"
chmod 000 "$T/tree/locked" "$T/tree/ok/unreadable"
assert_status "[-r] unreadable dir and file: the run goes on" 0 \
    $AS_USER "$HOLEPROF" analyze -r --no-system-debug-dirs "$T/tree" -o "$T/r.db"
chmod 755 "$T/tree/locked"
chmod 644 "$T/tree/ok/unreadable"
assert_eq "[-r] the readable binaries stored" "$T/tree/ok/a|$T/tree/zz/b" \
    "$(q "$T/r.db" "SELECT group_concat(path, '|') FROM (SELECT path FROM binaries ORDER BY path)")"
assert_match "[-r] the directory noted" \
    "^holeprof: skipped $T/tree/locked: cannot read directory: Permission denied$" "$(cat "$T/err")"
assert_match "[-r] the file noted" \
    "^holeprof: skipped $T/tree/ok/unreadable: cannot read: Permission denied$" "$(cat "$T/err")"
# -q: no notes at all, same database
chmod 000 "$T/tree/locked" "$T/tree/ok/unreadable"
assert_status "[-r -q] the run goes on" 0 \
    $AS_USER "$HOLEPROF" analyze -q -r --no-system-debug-dirs "$T/tree" -o "$T/rq.db"
chmod 755 "$T/tree/locked"
chmod 644 "$T/tree/ok/unreadable"
assert_eq "[-r -q] quiet" "" "$(cat "$T/err")"
assert_eq "[-r -q] same binaries" 2 "$(q "$T/rq.db" "SELECT count(*) FROM binaries")"

finish
