#!/bin/sh
# t_sites_cxx.sh -- allocation sites in C++: operator new and new[], the
# constructor called on the result, make_unique and make_shared.
#
# Builds tests/fixtures/sites.cc with g++ and clang++ at -O0 and -O2 and
# checks every line the fixture marks "SITE": one site, operator new or
# new[], the class (qualified: geo::Point, Holder<double>) and the method
# that decided it -- the out-of-line constructor's `this` (cxx-ctor), or
# at -O2, where make_unique is inlined, the variables of the inlined
# library code (dwarf-var); make_shared's control block from its
# allocator's element type (cxx-allocator) -- and the element size.  At -O0 the
# allocation of make_unique/make_shared stays in a libstdc++ template
# instance, so the site is at the header's line in that instance.  Nothing
# is reported for placement new.
. "${TOP_SRCDIR:-$(dirname "$0")/..}/tests/lib.sh"

need sqlite3
[ -x "$HOLEPROF" ] || die "holeprof not built: $HOLEPROF"
SRC=$FIXTURES/sites.cc

one_of() {
    case "|$2|" in *"|$3|"*) pass ;; *) fail "$1: [$3] is not one of [$2]" ;; esac
}

# where CONDITION COLUMNS
where() {
    q "$db" "SELECT $2 FROM sites s LEFT JOIN types t ON t.id = s.type_id WHERE $1 ORDER BY s.pc;"
}

check_sites() {
    grep -n '// SITE ' "$SRC" | sed 's/:.*SITE / /' >"$T/expect"
    while read -r line rest; do
        alloc=; type=; method=; size=; header=
        for kv in $rest; do
            case $kv in
            alloc=*) alloc=${kv#alloc=} ;;
            type=*) type=${kv#type=} ;;
            method=*) method=${kv#method=} ;;
            size=*) size=${kv#size=} ;;
            header=*) header=${kv#header=} ;;
            esac
        done
        # the site: at the marked line, or by its type when it stays in a
        # libstdc++ instance at -O0
        case $type in
        *\*) tcond="t.name GLOB '$type'" ;;
        *) tcond="t.name = '$type'" ;;
        esac
        if [ "$header" = O0 ] && [ "$opt" = -O0 ]; then
            cond="$tcond"
            assert_match "[$tag] $type: in a libstdc++ header" '^/usr/(lib/gcc|include)/.*\.h:[0-9]+$' \
                "$(where "$cond" "s.file || ':' || s.line")"
        else
            cond="s.file LIKE '%/sites.cc' AND s.line = $line"
            assert_eq "[$tag] line $line: type" 1 "$(where "$cond AND $tcond" "count(*)")"
        fi
        assert_eq "[$tag] line $line: one site" 1 "$(where "$cond" "count(*)")"
        one_of "[$tag] line $line: allocator" "$alloc" "$(where "$cond" s.allocator)"
        one_of "[$tag] line $line: method" "$method" "$(where "$cond" "coalesce(s.method, '-')")"
        assert_eq "[$tag] line $line: element size" "$size" "$(where "$cond" s.size)"
        assert_eq "[$tag] line $line: not ambiguous" 0 "$(where "$cond" s.ambiguous)"
    done <"$T/expect"
    assert_eq "[$tag] number of sites" "$(grep -c '// SITE ' "$SRC")" "$(q "$db" "SELECT count(*) FROM sites;")"
    assert_eq "[$tag] nothing for placement new" 0 \
        "$(where "s.source_function IN ('no_alloc', 'main')" "count(*)")"
    # confidence is the documented number of the method
    assert_eq "[$tag] cxx-ctor confidence" 0.95 \
        "$(q "$db" "SELECT DISTINCT confidence FROM sites WHERE method = 'cxx-ctor';")"
}

cxx_builds "$SRC" sites check_sites

# The report groups by class, qualified names included.
assert_status "sites command" 0 "$HOLEPROF" sites "$db" geo::Point
assert_match "sites command: geo::Point" "^struct geo::Point \\(16 bytes\\)" "$(head -1 "$T/out")"
assert_match "sites command: its line" "sites.cc:$(grep -n 'type=geo::Point' "$SRC" | cut -d: -f1) " "$(cat "$T/out")"

finish
