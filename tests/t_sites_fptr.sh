#!/bin/sh
# t_sites_fptr.sh -- allocators behind function pointers (issue 17), no
# --alloc flags anywhere:
#   sites_fptr.c   an allocator function passed as an argument, called
#                  through it, and stored into a struct field (Lua's
#                  g->frealloc): the function calling through the field is
#                  a wrapper, its callers are typed sites (gcc and clang);
#   sites_ftab.c   a shared library's static table of function pointers
#                  whose word is an R_X86_64_64 relocation against its own
#                  exported wrapper, read directly and through a pointer
#                  the file initialises;
#   sites_pytype.c CPython's _PyObject_GC_New(&PyPair_Type): the size is the
#                  type object's tp_basicsize, the type PyPairObject; and
#                  an object initialised inline (&PyPair_Type into ob_type);
#   sites_dest.c   the struct member the new pointer is stored into names
#                  its type (inside an embedded struct too, and through
#                  another allocation's pointer); a member of type T **
#                  makes it an array of pointers, no struct;
#   Debian's liblua5.4 (with liblua5.4-0-dbg), when installed: luaM_malloc_
#                  and luaM_realloc_ call g->frealloc, set from
#                  lua_newstate's argument, which luaL_newstate passes
#                  l_alloc; Table objects are typed.
# Each check names the fixture line it expects (the "type=" marks).
. "${TOP_SRCDIR:-$(dirname "$0")/..}/tests/lib.sh"

need sqlite3
[ -x "$HOLEPROF" ] || die "holeprof not built: $HOLEPROF"

line_of() { grep -n "/\* $2 " "$FIXTURES/$1" | cut -d: -f1 | head -1; }

# site DB FIXTURE MARK : "allocator|size|type" of the site at the marked line
site() {
    _l=$(line_of "$2" "$3")
    q "$1" "SELECT s.allocator || '|' || coalesce(s.size, '-') || '|' || coalesce(t.name, '-')
             FROM sites s LEFT JOIN types t ON t.id = s.type_id
             WHERE s.file LIKE '%/$2' AND s.line = $_l ORDER BY s.pc;"
}
wrapper() { q "$1" "SELECT origin || '|' || coalesce(size_arg, '-') FROM allocators WHERE name = '$2';"; }
reason() { q "$1" "SELECT reason FROM allocators WHERE name = '$2';"; }

for cc in gcc clang; do
    command -v $cc >/dev/null 2>&1 || continue
    tag="fptr $cc -O2"
    bin=$T/fptr-$cc
    $cc -std=c11 -O2 -g -o "$bin" "$FIXTURES/sites_fptr.c" || die "$tag: compile failed"
    assert_status "[$tag] analyze" 0 "$HOLEPROF" analyze -q "$bin" -o "$bin.db"
    assert_eq "[$tag] fp_default_alloc is a wrapper of realloc" "wrapper|3" \
        "$(wrapper "$bin.db" fp_default_alloc)"
    assert_eq "[$tag] mem_malloc calls it through g->frealloc" "wrapper|1" \
        "$(wrapper "$bin.db" mem_malloc)"
    assert_match "[$tag] mem_malloc: the evidence names the field and where it came from" \
        '^calls fp_default_alloc at 0x[0-9a-f]+ with argument 1 as the size through the field at offset 0 of fp_global, which holds fp_default_alloc \(from main\+0x[0-9a-f]+\)' \
        "$(reason "$bin.db" mem_malloc)"
    assert_eq "[$tag] new_node's site" "mem_malloc|32|fp_node" "$(site "$bin.db" sites_fptr.c type=fp_node)"
    assert_eq "[$tag] new_edge's site" "mem_malloc|24|fp_edge" "$(site "$bin.db" sites_fptr.c type=fp_edge)"
    assert_eq "[$tag] new_state calls its argument: a site" "fp_default_alloc|24|fp_global" \
        "$(site "$bin.db" sites_fptr.c type=fp_global)"
    assert_eq "[$tag] and another" "fp_default_alloc|16|fp_state" \
        "$(site "$bin.db" sites_fptr.c type=fp_state)"
    assert_eq "[$tag] no site of the free path (size 0)" 0 \
        "$(q "$bin.db" "SELECT count(*) FROM sites WHERE size = 0;")"
done

