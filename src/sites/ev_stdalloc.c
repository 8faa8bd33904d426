/*
** sites/ev_stdalloc.c -- "cxx-allocator": the element type of the C++
** standard allocator whose allocate makes the operator new call.
**
** Contract: std::vector, deque, list, map, unordered_map, make_shared
** and allocate_shared get their memory from allocator_traits<allocator<T>>
** ::allocate(n), which asks operator new for n * sizeof(T) bytes.  DWARF
** names T: the return type T * of the innermost std::allocator<T> /
** std::__new_allocator<T> / __gnu_cxx::new_allocator<T> / allocator_traits
** allocate around the call, whether that is the function holding the call
** or an inlined subroutine of its chain (dwlines.c: dl_site.alloc_elem).
** T is the node or control block the container allocates
** (std::_List_node<Foo>, std::_Rb_tree_node<std::pair<const K, V>>,
** std::_Sp_counted_ptr_inplace<T, ...>), not the value type.  Taken for
** operator new calls only, when the code's size fits whole T's: an
** element size ("n times c") equal to sizeof(T) or a multiple of it, a
** constant a whole number of T's (the site becomes sizeof(T) x count: a
** deque's 504-byte node buffer of 24-byte T's is 21 of them); an unknown
** size is not checked.  A T that is not an aggregate (the deque's map of
** T *, a hash table's bucket array) sets only type_name ("pointer", or the
** scalar's name) and keeps size candidates away.  A size that does not
** fit gives no answer.  Tried right after the compiler's own record.
*/
#include "sites/internal.h"

int si_ev_std_alloc(attr *at)
{
    const dl_site *ds = at->ds;
    fin *r = at->r;
    if (ds == NULL || ds->alloc_elem == NULL || at->A->family != FAM_CXX ||
        (at->A->flags & AF_CLASS_NEW))
        return 0;
    const dl_type *dt = ds->alloc_elem;
    if (dt->name == NULL) {
        if (dt->pointee_name == NULL)
            return 0;
        r->type_name = dt->pointee_name;
        r->method = "cxx-allocator";
        at->scalar = dt->pointee_name;
        return 1;
    }
    trow *t = si_ti_find(at->ti, dt->name, dt->size, dt->decl_file, dt->decl_line, 0);
    if (t == NULL || t->size == 0)
        return 0;
    uint64_t ts = t->size;
    if (r->size_known && r->size > 0) {
        uint64_t total = (uint64_t)r->size;
        if (at->scaled) {
            if (total % ts != 0)
                return 0;
        } else {
            if (r->count_known && r->count > 0)
                total *= (uint64_t)r->count;
            if (total % ts != 0)
                return 0;
            r->count = (int64_t)(total / ts);
            r->count_known = 1;
        }
        r->size = (int64_t)ts;
    }
    si_set_type(r, t, "cxx-allocator", CONF_STD_ALLOC);
    return 1;
}
