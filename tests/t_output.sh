#!/bin/sh
# t_output.sh -- output that never destroys (issue 20): analyze -o,
# report -o and merge OUT against what may already be at the path.
#
# A character device and a FIFO are written through and stay what they
# were; a block device, a dangling symlink and a directory are refused; a
# symlink keeps pointing where it pointed while its target is replaced; a
# regular file that is not a holeprof output (notes, the input program
# itself) is refused byte for byte unless --force, and the input program
# is refused even then; an empty file and an earlier holeprof output are
# replaced.  Device nodes are made in the scratch directory (mknod, root
# only; skipped otherwise), never in /dev.
. "${TOP_SRCDIR:-$(dirname "$0")/..}/tests/lib.sh"

need gcc sqlite3 cksum mkfifo
[ -x "$HOLEPROF" ] || die "holeprof not built: $HOLEPROF"

cat >"$T/prog.c" <<'EOF'
#include <stdlib.h>
struct out_probe { char a; long b; };
int main(void) { struct out_probe *p = malloc(sizeof *p); free(p); return 0; }
EOF
gcc -g -O0 -o "$T/prog" "$T/prog.c" || die "cannot build fixture"
"$HOLEPROF" analyze -q "$T/prog" -o "$T/good.db" || die "analyze failed"

# one_line WHAT : the last run printed exactly one line on stderr
one_line() { assert_eq "$1: one stderr line" 1 "$(wc -l <"$T/err")"; }
# is_db WHAT FILE : FILE is a holeprof database holding out_probe
is_db() {
    assert_eq "$1: a database with out_probe" 1 \
        "$(q "$2" "SELECT count(*) FROM types WHERE name = 'out_probe';" 2>&1)"
}
# no_temp WHAT DIR : no temporary file of the writers left in DIR
no_temp() { assert_eq "$1: no temporary files in $2" "" "$(ls -A "$2" | grep -E 'tmp' || true)"; }

# reap WHAT PID : the reader PID ends within 10 s (the writer has closed
# the FIFO), else it is killed and WHAT fails (nothing was written into
# the FIFO: it was replaced, or never opened)
reap() {
    _n=0
    while kill -0 "$2" 2>/dev/null && [ $_n -lt 100 ]; do sleep 0.1; _n=$((_n + 1)); done
    if kill -0 "$2" 2>/dev/null; then
        kill "$2"; fail "$1: nothing was written into the FIFO"
    else pass; fi
    wait "$2" 2>/dev/null
}

# ---- FIFOs: written through, still a FIFO ----
mkdir "$T/f"
mkfifo "$T/f/pipe"
for cmd in analyze merge report; do
    rm -f "$T/f/got"
    cat "$T/f/pipe" >"$T/f/got" &
    reader=$!
    case $cmd in
    analyze) assert_status "[fifo] analyze -o FIFO" 0 "$HOLEPROF" analyze -q "$T/prog" -o "$T/f/pipe" ;;
    merge)   assert_status "[fifo] merge FIFO" 0 "$HOLEPROF" merge -q "$T/f/pipe" "$T/good.db" ;;
    report)  assert_status "[fifo] report -o FIFO" 0 "$HOLEPROF" report "$T/good.db" -o "$T/f/pipe" ;;
    esac
    reap "[fifo] $cmd" $reader
    if [ -p "$T/f/pipe" ]; then pass; else fail "[fifo] $cmd replaced the FIFO: $(ls -l "$T/f/pipe")"; fi
    case $cmd in
    report) assert_match "[fifo] the page came through" 'content="holeprof"' "$(head -c 600 "$T/f/got")" ;;
    *) is_db "[fifo] $cmd's database came through" "$T/f/got" ;;
    esac
done
no_temp "[fifo]" "$T/f"

# ---- devices (root only): a character device written through, a block
# ---- device refused; both stay device nodes ----
if [ "$(id -u)" = 0 ] && mknod "$T/null" c 1 3 2>/dev/null && mknod "$T/blk" b 7 200 2>/dev/null; then
    assert_status "[chardev] analyze -o /dev/null-like" 0 "$HOLEPROF" analyze -q "$T/prog" -o "$T/null"
    assert_status "[chardev] merge into it" 0 "$HOLEPROF" merge -q "$T/null" "$T/good.db"
    assert_status "[chardev] report -o it" 0 "$HOLEPROF" report "$T/good.db" -o "$T/null"
    if [ -c "$T/null" ]; then pass; else fail "[chardev] replaced: $(ls -l "$T/null")"; fi
    for cmd in analyze merge report; do
        case $cmd in
        analyze) assert_status "[blockdev] analyze refused" 2 "$HOLEPROF" analyze -q "$T/prog" -o "$T/blk" ;;
        merge)   assert_status "[blockdev] merge refused" 2 "$HOLEPROF" merge -q --force "$T/blk" "$T/good.db" ;;
        report)  assert_status "[blockdev] report refused" 2 "$HOLEPROF" report "$T/good.db" -o "$T/blk" ;;
        esac
        one_line "[blockdev] $cmd"
        assert_match "[blockdev] $cmd says why" "blk: is a block device" "$(cat "$T/err")"
    done
    if [ -b "$T/blk" ]; then pass; else fail "[blockdev] replaced: $(ls -l "$T/blk")"; fi
    rm -f "$T/null" "$T/blk"
else
    echo "note: not root (or no mknod): device cases skipped"
fi