if command -v gcc >/dev/null 2>&1; then
    tag="ftab gcc -O2 -fPIC -shared"
    lib=$T/libftab.so
    gcc -std=c11 -O2 -g -fPIC -shared -o "$lib" "$FIXTURES/sites_ftab.c" || die "$tag: compile failed"
    if LC_ALL=C readelf -rW "$lib" | grep -q 'R_X86_64_64 .* tab_malloc'; then
        assert_status "[$tag] analyze" 0 "$HOLEPROF" analyze -q "$lib" -o "$lib.db"
        assert_eq "[$tag] obj_alloc (the table) is a wrapper" "wrapper|0" "$(wrapper "$lib.db" obj_alloc)"
        assert_eq "[$tag] obj_alloc_cur (the table behind a pointer) is a wrapper" "wrapper|0" \
            "$(wrapper "$lib.db" obj_alloc_cur)"
        assert_match "[$tag] obj_alloc: the evidence names the table's word" \
            '^tail-calls tab_malloc at 0x[0-9a-f]+ with argument 0 as the size through the function table word at 0x[0-9a-f]+$' \
            "$(reason "$lib.db" obj_alloc)"
        assert_eq "[$tag] ft_item_new's site" "obj_alloc|48|ft_item" "$(site "$lib.db" sites_ftab.c type=ft_item)"
        assert_eq "[$tag] ft_pair_new's site" "obj_alloc_cur|24|ft_pair" \
            "$(site "$lib.db" sites_ftab.c type=ft_pair)"
    else
        echo "note: [$tag] no R_X86_64_64 against tab_malloc; nothing to check"
    fi
fi

for cc in gcc clang; do
    command -v $cc >/dev/null 2>&1 || continue
    tag="pytype $cc -O2"
    bin=$T/pytype-$cc
    $cc -std=c11 -O2 -g -o "$bin" "$FIXTURES/sites_pytype.c" || die "$tag: compile failed"
    assert_status "[$tag] analyze" 0 "$HOLEPROF" analyze -q "$bin" -o "$bin.db"
    assert_eq "[$tag] make_pair: the type object's size and name" "_PyObject_GC_New|40|_pairobject" \
        "$(site "$bin.db" sites_pytype.c type=PyPairObject)"
    assert_eq "[$tag] decided by py-type, size from it" "py-type|py-type" \
        "$(q "$bin.db" "SELECT method || '|' || size_from FROM sites WHERE function = 'make_pair';")"
    assert_eq "[$tag] new_pair: the type object stored into ob_type" "malloc|40|_pairobject" \
        "$(site "$bin.db" sites_pytype.c type=PyPairObject-init)"
done

for cc in gcc clang; do
    command -v $cc >/dev/null 2>&1 || continue
    tag="dest $cc -O2"
    bin=$T/dest-$cc
    $cc -std=c11 -O2 -g -o "$bin" "$FIXTURES/sites_dest.c" || die "$tag: compile failed"
    assert_status "[$tag] analyze" 0 "$HOLEPROF" analyze -q "$bin" -o "$bin.db"
    assert_eq "[$tag] h->sub.head = malloc(...): the member's type" "malloc|32|dst_item" \
        "$(site "$bin.db" sites_dest.c type=dst_item)"
    assert_eq "[$tag] h->other = malloc(...)" "malloc|32|dst_other" \
        "$(site "$bin.db" sites_dest.c type=dst_other)"
    assert_eq "[$tag] g->lines = calloc(n, ...), g itself just allocated" "calloc|32|dst_item" \
        "$(site "$bin.db" sites_dest.c type=lines)"
    assert_eq "[$tag] h->slots: an array of pointers, no struct" "malloc|128|-|pointer|destination" \
        "$(site "$bin.db" sites_dest.c type=pointers)|$(q "$bin.db" "SELECT coalesce(type_name, '-') || '|' || method FROM sites WHERE size = 128;")"
done

LUA=/usr/lib/x86_64-linux-gnu/liblua5.4.so.0
if [ -r "$LUA" ]; then
    id=$(LC_ALL=C readelf -n "$LUA" 2>/dev/null | sed -n 's/.*Build ID: *\([0-9a-f]*\).*/\1/p' | head -n1)
    dbg=/usr/lib/debug/.build-id/$(echo "$id" | cut -c1-2)/$(echo "$id" | cut -c3-).debug
    if [ -n "$id" ] && [ -r "$dbg" ]; then
        db=$T/lua.db
        assert_status "[lua5.4] analyze" 0 "$HOLEPROF" analyze -q "$LUA" -o "$db"
        for w in luaM_malloc_ luaM_realloc_; do
            assert_match "[lua5.4] $w calls g->frealloc" \
                "through the field at offset 0 of global_State, which holds l_alloc" "$(reason "$db" $w)"
        done
        assert_eq "[lua5.4] luaH_new allocates a Table" "Table" \
            "$(q "$db" "SELECT t.name FROM sites s JOIN types t ON t.id = s.type_id WHERE s.function = 'luaH_new';")"
        assert_match "[lua5.4] dozens of sites" '^[0-9]{2,}$' "$(q "$db" "SELECT count(*) FROM sites;")"
    else
        echo "note: no debug file for $LUA (liblua5.4-0-dbg); skipped"
    fi
fi

finish
