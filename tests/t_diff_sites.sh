#!/bin/sh
# t_diff_sites.sh -- `holeprof diff` pairs allocation sites by (function,
# allocator, type, order within the function), not by line: two builds of
# one C program that differ by a single line inserted above a function
# show no site changes (issue 20; pairing by line showed that function's
# sites as removed, changed and added, and main's as moved).  A site
# really added among others of the same function, allocator and type is
# one added site and nothing else; a site whose type changes on the same
# line is "changed".
. "${TOP_SRCDIR:-$(dirname "$0")/..}/tests/lib.sh"

need gcc python3 sqlite3
[ -x "$HOLEPROF" ] || die "holeprof not built: $HOLEPROF"

mkdir -p "$T/v1" "$T/v2" "$T/v3" "$T/v4"
cat > "$T/v1/fx.c" <<'EOF2'
#include <stdlib.h>
#include <string.h>
struct node { char tag; long key; struct node *next; };
struct conn { int fd; double t; char st; };
struct pair { char a; long b; };
struct node *make_node(long k)
{
    struct node *n = malloc(sizeof *n);
    n->key = k;
    n->next = NULL;
    return n;
}
struct conn *open_conns(int k)
{
    struct conn *a = calloc((size_t)k, sizeof *a);
    struct conn *b = malloc(sizeof *b);
    struct conn *c = malloc(sizeof *c);
    memset(b, 0, sizeof *b);
    free(c);
    free(b);
    return a;
}
int main(int argc, char **argv)
{
    struct node *n = make_node(argc);
    struct conn *c = open_conns(argc);
    for (int i = 0; i < argc; i++) {
        struct node *m = malloc(sizeof *m);
        m->next = n;
        n = m;
    }
    struct pair *p = malloc(sizeof *p);
    p->a = 1;
    free(p);
    free(c);
    (void)argv;
    return n->key > 0;
}
EOF2
# v2: one comment line above open_conns; everything below it shifts by one
sed '/^struct conn \*open_conns/i /* one line added above open_conns */' "$T/v1/fx.c" > "$T/v2/fx.c"
# v3: v2 plus one more malloc of struct conn among the two in open_conns
sed '/struct conn \*c = malloc/i \    struct conn *d = malloc(sizeof *d); free(d);' "$T/v2/fx.c" > "$T/v3/fx.c"
# v4: v1 with main's struct pair allocation turned into a struct conn one
sed 's/struct pair \*p = malloc(sizeof \*p);/struct conn *p = malloc(sizeof *p);/; s/p->a = 1;/p->fd = 1;/' \
    "$T/v1/fx.c" > "$T/v4/fx.c"
assert_eq "v2 differs from v1 by one line" 1 "$(diff "$T/v1/fx.c" "$T/v2/fx.c" | grep -c '^>')"
for v in v1 v2 v3 v4; do
    (cd "$T/$v" && gcc -g -O0 -o prog fx.c) || die "cannot build $v"
    "$HOLEPROF" analyze -q "$T/$v/prog" -o "$T/$v.db" || die "analyze $v failed"
done
nsites=$(q "$T/v1.db" "SELECT count(*) FROM sites WHERE function IN ('make_node','open_conns','main')")
assert_eq "v1: the analyzer found the six sites" 6 "$nsites"
assert_eq "v2: every site but make_node's sits one line lower" \
    "$(q "$T/v1.db" "SELECT function, allocator, line + (function <> 'make_node') FROM sites ORDER BY pc")" \
    "$(q "$T/v2.db" "SELECT function, allocator, line FROM sites ORDER BY pc")"

sites_of() {    # JSON diff -> "change function old_line new_line allocator new_type"
    python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
for s in d["sites"]:
    print(s["change"], s["function"], s["old_line"], s["new_line"], s["allocator"], s["new_type"])' "$1"
}

assert_status "diff v1 v2" 0 "$HOLEPROF" diff "$T/v1.db" "$T/v2.db" -f json
assert_eq "one line inserted above a function: no site changes" "" "$(sites_of "$T/out")"
assert_status "diff v1 v2 (table)" 0 "$HOLEPROF" diff "$T/v1.db" "$T/v2.db"
assert_match "table says so" '^sites: no changes$' "$(cat "$T/out")"
assert_status "diff v2 v1 (the line removed)" 0 "$HOLEPROF" diff "$T/v2.db" "$T/v1.db" -f json
assert_eq "one line removed: no site changes" "" "$(sites_of "$T/out")"

assert_status "diff v1 v3" 0 "$HOLEPROF" diff "$T/v1.db" "$T/v3.db" -f json
assert_eq "one malloc added among two of the same type: one added site" \
    "added open_conns None malloc struct conn" \
    "$(sites_of "$T/out" | awk '{ $4 = ""; print }' | sed 's/  */ /g')"
line=$(sites_of "$T/out" | awk '{ print $4 }')
case $line in 17|18|19) pass ;; *) fail "added site's line [$line] is not among open_conns' mallocs (17-19)" ;; esac

pline=$(grep -n 'struct pair \*p = malloc' "$T/v1/fx.c" | cut -d: -f1)
assert_status "diff v1 v4" 0 "$HOLEPROF" diff "$T/v1.db" "$T/v4.db" -f json
assert_eq "same line, another type: changed" "changed main $pline $pline malloc struct conn" \
    "$(sites_of "$T/out")"

finish
