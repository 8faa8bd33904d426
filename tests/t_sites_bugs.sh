#!/bin/sh
# t_sites_bugs.sh -- allocation-site bugs real code showed (issue 17), one
# small fixture each, built at test time:
#   sites_pad.c       gcc's alignment padding behind a `ret` does not make
#                     a wrapper's size unknown (xmalloc is a wrapper);
#   sites_passthru.c  a hook that returns its argument passes the pointer
#                     on, by a tail call and by a call (both wrappers);
#   sites_plt.c       a shared library's call to its own exported wrapper
#                     through its own PLT is a site of the wrapper;
#   sites_clone.c     gcc's xmalloc.constprop.0 with the size baked in is a
#                     wrapper of that size: its callers are the sites;
#   sites_lto_*.c     the same across units under -flto: gcc's clone, and
#                     clang's full LTO baking the size into xmalloc itself
#                     (its parameter's DW_AT_const_value says so);
#   sites_line0.c     clang's merged call with line 0 still has a line;
#   sites_kmem612.c   Linux 6.10+'s NAME_noprof entry points are allocators;
#   sites_header.c    wrappers that add a header (returning the pointer past
#                     it), round the size up, or ask for n + 1 (and return
#                     memcpy's result) are wrappers: their callers are the
#                     sites, with the caller's size;
#   sites_alloctype.cc clang 22's DW_AT_LLVM_alloc_type on a `new` call
#                     site names the type where nothing else can;
#   sites_classnew.cc T::operator new (malloc's or a pool's) is an allocator
#                     of T when the size is T's; inlined (Inl), its malloc
#                     call is the site of T;
#   sites_nullret.c   `if (!p) return NULL` returning p's register (zero) is
#                     no return of p: no wrapper, no type from the function's
#                     return type (libevent's evdns.c:3227 under clang).
# Each check names the fixture line it expects (the "type=" marks).
. "${TOP_SRCDIR:-$(dirname "$0")/..}/tests/lib.sh"

need sqlite3
[ -x "$HOLEPROF" ] || die "holeprof not built: $HOLEPROF"

# line_of FIXTURE MARK : the fixture line holding "/* MARK"
line_of() { grep -n "/\* $2 " "$FIXTURES/$1" | cut -d: -f1 | head -1; }

# site DB FIXTURE LINE COLUMNS
site() {
    q "$1" "SELECT $4 FROM sites s LEFT JOIN types t ON t.id = s.type_id
             WHERE s.file LIKE '%/$2' AND s.line = $3 ORDER BY s.pc;"
}

# wrapper DB NAME : "origin|size_arg" of the allocator NAME
wrapper() { q "$1" "SELECT origin || '|' || coalesce(size_arg, '-') FROM allocators WHERE name = '$2';"; }

# ---- alignment padding behind ret (gcc) ----
if command -v gcc >/dev/null 2>&1; then
    tag="pad gcc -O2"
    bin=$T/pad
    gcc -std=c11 -O2 -g -o "$bin" "$FIXTURES/sites_pad.c" || die "$tag: compile failed"
    assert_status "[$tag] analyze" 0 "$HOLEPROF" analyze -q "$bin" -o "$bin.db"
    assert_eq "[$tag] xmalloc is a wrapper" "wrapper|0" "$(wrapper "$bin.db" xmalloc)"
    l=$(line_of sites_pad.c type=item)
    assert_eq "[$tag] main's site: xmalloc of 24 bytes" "xmalloc|24" \
        "$(site "$bin.db" sites_pad.c "$l" "s.allocator || '|' || s.size")"
    assert_eq "[$tag] no site left inside xmalloc" 0 \
        "$(q "$bin.db" "SELECT count(*) FROM sites WHERE function = 'xmalloc';")"
fi

