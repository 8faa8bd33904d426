#!/bin/sh
# t_sites_kernel.sh -- allocation shapes of the Linux kernel (6.10+: the
# alloc_hooks macros, whose `void *_res` names no struct), built in user
# space with small definitions of their own (issue 17):
#   sites_kdest.c  the destination names the type when the variable does
#                  not: a->b = kzalloc() after a = kzalloc() (the base is
#                  another site's typed allocation), p->priv->buf =
#                  kzalloc() (the base loaded from a member), a global
#                  pointer, a member of a global struct, a member through
#                  a global pointer, a slot of a global array (constant or
#                  variable index); a pointer member in a union (when
#                  the union's members there agree, not when they differ);
#                  a struct ending in a flexible array; *out = kzalloc()
#                  through a struct T ** parameter; kcalloc of a
#                  152-byte element built with two lea and a shl keeps its
#                  element size; a parameter and a container_of of it in
#                  one register: the variable whose struct has the member;
#   sites_kparam.c  the parameter types of the functions the pointer is
#                  passed to (dwarf-param): the pointer itself to a
#                  `struct conn *` (first or second parameter), a member's
#                  address to a `struct timer *` (container_of: the one
#                  struct of the size with a timer there), a flexible
#                  array's header; nothing from two structs with a timer
#                  there, a `void *` parameter, or a struct of another size;
#   sites_krethunk.c  gcc -pg -mfentry -mfunction-return=thunk-extern, as
#                  Debian builds its kernels: `call __fentry__` at every
#                  entry and `jmp __x86_return_thunk` for every return hide
#                  neither wrappers (kmemdup-like, sock_kmalloc-like) nor
#                  the returned type; IS_ERR(p) ? PTR_ERR(p) returns no
#                  allocation; the pointer stored to d->priv comes back
#                  from d->priv after a call; a call to __stack_chk_fail
#                  does not return (nr_wrap is no wrapper);
#   sites_retpoline.c  a call through __x86_indirect_thunk_REG (gcc
#                  -mindirect-branch=thunk-extern, clang
#                  -mretpoline-external-thunk) is an indirect call through
#                  REG: through an allocator table it is a site.
# Each check names the fixture line it expects (the "type=" marks).
. "${TOP_SRCDIR:-$(dirname "$0")/..}/tests/lib.sh"

need sqlite3
[ -x "$HOLEPROF" ] || die "holeprof not built: $HOLEPROF"

