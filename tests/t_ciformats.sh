#!/bin/sh
# t_ciformats.sh -- the CI formats of diff, check and top (issue 20):
# SARIF 2.1.0 for code scanning and Markdown for a pull-request comment.
#
# One C program built three times: V2 grows `grows` (a 3-byte hole),
# reorders `reordered` (24 -> 16) and adds `fresh`; V2 again with one line
# inserted at the top (every declaration one line lower: the fingerprints
# must not change, the locations must).  The SARIF is checked structurally
# by tests/sarif_check.py (required properties, enums, no undefined
# properties, ruleIndex/ruleId and uriBaseId cross references) and each
# result against the database: the rule of its kind, its level, the
# type's declaration file:line.  The Markdown must name what grew and what
# shrank, and stay under 65,536 characters when the report is much longer.
. "${TOP_SRCDIR:-$(dirname "$0")/..}/tests/lib.sh"

need gcc python3 sqlite3
[ -x "$HOLEPROF" ] || die "holeprof not built: $HOLEPROF"
CHECK=$TOP_SRCDIR/tests/sarif_check.py

cat > "$T/fx.c" <<'EOF2'
#include <stdlib.h>
struct reordered {
#ifdef V2
    long b; char a; char c;
#else
    char a; long b; char c;
#endif
};
struct grows {
#ifdef V2
    int x; char flag; int y;
#else
    int x; int y;
#endif
};
#ifdef V2
struct fresh { char a; int b; };
struct fresh g_fresh;
#endif
struct same { long a; int b; };
struct reordered g_r; struct grows g_g; struct same g_s;
int main(int argc, char **argv)
{
    for (int i = 0; i < argc; i++) {
        struct reordered *r = malloc(sizeof *r);
        free(r);
    }
    (void)argv;
    return 0;
}
EOF2
mkdir -p "$T/old" "$T/new" "$T/new2"
cp "$T/fx.c" "$T/old/fx.c"
cp "$T/fx.c" "$T/new/fx.c"
{ echo '/* one line more */'; cat "$T/fx.c"; } > "$T/new2/fx.c"
(cd "$T/old" && gcc -g -O0 -o prog fx.c) || die "cannot build old"
(cd "$T/new" && gcc -g -O0 -DV2 -o prog fx.c) || die "cannot build new"
(cd "$T/new2" && gcc -g -O0 -DV2 -o prog fx.c) || die "cannot build new2"
cd "$T" || die "no scratch dir"
for v in old new new2; do
    "$HOLEPROF" analyze -q "$v/prog" -o "$v.db" || die "analyze $v failed"
done

# results of a SARIF file: "ruleId level uri startLine fingerprint", by message order
results() {
    python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
for r in d["runs"][0]["results"]:
    pl = r["locations"][0]["physicalLocation"]
    print(r["ruleId"], r["level"], pl["artifactLocation"]["uri"],
          pl.get("region", {}).get("startLine", "-"), r["partialFingerprints"]["holeprofType/v1"],
          r["message"]["text"].split(":")[0])' "$1"
}
decl() { q "$1" "SELECT decl_line FROM types WHERE name = '$2'"; }

# ---- diff -f sarif ----
assert_status "diff -f sarif" 0 "$HOLEPROF" diff old.db new.db -f sarif
cp out d.sarif
assert_eq "diff SARIF is valid" ok "$(python3 "$CHECK" d.sarif 2>&1)"
assert_eq "one rule per finding kind" "layout-regression layout-growth layout-improved layout-added layout-changed" \
    "$(python3 -c 'import json,sys; print(" ".join(r["id"] for r in json.load(open(sys.argv[1]))["runs"][0]["tool"]["driver"]["rules"]))' d.sarif)"
assert_eq "diff results: rule, level, file:line of the declaration" \
    "layout-improved note new/fx.c $(decl new.db reordered) struct reordered
layout-regression warning new/fx.c $(decl new.db grows) struct grows
layout-added note new/fx.c $(decl new.db fresh) new struct fresh" \
    "$(results d.sarif | awk '{ print $1, $2, $3, $4, $6, $7, $8 }' | sed 's/ *$//')"
assert_eq "relative URIs name %SRCROOT%, which is the current directory" \
    "%SRCROOT% file://$T/" \
    "$(python3 -c 'import json,sys; r=json.load(open(sys.argv[1]))["runs"][0]; print(r["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uriBaseId"], r["originalUriBaseIds"]["%SRCROOT%"]["uri"])' d.sarif)"
assert_status "diff -f sarif --fail-on-regression: still exit 1" 1 \
    "$HOLEPROF" diff old.db new.db -f sarif --fail-on-regression --fail-on-growth 2