# ---- pass-through hooks ----
for cc in gcc clang; do
    command -v $cc >/dev/null 2>&1 || continue
    tag="passthru $cc -O2"
    bin=$T/passthru-$cc
    $cc -std=c11 -O2 -g -o "$bin" "$FIXTURES/sites_passthru.c" || die "$tag: compile failed"
    assert_status "[$tag] analyze" 0 "$HOLEPROF" analyze -q "$bin" -o "$bin.db"
    assert_eq "[$tag] xalloc (tail call) is a wrapper" "wrapper|0" "$(wrapper "$bin.db" xalloc)"
    assert_eq "[$tag] xalloc_counted (call) is a wrapper" "wrapper|0" \
        "$(wrapper "$bin.db" xalloc_counted)"
    assert_eq "[$tag] note_alloc is no allocator" "" "$(wrapper "$bin.db" note_alloc)"
    l=$(line_of sites_passthru.c type=rec)
    assert_eq "[$tag] rec_new's site" "xalloc|56|rec" \
        "$(site "$bin.db" sites_passthru.c "$l" "s.allocator || '|' || s.size || '|' || coalesce(t.name, '-')")"
    l=$(line_of sites_passthru.c type=tag)
    assert_eq "[$tag] tag_new's site" "xalloc_counted|24|tag" \
        "$(site "$bin.db" sites_passthru.c "$l" "s.allocator || '|' || s.size || '|' || coalesce(t.name, '-')")"
done

# ---- a shared library's own PLT ----
if command -v gcc >/dev/null 2>&1; then
    tag="plt gcc -O2 -fPIC -shared"
    lib=$T/libplt.so
    gcc -std=c11 -O2 -g -fPIC -shared -o "$lib" "$FIXTURES/sites_plt.c" || die "$tag: compile failed"
    if objdump -d "$lib" 2>/dev/null | grep -q 'call.*<lw_xmalloc@plt>'; then
        assert_status "[$tag] analyze" 0 "$HOLEPROF" analyze -q "$lib" -o "$lib.db"
        assert_eq "[$tag] lw_xmalloc is a wrapper" "wrapper|0" "$(wrapper "$lib.db" lw_xmalloc)"
        l=$(line_of sites_plt.c type=lw_conn)
        assert_eq "[$tag] lw_conn_open's site through the PLT" "lw_xmalloc|72|lw_conn" \
            "$(site "$lib.db" sites_plt.c "$l" "s.allocator || '|' || s.size || '|' || coalesce(t.name, '-')")"
    else
        echo "note: [$tag] the library calls lw_xmalloc directly; nothing to check"
    fi
fi

# fixed_wrapper DB NAME REASON FIXTURE : NAME is a wrapper specialised for
# 56 bytes (REASON starts its reason), the "type=session" lines of FIXTURE
# are its sites, of one session each, and nothing inside it is a site
fixed_wrapper() {
    assert_eq "[$tag] $2 is a wrapper of a fixed size" "wrapper|-" "$(wrapper "$1" "$2")"
    assert_match "[$tag] its reason" "$3 for one size: calls malloc at 0x[0-9a-f]+ with 56 bytes" \
        "$(q "$1" "SELECT reason FROM allocators WHERE name = '$2';")"
    for l in $(grep -n '/\* type=session' "$FIXTURES/$4" | cut -d: -f1); do
        assert_eq "[$tag] line $l: a site of $2" "$2|56|1|session" \
            "$(site "$1" "$4" "$l" "s.allocator || '|' || s.size || '|' || s.count || '|' || coalesce(t.name, '-')")"
    done
    assert_eq "[$tag] no site inside $2" 0 "$(q "$1" "SELECT count(*) FROM sites WHERE function = '$2';")"
}

# ---- LTO across two units: clang bakes the size into xmalloc (IPSCCP, the
# name kept, DW_AT_const_value on its parameter), gcc makes a clone ----
for cc in clang gcc; do
    command -v $cc >/dev/null 2>&1 || continue
    tag="lto $cc -O2 -flto"
    bin=$T/lto-$cc
    ld=
    if [ $cc = clang ]; then
        command -v ld.lld >/dev/null 2>&1 || { echo "note: [$tag] not run: apt-get install lld"; continue; }
        ld=-fuse-ld=lld
    fi
    $cc -std=c11 -O2 -g -flto $ld -o "$bin" "$FIXTURES/sites_lto_alloc.c" "$FIXTURES/sites_lto_use.c" ||
        die "$tag: compile failed"
    w=$(nm "$bin" | awk '$3 ~ /^xmalloc(\.constprop\.[0-9]+)?$/ { print $3; exit }')
    assert_status "[$tag] analyze" 0 "$HOLEPROF" analyze -q "$bin" -o "$bin.db"
    fixed_wrapper "$bin.db" "$w" specialised sites_lto_use.c
done

