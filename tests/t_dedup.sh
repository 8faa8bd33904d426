#!/bin/sh
# t_dedup.sh -- one row per distinct layout, conflicts flagged, output
# independent of thread count.
#
# Links tests/fixtures/dedup_a.c and dedup_b.c (gcc and clang): both
# include dedup.h's struct shared_rec, so it must be stored once with
# cu_count 2; struct conflict_rec is defined differently in each unit, so
# it must give two rows, both with conflict = 1; struct same_copy is
# written out identically in both .c files (different lines), which is
# still one layout: one row, cu_count 2, declared in the unit that comes
# first.  Then the same binary analyzed with -j 1 and -j 4 must give the
# same rows.
. "${TOP_SRCDIR:-$(dirname "$0")/..}/tests/lib.sh"

need sqlite3
[ -x "$HOLEPROF" ] || die "holeprof not built: $HOLEPROF"
A=$FIXTURES/dedup_a.c
B=$FIXTURES/dedup_b.c

# rows NAME COLUMNS : every row of that name, ordered by size, on one line
rows() {
    q "$db" "SELECT $2 FROM types WHERE name = '$1' ORDER BY size;" | tr '\n' ' ' | sed 's/ $//'
}

ran=0
for cc in gcc clang; do
    command -v $cc >/dev/null 2>&1 || continue
    for order in ab ba; do
        tag="$cc $order"
        echo "== $tag"; echo "== $tag" >&2
        bin=$T/dedup.$cc.$order
        db=$bin.db
        if [ $order = ab ]; then first=$A second=$B; else first=$B second=$A; fi
        if ! (cd "$T" && $cc -std=c11 -O2 -g -o "$bin" "$first" "$second") \
                2>"$T/cc.err" </dev/null; then
            fail "[$tag] compile: $(head -c 400 "$T/cc.err")"
            continue
        fi
        ran=$((ran + 1))
        assert_status "[$tag] analyze" 0 "$HOLEPROF" analyze "$bin" -o "$db" -q

        # The header struct: once, seen in both units, no conflict.
        expect_type "$db" shared_rec "24 1 3 0 0 24"
        assert_eq "[$tag] shared_rec: rows, cu_count, conflict" "1 2 0" \
            "$(q "$db" "SELECT count(*)||' '||max(cu_count)||' '||max(conflict) FROM types WHERE name = 'shared_rec';")"
        mem shared_rec "id:0:4 tag:4:1 val:8:8 next:16:8"
        assert_match "[$tag] shared_rec declared in the header" '/dedup\.h$' \
            "$(rows shared_rec decl_file)"

        # Two layouts under one name: two rows, both flagged, one unit each.
        assert_eq "[$tag] conflict_rec rows (size cu_count conflict)" "8 1 1 24 1 1" \
            "$(rows conflict_rec "size||' '||cu_count||' '||conflict")"
        assert_eq "[$tag] conflict_rec holes/tail" "0:3 7:0" \
            "$(rows conflict_rec "hole_bytes||':'||tail_padding")"
        assert_eq "[$tag] conflict flag only on conflict_rec" "conflict_rec" \
            "$(q "$db" "SELECT DISTINCT name FROM types WHERE conflict <> 0;")"
        assert_match "[$tag] conflict_rec declared in both files" \
            '/dedup_a\.c /.*dedup_b\.c$' \
            "$(q "$db" "SELECT decl_file FROM types WHERE name = 'conflict_rec' ORDER BY decl_file;" | tr '\n' ' ' | sed 's/ $//')"

        # Same layout written twice: one row; the declaration kept is the
        # first unit's (the first file on the link line).
        expect_type "$db" same_copy "16 1 6 0 0 16"
        assert_eq "[$tag] same_copy cu_count" 2 "$(rows same_copy cu_count)"
        case $order in ab) want='/dedup_a\.c$' ;; *) want='/dedup_b\.c$' ;; esac
        assert_match "[$tag] same_copy declared in the first unit" "$want" "$(rows same_copy decl_file)"

        # Same rows whatever the thread count.
        for j in 1 4; do
            assert_status "[$tag] analyze -j $j" 0 "$HOLEPROF" analyze "$bin" -o "$T/j$j.db" -q -j $j
            q "$T/j$j.db" "SELECT t.name, t.kind, t.size, t.holes, t.hole_bytes, t.tail_padding,
                               t.optimal_size, t.cu_count, t.conflict, t.decl_file, t.decl_line,
                               t.layout_hash, m.idx, m.name, m.offset, m.size, m.type_name
                           FROM types t LEFT JOIN members m ON m.type_id = t.id
                           ORDER BY t.id, m.idx;" > "$T/j$j.txt"
        done
        if cmp -s "$T/j1.txt" "$T/j4.txt"; then pass; else
            fail "[$tag] -j 1 and -j 4 differ: $(diff "$T/j1.txt" "$T/j4.txt" | head -5)"
        fi
        [ -s "$T/j1.txt" ] || fail "[$tag] -j 1 database is empty"
    done
done
[ $ran -gt 0 ] || skip "no C compiler"

finish
