#!/bin/sh
# t_jobs.sh -- the database must not depend on -j, nor (on inputs without
# same-line conflicts) on early deduplication: every layout, member, unit
# count and alias identical for -j1, -j2, -j3 and --exact-dedup.
. "${TOP_SRCDIR:-$(dirname "$0")/..}/tests/lib.sh"
need gcc sqlite3

# several units sharing a header, so early dedup and the re-attribution
# between workers are exercised
mkdir -p "$T/src"
cat > "$T/src/shared.h" <<'H'
struct shared_hdr { char tag; long id; short kind; struct { int a; char b; } inner; };
typedef struct { void *p; char c; } shared_anon;
struct flexy { int n; struct {} empty; int v[]; };
H
i=0
while [ $i -lt 12 ]; do
    cat > "$T/src/u$i.c" <<C
#include "shared.h"
struct shared_hdr g_hdr_$i; shared_anon g_anon_$i; struct flexy *g_flex_$i;
struct local_$i { char x; double y; char z[$i + 1]; } g_local_$i;
C
    i=$((i + 1))
done
echo 'int main(void) { return 0; }' > "$T/src/main.c"
gcc -g -O1 -o "$T/prog" "$T"/src/*.c || die "fixture build failed"

dump() {
    sqlite3 -batch "$1" "SELECT kind,name,size,align,members,holes,hole_bytes,bit_holes,
        tail_padding,optimal_size,decl_file,decl_line,cu_count,lang,flags,layout_hash
        FROM types ORDER BY id;
        SELECT t.name,m.idx,m.name,m.type_name,m.offset,m.size,m.bit_offset,m.bit_size,
        m.align,m.flags,m.suggested_pos FROM members m JOIN types t ON t.id=m.type_id
        ORDER BY t.id, m.idx;
        SELECT alias, name FROM type_aliases ORDER BY alias, name;"
}

check_binary() {
    bin=$1; label=$2
    "$HOLEPROF" analyze -q -j1 "$bin" -o "$T/j1.db" || { fail "$label: -j1 failed"; return; }
    dump "$T/j1.db" > "$T/j1.txt"
    [ -s "$T/j1.txt" ] || { fail "$label: empty dump"; return; }
    for opt in -j2 -j3 "-j2 --exact-dedup" "-j1 --exact-dedup"; do
        "$HOLEPROF" analyze -q $opt "$bin" -o "$T/jx.db" || { fail "$label: $opt failed"; continue; }
        dump "$T/jx.db" > "$T/jx.txt"
        if cmp -s "$T/j1.txt" "$T/jx.txt"; then pass; else
            fail "$label: $opt differs from -j1: $(diff "$T/j1.txt" "$T/jx.txt" | head -5)"
        fi
    done
}

check_binary "$T/prog" fixture
assert_eq "shared_hdr counted in every unit" 12 "$(type_row "$T/j1.db" shared_hdr cu_count)"
assert_eq "typedef'd anonymous struct counted in every unit" 12 \
    "$(type_row "$T/j1.db" shared_anon cu_count)"

# a real program with hundreds of units, when its debug file is installed
if [ -x /usr/bin/python3.11 ] && [ -d /usr/lib/debug/.build-id ] &&
   "$HOLEPROF" analyze -q -j1 /usr/bin/python3.11 -o "$T/py.db" 2>/dev/null; then
    check_binary /usr/bin/python3.11 python3.11
else
    echo "python3.11 with python3.11-dbg not installed: real-binary part skipped"
fi
finish
