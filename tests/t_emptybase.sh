#!/bin/sh
# t_emptybase.sh -- empty classes take no storage (issue 16).
#
# tests/fixtures/emptybase.cc built with g++ and clang++ (-std=c++20):
# every base that is an empty class (directly, through a chain of empty
# classes, two side by side, before a vptr) and every [[no_unique_address]]
# member of an empty class laid over another member is a member of size 0
# at its offset, flagged MF_EMPTY (0x2000), never a padding marker, and
# makes no hole, no tail padding and no byte of the optimal order; a
# one-byte base holding data and an ordinary member of an empty class keep
# their byte; a one-byte base laid over another member (std::tuple's
# deleter base in unique_ptr) holds none, whatever members DWARF gives it.  The figures are the ABI's (sizeof/offsetof, printed by the
# fixture's compiler through a second program), and pahole (Debian's
# dwarves) is compared member by member, with its two known errors
# verified, not skipped: it sizes 0 an ordinary member whose type is a
# member-less one-byte struct, and 1 a base that is empty only through a
# base of its own.
. "${TOP_SRCDIR:-$(dirname "$0")/..}/tests/lib.sh"
need sqlite3

ran=0
for cxx in g++ clang++; do
    command -v $cxx >/dev/null 2>&1 || continue
    ran=1
    d=$T/$cxx
    mkdir -p "$d"
    $cxx -std=c++20 -g -O0 -o "$d/eb" "$FIXTURES/emptybase.cc" || die "$cxx: build failed"
    # the compiler's own sizeof and offsetof of what the checks below use
    cat > "$d/abi.cc" <<'CEOF'
