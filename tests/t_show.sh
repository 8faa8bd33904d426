#!/bin/sh
# t_show.sh -- `holeprof show`: the pahole-style layout and the suggested
# order.
#
# Checks, on fixtures compiled here:
#   - the member lines, hole lines and cacheline lines, in order, are the
#     ones pahole 1.24 prints for the same binary (pahole is the oracle;
#     that part is skipped without it);
#   - header, footer, flags and "Suggested order (size A -> B ...)" lines;
#   - every suggested declaration compiles as C (or C++) and the compiler
#     puts each member at the offset show printed and makes the type the
#     promised size (offsetof/sizeof static assertions);
#   - conflicting layouts are all shown; unknown names and foreign
#     databases exit 2, unknown names with "did you mean".
. "${TOP_SRCDIR:-$(dirname "$0")/..}/tests/lib.sh"

need gcc sqlite3 python3
[ -x "$HOLEPROF" ] || die "holeprof not built: $HOLEPROF"

cat > "$T/fix.c" <<'EOF'
struct conn { char state; void *buf; unsigned int flags:3; int fd; short port; };
struct bf { char x; unsigned a:3; long l; unsigned b:20, c:12; char y; };
union u { int i; double d; char c[3]; };
typedef struct { char a; long b; char c; } point;
struct big { char a; long arr[10]; char b; void *p; short tail[3]; };
struct s { char a; int b; };
struct conn g_conn; struct bf g_bf; union u g_u; point g_point; struct big g_big;
struct s g_s1;
EOF
cat > "$T/fix2.c" <<'EOF'
struct s { char a; long b; char c; };
struct s g_s2;
int main(void) { return g_s2.a; }
EOF
gcc -g -O0 -o "$T/fix" "$T/fix.c" "$T/fix2.c" || die "cannot compile the fixture"
"$HOLEPROF" analyze "$T/fix" -o "$T/db" -q || die "analyze failed"
DB=$T/db

# show_of NAME : show's output in $T/NAME.show (exit status checked)
show_of() {
    assert_status "show $1" 0 "$HOLEPROF" show "$DB" "$1"
    cp "$T/out" "$T/$1.show"
}

# layout_lines FILE : member, hole and cacheline lines of the layout (not
# the suggestion), blanks squeezed, pahole's ", try to pack" dropped, so
# pahole and show compare equal
layout_lines() {
    sed -e '/^Suggested order/,$d' -e 's/^[[:space:]]*//' -e 's/[[:space:]][[:space:]]*/ /g' -e 's/, try to pack//' "$1" |
        grep -E '^(/\* XXX |/\* --- cacheline |.*; /\* +[0-9]+(: ?[0-9]+)? +[0-9]+ \*/$)'
}

# check_suggestion NAME CTYPE [COMPILER LANGUAGE PRELUDE] : compile the
# suggested declaration of NAME (after PRELUDE) with static assertions on
# every offset show printed and on the size it promised
check_suggestion() {
    python3 - "$T/$1.show" "$2" "${5:-}" > "$T/$1.check.c" <<'EOF' || { fail "$1: cannot extract suggestion"; return; }
import re, sys
text = open(sys.argv[1]).read().split('\n')
ctype = sys.argv[2]
i = next(k for k, l in enumerate(text) if l.startswith('Suggested order ('))
size = int(re.search(r'-> (\d+),', text[i]).group(1))
decl, asserts = [], []
for line in text[i + 1:]:
    decl.append(line)
    m = re.match(r'\s+(.*?);\s+/\*\s+(\d+)(:\s*\d+)?\s+\d+ \*/$', line)
    if m and not m.group(3):
        name = re.search(r'(\w+)\)?(\[[^\]]*\])*(\([^)]*\))?$', m.group(1)).group(1)
        asserts.append('_Static_assert(offsetof(%s, %s) == %s, "offset of %s");'
                       % (ctype, name, m.group(2), name))
    if line.startswith('}'):
        break
print('#include <stddef.h>')
print('#ifdef __cplusplus\n#define _Static_assert static_assert\n#endif')
print(sys.argv[3])
print('\n'.join(decl))
print('_Static_assert(sizeof(%s) == %d, "size");' % (ctype, size))
print('\n'.join(asserts))
print('int main(void) { return 0; }')
EOF
    if ${3:-gcc} -x "${4:-c}" -fsyntax-only -w "$T/$1.check.c" 2> "$T/$1.check.err"; then pass; else
        fail "$1: suggested declaration does not compile as promised: $(head -c 600 "$T/$1.check.err")"
    fi
    assert_match "$1: offsets were checked" '_Static_assert\(offsetof' "$(cat "$T/$1.check.c")"
}

