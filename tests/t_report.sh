#!/bin/sh
# t_report.sh -- `holeprof report`: the HTML page for programs compiled
# now, checked twice.  First its structure, with python3's html.parser
# against the database read independently (sqlite3): offenders in exactly
# `holeprof top`'s order, one cell per byte (per 8 bytes for a big type),
# each member's cell count, holes hatched at the offsets member_holes
# names and tail padding where it is, sites with file:line, the allocator
# class now and after, field heat from a real valgrind DHAT run, the diff
# of two builds, and a database with hostile names escaped everywhere.
# Then in headless Chromium (Debian's chromium driven by playwright-core,
# installed here with npm when missing; tests/report_check.mjs): no
# console errors, no network, the maps drawn with the expected cells,
# sorting and filtering working; a screenshot is kept in the build tree
# ($TOP_BUILDDIR/tests/report-screenshot.png).  Without chromium, node or
# npm the browser part is skipped with a message; the rest still runs.
#
# Fixtures: tests/fixtures/profile.c (struct arr: 40 -> 24 bytes, holes
# at 1..7 and 17..23, tail 33..39, calloc(4, 40) in a loop: glibc class
# 48 -> 32 for one object) and, written here, struct big (336 bytes: 42
# cells of 8) and struct bits (bitfields sharing a byte).
. "${TOP_SRCDIR:-$(dirname "$0")/..}/tests/lib.sh"

need gcc sqlite3 python3
[ -x "$HOLEPROF" ] || die "holeprof not built: $HOLEPROF"
PLAYWRIGHT_VERSION=1.56.1

gcc -g -O0 -fpie -pie -o "$T/pf" "$FIXTURES/profile.c" || die "cannot compile the fixture"
"$HOLEPROF" analyze -q "$T/pf" -o "$T/pf.db" || die "analyze failed"
line() { grep -n "$1" "$FIXTURES/profile.c" | head -1 | cut -d: -f1; }

cat > "$T/big.c" <<'EOF'
#include <stdlib.h>
struct big { char a; double d[40]; char z; };
struct bits { char a; unsigned x : 3, y : 5; long z; short s; };
int main(int argc, char **argv)
{
    (void)argv;
    long sum = 0;
    for (int i = 0; i < argc * 3; i++) {
        struct big *b = malloc(sizeof *b);
        struct bits *t = malloc(sizeof *t);
        if (b == NULL || t == NULL)
            return 1;
        b->a = 1; t->x = 1;
        sum += b->a + t->x;
        free(b);
        free(t);
    }
    return sum == 0;
}
EOF
gcc -g -O0 -o "$T/big" "$T/big.c" || die "cannot compile big.c"
"$HOLEPROF" analyze -q "$T/big" -o "$T/big.db" || die "analyze big failed"

# ---- the page's structure, as facts (python3 html.parser) ----
cat > "$T/facts.py" <<'EOF'
# facts.py HTML: one line per fact, for the shell to compare.
import json, sys
from html.parser import HTMLParser