cp out g.sarif
assert_eq "gated SARIF is valid" ok "$(python3 "$CHECK" g.sarif 2>&1)"
assert_match "one line on stderr says why" '^holeprof: regression: 1 type grew' "$(cat err)"
assert_eq "gated: regression is an error, growth over the limit too" \
    "layout-regression error struct grows
layout-growth error struct grows" \
    "$(results g.sarif | awk '$1 ~ /regression|growth/ { print $1, $2, $6, $7 }' | sed 's/:$//')"
# a line more above everything: same fingerprints, locations one lower
assert_status "diff old new2" 0 "$HOLEPROF" diff old.db new2.db -f sarif
cp out d2.sarif
assert_eq "fingerprints survive a shifted line" "$(results d.sarif | awk '{ print $1, $5 }')" \
    "$(results d2.sarif | awk '{ print $1, $5 }')"
assert_eq "start lines move with the declarations" \
    "$(results d.sarif | awk '{ print $4 + 1 }')" "$(results d2.sarif | awk '{ print $4 }')"
assert_eq "fingerprints differ between types" 3 "$(results d.sarif | awk '{ print $5 }' | sort -u | wc -l)"

# ---- diff -f markdown ----
assert_status "diff -f markdown" 1 "$HOLEPROF" diff old.db new.db -f markdown --fail-on-regression
cp out d.md
assert_match "markdown: title" '^## holeprof diff$' "$(cat d.md)"
assert_match "markdown: the verdict" '^\*\*Fails:\*\* `regression: 1 type grew' "$(cat d.md)"
assert_match "markdown: what grew" '^\| `struct grows` \| 8 -> 12 \(\+4\) \| 0 -> 3 \(\+3\) ' "$(sed -n '/### Grew/,/###/p' d.md)"
assert_match "markdown: what shrank" '^\| `struct reordered` \| 24 -> 16 \(-8\) \| 14 -> 6 \(-8\) ' "$(sed -n '/### Shrank/,/###/p' d.md)"
assert_match "markdown: the worst offenders" '^### Worst offenders in NEW' "$(cat d.md)"
wo=$(q old.db "SELECT sum(hole_bytes + tail_padding) FROM types")
wn=$(q new.db "SELECT sum(hole_bytes + tail_padding) FROM types")
assert_match "markdown: totals" "^\\| waste \\(holes \\+ tail padding\\) \\| $wo \\| $wn \\| $((wn - wo)) \\|\$" "$(cat d.md)"
assert_status "diff -f markdown, no gate" 0 "$HOLEPROF" diff old.db old.db -f markdown
assert_match "markdown: nothing changed" '0 types changed, 0 added, 0 removed, 3 unchanged' "$(cat out)"

# ---- check ----
cat > budget.yaml <<'EOF2'
version: 1
budgets:
  - type: grows
    max_size: 8
  - type: "*"
    max_padding_bytes: 5
EOF2
cat > pass.yaml <<'EOF2'
version: 1
budgets:
  - type: "*"
    max_size: 100
EOF2
assert_status "check -f sarif" 1 "$HOLEPROF" check new.db --budget budget.yaml -f sarif
cp out c.sarif
assert_eq "check SARIF is valid" ok "$(python3 "$CHECK" c.sarif 2>&1)"
assert_eq "check: one result per breach, an error, at the declaration" \
    "budget-max-size error new/fx.c $(decl new.db grows) struct grows
budget-max-padding-bytes error new/fx.c $(decl new.db reordered) struct reordered" \
    "$(results c.sarif | sort -r | awk '{ print $1, $2, $3, $4, $6, $7 }')"
assert_status "check -f markdown" 1 "$HOLEPROF" check new.db --budget budget.yaml -f markdown
assert_match "check markdown: verdict" '^\*\*Fails:\*\* 2 budget breaches' "$(cat out)"
assert_match "check markdown: a breach row" '^\| `struct grows` \| `prog` \| 1 \(line 3\) \| max_size \| 8 \| 12 \| `fx.c:[0-9]+` \|$' "$(cat out)"
assert_status "check passes: markdown says so" 0 "$HOLEPROF" check old.db --budget pass.yaml -f markdown
assert_match "check markdown: passes" '^\*\*Passes:\*\* no budget breaches' "$(cat out)"
assert_status "check passes: empty SARIF results" 0 "$HOLEPROF" check old.db --budget pass.yaml -f sarif
assert_eq "passing check SARIF is valid, no results" "ok 0" \
    "$(python3 "$CHECK" out) $(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["runs"][0]["results"]))' out)"