# ---- struct conn ----
show_of conn
line=$(grep -n '^struct conn {' "$T/fix.c" | cut -d: -f1)
assert_match "conn header" "^struct conn \\{ +/\\* size 32, align 8, C, fix\\.c:$line \\*/\$" "$(head -1 "$T/conn.show")"
# the header comment lines up with the member comments
assert_eq "conn: comments aligned" "1" \
    "$(sed '/^}/,$d' "$T/conn.show" | awk '/\/\* +[0-9s]/{ print index($0, "/*") }' | sort -u | wc -l | tr -d ' ')"
assert_eq "conn layout" "char state; /* 0 1 */
/* XXX 7 bytes hole */
void * buf; /* 8 8 */
unsigned int flags:3; /* 16: 0 4 */
/* XXX 29 bits hole */
int fd; /* 20 4 */
short int port; /* 24 2 */" "$(layout_lines "$T/conn.show")"
assert_match "conn: bitfield comment as pahole prints it" '^    unsigned int +flags:3; +/\*    16: 0  4 \*/$' "$(cat "$T/conn.show")"
assert_match "conn footer" '^\};  /\* members 5, holes 1 \(7 bytes\), bit holes 1 \(29 bits\), tail padding 6, cachelines 1 \*/$' "$(cat "$T/conn.show")"
assert_match "conn suggestion" '^Suggested order \(size 32 -> 16, saves 16 bytes per object\):$' "$(cat "$T/conn.show")"
check_suggestion conn "struct conn"

# ---- bitfields around ordinary members ----
show_of bf
assert_eq "bf layout" "char x; /* 0 1 */
unsigned int a:3; /* 0: 8 4 */
/* XXX 21 bits hole */
/* XXX 4 bytes hole */
long int l; /* 8 8 */
unsigned int b:20; /* 16: 0 4 */
unsigned int c:12; /* 16:20 4 */
char y; /* 20 1 */" "$(layout_lines "$T/bf.show")"
assert_match "bf suggestion" 'Suggested order \(size 24 -> 16, saves 8 bytes per object\):' "$(cat "$T/bf.show")"
check_suggestion bf "struct bf"

# ---- union: nothing to reorder ----
show_of u
assert_match "union header" '^union u \{' "$(head -1 "$T/u.show")"
assert_match "union: no suggestion" '^Suggested order: none \(the members of a union overlap\)\.$' "$(cat "$T/u.show")"
assert_match "union: array member" '^    char +c\[3\]; +/\* +0 +3 \*/$' "$(cat "$T/u.show")"

# ---- typedef of an anonymous struct ----
show_of point
assert_match "point flags" 'flags: anonymous, named by a typedef' "$(cat "$T/point.show")"
assert_match "point: typedef declaration" '^typedef struct \{$' "$(cat "$T/point.show")"
assert_match "point: typedef name at the end" '^\} point;$' "$(cat "$T/point.show")"
check_suggestion point "point"

# ---- a type over two cachelines ----
show_of big
assert_match "big: cacheline line" '^    /\* --- cacheline 1 boundary \(64 bytes\) was 24 bytes ago --- \*/$' "$(cat "$T/big.show")"
assert_eq "big: cacheline line sits before b" "b;" \
    "$(grep -A1 -- '--- cacheline 1' "$T/big.show" | tail -1 | awk '{ print $2 }')"
check_suggestion big "struct big"

