#!/bin/sh
# t_sites_rust.sh -- Rust allocations through __rust_alloc.
#
# Recent rustc names the allocator shims in v0 mangling
# (_RNv..._7___rustc12___rust_alloc, with the '_' v0 puts before an
# identifier that starts with one); older ones used plain or legacy
# (_ZN...17h<hash>E) names.  Whatever the spelling, the catalogue entry
# must match (origin builtin, stored as __rust_alloc), and the Box in
# tests/fixtures/sites.rs must be a site at its line, typed sites::Node by
# the returning function's type, at opt-level 0 and 2.
. "${TOP_SRCDIR:-$(dirname "$0")/..}/tests/lib.sh"

need sqlite3
[ -x "$HOLEPROF" ] || die "holeprof not built: $HOLEPROF"
need_rustc
SRC=$FIXTURES/sites.rs
line=$(grep -n '// SITE' "$SRC" | cut -d: -f1)

for opt in 0 2; do
    tag="rustc -g -C opt-level=$opt"
    bin=$T/rssites.$opt
    db=$bin.db
    if ! (cd "$T" && "$RUSTC" -g -C opt-level=$opt -o "$bin" "$SRC") >"$T/rustc.err" 2>&1 </dev/null; then
        die "$tag: rustc failed: $(head -c 600 "$T/rustc.err")"
    fi
    "$bin" || fail "[$tag] fixture program exits non-zero"
    assert_status "[$tag] analyze" 0 "$HOLEPROF" analyze -q "$bin" -o "$db"
    assert_eq "[$tag] __rust_alloc is the catalogue's" "builtin|rust|0" \
        "$(q "$db" "SELECT origin || '|' || family || '|' || size_arg FROM allocators WHERE name = '__rust_alloc';")"
    if [ $opt = 2 ]; then
        assert_eq "[$tag] the Box" "__rust_alloc|sites::Node|24|dwarf-return" \
            "$(q "$db" "SELECT s.allocator || '|' || t.name || '|' || s.size || '|' || s.method
                        FROM sites s JOIN types t ON t.id = s.type_id
                        WHERE s.file LIKE '%/sites.rs' AND s.line = $line;")"
    else
        # unoptimised, the pointer goes through box_new_uninit (found as a
        # wrapper of __rust_alloc) and generic helpers that hand it back
        # (summarised as pass-through) before mk returns it: 24 bytes,
        # sites::Node the type chosen or, when a helper is not followed,
        # a candidate
        assert_eq "[$tag] the Box: a wrapper leading to __rust_alloc" "wrapper|1" \
            "$(q "$db" "WITH RECURSIVE chain(n) AS (
                          SELECT allocator FROM sites WHERE file LIKE '%/sites.rs' AND line = $line
                          UNION SELECT a.wraps FROM allocators a JOIN chain ON a.name = chain.n
                          WHERE a.wraps IS NOT NULL)
                        SELECT (SELECT a.origin FROM allocators a JOIN sites s ON a.name = s.allocator
                                WHERE s.file LIKE '%/sites.rs' AND s.line = $line)
                               || '|' || count(*) FROM chain WHERE n = '__rust_alloc';")"
        assert_eq "[$tag] the Box: 24 bytes, sites::Node chosen or a candidate" "24|1" \
            "$(q "$db" "SELECT s.size || '|' || count(*) FROM sites s
                        LEFT JOIN types t ON t.id = s.type_id
                        WHERE s.file LIKE '%/sites.rs' AND s.line = $line AND (t.name = 'sites::Node'
                          OR EXISTS (SELECT 1 FROM site_candidates c JOIN types ct ON ct.id = c.type_id
                                     WHERE c.site_id = s.id AND ct.name = 'sites::Node'));")"
    fi
done

finish