ran=0
for cc in gcc clang; do
    command -v $cc >/dev/null 2>&1 || continue
    ran=1
    tag="kdest $cc -O2"
    bin=$T/kdest-$cc
    $cc -std=gnu11 -O2 -g -o "$bin" "$FIXTURES/sites_kdest.c" || die "$tag: compile failed"
    assert_status "[$tag] analyze" 0 "$HOLEPROF" analyze -q "$bin" -o "$bin.db"
    for mt in pubkey:pubkey sigkey:sigkey buf:buf hub:hub hub2nd:hub port:port porttab:port \
              port2:port opts:opts pkunion:pubkey sigout:sigkey vpkey:pubkey; do
        m=${mt%%:*}
        want=${mt#*:}
        l=$(line_of sites_kdest.c type=$m)
        assert_eq "[$tag] line $l: the destination names $want" "$want|destination" \
            "$(site_at "$bin.db" sites_kdest.c "$l" "coalesce(t.name, '-') || '|' || s.method")"
    done
    l=$(line_of sites_kdest.c untyped=union2)
    assert_eq "[$tag] line $l: union members that differ name nothing" "-" \
        "$(site_at "$bin.db" sites_kdest.c "$l" "coalesce(t.name, '-')")"
    l=$(line_of sites_kdest.c size=152)
    assert_eq "[$tag] line $l: kcalloc(n, sizeof(struct vec)): element of 152 bytes" "152" \
        "$(site_at "$bin.db" sites_kdest.c "$l" "s.size")"
    # no site is typed as a struct it cannot be (sizes are shared in pairs;
    # a struct with a flexible array, TF_FLEX, may be bigger)
    assert_eq "[$tag] no site typed with a struct of another size" 0 \
        "$(q "$bin.db" "SELECT count(*) FROM sites s JOIN types t ON t.id = s.type_id
                        WHERE s.size IS NOT NULL AND s.size % t.size != 0
                          AND (t.flags & 256) = 0;")"
done
[ $ran = 1 ] || skip "no C compiler"

# ---- callee parameter types ----
for cc in gcc clang; do
    command -v $cc >/dev/null 2>&1 || continue
    tag="kparam $cc -O2"
    bin=$T/kparam-$cc
    $cc -std=gnu11 -O2 -g -o "$bin" "$FIXTURES/sites_kparam.c" || die "$tag: compile failed"
    assert_status "[$tag] analyze" 0 "$HOLEPROF" analyze -q "$bin" -o "$bin.db"
    for m in conn attach em485 flex; do
        l=$(line_of sites_kparam.c type=$m)
        assert_eq "[$tag] line $l: the callee's parameter names $m" "$m|dwarf-param" \
            "$(site_at "$bin.db" sites_kparam.c "$l" "coalesce(t.name, '-') || '|' || s.method")"
    done
    for m in twins voidparam toosmall; do
        l=$(line_of sites_kparam.c untyped=$m)
        assert_eq "[$tag] line $l: no type ($m)" "-|1" \
            "$(site_at "$bin.db" sites_kparam.c "$l" "coalesce(t.name, '-') || '|' || s.ambiguous")"
    done
done

# ---- return thunk and __fentry__ (gcc only: clang 14 has no -mfunction-return) ----
if command -v gcc >/dev/null 2>&1; then
    tag="krethunk gcc -O2"
    bin=$T/krethunk
    gcc -std=gnu11 -O2 -g -pg -mfentry -mfunction-return=thunk-extern -fno-pie \
        -c -o "$bin.o" "$FIXTURES/sites_krethunk.c" || die "$tag: compile failed"
    gcc -no-pie -o "$bin" "$bin.o" || die "$tag: link failed"
    assert_status "[$tag] analyze" 0 "$HOLEPROF" analyze -q "$bin" -o "$bin.db"
    assert_eq "[$tag] wrappers through the thunks" "kmemdup_ memdup_user_ sock_alloc_" \
        "$(q "$bin.db" "SELECT group_concat(name, ' ') FROM (SELECT name FROM allocators
                        WHERE origin = 'wrapper' ORDER BY name);")"
    for mt in ret:conn:dwarf-return reload:em485:dwarf-param dup:opts:destination \
              sockalloc:opts:dwarf-return; do
        m=${mt%%:*}
        want=${mt#*:}
        l=$(line_of sites_krethunk.c type=$m)
        assert_eq "[$tag] line $l ($m)" "${want%%:*}|${want#*:}" \
            "$(site_at "$bin.db" sites_krethunk.c "$l" "coalesce(t.name, '-') || '|' || s.method")"
    done
fi

# ---- retpolines ----
for cc in "gcc -mindirect-branch=thunk-extern" "clang -mretpoline-external-thunk"; do
    command -v ${cc%% *} >/dev/null 2>&1 || continue
    tag="retpoline ${cc%% *} -O2"
    bin=$T/retpoline-${cc%% *}
    $cc -std=gnu11 -O2 -g -fno-pie -no-pie -o "$bin" "$FIXTURES/sites_retpoline.c" ||
        die "$tag: compile failed"
    assert_status "[$tag] analyze" 0 "$HOLEPROF" analyze -q "$bin" -o "$bin.db"
    l=$(line_of sites_retpoline.c type=conn)
    assert_eq "[$tag] line $l: ops_tab.alloc() through the thunk is a site of my_alloc" \
        "my_alloc|56|conn|1" \
        "$(site_at "$bin.db" sites_retpoline.c "$l" "s.allocator || '|' || s.size || '|' || coalesce(t.name, '-') || '|' || s.indirect")"
done

finish
