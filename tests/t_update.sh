#!/bin/sh
# t_update.sh -- incremental analyze runs and -r progress (issue 20).
#
# analyze --update -o DB BIN...: a binary already in DB (the same file,
# build-id and debug file) is not read again; one whose build-id changed (a
# rebuild at the same path) or whose debug file changed is read again and
# its old rows -- types, members, sites, classes, everything keyed to it --
# go; new binaries are added, a copy at another path too (a program and
# its debug file under /usr/lib/debug share a build-id, not their sites).
# Under -r a file whose DWARF is corrupt is one failure, not the run's.  When nothing is new, DB is not rewritten at all.
# The result must hold the same layouts as a fresh analyze of the same
# binaries.  -r over a tree shows "N/M binaries: D done, S skipped, F
# failed" on a terminal (script(1) gives it one) and clears it; not on a
# pipe.
. "${TOP_SRCDIR:-$(dirname "$0")/..}/tests/lib.sh"

need gcc sqlite3 objcopy strip
[ -x "$HOLEPROF" ] || die "holeprof not built: $HOLEPROF"
cd "$T" || die "no scratch dir"

mkprog() {    # NAME EXTRA-MEMBER
    cat > "$1.c" <<EOF2
#include <stdlib.h>
struct $1_rec { char tag; long key; $2 char flag; };
struct $1_rec *make_$1(long k) { struct $1_rec *r = malloc(sizeof *r); r->key = k; return r; }
int main(int argc, char **argv) { (void)argv; free(make_$1(argc)); return 0; }
EOF2
    gcc -g -O0 -o "$1" "$1.c" || die "cannot build $1"
}
mkprog alpha ""
mkprog beta ""
mkprog gamma ""
bid() { q "$1" "SELECT build_id FROM binaries WHERE path = '$2'"; }
# every row whose parent is gone: must be none
orphans() {
    q "$1" "SELECT (SELECT count(*) FROM types WHERE binary_id NOT IN (SELECT id FROM binaries))
          + (SELECT count(*) FROM members WHERE type_id NOT IN (SELECT id FROM types))
          + (SELECT count(*) FROM type_aliases WHERE binary_id NOT IN (SELECT id FROM binaries))
          + (SELECT count(*) FROM sites WHERE binary_id NOT IN (SELECT id FROM binaries))
          + (SELECT count(*) FROM sites WHERE type_id IS NOT NULL AND type_id NOT IN (SELECT id FROM types))
          + (SELECT count(*) FROM site_candidates WHERE site_id NOT IN (SELECT id FROM sites))
          + (SELECT count(*) FROM allocators WHERE binary_id NOT IN (SELECT id FROM binaries))
          + (SELECT count(*) FROM site_scan WHERE binary_id NOT IN (SELECT id FROM binaries))
          + (SELECT count(*) FROM alloc_models WHERE binary_id NOT IN (SELECT id FROM binaries))
          + (SELECT count(*) FROM alloc_classes WHERE binary_id NOT IN (SELECT id FROM binaries))"
}
# the layouts and sites of a database, whatever its ids
content() {
    q "$1" "SELECT b.path || ' ' || t.kind || ' ' || t.name || ' ' || t.size || ' ' || t.hole_bytes
                   || ' ' || (SELECT group_concat(m.name || ':' || m.offset, ',') FROM members m
                              WHERE m.type_id = t.id)
              FROM types t JOIN binaries b ON b.id = t.binary_id ORDER BY 1;
            SELECT b.path || ' site ' || s.function || ' ' || s.line || ' ' || s.allocator || ' '
                   || coalesce((SELECT name FROM types WHERE id = s.type_id), '-')
              FROM sites s JOIN binaries b ON b.id = s.binary_id ORDER BY 1;
            SELECT b.path || ' model ' || m.allocator || ' ' || m.chosen
              FROM alloc_models m JOIN binaries b ON b.id = m.binary_id ORDER BY 1;"
}

