#!/bin/sh
# t_recursive.sh -- many binaries into one database: explicit lists and
# --recursive directory walks (non-ELF files ignored, ELF files without
# debug info skipped with a note), each binary with its own binary_id.
. "${TOP_SRCDIR:-$(dirname "$0")/..}/tests/lib.sh"
need gcc sqlite3

mkdir -p "$T/tree/a/b" "$T/empty"
printf 'struct ra { char c; long l; } g_ra;\nint main(void){return 0;}\n' > "$T/a.c"
printf 'struct rb { char c; int i; char d; } g_rb;\nint main(void){return 0;}\n' > "$T/b.c"
gcc -g -o "$T/tree/a/prog_a" "$T/a.c" || die "cc"
gcc -g -o "$T/tree/a/b/prog_b" "$T/b.c" || die "cc"
gcc -o "$T/tree/nodebug" "$T/a.c" && strip "$T/tree/nodebug" || die "cc"
echo "not a binary" > "$T/tree/README"
ln -s "$T/tree" "$T/tree/a/loop"          # a symlink loop must not be followed

assert_status "recursive walk" 0 "$HOLEPROF" analyze -r --no-system-debug-dirs "$T/tree" -o "$T/r.db"
assert_eq "two binaries stored" \
    "$T/tree/a/b/prog_b|$T/tree/a/prog_a" \
    "$(q "$T/r.db" "SELECT group_concat(path, '|') FROM (SELECT path FROM binaries ORDER BY path)")"
assert_eq "distinct binary ids" 2 "$(q "$T/r.db" "SELECT count(DISTINCT binary_id) FROM types")"
assert_eq "ra belongs to prog_a" "$T/tree/a/prog_a" \
    "$(q "$T/r.db" "SELECT b.path FROM types t JOIN binaries b ON b.id=t.binary_id WHERE t.name='ra'")"
assert_eq "rb layout" "12 1 3 0 3 8" \
    "$(q "$T/r.db" "SELECT size||' '||holes||' '||hole_bytes||' '||bit_holes||' '||tail_padding||' '||optimal_size FROM types WHERE name='rb'")"
assert_match "stripped file noted as skipped" "skipped .*nodebug" "$(cat "$T/err")"

# an explicit list works the same without --recursive
assert_status "explicit list" 0 "$HOLEPROF" analyze -q "$T/tree/a/prog_a" "$T/tree/a/b/prog_b" -o "$T/l.db"
assert_eq "explicit list: two binaries" 2 "$(q "$T/l.db" "SELECT count(*) FROM binaries")"
# without --recursive a stripped file is an error, and nothing is written
assert_status "explicit stripped file fails" 2 "$HOLEPROF" analyze -q --no-system-debug-dirs \
    "$T/tree/a/prog_a" "$T/tree/nodebug" -o "$T/bad.db"
[ ! -e "$T/bad.db" ] && pass || fail "database left behind after a failed run"

# nothing usable under the directory: exit 2, no database
assert_status "empty tree" 2 "$HOLEPROF" analyze -r "$T/empty" -o "$T/e.db"
assert_eq "one line of error" 1 "$(wc -l < "$T/err")"
[ ! -e "$T/e.db" ] && pass || fail "database left behind for an empty tree"
finish