# ---- an IPA-CP clone with the size baked in (gcc) ----
if command -v gcc >/dev/null 2>&1; then
    tag="clone gcc -O2"
    bin=$T/clone
    gcc -std=c11 -O2 -g -o "$bin" "$FIXTURES/sites_clone.c" || die "$tag: compile failed"
    clone=$(nm "$bin" | awk '$3 ~ /^xmalloc\.constprop\./ { print $3; exit }')
    if [ -n "$clone" ]; then
        assert_status "[$tag] analyze" 0 "$HOLEPROF" analyze -q "$bin" -o "$bin.db"
        fixed_wrapper "$bin.db" "$clone" "clone specialised" sites_clone.c
        ctor=$(nm "$bin" | awk '$3 ~ /^point_new\.constprop\.[0-9]+$/ { print $3; exit }')
        if [ -n "$ctor" ]; then
            # a clone that fills what it allocates is a constructor, not a wrapper
            assert_eq "[$tag] $ctor is no allocator" "" "$(wrapper "$bin.db" "$ctor")"
            l=$(line_of sites_clone.c type=point)
            assert_eq "[$tag] line $l: its own site" "malloc|24|point" \
                "$(site "$bin.db" sites_clone.c "$l" "s.allocator || '|' || s.size || '|' || coalesce(t.name, '-')")"
        fi
    else
        echo "note: [$tag] gcc made no xmalloc.constprop clone; nothing to check"
    fi
fi