# ---- top ----
assert_status "top -f sarif" 0 "$HOLEPROF" top new.db -f sarif
cp out t.sarif
assert_eq "top SARIF is valid" ok "$(python3 "$CHECK" t.sarif 2>&1)"
nrank=$("$HOLEPROF" top new.db -f csv -n 0 | tail -n +2 | wc -l)
assert_eq "top: one result per ranked type" "$nrank" "$(results t.sarif | wc -l)"
# reordered: 24 -> 16 bytes, both a 32-byte glibc chunk; jemalloc has a 16
assert_eq "top: no heap saved is a note" "reorder-saves-bytes note old/fx.c $(decl old.db reordered) struct reordered" \
    "$("$HOLEPROF" top old.db -f sarif > to.sarif && results to.sarif | head -1 | awk '{ print $1, $2, $3, $4, $6, $7 }')"
assert_eq "top: heap saved is a warning" "reorder-saves-heap warning old/fx.c $(decl old.db reordered) struct reordered" \
    "$("$HOLEPROF" top old.db -f sarif --allocator jemalloc > tj.sarif && results tj.sarif | head -1 | awk '{ print $1, $2, $3, $4, $6, $7 }')"
assert_status "top -f markdown" 0 "$HOLEPROF" top old.db -f markdown
assert_match "top markdown: the first row" '^\| 1 \| `struct reordered` \| 24 -> 16 \| glibc \| 32 -> 32 \| ' "$(cat out)"

# ---- bad input stays bad input ----
assert_status "unknown format" 2 "$HOLEPROF" diff old.db new.db -f yaml
assert_match "unknown format: names the choices" 'table, json, sarif, markdown' "$(cat err)"
assert_eq "unknown format: one line" 1 "$(wc -l < err)"
assert_status "query has no sarif" 2 "$HOLEPROF" query old.db holes -f sarif

# ---- names from a database cannot break the Markdown or the JSON ----
cp new.db evil.db
q evil.db "UPDATE types SET name = 'ev|il\`x' || char(10) || '</td>\"' WHERE name = 'grows'"
assert_status "diff with a hostile name (markdown)" 0 "$HOLEPROF" diff old.db evil.db -f markdown
assert_match "pipes escaped, backticks neutralised, newline replaced" '^\| `struct ev\\\|il.x\?</td>"` \|' "$(cat out)"
assert_status "diff with a hostile name (sarif)" 0 "$HOLEPROF" diff old.db evil.db -f sarif
assert_eq "hostile name: SARIF still valid" ok "$(python3 "$CHECK" out 2>&1)"

# ---- a report longer than a comment may be ----
python3 - <<'EOF2' || die "cannot write the big fixture"
import sys
with open("big.c", "w") as f:
    for i in range(300):
        name = "s%03d_" % i + "x" * 700
        f.write("struct %s {\n#ifdef V2\n char c;\n#endif\n long a; char d; };\n" % name)
        f.write("struct %s g%d;\n" % (name, i))
    f.write("int main(void) { return 0; }\n")
EOF2
gcc -g -O0 -o big1 big.c && gcc -g -O0 -DV2 -o big2 big.c || die "cannot build big"
"$HOLEPROF" analyze -q big1 -o big1.db && "$HOLEPROF" analyze -q big2 -o big2.db || die "analyze big"
"$HOLEPROF" diff big1.db big2.db -f markdown > big.md
assert_eq "big diff: under 65,536 characters" yes \
    "$(python3 -c 'import sys; print("yes" if len(open(sys.argv[1], encoding="utf-8").read()) < 65536 else "no")' big.md)"
assert_match "big diff: says it was cut" '^\*\*Truncated:\*\* [0-9]+ more lines not shown' "$(tail -1 big.md)"
assert_match "big diff: still starts with the summary" '300 types changed' "$(head -3 big.md)"
"$HOLEPROF" top big2.db -n 0 -f markdown > bigtop.md
assert_eq "big top: under 65,536 characters" yes \
    "$(python3 -c 'import sys; print("yes" if len(open(sys.argv[1], encoding="utf-8").read()) < 65536 else "no")' bigtop.md)"
assert_match "big top: says it was cut" '^\*\*Truncated:\*\*' "$(tail -1 bigtop.md)"
"$HOLEPROF" diff old.db new.db -f markdown > small.md
assert_eq "a short report is not cut" 0 "$(grep -c Truncated small.md)"
"$HOLEPROF" diff big1.db big2.db -f sarif > big.sarif
assert_eq "big diff SARIF is valid" ok "$(python3 "$CHECK" big.sarif 2>&1)"
assert_eq "big diff SARIF: every grown type" 300 \
    "$(python3 -c 'import json,sys; print(sum(1 for r in json.load(open(sys.argv[1]))["runs"][0]["results"] if r["ruleId"] == "layout-regression"))' big.sarif)"

finish