class P(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.offenders, self.maps, self.rows, self.sites = [], [], 0, {}
        self.svg = self.g = None
        self.art = None
        self.in_where = self.in_json = False
        self.json = ''
        self.classes = {}
        self.in_class = False
    def handle_starttag(self, tag, a):
        a = dict(a)
        cls = (a.get('class') or '').split()
        if tag == 'article' and 'offender' in cls:
            self.art = a['data-type-id']
            self.offenders.append((a['data-name'], a['data-type-id'], a['data-rank']))
            self.sites[self.art] = []
        elif tag == 'svg' and 'bytemap' in cls:
            self.svg = dict(a, members={}, holes=[], tails=[], rects=0, heat={}, lines=[], gaps=0)
            self.maps.append(self.svg)
        elif tag == 'g' and 'member' in cls and self.svg is not None:
            self.g = a['data-member']
            self.svg['members'][self.g] = [int(a['data-member-cells']), 0]
            if 'data-heat' in a:
                self.svg['heat'][self.g] = (int(a['data-heat']), float(a['fill-opacity']))
        elif tag == 'rect' and 'cell' in cls and self.svg is not None:
            self.svg['rects'] += 1
            if 'gap' in cls:
                self.svg['gaps'] += 1
            if 'hole' in cls:
                self.svg['holes'].append(int(a['data-offset']))
            elif 'tail' in cls:
                self.svg['tails'].append(int(a['data-offset']))
            elif self.g is not None:
                self.svg['members'][self.g][1] += 1
        elif tag == 'line' and 'cacheline' in cls and self.svg is not None:
            self.svg['lines'].append(int(a['data-offset']))
        elif tag == 'tr' and 'data-type-id' in a and 'data-order' in a:
            self.rows += 1
        elif tag == 'td' and 'where' in cls:
            self.in_where = True
        elif tag == 'script' and a.get('id') == 'diff-data':
            self.in_json = True
        elif tag == 'span' and 'class' in cls and self.art:
            self.in_class = True
            self.classes[self.art] = ''
    def handle_endtag(self, tag):
        if tag == 'svg':
            self.svg = None
        elif tag == 'g':
            self.g = None
        elif tag == 'td':
            self.in_where = False
        elif tag == 'script':
            self.in_json = False
        elif tag == 'article':
            self.art = None
        elif tag == 'span':
            self.in_class = False
    def handle_data(self, d):
        if self.in_where and self.art:
            self.sites[self.art].append(d)
        if self.in_json:
            self.json += d
        if self.in_class and self.art:
            self.classes[self.art] += d

raw = open(sys.argv[1], encoding='utf-8', errors='strict').read()
p = P()
p.feed(raw)
p.close()
print('offenders', '|'.join(n for n, _, _ in p.offenders))
print('ranks', ' '.join(r for _, _, r in p.offenders))
for n, i, _ in p.offenders:
    print('id', n, i)
for m in p.maps:
    mem = ','.join('%s:%d' % (k, v[1]) for k, v in sorted(m['members'].items(), key=lambda x: int(x[0])))
    attr_ok = all(v[0] == v[1] for v in m['members'].values())
    total = sum(v[1] for v in m['members'].values()) + len(m['holes']) + len(m['tails'])
    print('map %s %s size=%s cellbytes=%s cells=%s rects=%d sum=%d attrs=%s gaps=%d members=%s holes=%s tails=%s lines=%s'
          % (m['data-type-id'], m['data-layout'], m['data-size'], m['data-cell-bytes'],
             m['data-cells'], m['rects'], total, 'ok' if attr_ok else 'BAD', m['gaps'], mem,
             ','.join(map(str, m['holes'])), ','.join(map(str, m['tails'])),
             ','.join(map(str, m['lines']))))
    if m['heat']:
        print('heat %s %s %s' % (m['data-type-id'], m['data-layout'], ','.join(
            '%s:%d:%.2f' % (k, h, o) for k, (h, o) in sorted(m['heat'].items(), key=lambda x: int(x[0])))))
print('rows', p.rows)
for k, v in p.sites.items():
    print('sites', k, '|'.join(v))
for k, v in p.classes.items():
    print('class', k, ' '.join(v.split()))
if p.json:
    print('diff', json.dumps(json.loads(p.json), sort_keys=True))
EOF
facts() { python3 "$T/facts.py" "$1" > "$T/facts" || fail "html.parser could not read $1"; }
fact() { sed -n "s/^$1 //p" "$T/facts" | head -1; }
# map TYPE_ID LAYOUT FIELD
mapf() { grep "^map $1 $2 " "$T/facts" | tr ' ' '\n' | sed -n "s/^$3=//p"; }
tid() { q "$2" "SELECT id FROM types WHERE name = '$1'"; }

assert_status "report" 0 "$HOLEPROF" report "$T/pf.db" -o "$T/r.html" -n 0
assert_match "says what it wrote" "wrote .*r\\.html" "$(cat "$T/err")"
assert_eq "one html document" "1" "$(grep -c '^<!DOCTYPE html>' "$T/r.html")"
assert_eq "no external resource" "0" "$(grep -Ec '(src|href)="(https?:)?//|@import|url\((https?:)?//' "$T/r.html")"
facts "$T/r.html"
top=$("$HOLEPROF" top "$T/pf.db" -n 0 -f csv | tail -n +2 | tr -d '\r' | cut -d, -f4 | paste -sd'|')
assert_eq "offenders in top's order" "$top" "$(fact offenders)"
assert_eq "ranks" "1 2 3 4 5" "$(fact ranks)"
assert_eq "all types in the table" "$(q "$T/pf.db" "SELECT count(*) FROM types WHERE kind <> 'enum'")" "$(fact rows)"
assert_status "report -n 2" 0 "$HOLEPROF" report "$T/pf.db" -o "$T/r2.html" -n 2
assert_eq "-n 2 draws two" "2" "$(grep -o '<article class="offender"' "$T/r2.html" | wc -l)"

# struct arr, one cell per byte: members, holes and tail from the database
ARR=$(tid arr "$T/pf.db")
assert_eq "arr: cells" "40 1 40 40 40" \
    "$(echo $(mapf $ARR current size) $(mapf $ARR current cellbytes) $(mapf $ARR current cells) $(mapf $ARR current rects) $(mapf $ARR current sum))"
assert_eq "arr: data-member-cells = rects drawn" "ok" "$(mapf $ARR current attrs)"
assert_eq "arr: member cells = member sizes" \
    "$(q "$T/pf.db" "SELECT group_concat(idx || ':' || size, ',') FROM (SELECT idx, size FROM members WHERE type_id = $ARR ORDER BY idx)")" \
    "$(mapf $ARR current members)"
holes=$(q "$T/pf.db" "WITH RECURSIVE h(o, e) AS (SELECT hole_offset, hole_offset + hole_bytes FROM member_holes WHERE type_id = $ARR
                      UNION ALL SELECT o + 1, e FROM h WHERE o + 1 < e) SELECT group_concat(o, ',') FROM (SELECT o FROM h ORDER BY o)")
assert_eq "arr: holes hatched at the member_holes offsets" "1,2,3,4,5,6,7,17,18,19,20,21,22,23" "$holes"
assert_eq "arr: hole cells drawn there" "$holes" "$(mapf $ARR current holes)"
assert_eq "arr: tail padding cells" "33,34,35,36,37,38,39" "$(mapf $ARR current tails)"
assert_eq "arr: suggested order, 24 bytes, 5 tail" "24 24 19,20,21,22,23" \
    "$(echo $(mapf $ARR suggested size) $(mapf $ARR suggested sum) $(mapf $ARR suggested tails))"
assert_eq "arr: suggested order has no hole" "" "$(mapf $ARR suggested holes)"
assert_eq "arr: suggested member cells" "0:1,1:8,2:1,3:8,4:1" "$(mapf $ARR suggested members)"
assert_eq "arr: no cacheline inside 40 bytes" "" "$(mapf $ARR current lines)"
assert_eq "arr: one cell per byte, no partial cell" "0" "$(mapf $ARR current gaps)"
assert_eq "arr: class now -> after" "glibc class 48 → 32 bytes" "$(fact "class $ARR")"
assert_eq "arr: its site with file:line" "$FIXTURES/profile.c:$(line 'calloc(4, sizeof \*v)')" "$(fact "sites $ARR")"
assert_match "summary: build-id" "$(q "$T/pf.db" "SELECT build_id FROM binaries")" "$(grep -o '<td class="build-id"><code>[0-9a-f]*' "$T/r.html")"
assert_match "summary: static allocations" 'data-source="static"' "$(grep -o '<p id="alloc-source"[^>]*>' "$T/r.html")"
assert_match "summary: each allocator model" 'data-model="glibc" class="chosen".*data-model="go".*data-model="jemalloc".*data-model="kmalloc".*data-model="mimalloc"' "$(tr -d '\n' < "$T/r.html")"

# layouts only (analyze --no-sites): still a page, ranked by raw saving
"$HOLEPROF" analyze -q --no-sites "$T/pf" -o "$T/ns.db" || die "analyze --no-sites failed"
assert_status "report without sites" 0 "$HOLEPROF" report "$T/ns.db" -o "$T/ns.html" -n 0
assert_eq "without sites: same offenders, no sites" "5 5" \
    "$(grep -o '<article class="offender"' "$T/ns.html" | wc -l) $(grep -o 'No allocation site found' "$T/ns.html" | wc -l)"
assert_match "without sites: says so" 'data-source="none"' "$(grep -o '<p id="alloc-source"[^>]*>' "$T/ns.html")"

# a big type: a cell per 8 bytes; bitfields sharing a byte
assert_status "report big" 0 "$HOLEPROF" report "$T/big.db" -o "$T/big.html" -n 0
facts "$T/big.html"
BIG=$(tid big "$T/big.db")
BITS=$(tid bits "$T/big.db")
assert_eq "big: 336 bytes in 42 cells of 8" "336 8 42 42 42" \
    "$(echo $(mapf $BIG current size) $(mapf $BIG current cellbytes) $(mapf $BIG current cells) $(mapf $BIG current rects) $(mapf $BIG current sum))"
assert_eq "big: a, d[40], z" "0:1,1:40,2:1" "$(mapf $BIG current members)"
assert_eq "big: cacheline marks every 64 bytes" "64,128,192,256,320" "$(mapf $BIG current lines)"
assert_eq "big: the cell holding a and its 7-byte hole outlined, none after reordering" "1 0" \
    "$(mapf $BIG current gaps) $(mapf $BIG suggested gaps)"
assert_eq "big: suggested 328 bytes, 41 cells" "328 41 41" \
    "$(echo $(mapf $BIG suggested size) $(mapf $BIG suggested cells) $(mapf $BIG suggested sum))"
assert_eq "bits: cells add up" "$(type_row "$T/big.db" bits size) ok" "$(mapf $BITS current sum) $(mapf $BITS current attrs)"
# a(0), x and y share byte 1 (x owns it), hole 2..7, z 8..15, s 16..17, tail 18..23
assert_eq "bits: members (x owns the shared byte)" "0:1,1:1,3:8,4:2" "$(mapf $BITS current members)"
assert_eq "bits: members in the database" "a:0:1 x:0:4:8:3 y:0:4:11:5 z:8:8 s:16:2" "$(echo $(members_of "$T/big.db" bits))"
assert_eq "bits: holes" "2,3,4,5,6,7" "$(mapf $BITS current holes)"
assert_eq "bits: tail" "18,19,20,21,22,23" "$(mapf $BITS current tails)"

# ---- field heat from a real DHAT run ----
if command -v valgrind >/dev/null 2>&1; then
    cp "$T/pf.db" "$T/heat.db"
    valgrind -q --tool=dhat --dhat-out-file="$T/dhat.json" "$T/pf" 2>"$T/vg.err" \
        || die "valgrind failed: $(head -c 300 "$T/vg.err")"
    "$HOLEPROF" profile -q "$T/heat.db" "$T/dhat.json" || die "profile import failed"
    assert_status "report with heat" 0 "$HOLEPROF" report "$T/heat.db" -o "$T/heat.html" -n 0
    facts "$T/heat.html"
    HOT=$(tid hot "$T/heat.db")
    # struct hot { char a; long b; char c; int d; }: only a and b touched
    assert_match "hot: a and b shaded hot, c and d cold" '^0:[1-9][0-9]*:(0\.[3-9][0-9]|1\.00),1:16000:1\.00,2:0:0\.20,3:0:0\.20$' "$(fact "heat $HOT current")"
    assert_match "summary: measured allocations" 'data-source="measured"' "$(grep -o '<p id="alloc-source"[^>]*>' "$T/heat.html")"
    assert_match "suggestion hot-first" 'suggested: 16 bytes, hot fields first' "$(tr -d '\n' < "$T/heat.html")"
else
    echo "valgrind not installed: field heat not checked"
fi

# ---- two builds: the diff ----
sed 's/struct hot { char a; long b; char c; int d; };/struct hot { char a; long b; char c; int d; char e; };/
     s/struct once { char a; long b; char c; long d; char e; };/struct once { long b; long d; char a; char c; char e; };/' \
    "$FIXTURES/profile.c" > "$T/p2.c"
cat >> "$T/p2.c" <<'EOF'
struct newbie { char a; long b; };
struct newbie *nb(void) { return malloc(sizeof(struct newbie)); }
EOF
gcc -g -O0 -fpie -pie -o "$T/pf2" "$T/p2.c" || die "cannot compile p2.c"
"$HOLEPROF" analyze -q "$T/pf2" -o "$T/pf2.db" || die "analyze pf2 failed"
assert_status "report OLD NEW" 0 "$HOLEPROF" report "$T/pf.db" "$T/pf2.db" -o "$T/d.html"
facts "$T/d.html"
"$HOLEPROF" diff "$T/pf.db" "$T/pf2.db" -f json | python3 -c 'import json,sys; print(json.dumps(json.load(sys.stdin), sort_keys=True))' > "$T/diff.json"
assert_eq "embedded diff = holeprof diff --format json" "$(cat "$T/diff.json")" "$(fact diff)"
assert_eq "diff: types changed" "hot:grew newbie:added once:shrank" \
    "$(fact diff | python3 -c 'import json,sys; print(" ".join(sorted(t["name"]+":"+t["change"] for t in json.load(sys.stdin)["types"])))')"
assert_eq "diff page: then the new build's offenders" "$(q "$T/pf2.db" "SELECT count(*) FROM types WHERE optimal_size < size")" \
    "$(fact offenders | tr '|' '\n' | wc -l)"

# ---- hostile names: a database is input ----
H='<img src=x onerror="document.title=1">&amp;</script><b id=pwned>'"'"'x'
cp "$T/pf.db" "$T/h1.db"
cp "$T/pf2.db" "$T/h2.db"
for db in "$T/h1.db" "$T/h2.db"; do
    sqlite3 "$db" "UPDATE types SET name = '$(printf '%s' "$H" | sed "s/'/''/g")' WHERE name = 'hot';
                   UPDATE members SET name = CAST(X'ff3c2f7469746c653e01' AS TEXT) WHERE name = 'c'
                     AND type_id = (SELECT id FROM types WHERE kind = 'struct' AND size = 40 LIMIT 1);
                   UPDATE sites SET file = '</td><script>x</script>' WHERE id = (SELECT min(id) FROM sites);" \
        || die "cannot damage $db"
done
assert_status "report with hostile names" 0 "$HOLEPROF" report "$T/h1.db" "$T/h2.db" -o "$T/h.html" -n 0
assert_eq "no markup from the database" "0" "$(grep -Ec '<img|<b id=pwned|<title>[^<]*<\/td>|<script>x' "$T/h.html")"
assert_eq "scripts: the diff data and the page's own" "2" "$(grep -o '<script' "$T/h.html" | wc -l)"
assert_eq "closing script tags: the same two" "2" "$(grep -o '</script>' "$T/h.html" | wc -l)"
facts "$T/h.html"
assert_match "hostile name read back verbatim" "^<img src=x onerror=\"document.title=1\">&amp;</script><b id=pwned>'x [0-9]+\$" \
    "$(grep '^id <img' "$T/facts" | cut -d' ' -f2-)"
assert_match "hostile name verbatim in the diff json" '"name": "<img src=x' "$(fact diff)"
assert_eq "invalid UTF-8 replaced, page is valid UTF-8" "ok" \
    "$(python3 -c 'import sys; open(sys.argv[1], encoding="utf-8").read(); print("ok")' "$T/h.html" 2>&1)"

# ---- refusals ----
assert_status "missing database" 2 "$HOLEPROF" report "$T/nope.db" -o "$T/x.html"
assert_match "one line naming the file" "^holeprof: .*nope\\.db" "$(cat "$T/err")"
assert_status "three databases" 2 "$HOLEPROF" report "$T/pf.db" "$T/pf.db" "$T/pf.db"
assert_status "bad -n" 2 "$HOLEPROF" report "$T/pf.db" -n x -o "$T/x.html"
assert_status "not a holeprof database" 2 "$HOLEPROF" report "$T/facts.py" -o "$T/x.html"
mkdir "$T/ro" && chmod 555 "$T/ro"
if [ "$(id -u)" != 0 ]; then
    assert_status "unwritable directory" 2 "$HOLEPROF" report "$T/pf.db" -o "$T/ro/r.html"
fi
assert_status "unknown binary" 2 "$HOLEPROF" report "$T/pf.db" --binary nosuch -o "$T/x.html"
assert_eq "no page and no temporary file left" "" "$(ls "$T" | grep -E '^x\.html')"
assert_status "stdout" 0 "$HOLEPROF" report "$T/pf.db" -o -
assert_eq "stdout: the page" "$(cat "$T/r.html")" "$(cat "$T/out")"
assert_status "--binary by name" 0 "$HOLEPROF" report "$T/pf.db" --binary pf -o "$T/b.html" -n 0
assert_eq "--binary: same page body" "$(grep -c 'class="offender"' "$T/r.html")" "$(grep -c 'class="offender"' "$T/b.html")"

# ---- in a browser ----
browser_skip() { echo "browser part skipped: $*"; }
CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
if [ ! -x "$CHROMIUM" ]; then
    browser_skip "$CHROMIUM not installed (apt-get install chromium)"
elif ! command -v node >/dev/null 2>&1; then
    browser_skip "node not installed (apt-get install nodejs npm)"
else
    # playwright-core: an existing install (NODE_PATH), else a cache in the
    # build tree, else npm install into that cache
    PWDIR=${HOLEPROF_PLAYWRIGHT_DIR:-$TOP_BUILDDIR/tests/node}
    if ! (cd "$T" && NODE_PATH=${NODE_PATH:-} node -e 'require("playwright-core")' 2>/dev/null) \
        && [ ! -d "$PWDIR/node_modules/playwright-core" ]; then
        if command -v npm >/dev/null 2>&1; then
            mkdir -p "$PWDIR"
            (cd "$PWDIR" && npm install --no-save --no-audit --no-fund --loglevel=error \
                "playwright-core@$PLAYWRIGHT_VERSION" > "$T/npm.log" 2>&1) \
                || echo "npm install failed: $(tail -3 "$T/npm.log")"
        fi
    fi
    if [ -d "$PWDIR/node_modules/playwright-core" ]; then
        NODE_PATH=$PWDIR/node_modules${NODE_PATH:+:$NODE_PATH}
    fi
    export NODE_PATH
    if ! (cd "$T" && node -e 'require("playwright-core")' 2>/dev/null); then
        browser_skip "playwright-core not available (npm missing or offline)"
    else
        mkdir -p "$TOP_BUILDDIR/tests"
        SHOT=$TOP_BUILDDIR/tests/report-screenshot.png
        rm -f "$SHOT"
        ARRN=$(q "$T/pf.db" "SELECT count(*) FROM types WHERE kind <> 'enum' AND name LIKE '%arr%'")
        python3 - "$T" "$CHROMIUM" "$SHOT" "$H" "$ARRN" "$top" > "$T/want.json" <<'EOF'
import json, sqlite3, sys
t, chromium, shot, hostile, arrn, top = sys.argv[1:7]
db = sqlite3.connect(t + '/pf.db')
cells = {}
for (tid, size) in db.execute("SELECT id, size FROM types WHERE optimal_size < size"):
    cur = {str(i): s for i, s in db.execute(
        "SELECT idx, size FROM members WHERE type_id = ? AND bit_size = 0 AND size > 0", (tid,))}
    cells[str(tid)] = {'total': size, 'current': cur}
print(json.dumps({
    'chromium': chromium, 'profile_dir': t + '/chrome-profile', 'screenshot': shot,
    'report': t + '/r.html', 'diff': t + '/d.html', 'hostile': t + '/h.html',
    'hostile_name': hostile, 'hostile_diff': True,
    'offenders': top.split('|'),
    'types': db.execute("SELECT count(*) FROM types WHERE kind <> 'enum'").fetchone()[0],
    'filter': 'arr', 'filter_rows': int(arrn), 'cells': cells,
    'diff_changes': {'hot': 'grew', 'once': 'shrank', 'newbie': 'added'},
}))
EOF
        (cd "$T" && timeout 180 node "$TOP_SRCDIR/tests/report_check.mjs" "$T/want.json") > "$T/browser.log" 2>&1
        st=$?
        cat "$T/browser.log"
        if [ $st = 2 ]; then
            browser_skip "chromium did not start: $(tail -1 "$T/browser.log")"
        else
            assert_eq "browser checks (tests/report_check.mjs)" "0" "$st"
            assert_eq "browser checks ran" "1" "$(grep -c ' browser checks, 0 failed$' "$T/browser.log")"
            assert_eq "screenshot kept" "1" "$(test -s "$SHOT" && echo 1)"
        fi
    fi
fi

finish
