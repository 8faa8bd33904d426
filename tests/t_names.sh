#!/bin/sh
# t_names.sh -- naming types the way users do (issue 20): show and sites
# take "struct conn" (as top prints it), typedef names, globs and (show)
# several names; top on a database of several binaries says whose type
# each row is; csv prints whole counts as integers; top --min-saving;
# query sizes agrees with pahole --sizes.
. "${TOP_SRCDIR:-$(dirname "$0")/..}/tests/lib.sh"

need gcc sqlite3
[ -x "$HOLEPROF" ] || die "holeprof not built: $HOLEPROF"

cat >"$T/n.c" <<'EOF'
#include <stdlib.h>
struct conn { char a; long b; char c; };                 /* 24 -> 16 */
struct conn_extra { char e; double f; char g; int h; };  /* 24 -> 16 */
union conn_u { char c; long l; };
typedef struct _obj { char t; long x; char u; } Obj;     /* Obj names struct _obj */
typedef struct { char c; int i; char d; } Anon;          /* only a typedef name */
struct wide { char a; long b; char c; long d; char e; long f; char g; };  /* 56 -> 32 */
Obj *mk(void) { return malloc(sizeof(Obj)); }
int main(int argc, char **argv)
{
    (void)argv;
    struct conn *c = malloc(sizeof *c);
    struct conn_extra *x = malloc(sizeof *x);
    Anon *a = malloc(sizeof *a);
    struct wide *w = malloc(sizeof *w);
    union conn_u *u = malloc(sizeof *u);
    Obj *o = mk();
    int r = c->a + x->e + a->c + w->a + u->c + o->t + argc;
    free(c); free(x); free(a); free(w); free(u); free(o);
    return r;
}
EOF
mkdir -p "$T/a" "$T/b"
gcc -g -O0 -o "$T/a/prog" "$T/n.c" && gcc -g -O0 -DOTHER -o "$T/b/other" "$T/n.c" || die "cannot build fixture"
"$HOLEPROF" analyze -q "$T/a/prog" -o "$T/a.db" || die "analyze a failed"
"$HOLEPROF" analyze -q "$T/b/other" -o "$T/b.db" || die "analyze b failed"
"$HOLEPROF" merge -q "$T/m.db" "$T/a.db" "$T/b.db" || die "merge failed"
DB=$T/a.db

# one_error WHAT CMD... : exit 2, one line on stderr, nothing on stdout
one_error() {
    _w=$1; shift
    assert_status "$_w: exit 2" 2 "$@"
    assert_eq "$_w: one stderr line" 1 "$(wc -l <"$T/err")"
    assert_eq "$_w: stdout empty" 0 "$(wc -c <"$T/out")"
}
# heads : the type header lines of the last show
heads() { grep -E '^(struct|union|class) [^ ]+ \{ +/\*' "$T/out" | sed 's/ {.*//'; }

# ---- show: "struct conn", the way top prints it ----
"$HOLEPROF" show "$DB" conn >"$T/plain.out" 2>&1 || fail "show conn"
assert_status "[show] 'struct conn'" 0 "$HOLEPROF" show "$DB" 'struct conn'
assert_eq "[show] 'struct conn' = conn" "$(cat "$T/plain.out")" "$(cat "$T/out")"
one_error "[show] 'union conn' is not the struct" "$HOLEPROF" show "$DB" 'union conn'
assert_match "[show] 'union conn' says so" "no type named 'union conn'" "$(cat "$T/err")"
assert_status "[show] 'union conn_u'" 0 "$HOLEPROF" show "$DB" 'union conn_u'
assert_eq "[show] 'union conn_u' header" "union conn_u" "$(heads)"
# the name top prints, fed back to show
top_name=$("$HOLEPROF" top "$DB" | awk '$1 == "1" {print $2, $3}')
assert_eq "[top] first row" "struct wide" "$top_name"
assert_status "[show] top's first row by its printed name" 0 "$HOLEPROF" show "$DB" "$top_name"

# ---- show: several names, in order, each type once ----
assert_status "[show] several names" 0 "$HOLEPROF" show "$DB" wide conn Obj conn 'struct conn'
assert_eq "[show] several names: each once, in order" "struct wide
struct conn
struct _obj" "$(heads)"
one_error "[show] one unknown name among several" "$HOLEPROF" show "$DB" conn no_such_type
assert_match "[show] names the unknown one" "no type named 'no_such_type'" "$(cat "$T/err")"

# ---- show: globs (pahole -C style), over names and typedef names ----
assert_status "[show] glob conn*" 0 "$HOLEPROF" show "$DB" 'conn*'
assert_eq "[show] glob conn*: by name" "struct conn
struct conn_extra
union conn_u" "$(heads)"
assert_eq "[show] glob: each marked" 3 "$(grep -c '^/\* match [1-3] of 3: ' "$T/out")"
assert_status "[show] glob over typedef names" 0 "$HOLEPROF" show "$DB" 'Ob?'
assert_eq "[show] Ob? finds struct _obj" "struct _obj" "$(heads)"
assert_status "[show] glob with a kind" 0 "$HOLEPROF" show "$DB" 'union conn*'
assert_eq "[show] 'union conn*'" "union conn_u" "$(heads)"
one_error "[show] glob matching nothing" "$HOLEPROF" show "$DB" 'zz*'
assert_match "[show] glob matching nothing says so" "no type matches 'zz\\*'" "$(cat "$T/err")"