# ---- symlinks: the target is replaced, the link stays ----
mkdir "$T/s" "$T/s/real"
cp "$T/good.db" "$T/s/real/target.db"
ln -s real/target.db "$T/s/link.db"
ino_before=$(stat -c %i "$T/s/real/target.db")
assert_status "[symlink] analyze -o LINK" 0 "$HOLEPROF" analyze -q "$T/prog" -o "$T/s/link.db"
if [ -L "$T/s/link.db" ]; then pass; else fail "[symlink] the link was replaced: $(ls -l "$T/s/link.db")"; fi
assert_eq "[symlink] still points where it did" "real/target.db" "$(readlink "$T/s/link.db")"
is_db "[symlink] target rewritten" "$T/s/real/target.db"
if [ "$(stat -c %i "$T/s/real/target.db")" != "$ino_before" ]; then pass; else
    fail "[symlink] target not replaced (same inode)"; fi
no_temp "[symlink] link dir" "$T/s"
no_temp "[symlink] target dir" "$T/s/real"
"$HOLEPROF" report "$T/good.db" -o "$T/s/real/page.html" 2>/dev/null || fail "[symlink] first report"
ln -s real/page.html "$T/s/page.html"
assert_status "[symlink] report -o LINK" 0 "$HOLEPROF" report "$T/good.db" -o "$T/s/page.html"
if [ -L "$T/s/page.html" ]; then pass; else fail "[symlink] report replaced the link"; fi
assert_status "[symlink] merge LINK" 0 "$HOLEPROF" merge -q "$T/s/link.db" "$T/good.db"
if [ -L "$T/s/link.db" ]; then pass; else fail "[symlink] merge replaced the link"; fi
ln -s nowhere/missing.db "$T/s/dangling.db"
assert_status "[symlink] dangling refused" 2 "$HOLEPROF" analyze -q "$T/prog" -o "$T/s/dangling.db"
one_line "[symlink] dangling"
assert_match "[symlink] dangling says why" "dangling.db: is a symbolic link to a missing file" "$(cat "$T/err")"
assert_eq "[symlink] dangling link unchanged" "nowhere/missing.db" "$(readlink "$T/s/dangling.db")"

# ---- a regular file that is not ours: refused unless --force ----
mkdir "$T/r"
printf 'my notes, do not lose them\n' >"$T/r/notes.db"
cp "$T/r/notes.db" "$T/r/notes.html"
cp "$T/r/notes.db" "$T/r/notes.merge"
sum=$(cksum <"$T/r/notes.db")
assert_status "[notes] analyze refused" 2 "$HOLEPROF" analyze -q "$T/prog" -o "$T/r/notes.db"
one_line "[notes] analyze"
assert_match "[notes] analyze says why" "notes.db: exists and is not a holeprof database.*--force" "$(cat "$T/err")"
assert_status "[notes] report refused" 2 "$HOLEPROF" report "$T/good.db" -o "$T/r/notes.html"
one_line "[notes] report"
assert_match "[notes] report says why" "notes.html: exists and is not a holeprof report" "$(cat "$T/err")"
assert_status "[notes] merge refused" 2 "$HOLEPROF" merge -q "$T/r/notes.merge" "$T/good.db"
one_line "[notes] merge"
for f in notes.db notes.html notes.merge; do
    assert_eq "[notes] $f byte for byte" "$sum" "$(cksum <"$T/r/$f")"
done
no_temp "[notes]" "$T/r"
assert_status "[notes] analyze --force" 0 "$HOLEPROF" analyze -q --force "$T/prog" -o "$T/r/notes.db"
is_db "[notes] replaced with --force" "$T/r/notes.db"
assert_status "[notes] report --force" 0 "$HOLEPROF" report --force "$T/good.db" -o "$T/r/notes.html"
assert_match "[notes] report replaced with --force" 'content="holeprof"' "$(head -c 600 "$T/r/notes.html")"
assert_status "[notes] merge --force" 0 "$HOLEPROF" merge -q --force "$T/r/notes.merge" "$T/good.db"
is_db "[notes] merge replaced with --force" "$T/r/notes.merge"
# an earlier holeprof output of the same kind, and an empty file, are replaced
assert_status "[ours] analyze over a database" 0 "$HOLEPROF" analyze -q "$T/prog" -o "$T/r/notes.db"
assert_status "[ours] report over a report" 0 "$HOLEPROF" report "$T/good.db" -o "$T/r/notes.html"
assert_status "[ours] a report is not a database" 2 "$HOLEPROF" analyze -q "$T/prog" -o "$T/r/notes.html"
: >"$T/r/empty.db"
assert_status "[empty] analyze over an empty file" 0 "$HOLEPROF" analyze -q "$T/prog" -o "$T/r/empty.db"
is_db "[empty] written" "$T/r/empty.db"

# ---- the input program itself: never, even with --force ----
cp "$T/prog" "$T/r/prog"
psum=$(cksum <"$T/r/prog")
assert_status "[input] analyze prog -o prog" 2 "$HOLEPROF" analyze -q "$T/r/prog" -o "$T/r/prog"
one_line "[input] analyze prog -o prog"
assert_status "[input] analyze prog -o prog --force" 2 "$HOLEPROF" analyze -q --force "$T/r/prog" -o "$T/r/prog"
assert_match "[input] says why" "is also an input BINARY" "$(cat "$T/err")"
ln -s prog "$T/r/prog-link"
assert_status "[input] through a symlink, with --force" 2 \
    "$HOLEPROF" analyze -q --force "$T/r/prog" -o "$T/r/prog-link"
assert_eq "[input] the program byte for byte" "$psum" "$(cksum <"$T/r/prog")"
if [ -x "$T/r/prog" ] && "$T/r/prog"; then pass; else fail "[input] the program no longer runs"; fi

finish
