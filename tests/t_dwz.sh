#!/bin/sh
# t_dwz.sh -- debug info compressed by dwz, as Debian, Ubuntu and Fedora
# ship it (src/dwshim_alt.c, src/dwshim_form.c: the supplementary file;
# src/debugfind.c: df_locate_alt; src/elfimg.c: .gnu_debugaltlink and
# .debug_sup).
#
# Two C programs sharing a header are built with gcc -g, then:
#   - `dwz -m` over both: each keeps what is its own and imports the
#     shared DIEs and strings from a supplementary file named relative to
#     it (DW_FORM_GNU_ref_alt, DW_FORM_GNU_strp_alt, .gnu_debugaltlink);
#   - `dwz -5 -m`: the same in DWARF 5's forms (DW_FORM_ref_sup4,
#     DW_FORM_strp_sup, .debug_sup);
#   - `dwz` alone on one program: partial units inside the file itself.
# Each must give the same types, members and type_aliases rows as the
# plain build of the same program, except types.cu_count (dwz defines a
# shared type once, in a partial unit, for all the units that use it),
# and the same allocation sites typed with the same types.
# Then the supplementary file missing, and one of another build under the
# right name: one warning line naming it, the types that need it
# incomplete (never laid out with members of size 0), and no libdwarf placeholder
# ("<DW_FORM_...-no-tied-file>") or invalid UTF-8 anywhere in the
# database.  Last, Debian's lua5.4 and liblua5.4.so.0 (liblua5.4-0-dbg,
# dwz -m) when installed: the interpreter's structures with their sizes.
. "${TOP_SRCDIR:-$(dirname "$0")/..}/tests/lib.sh"

need gcc dwz sqlite3 iconv
[ -x "$HOLEPROF" ] || die "holeprof not built: $HOLEPROF"
cd "$T" || die "no scratch directory"

cat >common.h <<'EOF'
#include <stddef.h>
#include <stdint.h>
struct node { char tag; struct node *next; int64_t v; short s; };
typedef double load_t;
struct table {
    struct node *nodes[4];
    uint8_t flags;
    load_t load;
    char name[13];
    unsigned bits : 3, more : 9;
    union { int i; float f; } u;
};
typedef struct table table_t;
EOF
cat >a.c <<'EOF'
#include <stdlib.h>
#include "common.h"
struct only_a { int x; char c; long y; };
table_t *mk(void) { table_t *t = malloc(sizeof *t); return t; }
int main(void)
{
    struct node *n = calloc(1, sizeof *n);
    struct only_a *o = malloc(sizeof *o);
    return mk() != 0 && n != 0 && o != 0;
}
EOF
cat >b.c <<'EOF'
#include <stdlib.h>
#include "common.h"
struct only_b { char c; double d; char e; };
int main(void)
{
    table_t *t = malloc(sizeof *t);
    struct node *n = malloc(sizeof *n);
    struct only_b *b = malloc(sizeof *b);
    return t && n && b;
}
EOF
cat >c.c <<'EOF'
#include "common.h"
int use_c(struct table *t) { return t->flags + t->u.i; }
EOF

# rows DB : every types, members and type_aliases row but ids and cu_count,
# and the allocation sites with the names of their types
rows() {
    layout_rows "$1"
    sqlite3 -batch -noheader "$1" "SELECT 'A', alias, name FROM type_aliases ORDER BY alias, name;"
}

# clean DB TAG : no libdwarf placeholder and nothing but UTF-8 in the file
clean() {
    assert_eq "[$2] placeholder strings" 0 "$(sqlite3 -batch -noheader "$1" "
        SELECT (SELECT count(*) FROM types WHERE name LIKE '%<DW\_FORM%' ESCAPE '\\'
                   OR decl_file LIKE '%<DW\_FORM%' ESCAPE '\\')
             + (SELECT count(*) FROM members WHERE name LIKE '%<DW\_FORM%' ESCAPE '\\'
                   OR type_name LIKE '%<DW\_FORM%' ESCAPE '\\' OR type_name LIKE '%no-tied%')
             + (SELECT count(*) FROM type_aliases WHERE alias LIKE '%<DW\_FORM%' ESCAPE '\\'
                   OR name LIKE '%<DW\_FORM%' ESCAPE '\\')
             + (SELECT count(*) FROM binaries WHERE producer LIKE '%<DW\_FORM%' ESCAPE '\\');")"
    if sqlite3 -batch "$1" .dump | iconv -f UTF-8 -t UTF-8 >/dev/null 2>&1; then pass
    else fail "[$2] the database holds text that is not UTF-8"; fi
}

# same TAG PLAIN_DB DB : identical rows
same() {
    rows "$2" >"$1.want"
    rows "$3" >"$1.got"
    if cmp -s "$1.want" "$1.got"; then pass
    else fail "[$1] rows differ from the plain build: $(diff "$1.want" "$1.got" | head -n 8)"; fi
    [ "$(wc -l <"$1.want")" -gt 10 ] && pass || fail "[$1] too few rows to compare"
}

