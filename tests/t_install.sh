#!/bin/sh
# t_install.sh -- install and release (issue 20).
#
# install: `make install DESTDIR=...` from this build puts the program, the
# man page, the named queries and the documentation the man page points
# to (share/doc/holeprof/examples/budget.yaml, db/README.md) in place; the
# installed program finds its queries from its own path (so a DESTDIR or
# moved install works, with no HOLEPROF_QUERY_DIR); no path of the build
# or source tree is compiled into it; `make uninstall` removes every file.
# dist: a fresh out-of-tree build whose fuzz/ holds harness programs and
# objects (as `make fuzz` and tests/fuzz_regress.sh leave it) ships the
# fuzz sources only, and no ELF file, object or archive at all.
. "${TOP_SRCDIR:-$(dirname "$0")/..}/tests/lib.sh"

need make sqlite3 objcopy strings gcc
[ -x "$HOLEPROF" ] || die "holeprof not built: $HOLEPROF"
[ -f "$TOP_BUILDDIR/Makefile" ] || die "no Makefile in $TOP_BUILDDIR"
MAKE=${MAKE:-make}

# ---- install into a DESTDIR ----
D=$T/inst
assert_status "make install DESTDIR" 0 $MAKE -s -C "$TOP_BUILDDIR" install DESTDIR="$D"
bin=$(find "$D" -type f -path '*/bin/holeprof')
assert_match "installed program" "/bin/holeprof$" "$bin"
prefix=${bin%/bin/holeprof}
for f in share/man/man1/holeprof.1 share/doc/holeprof/examples/budget.yaml \
         share/doc/holeprof/db/README.md share/doc/holeprof/README.md; do
    [ -f "$prefix/$f" ] && pass || fail "not installed: $f"
done
for q in "$TOP_SRCDIR"/queries/*.sql; do
    [ -f "$prefix/share/holeprof/queries/${q##*/}" ] && pass || fail "query not installed: ${q##*/}"
done
# what the installed man page points to is installed
for f in $(sed -n 's|^\.IR* /usr/local/\(share/doc/holeprof/[^ ]*[a-z]\) *\.*$|\1|p' \
               "$prefix/share/man/man1/holeprof.1"); do
    [ -f "$prefix/$f" ] && pass || fail "the man page names $f, which is not installed"
done

# the installed program: its queries from its own path, no build-tree path
gcc -g -O0 -o "$T/p" "$TOP_SRCDIR/examples/sample.c" || die "cannot build the sample"
"$bin" analyze -q "$T/p" -o "$T/p.db" || fail "installed analyze"
assert_status "installed query finds its queries" 0 env -u HOLEPROF_QUERY_DIR "$bin" query "$T/p.db" summary
assert_match "installed query output" "^binary " "$(head -n 1 "$T/out")"
# moved elsewhere after installing: still found, beside the program
mv "$prefix" "$T/moved"
assert_status "moved install finds its queries" 0 env -u HOLEPROF_QUERY_DIR "$T/moved/bin/holeprof" query "$T/p.db" holes
mv "$T/moved" "$prefix"
objcopy --strip-debug "$bin" "$T/stripped"
# (the configured install directory may lie inside the source tree, as
# make distcheck's does: the source's own directories are what may not)
# A sanitizer build (.ci/run's second suite) records each source file's
# name for its reports (UBSan's check locations, ASan's globals): those
# strings, a path ending in .c or .h alone, are the sanitizers' and not
# a directory the program reads; any other path still fails.
san_names() { cat; }
if grep -q -a -E '__asan_init|__ubsan_handle' "$bin"; then
    san_names() { grep -v -E '\.[ch]$'; }
fi
for dir in "$TOP_SRCDIR/queries" "$TOP_SRCDIR/src" "$(cd "$TOP_BUILDDIR" && pwd)"; do
    assert_eq "no build-tree path in the program ($dir)" 0 \
        "$(strings -a "$T/stripped" | san_names | grep -c -F "$dir")"
done

assert_status "make uninstall DESTDIR" 0 $MAKE -s -C "$TOP_BUILDDIR" uninstall DESTDIR="$D"
assert_eq "uninstall removed every file" "" "$(find "$D" -type f)"

# ---- dist: sources only, from a build whose fuzz/ holds programs ----
B=$T/build
mkdir -p "$B"
(cd "$B" && "$TOP_SRCDIR/configure" -q >"$T/configure.log" 2>&1) || die "configure failed: $(tail -n 5 "$T/configure.log")"
mkdir -p "$B/fuzz/obj"
cp "$HOLEPROF" "$B/fuzz/fz_planted"
cp "$HOLEPROF" "$B/fuzz/fz_elf"
printf 'not really an object\n' >"$B/fuzz/obj/util.o"
printf '!<arch>\n' >"$B/fuzz/libfz.a"
# (not the TESTS= or other variables a calling make passes down)
assert_status "make distdir" 0 env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL $MAKE -s -C "$B" distdir distdir="$T/dist"
[ -d "$T/dist" ] || die "no dist tree: $(head -c 600 "$T/err")"
assert_eq "no objects or archives in the tarball" "" \
    "$(find "$T/dist" -type f \( -name '*.o' -o -name '*.a' \))"
assert_eq "no ELF file in the tarball (but the fuzz crash inputs)" "" \
    "$(find "$T/dist" -type f ! -path '*/tests/fuzz-regress/*' -exec sh -c 'head -c 4 "$1" | grep -q "^.ELF"' sh {} \; -print)"
assert_eq "fuzz/: the source files only" "$(cd "$TOP_SRCDIR/fuzz" && ls | grep -E '^(README.md|build.sh|run.sh|fz_.*\.[ch])$' | sort)" \
    "$(ls "$T/dist/fuzz" | sort)"
for f in README.md db/README.md db/schema.sql examples/budget.yaml doc/holeprof.1 queries/worst.sql \
         tools/quickstart .ci/run tests/lib.sh; do
    [ -f "$T/dist/$f" ] && pass || fail "not in the tarball: $f"
done
# in a git checkout: every tracked file ships (but .gitignore files)
if git -C "$TOP_SRCDIR" rev-parse --git-dir >/dev/null 2>&1; then
    missing=$(git -C "$TOP_SRCDIR" ls-files | grep -v '\.gitignore$' | while read -r f; do
        [ -e "$T/dist/$f" ] || echo "$f"; done)
    assert_eq "every tracked file is in the tarball" "" "$missing"
fi
size=$(du -sk "$T/dist" | cut -f1)
[ "$size" -lt 8192 ] && pass || fail "the dist tree is ${size} KB"
echo "dist tree: ${size} KB"

finish
