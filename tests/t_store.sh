#!/bin/sh
# t_store.sh -- the writer's two ways of storing a binary's types give the
# same rows.  A binary with many types, the first in its database, has
# its types rows written by a second thread into an in-memory database and
# copied in (src/store.c, st_side) when --no-sites leaves a core free;
# later binaries and small ones are written directly.  The same program analyzed first and third in one
# database must have identical types and members rows up to the id
# offset, identical to a database of its own (analyzed with the site scan,
# which keeps the store to one thread), and every members row must
# belong to the type whose count it makes up.  Also: an output path that
# begins "file:" stays a path (the writer turns URI names on).
. "${TOP_SRCDIR:-$(dirname "$0")/..}/tests/lib.sh"

need sqlite3 gcc
[ -x "$HOLEPROF" ] || die "holeprof not built: $HOLEPROF"

# 400 structs (the threshold is 256) of varied layouts: holes, bitfields,
# arrays, nested structs, members whose suggested order is not theirs
gen() {
    i=0
    while [ $i -lt 400 ]; do
        case $((i % 5)) in
            0) echo "struct s$i { char a$i; long b; short c[$((i % 7 + 1))]; };" ;;
            1) echo "struct s$i { int f : $((i % 13 + 1)); char g; unsigned h : 3; double d; };" ;;
            2) echo "struct s$i { char x; struct s$((i - 2)) in; char y; };" ;;
            3) echo "union s$i { char c[$((i % 11 + 1))]; long l; };" ;;
            4) echo "struct s$i { short p; void *q; char r; int t; char u[$((i % 3))]; };" ;;
        esac
        case $((i % 5)) in
            3) echo "union s$i v$i;" ;;
            *) echo "struct s$i v$i;" ;;
        esac
        i=$((i + 1))
    done
    echo "int main(void) { return 0; }"
}
gen > "$T/many.c"
gcc -g -O0 -o "$T/many" "$T/many.c" || die "cannot build many.c"
printf 'struct small { char a; int b; };\nstruct small s;\nint main(void) { return 0; }\n' \
    > "$T/small.c"
gcc -g -O0 -o "$T/small" "$T/small.c" || die "cannot build small.c"

assert_status "analyze many small many" 0 \
    "$HOLEPROF" analyze -q --no-sites "$T/many" "$T/small" "$T/many" -o "$T/three.db"
assert_status "analyze many alone" 0 "$HOLEPROF" analyze -q "$T/many" -o "$T/one.db"
n=$(q "$T/one.db" "SELECT count(*) FROM types")
[ "$n" -ge 400 ] || fail "expected at least 400 types, got $n"

# every column but the ids, types and members, in id order
rows() {
    sqlite3 -batch -noheader "$1" "
        SELECT t.id - (SELECT min(id) FROM types WHERE binary_id = $2), t.kind, t.name, t.size,
               t.align, t.members, t.holes, t.hole_bytes, t.bit_holes, t.bit_hole_bits,
               t.tail_padding, t.pre_hole, t.pre_bit_hole, t.bit_padding, t.optimal_size,
               t.cachelines, t.decl_file, t.decl_line, t.cu_count, t.lang, t.flags, t.packed,
               t.explicit_align, t.conflict, t.layout_hash
          FROM types t WHERE t.binary_id = $2 ORDER BY t.id;
        SELECT m.type_id - (SELECT min(id) FROM types WHERE binary_id = $2), m.idx, m.name,
               m.type_name, m.offset, m.size, m.bitpos, m.bit_offset, m.bit_size, m.align,
               m.flags, m.hole_after, m.bit_hole_after, m.cacheline, m.suggested_pos
          FROM members m JOIN types t ON t.id = m.type_id
         WHERE t.binary_id = $2 ORDER BY m.type_id, m.idx;"
}
first=$(rows "$T/three.db" 1)
assert_eq "first binary (types through the thread) = third (direct)" "$first" \
    "$(rows "$T/three.db" 3)"
assert_eq "first binary = a database of its own" "$first" "$(rows "$T/one.db" 1)"
assert_match "struct s0 is there with its members" "^[0-9]+\\|struct\\|s0\\|" "$first"
assert_eq "ids are dense across binaries" \
    "1|$(q "$T/three.db" "SELECT count(*) FROM types")" \
    "$(q "$T/three.db" "SELECT min(id) || '|' || max(id) FROM types")"
assert_eq "ids of each binary are one run" "0" \
    "$(q "$T/three.db" "SELECT count(*) FROM (SELECT binary_id, max(id) - min(id) + 1 - count(*) AS gap
                                             FROM types GROUP BY binary_id) WHERE gap != 0")"
assert_eq "every type has exactly its members rows" "0" \
    "$(q "$T/three.db" "SELECT count(*) FROM types t WHERE t.members !=
                            (SELECT count(*) FROM members m WHERE m.type_id = t.id)")"
assert_eq "suggested positions are a permutation per type" "0" \
    "$(q "$T/three.db" "SELECT count(*) FROM (SELECT type_id, count(DISTINCT suggested_pos) AS d,
                                                    max(suggested_pos) AS mx, count(*) AS c
                                               FROM members GROUP BY type_id)
                         WHERE d != c OR mx != c - 1")"
assert_eq "the indexes were built" "types_binary types_hash types_name" \
    "$(q "$T/three.db" "SELECT group_concat(name, ' ') FROM (SELECT name FROM sqlite_schema
                         WHERE type = 'index' AND tbl_name = 'types' AND sql IS NOT NULL ORDER BY name)")"

# "-o file:dir/x.db" names a file in the directory "file:dir"
mkdir -p "$T/file:dir"
assert_status "output path beginning file:" 0 \
    sh -c 'cd "$1" && "$2" analyze -q "$1/many" -o file:dir/x.db' sh "$T" "$HOLEPROF"
assert_eq "the database is where the path says" "$n" \
    "$(q "$T/file:dir/x.db" "SELECT count(*) FROM types")"
assert_eq "no temporary file left" "" "$(ls -A "$T/file:dir" | grep -v '^x\.db$')"

finish