# ---- sites: typedef names, struct NAME and globs, as show ----
assert_status "[sites] typedef name Obj" 0 "$HOLEPROF" sites "$DB" Obj
assert_match "[sites] Obj is struct _obj" "^struct _obj \\(24 bytes\\)" "$(head -n 1 "$T/out")"
assert_status "[sites] 'struct conn'" 0 "$HOLEPROF" sites "$DB" 'struct conn'
assert_match "[sites] 'struct conn' lists it" "^struct conn \\(24 bytes\\)" "$(head -n 1 "$T/out")"
assert_status "[sites] glob" 0 "$HOLEPROF" sites "$DB" 'conn*'
assert_eq "[sites] glob: the three groups" "struct conn (24 bytes)
struct conn_extra (24 bytes)
union conn_u (8 bytes)" "$(grep -v '^ ' "$T/out" | grep -v '^$' | grep -v candidate)"
one_error "[sites] unknown type" "$HOLEPROF" sites "$DB" no_such_type

# ---- sites --binary on a merged database ----
assert_status "[sites] merged, all binaries" 0 "$HOLEPROF" sites "$T/m.db" conn
assert_eq "[sites] merged: both binaries' sites" 2 "$(grep -c 'malloc(24)' "$T/out")"
assert_status "[sites] --binary other" 0 "$HOLEPROF" sites --binary other "$T/m.db" conn
assert_eq "[sites] --binary: one binary's site" 1 "$(grep -c 'malloc(24)' "$T/out")"
assert_eq "[sites] --binary = that shard" "$("$HOLEPROF" sites "$T/b.db" conn)" "$(cat "$T/out")"

# ---- top: a binary column when the database has several ----
assert_status "[top] merged" 0 "$HOLEPROF" top -n 0 "$T/m.db"
assert_match "[top] merged: binary column" "^rank +type +binary +size " "$(grep '^rank' "$T/out")"
assert_eq "[top] merged: struct conn once per binary" "other
prog" "$(awk '$2 == "struct" && $3 == "conn" {print $4}' "$T/out" | sort)"
assert_status "[top] one binary" 0 "$HOLEPROF" top -n 0 "$DB"
assert_match "[top] one binary: no binary column" "^rank +type +size " "$(grep '^rank' "$T/out")"
assert_status "[top] merged --binary" 0 "$HOLEPROF" top -n 0 --binary prog "$T/m.db"
assert_match "[top] merged --binary: no binary column" "^rank +type +size " "$(grep '^rank' "$T/out")"
assert_status "[top] merged csv" 0 "$HOLEPROF" top -n 0 -f csv "$T/m.db"
assert_match "[top] merged csv: binary path column" ",binary$" "$(head -n 1 "$T/out")"
assert_eq "[top] merged csv: the paths" "$T/a/prog
$T/b/other" "$(grep ',conn,' "$T/out" | awk -F, '{print $NF}' | sort)"

# ---- csv and table: whole numbers as integers ----
for f in csv table; do
    assert_status "[$f] top" 0 "$HOLEPROF" top -n 0 -f $f "$DB"
    assert_eq "[$f] top: no '.0' numbers" "" "$(grep -E '(^|[ ,])[0-9]+\.0([ ,]|$)' "$T/out")"
    assert_status "[$f] query worst" 0 "$HOLEPROF" query -f $f "$DB" worst
    assert_eq "[$f] query worst: no '.0' numbers" "" "$(grep -E '(^|[ ,])[0-9]+\.0([ ,]|$)' "$T/out")"
done
assert_eq "[csv] allocations of struct wide" 1 \
    "$("$HOLEPROF" top -f csv "$DB" | awk -F, '$4 == "wide" {print $10}')"
# a fraction stays a fraction
assert_eq "[csv] a real that is not whole" "0.5" \
    "$(printf 'SELECT 0.5 AS x;\n' >"$T/half.sql"; "$HOLEPROF" query -f csv "$DB" "$T/half.sql" | tail -n 1)"

# ---- top --min-saving ----
for n in 1 8 9 24 25; do
    want=$(q "$DB" "SELECT count(*) FROM waste WHERE saving > 0 AND saving >= $n")
    assert_status "[top] --min-saving $n" 0 "$HOLEPROF" top -n 0 -f csv --min-saving $n "$DB"
    assert_eq "[top] --min-saving $n: rows" "$want" "$(($(wc -l <"$T/out") - 1))"
    assert_eq "[top] --min-saving $n: all at least $n" "" \
        "$(awk -F, -v n=$n 'NR > 1 && $5 - $6 < n' "$T/out")"
done
one_error "[top] --min-saving needs a number" "$HOLEPROF" top --min-saving lots "$DB"

# ---- query sizes: pahole --sizes ----
assert_status "[sizes] query sizes" 0 "$HOLEPROF" query -f csv "$DB" sizes
assert_eq "[sizes] columns" "name,size,holes" "$(head -n 1 "$T/out")"
assert_match "[sizes] a typedef-only struct is listed" "^Anon,12,1$" "$(cat "$T/out")"
if command -v pahole >/dev/null 2>&1; then
    pahole --sizes "$T/a/prog" 2>/dev/null | tr '\t' ',' | sort >"$T/pahole.sizes"
    [ -s "$T/pahole.sizes" ] || fail "[sizes] pahole printed nothing"
    tail -n +2 "$T/out" | sort >"$T/ours.sizes"
    assert_eq "[sizes] every line of pahole --sizes is ours" "" \
        "$(comm -23 "$T/pahole.sizes" "$T/ours.sizes")"
else
    echo "note: pahole not installed: --sizes comparison skipped"
fi

finish