# ---- conflicting layouts of one name: both shown ----
show_of s
assert_eq "s: two layouts" "2" "$(grep -Ec '^struct s \{ +/\* size' "$T/s.show")"
assert_match "s: numbered" '^/\* layout 2 of 2: ' "$(cat "$T/s.show")"
assert_match "s: conflict flag" 'conflicting definitions \(2 layouts of this name in the binary\)' "$(cat "$T/s.show")"
assert_match "s: one of them can shrink" 'Suggested order \(size 24 -> 16' "$(cat "$T/s.show")"
assert_match "s: the other cannot" 'Suggested order: none \(no member order makes it smaller than 8 bytes\)' "$(cat "$T/s.show")"

# the arithmetic in show agrees with the stored optimal size everywhere
assert_eq "no recomputation disagreed" "" "$(cat "$T"/*.show | grep 'note: laid out')"

# ---- pahole as the oracle for the layout lines ----
if command -v pahole >/dev/null 2>&1; then
    for n in conn bf big; do
        pahole -C "$n" "$T/fix" > "$T/$n.pahole" 2>/dev/null
        assert_eq "$n: same lines as pahole" "$(layout_lines "$T/$n.pahole")" "$(layout_lines "$T/$n.show")"
    done
else
    echo "pahole not installed: oracle comparison skipped"
fi

# ---- errors ----
assert_status "unknown type" 2 "$HOLEPROF" show "$DB" onn
assert_match "unknown type: did you mean" "db: no type named 'onn'; did you mean: conn\\?\$" "$(cat "$T/err")"
assert_status "unknown type, no near names" 2 "$HOLEPROF" show "$DB" zzzq
assert_match "unknown type: plain message" "no type named 'zzzq'\$" "$(cat "$T/err")"
assert_status "LIKE wildcards are literal" 2 "$HOLEPROF" show "$DB" "%"
assert_match "no did-you-mean for %" "no type named '%'\$" "$(cat "$T/err")"
sqlite3 "$T/other.db" "CREATE TABLE types(name); INSERT INTO types VALUES ('conn');"
assert_status "show on a non-holeprof db" 2 "$HOLEPROF" show "$T/other.db" conn
assert_match "non-holeprof: message" 'other\.db: not a holeprof database' "$(cat "$T/err")"
printf 'garbage' > "$T/junk.db"
assert_status "show on a non-sqlite file" 2 "$HOLEPROF" show "$T/junk.db" conn
# a damaged row is an error, not a crash
cp "$DB" "$T/bad.db"
sqlite3 "$T/bad.db" "UPDATE members SET size = -1 WHERE name = 'buf'"
assert_status "damaged member row" 2 "$HOLEPROF" show "$T/bad.db" conn
assert_match "damaged: message" 'damaged database' "$(cat "$T/err")"
cp "$DB" "$T/bad2.db"
sqlite3 "$T/bad2.db" "UPDATE members SET suggested_pos = 0"
assert_status "broken suggested order" 0 "$HOLEPROF" show "$T/bad2.db" conn
assert_match "broken order: reported" '^Suggested order: unavailable' "$(cat "$T/out")"

# ---- C++: bases go to the class head, offsets follow them ----
if command -v g++ >/dev/null 2>&1; then
    cat > "$T/fix.cc" <<'EOF'
struct B1 { long q; };
struct D : B1 { char a; long b; char c; int z; };
int main() { D d{}; return d.a; }
EOF
    g++ -g -O0 -o "$T/fixcc" "$T/fix.cc" || die "cannot compile the C++ fixture"
    "$HOLEPROF" analyze "$T/fixcc" -o "$T/db" -q || die "analyze (C++) failed"
    show_of D
    assert_match "D: base as ancestor" '^    B1 +<ancestor>; +/\* +0 +8 \*/$' "$(cat "$T/D.show")"
    assert_match "D: class head" '^struct D : public B1 \{$' "$(cat "$T/D.show")"
    check_suggestion D "struct D" g++ c++ "struct B1 { long q; };"
fi

finish