#include <cstddef>
#include <cstdio>
#include "emptybase.cc"
#define M(T, m) std::printf("%s.%s=%zu ", #T, #m, offsetof(T, m))
#pragma GCC diagnostic ignored "-Winvalid-offsetof"
int abi() {
    std::printf("A=%zu B=%zu C=%zu G=%zu H=%zu K=%zu P=%zu Q=%zu R=%zu S=%zu W=%zu TI0=%zu ",
                sizeof(A), sizeof(B), sizeof(C), sizeof(G), sizeof(H), sizeof(K),
                sizeof(P), sizeof(Q), sizeof(R), sizeof(S), sizeof(W), sizeof(TI0));
    M(C, c); M(G, e2); M(G, i); M(R, x); M(S, e2); M(TI0, p);
    std::printf("\n");
    return 0;
}
CEOF
    sed 's/^int main() { return 0; }$//' "$FIXTURES/emptybase.cc" > "$d/emptybase.cc"
    printf 'int abi();\nint main() { return abi(); }\n' >> "$d/abi.cc"
    $cxx -std=c++20 -w -I"$d" -o "$d/abi" "$d/abi.cc" || die "$cxx: abi probe failed"
    assert_eq "[$cxx] the ABI this test assumes" \
        "A=8 B=16 C=8 G=8 H=2 K=24 P=4 Q=4 R=8 S=4 W=16 TI0=8 C.c=0 G.e2=1 G.i=4 R.x=4 S.e2=1 TI0.p=0" \
        "$("$d/abi" | sed 's/ $//')"
    assert_status "[$cxx] analyze" 0 "$HOLEPROF" analyze --no-sites -o "$d/eb.db" "$d/eb"
    assert_eq "[$cxx] bases: type, base, offset, size, empty" \
        "A:E:0:0:1 B:E:0:0:1 B:E2:0:0:1 C:F:0:0:1 F:E:0:0:1 G:E:0:0:1 H:N:0:1:0 K:E:0:0:1 TI0:TI1:0:0:1 TI0:HB0:0:8:0 TI1:HB1:0:1:0 W:E:0:0:1" \
        "$(q "$d/eb.db" "SELECT t.name || ':' || m.name || ':' || m.offset || ':' || m.size || ':' ||
            (m.flags & 8192 != 0) FROM members m JOIN types t ON t.id = m.type_id
            WHERE m.flags & 2 ORDER BY t.name, m.idx" | tr '\n' ' ' | sed 's/ $//')"
    assert_eq "[$cxx] members of empty classes: offset, size, empty" \
        "G.e2:1:1:0 P.e:0:0:1 Q.e:0:0:1 R.e:0:0:1 R.e2:0:0:1 S.e1:0:0:1 S.e2:1:0:1" \
        "$(q "$d/eb.db" "SELECT t.name || '.' || m.name || ':' || m.offset || ':' || m.size || ':' ||
            (m.flags & 8192 != 0) FROM members m JOIN types t ON t.id = m.type_id
            WHERE NOT m.flags & 2 AND m.type_name IN ('E', 'E2')
            ORDER BY t.name, m.idx" | tr '\n' ' ' | sed 's/ $//')"
    assert_eq "[$cxx] no empty member is a padding marker" "0" \
        "$(q "$d/eb.db" "SELECT count(*) FROM members WHERE flags & 8192 AND flags & 32768")"
    # holes: C's char then int (3), G's byte 0 before e2 and 2 after it (3),
    # R's char then int (3), K's char then long (7, and 1 at the end; 16 bytes
    # as long, char, char[7]: no byte for E); the rest have none and no order
    # makes them smaller
    assert_eq "[$cxx] name|size|holes|hole bytes|tail padding|optimal size" \
        "A|8|0|0|3|8 B|16|0|0|7|16 C|8|1|3|0|8 G|8|2|3|0|8 H|2|0|0|0|2 K|24|1|7|1|16 P|4|0|0|0|4 Q|4|0|0|0|4 R|8|1|3|0|8 S|4|0|0|0|4 TI0|8|0|0|0|8 W|16|0|0|0|16" \
        "$(q "$d/eb.db" "SELECT name || '|' || size || '|' || holes || '|' || hole_bytes || '|' ||
            tail_padding || '|' || optimal_size FROM types WHERE (length(name) = 1 AND name NOT IN ('D', 'E', 'F', 'N')) OR name = 'TI0'
            ORDER BY name" | tr '\n' ' ' | sed 's/ $//')"
    # the allocator classes follow: K drops a jemalloc/kmalloc class
    assert_status "[$cxx] show K" 0 "$HOLEPROF" show "$d/eb.db" K
    assert_match "[$cxx] K's allocator classes" 'jemalloc 32 -> 16, kmalloc 32 -> 16' "$(cat "$T/out")"
    if command -v pahole >/dev/null 2>&1; then
        for ty in A B C F G H K P Q R S W TI0; do
            # pahole: "struct E <ancestor>; */ /* OFF SIZE */" and "struct E e; /* OFF SIZE */"
            want=$(pahole -C $ty "$d/eb" 2>/dev/null | sed -n \
                -e 's|^\t/\* struct \([A-Z0-9]*\) *<ancestor>; \*/ */\* *\([0-9]*\) *\([0-9]*\) \*/|\1:\2:\3|p' \
                -e 's|^\tstruct \(E2*\) *\([a-z0-9]*\); */\* *\([0-9]*\) *\([0-9]*\) \*/|\2:\3:\4|p' |
                tr '\n' ' ' | sed 's/ $//')
            got=$(q "$d/eb.db" "SELECT m.name || ':' || m.offset || ':' ||
                CASE WHEN m.flags & 2 AND m.size = 0 AND EXISTS (SELECT 1 FROM members b
                       JOIN types bt ON bt.id = b.type_id WHERE bt.name = m.name AND b.flags & 2)
                     THEN 1   -- pahole: a base empty through a base of its own keeps its byte
                     WHEN NOT m.flags & 2 AND m.type_name IN ('E', 'E2') AND NOT m.flags & 8192
                     THEN 0   -- pahole: an ordinary member of an empty class has none
                     ELSE m.size END
                FROM members m JOIN types t ON t.id = m.type_id
                WHERE t.name = '$ty' AND (m.flags & 2 OR m.type_name IN ('E', 'E2'))
                ORDER BY m.idx" | tr '\n' ' ' | sed 's/ $//')
            assert_eq "[$cxx] $ty's empty bases and members as pahole prints them" "$want" "$got"
        done
    fi
done
[ $ran = 1 ] || skip "no C++ compiler"
finish
