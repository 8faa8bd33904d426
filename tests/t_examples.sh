#!/bin/sh
# t_examples.sh -- the CI examples (examples/github-actions.yml,
# examples/gitlab-ci.yml) run as they stand: tests/ci_commands.py takes
# every holeprof command out of their YAML with the job's environment, and
# this test runs exactly those, in order, each as CI would (sh -c), on a
# real program built twice -- once with a type that grew (the job must
# produce the Markdown and a valid SARIF, then fail on the last command
# only), once unchanged (every command passes).  The build and git steps
# of the examples are not run; the test builds what they would.
. "${TOP_SRCDIR:-$(dirname "$0")/..}/tests/lib.sh"

need gcc python3
python3 -c 'import yaml' 2>/dev/null || skip "python3-yaml not installed"
[ -x "$HOLEPROF" ] || die "holeprof not built: $HOLEPROF"
mkdir -p "$T/bin"
ln -s "$HOLEPROF" "$T/bin/holeprof"
PATH=$T/bin:$PATH
export PATH

cat > "$T/prog.c" <<'EOF2'
#include <stdlib.h>
struct entry {
#ifdef GROWN
    char flag;
#endif
    int key; int value;
};
struct entry *make(int k) { struct entry *e = malloc(sizeof *e); e->key = k; return e; }
int main(int argc, char **argv) { (void)argv; free(make(argc)); return 0; }
EOF2

# build SRC_DIR OUT [CFLAGS...]: the program as BUILD would, sources in SRC_DIR
build() {
    _dir=$1 _out=$2; shift 2
    mkdir -p "$_dir/src" "$(dirname "$_out")" && cp "$T/prog.c" "$_dir/src/prog.c" &&
        (cd "$_dir" && gcc -g -O0 "$@" -o "$_out" src/prog.c) || die "cannot build $_out"
}

# run_example KIND FILE GROWN: statuses of the holeprof commands, one line
run_example() {
    _kind=$1 _file=$2 _grown=$3
    _w=$T/$_kind-$_grown
    rm -rf "$_w"
    mkdir -p "$_w/ws" "$_w/runner" "$_w/builds"
    python3 "$TOP_SRCDIR/tests/ci_commands.py" "$_kind" "$_file" > "$_w/cmds" ||
        die "cannot read $_file"
    sed '/^--$/,$d' "$_w/cmds" > "$_w/env.sh"
    sed '1,/^--$/d' "$_w/cmds" > "$_w/holeprof.cmds"
    # what CI defines: the runner's temp dir, the builds dir
    {
        echo "export RUNNER_TEMP='$_w/runner' CI_BUILDS_DIR='$_w/builds'"
        cat "$_w/env.sh"
    } > "$_w/env2.sh"
    # the base binary goes where the first analyze looks for it
    _base=$(cd "$_w/ws" && . "$_w/env2.sh" &&
        sh -c 'eval "set -- $1"; for a; do l=$a; done; echo "$l"' _ "$(grep -m1 '^holeprof analyze' "$_w/holeprof.cmds")")
    _prog=$(. "$_w/env2.sh" && echo "$PROGRAM")
    build "${_base%/"$_prog"}" "$_base"
    if [ "$_grown" = grown ]; then
        build "$_w/ws" "$_w/ws/$_prog" -DGROWN
    else
        build "$_w/ws" "$_w/ws/$_prog"
    fi
    (
        cd "$_w/ws" && . "$_w/env2.sh" &&
        while IFS= read -r line; do
            sh -c "$line" > "$_w/last.out" 2> "$_w/last.err" </dev/null
            printf '%s ' "$?"
        done < "$_w/holeprof.cmds"
    )
}

for ex in github:github-actions.yml gitlab:gitlab-ci.yml; do
    kind=${ex%%:*} file=$TOP_SRCDIR/examples/${ex#*:}
    w=$T/$kind-grown
    st=$(run_example "$kind" "$file" grown)
    assert_eq "$kind: the commands, from the YAML" \
        "analyze analyze diff diff diff" \
        "$(awk '{ print $2 }' "$w/holeprof.cmds" | tr '\n' ' ' | sed 's/ $//')"
    assert_eq "$kind, a type grew: only the last command fails" "0 0 0 0 1 " "$st"
    assert_match "$kind: the gate says why" '^holeprof: regression: 1 type grew .*struct entry' "$(cat "$w/last.err")"
    # the outputs, where the commands put them
    md=$(cd "$w/ws" && . "$w/env2.sh" && eval "echo $(grep -- '-f markdown' "$w/holeprof.cmds" | sed 's/.*> *\([^ ]*\).*/\1/')")
    sarif=$(cd "$w/ws" && . "$w/env2.sh" && eval "echo $(grep -- '-f sarif' "$w/holeprof.cmds" | sed 's/.*> *\([^ ]*\).*/\1/')")
    case $md in /*) ;; *) md=$w/ws/$md ;; esac
    case $sarif in /*) ;; *) sarif=$w/ws/$sarif ;; esac
    assert_match "$kind: the comment names the regression" '^\*\*Fails:\*\* `regression: 1 type grew' "$(cat "$md")"
    assert_match "$kind: the comment's table" '^\| `struct entry` \| 8 -> 12 \(\+4\)' "$(cat "$md")"
    assert_eq "$kind: the SARIF is valid" ok "$(python3 "$TOP_SRCDIR/tests/sarif_check.py" "$sarif" 2>&1)"
    assert_eq "$kind: the alert, at the declaration, relative to the checkout" \
        "layout-regression error src/prog.c %SRCROOT% 2" \
        "$(python3 -c 'import json, sys
r = json.load(open(sys.argv[1]))["runs"][0]["results"][0]
a = r["locations"][0]["physicalLocation"]
print(r["ruleId"], r["level"], a["artifactLocation"]["uri"], a["artifactLocation"]["uriBaseId"], a["region"]["startLine"])' "$sarif")"
    st=$(run_example "$kind" "$file" same)
    assert_eq "$kind, nothing changed: every command passes" "0 0 0 0 0 " "$st"
done

finish
