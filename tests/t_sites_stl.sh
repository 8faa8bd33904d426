#!/bin/sh
# t_sites_stl.sh -- the standard containers' allocations are typed by the
# element type of std::allocator<T>::allocate ("cxx-allocator").
#
# Builds tests/fixtures/sites_stl.cc with g++ and clang++ at -O0 (allocate
# out of line: the site is in the libstdc++ instance, at the header's line)
# and -O2 (allocate inlined into the container code: T from the inline
# chain) and checks: for each "SITE" mark a site of that type (GLOB) with
# the method cxx-allocator and the element size; every site of the program
# typed by a SITE or NEW mark, none ambiguous; at -O2 the deque's node
# buffer is 21 Bars (504 bytes: a constant, a whole number of T's); the
# chunk Pool<T>::allocate asks operator new for (a user allocator, through
# allocator_traits<Pool<T>>) is no T.
. "${TOP_SRCDIR:-$(dirname "$0")/..}/tests/lib.sh"

need sqlite3
[ -x "$HOLEPROF" ] || die "holeprof not built: $HOLEPROF"
SRC=$FIXTURES/sites_stl.cc

# the marks: "KIND PATTERN SIZE" per line
sed -n 's/.*\/\/ \(SITE\|NEW\) type=\([^ ]*\)\( size=\([^ ]*\)\)\{0,1\}$/\1 \2 \4/p' "$SRC" >"$T/marks"
[ "$(grep -c '^SITE ' "$T/marks")" -ge 8 ] || die "fixture marks not read: $(cat "$T/marks")"
pool_line=$(grep -n '// POOL$' "$SRC" | cut -d: -f1)

# sites typed NAME: the SQL condition for one mark's pattern
tcond() {
    case $1 in
    pointer) echo "s.type_id IS NULL AND s.type_name = 'pointer'" ;;
    *) echo "t.name GLOB '$1'" ;;
    esac
}

check() {
    while read -r kind pat size; do
        [ "$kind" = SITE ] || continue
        c="$(tcond "$pat") AND s.method = 'cxx-allocator'"
        [ "$size" != - ] && c="$c AND s.size = $size"
        n=$(q "$db" "SELECT count(*) FROM sites s LEFT JOIN types t ON t.id = s.type_id WHERE $c;")
        [ "$n" -ge 1 ] && pass || fail "[$tag] no cxx-allocator site of $pat (size $size)"
    done <"$T/marks"
    # every site: typed by a mark, none ambiguous (the pool chunk aside)
    any=0
    while read -r kind pat size; do any="$any OR ($(tcond "$pat"))"; done <"$T/marks"
    notpool="NOT (s.file LIKE '%/sites_stl.cc' AND s.line = $pool_line)"
    assert_eq "[$tag] every site typed by a mark" "" \
        "$(q "$db" "SELECT s.file || ':' || s.line || ' ' || coalesce(t.name, s.type_name, '-')
                    FROM sites s LEFT JOIN types t ON t.id = s.type_id
                    WHERE $notpool AND NOT ($any);")"
    assert_eq "[$tag] nothing ambiguous" 0 "$(q "$db" "SELECT count(*) FROM sites WHERE ambiguous;")"
    assert_eq "[$tag] cxx-allocator confidence" 0.95 \
        "$(q "$db" "SELECT DISTINCT confidence FROM sites WHERE method = 'cxx-allocator' AND type_id IS NOT NULL;")"
    # Pool<Foo>'s chunk: one site, not a Foo, not cxx-allocator
    assert_eq "[$tag] the pool's chunk is no T" "4096|-|-" \
        "$(q "$db" "SELECT s.size || '|' || coalesce(t.name, s.type_name, '-') || '|' || coalesce(s.method, '-')
                    FROM sites s LEFT JOIN types t ON t.id = s.type_id
                    WHERE s.file LIKE '%/sites_stl.cc' AND s.line = $pool_line;")"
    if [ "$opt" = -O2 ]; then
        assert_eq "[$tag] the deque's node buffer: 21 Bars" 0 \
            "$(q "$db" "SELECT count(*) FROM sites s JOIN types t ON t.id = s.type_id
                        WHERE t.name = 'Bar' AND (s.size != 24 OR s.count != 21);")"
        assert_eq "[$tag] the deque's node buffer sites" 1 \
            "$(q "$db" "SELECT count(*) > 0 FROM sites s JOIN types t ON t.id = s.type_id
                        WHERE t.name = 'Bar' AND s.count = 21;")"
    else
        assert_match "[$tag] allocate's sites are in the header" '^/usr/(lib/gcc|include)/.*new_allocator\.h$' \
            "$(q "$db" "SELECT DISTINCT s.file FROM sites s WHERE s.method = 'cxx-allocator';")"
    fi
}

cxx_builds "$SRC" stl check

finish