analyze() {     # TAG DB FILE : analyze, which must succeed
    rm -f "$2"
    assert_status "[$1] analyze exit" 0 "$HOLEPROF" analyze --no-system-debug-dirs "$3" -o "$2"
}

for g in -gdwarf-4 -gdwarf-5; do
    mkdir -p "m$g" && cd "m$g" || die "mkdir"
    cp ../*.c ../*.h .
    gcc $g -O1 -o a a.c c.c && gcc $g -O1 -o b b.c c.c || die "gcc $g failed"
    cp a a.plain && cp b b.plain
    analyze "plain a $g" a.plain.db a.plain
    analyze "plain b $g" b.plain.db b.plain

    # dwz -m: a relative .gnu_debugaltlink, GNU forms
    cp a.plain a && cp b.plain b
    dwz -m shared.dwz -M shared.dwz a b || die "dwz -m failed"
    readelf -S a | grep -q gnu_debugaltlink || die "dwz -m wrote no .gnu_debugaltlink"
    for p in a b; do
        analyze "dwz -m $p $g" $p.db $p
        assert_eq "[dwz -m $p $g] no warning" "" "$(grep warning "$T/err")"
        same "dwz-m-$p$g" $p.plain.db $p.db
        clean $p.db "dwz -m $p $g"
    done

    # an absolute name under /usr/lib/debug, as Debian's packages give
    # it, in a tree unpacked elsewhere (another architecture's packages,
    # dpkg-deb -x): found under --debug-dir
    mkdir -p tree/usr/lib/debug/.dwz/t && cp a.plain tree/a && cp b.plain tree/b
    (cd tree && dwz -m usr/lib/debug/.dwz/t/hp-dwz-test.debug \
        -M /usr/lib/debug/.dwz/t/hp-dwz-test.debug a b) || die "dwz -M failed"
    readelf -p .gnu_debugaltlink tree/a 2>/dev/null | grep -q /usr/lib/debug/.dwz/t/hp-dwz-test.debug ||
        die "dwz -M wrote no absolute .gnu_debugaltlink"
    rm -f tree.db
    assert_status "[dwz -M /usr/lib/debug/... $g] analyze" 0 "$HOLEPROF" analyze --no-system-debug-dirs \
        --debug-dir tree/usr/lib/debug tree/a -o tree.db
    assert_eq "[dwz -M /usr/lib/debug/... $g] no warning" "" "$(grep warning "$T/err")"
    same "dwz-M-abs$g" a.plain.db tree.db

    # dwz -5 -m: .debug_sup, DW_FORM_ref_sup4 and DW_FORM_strp_sup
    mkdir -p five && cp a.plain five/a && cp b.plain five/b
    (cd five && dwz -5 -m sup.dwz -M sup.dwz a b) || die "dwz -5 failed"
    readelf -S five/a | grep -q debug_sup || die "dwz -5 wrote no .debug_sup"
    for p in a b; do
        analyze "dwz -5 $p $g" five/$p.db five/$p
        same "dwz-5-$p$g" $p.plain.db five/$p.db
        clean five/$p.db "dwz -5 $p $g"
    done

    # dwz on one file: partial units of its own
    cp a.plain solo && dwz solo 2>/dev/null
    analyze "dwz solo $g" solo.db solo
    same "dwz-solo$g" a.plain.db solo.db

    # the supplementary file missing: one warning naming it; a type of
    # the program's own whose member types are in it is incomplete (its
    # members' offsets and names known, their sizes and type names NULL,
    # MF_INCOMPLETE | MF_UNREAD, no hole or saving number, never ranked)
    # and one line says how many; nothing is laid out from unknown types
    mv shared.dwz shared.away
    analyze "missing alt $g" miss.db a
    assert_eq "[missing alt $g] one warning line" 1 "$(grep -c warning "$T/err")"
    assert_match "[missing alt $g] names the file" \
        "shared\.dwz: not found; the types that need it are incomplete" "$(grep warning "$T/err")"
    assert_eq "[missing alt $g] the summary line" \
        "holeprof: a: 1 types incomplete: member types in debug information not read (first: only_a.x)" \
        "$(grep 'types incomplete' "$T/err")"
    assert_eq "[missing alt $g] only_a incomplete, no hole or saving number" "16|1|1|1|1|1|1" \
        "$(q miss.db "SELECT size, incomplete, holes IS NULL, hole_bytes IS NULL,
                      tail_padding IS NULL, optimal_size IS NULL, flags & 2048 = 2048
                      FROM types WHERE name = 'only_a';")"
    assert_eq "[missing alt $g] its members: offsets and names, sizes and types unknown" \
        "0|x|1|1|1|1 4|c|1|1|1|1 8|y|1|1|1|1" \
        "$(q miss.db "SELECT m.offset, m.name, m.size IS NULL, m.type_name IS NULL,
                      m.flags & 6144 = 6144, m.hole_after IS NULL
                      FROM members m JOIN types t ON t.id = m.type_id WHERE t.name = 'only_a'
                      ORDER BY m.idx;" | tr '\n' ' ' | sed 's/ $//')"
    assert_eq "[missing alt $g] no member of unknown size" 0 \
        "$(q miss.db "SELECT count(*) FROM members WHERE size = 0 AND bit_size = 0;")"
    assert_eq "[missing alt $g] no table laid out" 0 \
        "$(q miss.db "SELECT count(*) FROM types WHERE name IN ('table', 'node');")"
    assert_status "[missing alt $g] top" 0 "$HOLEPROF" top -n 0 -f csv miss.db
    if grep -q only_a "$T/out"; then fail "[missing alt $g] top ranks an incomplete type"; else pass; fi
    assert_status "[missing alt $g] show" 0 "$HOLEPROF" show miss.db only_a
    assert_match "[missing alt $g] show says why" \
        "x; +/\\* +0 +\\? \\*/ /\\* type in debug information not read \\*/" "$(cat "$T/out")"
    if grep -q 'XXX\|align 1' "$T/out"; then fail "[missing alt $g] show invents a hole or alignment"
    else pass; fi
    printf 'budgets:\n  - type: only_a\n    max_padding_bytes: 0\n' >budget.yaml
    assert_status "[missing alt $g] check: no padding breach from an unknown" 0 \
        "$HOLEPROF" check miss.db --budget budget.yaml
    assert_status "[missing alt $g] report" 0 "$HOLEPROF" report -o miss.html miss.db
    assert_status "[missing alt $g] diff against the complete build" 0 \
        "$HOLEPROF" diff --fail-on-regression a.plain.db miss.db
    clean miss.db "missing alt $g"

    # another build's supplementary file under the right name
    mkdir -p other
    gcc -O0 -g -o other/b b.c c.c && gcc -O0 -g -o other/x a.c c.c &&
        (cd other && dwz -m shared.dwz -M shared.dwz b x) && cp other/shared.dwz shared.dwz \
        || die "dwz for the mismatch failed"
    analyze "mismatched alt $g" mis.db a
    assert_match "[mismatched alt $g] says build-id" "shared\.dwz: build-id [0-9a-f]+, the link wants" \
        "$(grep warning "$T/err")"
    assert_eq "[mismatched alt $g] only_a incomplete" "1|1" \
        "$(q mis.db "SELECT incomplete, (SELECT count(*) FROM members m WHERE m.type_id = t.id
                      AND m.size IS NULL) = 3 FROM types t WHERE name = 'only_a';")"
    assert_eq "[mismatched alt $g] no table laid out" 0 \
        "$(q mis.db "SELECT count(*) FROM types WHERE name IN ('table', 'node');")"
    rm -f shared.dwz && mv shared.away shared.dwz
    cd "$T" || die "cd"