# ---- a new database, then nothing to do ----
assert_status "--update with no database yet" 0 "$HOLEPROF" analyze --update -o u.db alpha beta
assert_match "it says it wrote it" 'wrote u\.db' "$(cat err)"
assert_eq "two binaries" "alpha beta" "$(q u.db "SELECT group_concat(path, ' ') FROM binaries")"
sum1=$(cksum < u.db)
ino1=$(stat -c %i u.db)
assert_status "--update, nothing new" 0 "$HOLEPROF" analyze --update -o u.db alpha beta
assert_match "both unchanged" "alpha: unchanged \\(build-id $(bid u.db alpha), debug info alpha\\), skipped" "$(cat err)"
assert_match "up to date" '^holeprof: u\.db is up to date \(2 binaries unchanged\)$' "$(cat err)"
assert_eq "no 'wrote' line" 0 "$(grep -c wrote err)"
assert_eq "not rewritten: same bytes, same inode" "$sum1 $ino1" "$(cksum < u.db) $(stat -c %i u.db)"
touch alpha
assert_status "--update after touch (same build-id)" 0 "$HOLEPROF" analyze --update -q -o u.db alpha
assert_eq "still not rewritten" "$sum1" "$(cksum < u.db)"

# ---- one new binary: the others are not read ----
before=$(q u.db "SELECT id || ' ' || path || ' ' || build_id || ' ' || analyzed_at FROM binaries ORDER BY id")
assert_status "--update adds gamma" 0 "$HOLEPROF" analyze --update -o u.db alpha beta gamma
assert_eq "alpha and beta skipped, gamma read" "alpha beta" \
    "$(grep -o '[a-z]*: unchanged' err | cut -d: -f1 | tr '\n' ' ' | sed 's/ $//')"
assert_match "gamma read" 'gamma: 1 types' "$(cat err)"
assert_eq "alpha and beta rows kept as they were" "$before" \
    "$(q u.db "SELECT id || ' ' || path || ' ' || build_id || ' ' || analyzed_at FROM binaries WHERE path <> 'gamma' ORDER BY id")"
"$HOLEPROF" analyze -q -o fresh.db alpha beta gamma || die "fresh analyze failed"
assert_eq "same layouts and sites as a fresh analyze" "$(content fresh.db)" "$(content u.db)"
assert_eq "no orphans" 0 "$(orphans u.db)"

# ---- a copy elsewhere (same build-id, same embedded debug info? no: its
# own path) is a binary of its own; the original stays ----
cp alpha alpha-copy
assert_status "--update with a copy of alpha" 0 "$HOLEPROF" analyze --update -o u.db alpha alpha-copy
assert_match "the copy is read" 'alpha-copy: 1 types' "$(cat err)"
assert_eq "the copy replaces nothing" 0 "$(grep -c replaces err)"
assert_eq "alpha and its copy, one build-id" "2|1" \
    "$(q u.db "SELECT count(*), count(DISTINCT build_id) FROM binaries WHERE path IN ('alpha', 'alpha-copy')")"
objcopy --only-keep-debug alpha alpha.debug || die "cannot split alpha"
assert_status "--update: a debug file, then its program" 0 "$HOLEPROF" analyze --update -q -o pd.db alpha.debug
assert_status "the program with that debug file" 0 "$HOLEPROF" analyze --update -o pd.db --debug-file alpha.debug alpha
assert_match "the program is read, for its sites" 'alpha: [0-9]+ allocation sites' "$(cat err)"
assert_eq "both in the database" 2 "$(q pd.db "SELECT count(*) FROM binaries")"
"$HOLEPROF" analyze -q -o fresh.db alpha beta gamma alpha-copy || die "fresh analyze failed"

# ---- beta rebuilt: new build-id, its old rows go ----
old_beta=$(bid u.db beta)
mkprog beta "long added;"
assert_status "--update after rebuilding beta" 0 "$HOLEPROF" analyze --update -o u.db alpha beta gamma
assert_match "beta replaces its old row" "beta: replaces binary [0-9]+ \\(build-id $old_beta\\)" "$(cat err)"
assert_eq "one beta, the new build-id" "1|1" \
    "$(q u.db "SELECT count(*), build_id <> '$old_beta' FROM binaries WHERE path = 'beta'")"
assert_eq "beta's new layout" "32" "$(q u.db "SELECT t.size FROM types t JOIN binaries b ON b.id = t.binary_id WHERE b.path = 'beta' AND t.name = 'beta_rec'")"
assert_eq "no orphans after the replacement" 0 "$(orphans u.db)"
"$HOLEPROF" analyze -q -o fresh2.db alpha beta gamma alpha-copy || die "fresh analyze failed"
assert_eq "same as a fresh analyze after the replacement" "$(content fresh2.db)" "$(content u.db)"
assert_status "top reads the updated database" 0 "$HOLEPROF" top u.db -f csv -n 0
assert_eq "top ranks each binary's type once" 4 "$(tail -n +2 out | wc -l)"
assert_status "diff fresh updated: nothing changed" 0 "$HOLEPROF" diff fresh2.db u.db --fail-on-regression
assert_match "diff: all unchanged" 'types: 0 changed, 0 added, 0 removed' "$(cat out)"

