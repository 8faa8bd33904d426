#!/bin/sh
# t_member_limit.sh -- an aggregate with more members than the loader keeps
# (HP_MAX_MEMBERS, 65536) is never a confident wrong answer (issue 22):
# gcc builds a struct of 70,000 members here (char, int, char, int...: 3
# bytes of hole after every char), and its stored layout is flagged
# TF_INCOMPLETE | TF_TRUNCATED with holes, padding and optimal size NULL,
# analyze says so in its one `types incomplete` line with the first such
# type and its DIE offset (as readelf gives it), `top` does not rank it
# while it ranks a small struct allocated beside it, `show` says the
# layout is incomplete and suggests nothing, and a struct holding the huge
# one as a member keeps its own (known) layout.  Before the fix the first
# 65536 members were stored as the whole type: 98304 bytes of holes, 17856
# of tail padding and an "optimal" size of 163840 for a 280000-byte type.
. "${TOP_SRCDIR:-$(dirname "$0")/..}/tests/lib.sh"

need gcc python3 sqlite3 readelf dwz
[ -x "$HOLEPROF" ] || die "holeprof not built: $HOLEPROF"

pairs=35000
python3 - "$pairs" >"$T/huge.c" <<'PY' || die "cannot write the fixture"
import sys
n = int(sys.argv[1])
out = ["#include <stdlib.h>", "struct huge {"]
out += ["    char c%d; int i%d;" % (i, i) for i in range(n)]
out += ["};",
        "struct small { char a; long b; char c; };",
        "struct holder { char tag; struct huge h; };",
        "struct holder *g_holder;",
        "int main(int argc, char **argv) {",
        "    (void)argv;",
        "    struct small *s = malloc(sizeof *s);",
        "    struct huge *h = malloc(sizeof *h);",
        "    g_holder = malloc(sizeof *g_holder);",
        "    s->a = (char)argc; h->c0 = s->a; g_holder->tag = h->c0;",
        "    return s->a + h->c0 + g_holder->tag;",
        "}"]
print("\n".join(out))
PY
gcc -g -O0 -o "$T/huge" "$T/huge.c" || die "gcc cannot build the fixture"

assert_status "analyze" 0 "$HOLEPROF" analyze "$T/huge" -o "$T/huge.db"
die_off=$(struct_die "$T/huge" huge)
[ -n "$die_off" ] || die "readelf shows no DIE for struct huge"
assert_eq "one incomplete line: the member limit, the first type and its DIE" \
    "holeprof: $T/huge: 1 types incomplete: more members than the limit of 65536 (first: huge, DIE 0x$die_off)" \
    "$(grep 'types incomplete' "$T/err")"

assert_eq "huge: flags TF_INCOMPLETE (0x800) and TF_TRUNCATED (0x40000), incomplete column" \
    "2048|262144|1" "$(type_row "$T/huge.db" huge 'flags & 2048, flags & 262144, incomplete')"
assert_eq "huge: size from DWARF, the first 65536 members kept, no hole or saving number" \
    "$((pairs * 8))|65536|||||" \
    "$(type_row "$T/huge.db" huge "size, members, holes, hole_bytes, tail_padding, optimal_size, pre_hole")"
assert_eq "huge: no member has a hole number or a suggested place" "0" \
    "$(q "$T/huge.db" "SELECT count(*) FROM members m JOIN types t ON t.id = m.type_id
                        WHERE t.name = 'huge' AND (m.hole_after IS NOT NULL OR m.suggested_pos IS NOT NULL);")"
# the types beside it are read as usual
expect_type "$T/huge.db" small "24 1 7 0 7 16"
assert_eq "holder: complete (its member's size and alignment are known)" \
    "$((pairs * 8 + 4))|2|1|3|0|0" \
    "$(type_row "$T/huge.db" holder 'size, members, holes, hole_bytes, tail_padding, incomplete')"

assert_status "top" 0 "$HOLEPROF" top -n 0 -f csv "$T/huge.db"
if grep -q ',huge,' "$T/out"; then fail "top ranks the truncated type: $(grep ',huge,' "$T/out")"; else pass; fi
assert_match "top ranks the small struct allocated beside it" ',small,' "$(cat "$T/out")"