done

# ---- Debian's lua5.4 with liblua5.4-0-dbg (dwz -m by debhelper) ----
for bin in /usr/bin/lua5.4 /usr/lib/x86_64-linux-gnu/liblua5.4.so.0; do
    id=$(readelf -n "$bin" 2>/dev/null | sed -n 's/.*Build ID: *\([0-9a-f]*\).*/\1/p' | head -n 1)
    dbg=/usr/lib/debug/.build-id/$(printf %s "$id" | cut -c1-2)/$(printf %s "$id" | cut -c3-).debug
    if [ -z "$id" ] || [ ! -f "$dbg" ] || ! readelf -S "$dbg" | grep -q gnu_debugaltlink; then
        echo "$bin or its dwz'd debug file missing: case not run"
        continue
    fi
    rm -f lua.db
    assert_status "[$bin] analyze exit" 0 "$HOLEPROF" analyze "$bin" -o lua.db
    assert_eq "[$bin] no warning" "" "$(grep warning "$T/err")"
    assert_eq "[$bin] interpreter structures" \
        "LClosure 40|TString 32|Table 56|UpVal 40|lua_State 200" \
        "$(q lua.db "SELECT group_concat(name || ' ' || size, '|') FROM (SELECT DISTINCT name, size
                     FROM types WHERE name IN ('Table','TString','LClosure','UpVal','lua_State')
                     ORDER BY name);")"
    assert_eq "[$bin] no member of unknown size" 0 \
        "$(q lua.db "SELECT count(*) FROM members WHERE size = 0 AND bit_size = 0
                      AND type_name NOT LIKE '%[0]';")"
    assert_eq "[$bin] every type has a language" 0 \
        "$(q lua.db "SELECT count(*) FROM types WHERE lang <> 'C';")"
    clean lua.db "$bin"
done

finish