# ---- clang's line 0 on merged calls ----
if command -v clang >/dev/null 2>&1; then
    tag="line0 clang -O2"
    bin=$T/line0
    clang -std=c11 -O2 -g -o "$bin" "$FIXTURES/sites_line0.c" || die "$tag: compile failed"
    assert_status "[$tag] analyze" 0 "$HOLEPROF" analyze -q "$bin" -o "$bin.db"
    assert_eq "[$tag] blob_make's one site" 1 \
        "$(q "$bin.db" "SELECT count(*) FROM sites WHERE function = 'blob_make';")"
    got=$(q "$bin.db" "SELECT coalesce(file, '-') || '|' || coalesce(line, 0) FROM sites WHERE function = 'blob_make';")
    lo=$(grep -n '^__attribute__((noinline)) struct blob \*blob_make' "$FIXTURES/sites_line0.c" | cut -d: -f1)
    hi=$(grep -n 'return b;' "$FIXTURES/sites_line0.c" | cut -d: -f1)
    assert_match "[$tag] it has sites_line0.c and a line" "/sites_line0\.c\|[0-9]+$" "$got"
    ln=${got##*|}
    if [ "$ln" -ge "$lo" ] && [ "$ln" -le "$hi" ]; then pass; else
        fail "[$tag] line $ln is not inside blob_make (lines $lo-$hi)"; fi
fi

# ---- Linux 6.10+ entry points ----
if command -v gcc >/dev/null 2>&1; then
    tag="kmem612 gcc -O2"
    bin=$T/kmem612
    gcc -std=c11 -O2 -g -o "$bin" "$FIXTURES/sites_kmem612.c" || die "$tag: compile failed"
    assert_status "[$tag] analyze" 0 "$HOLEPROF" analyze -q "$bin" -o "$bin.db"
    for a in __kmalloc_cache_noprof:2 __kmalloc_noprof:0; do
        assert_eq "[$tag] ${a%:*} is the catalogue's" "builtin|kernel|${a#*:}" \
            "$(q "$bin.db" "SELECT origin || '|' || family || '|' || size_arg FROM allocators WHERE name = '${a%:*}';")"
    done
    l=$(line_of sites_kmem612.c type=dentry_like)
    assert_eq "[$tag] d_alloc: the size from __kmalloc_cache_noprof's third argument" \
        "__kmalloc_cache_noprof|64|dentry_like" \
        "$(site "$bin.db" sites_kmem612.c "$l" "s.allocator || '|' || s.size || '|' || coalesce(t.name, '-')")"
    l=$(line_of sites_kmem612.c type=inode_like)
    assert_eq "[$tag] the cache from __kmem_cache_create_args" "kmem_cache_alloc_noprof|24|inode_like|kmem-cache" \
        "$(site "$bin.db" sites_kmem612.c "$l" "s.allocator || '|' || s.size || '|' || coalesce(t.name, '-') || '|' || s.method")"
    l=$(line_of sites_kmem612.c type=other24)
    assert_eq "[$tag] buf_alloc wraps __kmalloc_noprof" "buf_alloc|24" \
        "$(site "$bin.db" sites_kmem612.c "$l" "s.allocator || '|' || s.size")"
fi

# ---- wrappers that add a header or round the size up ----
for cc in gcc clang; do
    command -v $cc >/dev/null 2>&1 || continue
    tag="header $cc -O2"
    bin=$T/header-$cc
    $cc -std=c11 -O2 -g -o "$bin" "$FIXTURES/sites_header.c" || die "$tag: compile failed"
    assert_status "[$tag] analyze" 0 "$HOLEPROF" analyze -q "$bin" -o "$bin.db"
    assert_eq "[$tag] hdr_alloc (n + 16, returns past the header) is a wrapper" "wrapper|0" \
        "$(wrapper "$bin.db" hdr_alloc)"
    assert_match "[$tag] its reason names the header" 'argument 0 plus 16 bytes as the size.*returns the pointer past the header' \
        "$(q "$bin.db" "SELECT reason FROM allocators WHERE name = 'hdr_alloc';")"
    assert_eq "[$tag] round_alloc ((n + 15) & ~15) is a wrapper" "wrapper|0" \
        "$(wrapper "$bin.db" round_alloc)"
    assert_match "[$tag] its reason names the rounding" 'argument 0 rounded up to 16 as the size' \
        "$(q "$bin.db" "SELECT reason FROM allocators WHERE name = 'round_alloc';")"
    assert_eq "[$tag] copy_n (n + 1, returns memcpy's result) is a wrapper" "wrapper|1" \
        "$(wrapper "$bin.db" copy_n)"
    for w in conn:hdr_alloc peer:round_alloc; do
        l=$(line_of sites_header.c type=${w%:*})
        assert_eq "[$tag] the caller's site: ${w#*:} of the caller's 32 bytes" "${w#*:}|32|${w%:*}" \
            "$(site "$bin.db" sites_header.c "$l" "s.allocator || '|' || s.size || '|' || coalesce(t.name, '-')")"
    done
    l=$(line_of sites_header.c type=none)
    assert_eq "[$tag] main's copy_n is a site" "copy_n" \
        "$(site "$bin.db" sites_header.c "$l" "s.allocator")"
    assert_eq "[$tag] no site left inside the wrappers" 0 \
        "$(q "$bin.db" "SELECT count(*) FROM sites WHERE function IN ('hdr_alloc', 'round_alloc', 'copy_n');")"
done

# ---- clang 22: DW_AT_LLVM_alloc_type on the call site of a new ----
cxx22=$(command -v clang++-22 || true)
if [ -n "$cxx22" ]; then
    tag="alloctype clang++-22 -O2"
    bin=$T/alloctype
    "$cxx22" -O2 -g -o "$bin" "$FIXTURES/sites_alloctype.cc" || die "$tag: compile failed"
    if readelf --debug-dump=info "$bin" 2>/dev/null | grep -q 'Unknown AT value: 3e0e'; then
        assert_status "[$tag] analyze" 0 "$HOLEPROF" analyze -q "$bin" -o "$bin.db"
        for t in Pt Other; do
            l=$(grep -n "// type=$t\$" "$FIXTURES/sites_alloctype.cc" | cut -d: -f1)
            assert_eq "[$tag] line $l: new $t" "_Znwm|24|$t|dwarf-alloc-type|0" \
                "$(site "$bin.db" sites_alloctype.cc "$l" "s.allocator || '|' || s.size || '|' || coalesce(t.name, '-') || '|' || s.method || '|' || s.candidates")"
        done
        l=$(grep -n '// type=int$' "$FIXTURES/sites_alloctype.cc" | cut -d: -f1)
        assert_eq "[$tag] line $l: new int[n] is no struct" "_Znam|-|int|dwarf-alloc-type|0" \
            "$(site "$bin.db" sites_alloctype.cc "$l" "s.allocator || '|' || coalesce(t.name, '-') || '|' || s.type_name || '|' || s.method || '|' || s.candidates")"
    else
        echo "note: [$tag] no DW_AT_LLVM_alloc_type in the output; nothing to check"
    fi
else
    echo "note: not run: apt-get install clang-22 (DW_AT_LLVM_alloc_type)"
fi

# ---- a class's own operator new ----
for cxx in g++ clang++; do
    command -v $cxx >/dev/null 2>&1 || continue
    tag="classnew $cxx -O2"
    bin=$T/classnew-$cxx
    $cxx -O2 -g -o "$bin" "$FIXTURES/sites_classnew.cc" || die "$tag: compile failed"
    assert_status "[$tag] analyze" 0 "$HOLEPROF" analyze -q "$bin" -o "$bin.db"
    for a in _ZN4LeafnwEm _ZN4NodenwEm; do
        assert_eq "[$tag] $a is an allocator of its own" "builtin|c++|0" \
            "$(q "$bin.db" "SELECT origin || '|' || family || '|' || size_arg FROM allocators WHERE name = '$a';")"
    done
    for w in Leaf:_ZN4LeafnwEm Node:_ZN4NodenwEm; do
        l=$(grep -n "// type=${w%:*}\$" "$FIXTURES/sites_classnew.cc" | cut -d: -f1)
        assert_eq "[$tag] line $l: new ${w%:*}" "${w#*:}|32|${w%:*}|cxx-class-new" \
            "$(site "$bin.db" sites_classnew.cc "$l" "s.allocator || '|' || s.size || '|' || coalesce(t.name, '-') || '|' || s.method")"
    done
    # Inl's inline operator new / new[]: malloc's call is the site of Inl
    l=$(grep -n '// type=Inl$' "$FIXTURES/sites_classnew.cc" | cut -d: -f1)
    assert_eq "[$tag] line $l: new Inl, its operator new inlined" "malloc|32|1|Inl|cxx-class-new" \
        "$(site "$bin.db" sites_classnew.cc "$l" "s.allocator || '|' || s.size || '|' || s.count || '|' || coalesce(t.name, '-') || '|' || s.method")"
    l=$(grep -n '// type=Inl\[\]$' "$FIXTURES/sites_classnew.cc" | cut -d: -f1)
    assert_eq "[$tag] line $l: new Inl[n], its operator new[] inlined" "malloc|32|Inl|cxx-class-new" \
        "$(site "$bin.db" sites_classnew.cc "$l" "s.allocator || '|' || s.size || '|' || coalesce(t.name, '-') || '|' || s.method")"
    assert_eq "[$tag] no site in Inl's operator new itself" 0 \
        "$(q "$bin.db" "SELECT count(*) FROM sites WHERE source_function LIKE 'operator new%';")"
    l=$(grep -n '// type=Twig$' "$FIXTURES/sites_classnew.cc" | cut -d: -f1)
    assert_eq "[$tag] line $l: new Twig (Node's operator new, 56 bytes) is no Node" "_ZN4NodenwEm|56|ok" \
        "$(site "$bin.db" sites_classnew.cc "$l" "s.allocator || '|' || s.size || '|' || CASE WHEN coalesce(t.name, '-') = 'Node' THEN 'Node' ELSE 'ok' END")"
done

# ---- a null check's return of the zeroed register ----
if [ "$(uname -m)" = x86_64 ]; then
    for cc in gcc clang; do
        command -v $cc >/dev/null 2>&1 || continue
        tag="nullret $cc -O2"
        bin=$T/nullret-$cc
        $cc -std=c11 -O2 -g -o "$bin" "$FIXTURES/sites_nullret.c" || die "$tag: compile failed"
        assert_status "[$tag] analyze" 0 "$HOLEPROF" analyze -q "$bin" -o "$bin.db"
        assert_eq "[$tag] search_new is no wrapper" "" "$(wrapper "$bin.db" search_new)"
        assert_eq "[$tag] its malloc is a site of no struct" "malloc|-|-" \
            "$(q "$bin.db" "SELECT s.allocator || '|' || coalesce(t.name, '-') || '|' || coalesce(s.method, '-')
                            FROM sites s LEFT JOIN types t ON t.id = s.type_id WHERE s.function = 'search_new';")"
        l=$(line_of sites_nullret.c type=request)
        assert_eq "[$tag] request_new's site" "calloc|request" \
            "$(site "$bin.db" sites_nullret.c "$l" "s.allocator || '|' || coalesce(t.name, '-')")"
    done
fi

finish