assert_status "show huge" 0 "$HOLEPROF" show "$T/huge.db" huge
assert_match "show: the members line says the limit, no hole count" \
    '^\};  /\* members: the first 65536 of more than the limit of 65536, holes and padding unknown \(incomplete\)' \
    "$(cat "$T/out")"
assert_match "show: the flags say incomplete and why" \
    '^/\* flags: .*incomplete, members past the limit not read' "$(cat "$T/out")"
assert_match "show: no suggested order" \
    '^Suggested order: none \(incomplete layout: more members than holeprof reads\)' "$(cat "$T/out")"
if grep -q 'XXX' "$T/out"; then fail "show prints holes of a truncated layout"; else pass; fi

# A type read by reference from another unit (dwz moves a struct two
# units define into a partial unit) is read up to the limit too: struct
# inner's 70,000th member, a double, is past it, so its alignment (8) is
# not known from the members read, and the structs holding it are
# incomplete (TF_DEEP), not aligned to 4 with a 4-byte "saving" as before
python3 - >"$T/inner.h" <<'PY' || die "cannot write the fixture"
print("struct inner {")
print("\n".join("    int i%d;" % i for i in range(69999)))
print("    double d;\n};")
PY
for u in 1 2; do
    printf '#include "inner.h"\nstruct user%d { char c; struct inner x; };\nstruct user%d *g%d;\nint f%d(void) { return g%d->c; }\n' \
        $u $u $u $u $u >"$T/u$u.c"
done
echo 'int f1(void); int f2(void); int main(void) { return f1() + f2(); }' >"$T/um.c"
gcc -g -O0 -o "$T/users" "$T/u1.c" "$T/u2.c" "$T/um.c" || die "gcc cannot build the two-unit fixture"
cp "$T/users" "$T/users.dwz"
dwz "$T/users.dwz" || die "dwz failed on the two-unit fixture"
assert_status "[no dwz] analyze" 0 "$HOLEPROF" analyze "$T/users" -o "$T/users.db"
assert_eq "[no dwz] user1, user2: align 8, one 7-byte hole, nothing to gain" "8|1|7|280016
8|1|7|280016" "$(q "$T/users.db" "SELECT align, holes, hole_bytes, optimal_size FROM types
                                   WHERE name GLOB 'user*' ORDER BY name;")"
assert_status "[dwz] analyze" 0 "$HOLEPROF" analyze "$T/users.dwz" -o "$T/dwz.db"
assert_eq "[dwz] user1, user2: incomplete, TF_DEEP (0x80000), no saving number" "1|524288|
1|524288|" "$(q "$T/dwz.db" "SELECT incomplete, flags & 524288, optimal_size FROM types
                              WHERE name GLOB 'user*' ORDER BY name;")"
assert_match "[dwz] the incomplete line gives both reasons with their counts" \
    "3 types incomplete: more members than the limit of 65536 \\(1, first: inner, DIE 0x[0-9a-f]+\\); member types nested deeper than the limit of 256 or with more than 65536 members \\(2, first: user[12], DIE 0x[0-9a-f]+\\)\$" \
    "$(grep 'types incomplete' "$T/err")"

# diff reads the members of two layouts of one name: a database holding
# more than the limit (no holeprof writes one) is refused in one line, not
# compared on its first 65536 members only
cp "$T/huge.db" "$T/more.db"
q "$T/more.db" "WITH RECURSIVE c(i) AS (SELECT 3 UNION ALL SELECT i + 1 FROM c WHERE i < 65537)
    INSERT INTO members (type_id, idx, name, type_name, offset, size, bitpos, bit_offset,
                         bit_size, align, flags, hole_after, bit_hole_after, cacheline)
    SELECT t.id, i, 'x' || i, 'char', 23, 1, 184, 0, 0, 1, 0, 0, 0, 0
      FROM c, types t WHERE t.name = 'small';
    UPDATE types SET members = 65538, layout_hash = '0123456789abcdef' WHERE name = 'small';" ||
    die "cannot add members to the copy"
assert_status "diff of a type with more members than the limit" 2 \
    "$HOLEPROF" diff "$T/huge.db" "$T/more.db"
assert_eq "diff: one line naming the database and the limit" \
    "holeprof: $T/more.db: damaged database: type id $(type_row "$T/more.db" small id) has more than 65536 members" \
    "$(cat "$T/err")"

finish