# ---- same build-id, another debug file: read again ----
objcopy --only-keep-debug gamma gamma.debug && strip -g gamma && cp gamma.debug gamma2.debug ||
    die "cannot split gamma"
assert_status "gamma with --debug-file" 0 "$HOLEPROF" analyze --update -q -o g.db --debug-file gamma.debug gamma
assert_status "same debug file: unchanged" 0 "$HOLEPROF" analyze --update -o g.db --debug-file gamma.debug gamma
assert_match "unchanged" 'gamma: unchanged' "$(cat err)"
assert_status "another debug file: re-read" 0 "$HOLEPROF" analyze --update -o g.db --debug-file gamma2.debug gamma
assert_match "replaced" 'gamma: replaces binary 1' "$(cat err)"
assert_eq "one gamma, the new debug file" "1|gamma2.debug" "$(q g.db "SELECT count(*), debug_file FROM binaries")"

# ---- bad input ----
printf 'my notes\n' > notes.txt
assert_status "--update into a file that is not a database" 2 "$HOLEPROF" analyze --update -o notes.txt alpha
assert_eq "one error line" 1 "$(wc -l < err)"
assert_eq "notes untouched" "my notes" "$(cat notes.txt)"

# ---- -r: progress on a terminal, none on a pipe ----
if command -v script >/dev/null 2>&1; then
    mkdir -p tree/sub
    cp alpha beta tree/ && cp fresh.db tree/not-elf && cp alpha tree/sub/alpha2 &&
        strip -o tree/sub/stripped alpha && printf '\177ELF\002\001\001garbage' > tree/sub/broken &&
        printf '\377\377\377\377\377\377\377\377\377\377\377\377\377\377\377\377' > junk &&
        objcopy --update-section .debug_abbrev=junk alpha tree/sub/corrupt ||
        die "cannot make the tree"
    script -q -e -c "'$HOLEPROF' analyze --no-system-debug-dirs -r tree -o tree.db" /dev/null > tty.out 2>&1 </dev/null
    assert_eq "analyze -r under script: success" 0 "$?"
    esc=$(printf '\033')
    cr=$(printf '\r')
    assert_match "progress counts done, skipped, failed" \
        "holeprof: 6/6 binaries: 3 done, 1 skipped, 2 failed" "$(cat tty.out)"
    assert_match "the corrupt DWARF is noted" 'skipped tree/sub/corrupt: corrupt DWARF' "$(cat tty.out)"
    assert_eq "progress drawn once per binary" 6 "$(grep -o 'binaries: [0-9]* done' tty.out | wc -l)"
    # the last progress line is erased (CR, erase to end of line) before the summary
    assert_match "cleared before the last line" "failed${cr}${esc}\\[K.*wrote tree\\.db" "$(tr -d '\n' < tty.out)"
    assert_status "analyze -r on a pipe" 0 "$HOLEPROF" analyze --no-system-debug-dirs -r tree -o tree2.db
    assert_eq "no progress on a pipe" 0 "$(grep -c 'binaries:' err)"
    assert_eq "no escape sequences on a pipe" 0 "$(grep -c "$esc" err)"
    script -q -e -c "'$HOLEPROF' analyze -q -r tree -o tree3.db" /dev/null > tty3.out 2>&1 </dev/null
    assert_eq "-q: no progress on a terminal either" 0 "$(grep -c 'binaries:' tty3.out)"
    # -r with --update: the second run reads nothing
    script -q -e -c "'$HOLEPROF' analyze --update --no-system-debug-dirs -r tree -o tree.db" /dev/null > tty4.out 2>&1 </dev/null
    assert_match "-r --update: all skipped or failed, nothing done" \
        "6/6 binaries: 0 done, 4 skipped, 2 failed" "$(cat tty4.out)"
    assert_match "-r --update: up to date" 'tree\.db is up to date \(3 binaries unchanged\)' "$(cat tty4.out)"
else
    echo "script(1) not installed: terminal progress not checked"
fi

finish
