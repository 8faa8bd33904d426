#!/bin/sh
# t_disasm.sh -- arch/x86_64.c's own decoder of the common x86-64 forms makes
# exactly the da_insn that capstone's decoding makes.
#
# Most instructions of compiled code (mov, lea, push/pop, branches,
# test/cmp, add/sub, xor-zeroing) skip capstone; if the two decodings ever
# differed, the site scan would follow different values and find other
# sizes and types without any error.  So tests/disasm_check decodes every
# executable section both ways and compares every field of every
# instruction, on programs built here (gcc and clang, -O0/-O2/-Os, C and
# C++, PIC and not, Go, Rust) and on the system's own binaries (libc, the
# python3.11 the suite analyzes), requiring the fast path to have decoded
# most of them; then on four million buffers of random and near-valid
# bytes, where truncated instructions, odd prefixes and SIB forms no
# compiler writes must agree too.
. "${TOP_SRCDIR:-$(dirname "$0")/..}/tests/lib.sh"

CHECK=$TOP_BUILDDIR/tests/disasm_check
[ -x "$CHECK" ] || die "not built: $CHECK"
need gcc g++
[ "$(uname -m)" = x86_64 ] || skip "the fast decoder is x86-64's"

: >"$T/list"
build() { # OUT COMPILER ARGS...
    _out=$T/$1; shift
    if "$@" -o "$_out" 2>"$T/cc.err"; then
        echo "$_out" >>"$T/list"
    else
        fail "cannot build $_out: $(head -c 300 "$T/cc.err")"
    fi
}
compilers="gcc:g++"
command -v clang >/dev/null 2>&1 && compilers="$compilers clang:clang++"
for pair in $compilers; do
    cc=${pair%%:*} cxx=${pair#*:}
    for o in 0 2 s; do
        build c-$cc-O$o "$cc" -g -O$o "$FIXTURES/sites.c"
        build cxx-$cc-O$o "$cxx" -g -O$o "$FIXTURES/sites.cc"
    done
    build c-$cc-nopie "$cc" -g -O2 -fno-pie -no-pie "$FIXTURES/sites.c"
done
find_rustc
[ -n "$RUSTC" ] && build rust "$RUSTC" -g -O "$FIXTURES/sites.rs"
if command -v go >/dev/null 2>&1; then
    if go_build "$FIXTURES/sites.go" "$T/go"; then
        echo "$T/go" >>"$T/list"
    else
        fail "cannot build the Go fixture: $(head -c 300 "$T/go.err")"
    fi
fi
for f in /usr/bin/python3.11 /lib/x86_64-linux-gnu/libc.so.6; do
    [ -f "$f" ] && echo "$f" >>"$T/list"
done

# every file: identical decodings, and the fast path took at least 75%
# (compiled code is 83-97% these forms, -O0 code too; 84-94% on the files here)
# shellcheck disable=SC2046  # one argument per line of the list
"$CHECK" -m 750 $(cat "$T/list") >"$T/out" 2>&1
st=$?
cat "$T/out"
assert_eq "disasm_check exit status" 0 "$st"
assert_eq "files compared" "$(wc -l <"$T/list" | tr -d ' ')" \
    "$(grep -c 'instructions compared' "$T/out")"
[ "$(wc -l <"$T/list")" -ge 14 ] && pass || fail "only $(wc -l <"$T/list") files built"

for seed in 1 2; do
    "$CHECK" -r $seed 2000000 >"$T/rand" 2>&1
    st=$?
    cat "$T/rand"
    assert_eq "random buffers, seed $seed: exit status" 0 "$st"
done

# and the coverage floor can fail: no file is all fast forms
"$CHECK" -m 1000 "$T/c-gcc-O0" >"$T/m" 2>&1
assert_eq "disasm_check -m 1000 (fast path cannot take every instruction)" 1 "$?"
assert_match "disasm_check -m 1000 message" "fewer than 1000 per mille" "$(cat "$T/m")"
[ "$_hp_failed" -eq 0 ] || exit 1
echo "ok: $_hp_checks checks"
