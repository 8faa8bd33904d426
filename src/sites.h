/*
** sites.h -- heap allocation sites: where the machine code allocates, and
** which struct it allocates.  Implemented in src/sites/ (one file per step;
** sites/internal.h describes the pipeline and names the files).
**
** Contract: si_prepare(), si_attribute() and si_finish() disassemble the
** executable code of one binary (the architecture is behind disasm.h;
** x86-64 today), find every call and
** tail jump to an allocator -- the built-in catalogue, user-declared ones,
** and wrappers discovered automatically to a fixed point -- and writes
** the sites, their candidate types and the allocators into the writer's
** open transaction (tables allocators, sites, site_candidates, site_scan
** of db/schema.sql, documented in db/README.md).  Type attribution maps
** DWARF types to the binary's types rows, through the type set they are
** stored from: si_attribute() once that set is final (beside the store),
** si_finish() after the rows are written, with their ids.
**
** What is decided and how sure it is (sites.method / sites.confidence):
**   go-type      0.99  Go: the type descriptor passed to the runtime maps
**                      to a struct through DW_AT_go_runtime_type
**   dwarf-alloc-type 0.97  clang 22's DW_AT_LLVM_alloc_type on the call site
**                      of a C++ new, when the size agrees
**   cxx-allocator 0.95  C++: the operator new call is in (or inlined from)
**                      std::allocator<T>'s / allocator_traits' allocate,
**                      whose DWARF return type names T (a container's
**                      node, make_shared's control block), when the size
**                      is whole T's
**   cxx-class-new 0.90  C++: the site calls T::operator new (or is the
**                      malloc of an inlined one) and the size is T's
**                      (tried after cxx-ctor)
**   cxx-ctor     0.95  C++: a constructor is called on the returned pointer;
**                      its `this` parameter names the class
**   dwarf-var    0.90  a variable or parameter whose location holds the
**                      returned pointer (register or stack slot, followed
**                      through moves and spills) has type T*
**   dwarf-return 0.85  the function returns the pointer (tail jump, or the
**                      return register still holds it) and returns T*
**   kmem-cache   0.80  Linux: kmem_cache_alloc on a cache whose
**                      kmem_cache_create name and size name one struct
**                      (tried first on such a site: the cache says what
**                      its objects are)
**   py-type      0.80  CPython: _PyObject_New / _PyObject_GC_New(Var) of
**                      the static type object PyFoo_Type, whose
**                      tp_basicsize is the size of PyFooObject; or the
**                      code stores &PyFoo_Type into the object's ob_type
**   destination  0.70  the pointer is stored into a member of a struct
**                      (a DWARF variable names it, or the base is another
**                      site's typed allocation, or was loaded from a
**                      member of a struct a variable names), or into a
**                      global, of type D*: D, or no struct when D is a
**                      pointer or a scalar
**   dwarf-param  0.65  the pointer, or the address of a member (p + off),
**                      is passed to a function whose parameter is D*: D
**                      when off is 0 and D has the size (or ends in a
**                      flexible array), else the one struct of the size
**                      holding a D at off (container_of)
**   stores       0.60  the offsets and widths written through the pointer
**                      fit the members of exactly one struct of the size
**   size         --    only the size is known: every struct of that size
**                      goes to site_candidates (0.30 / number of them) and
**                      the site is ambiguous, with no type chosen
** A stronger method is tried first; evidence that contradicts a known
** constant size (type larger than the allocation) is not used.  A count
** with an element size of 1 (calloc(n, 1), which gcc -O2 makes of
** malloc + memset) is one object of n bytes.
**
** static_weight: loop_depth is the number of natural loops (back edges
** u->v where v dominates u, loops with one header merged) whose body
** holds the call; static_weight = 8^min(loop_depth, 4), so 1, 8, 64, 512,
** 4096: a guess that a loop runs 8 times, capped so one deep nest cannot
** swamp every other site.
**
** Never fatal for the binary's code: undecodable bytes, functions without
** symbols or DWARF, an unknown architecture are counted in site_scan and
** in si_stats, and analysis goes on.  Only database errors are returned.
*/
#ifndef SITES_H
#define SITES_H

#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <sqlite3.h>

#include "elfimg.h"
#include "hp.h"
#include "typeset.h"

/* A user-declared allocator: NAME:SIZEARG[:COUNTARG], positions counted
** from 0 in the platform's argument order (x86-64: rdi, rsi, rdx, ...). */
typedef struct si_user_alloc {
    char *name;
    int size_arg;
    int count_arg;              /* -1 when absent */
} si_user_alloc;

typedef struct si_opts {
    const char **alloc_specs;   /* --alloc values */
    size_t nalloc_specs;
    const char *alloc_config;   /* --alloc-config FILE, or NULL */
    int jobs;                   /* threads for the DWARF part (-j) */
    const _Atomic uint32_t *types_permille;  /* the type reader's progress when
                                   it runs beside si_prepare, else NULL: the
                                   scan stays at idle priority until it
                                   passes SI_PACE_PERMILLE (hp_pace) */
} si_opts;

/* Until the type reader has read this share of its units (permille of
** their bytes) the site scan running beside it stays at idle priority:
** the readers then keep both CPUs of a two-core machine, and the scan
** takes the moments they leave (a reader waiting, the serial inflate at
** the start) and the single-threaded store after them.  1000: the whole
** reading; the scan is at normal priority once the types are read, so
** that other programs on the machine cannot starve it after that.
** (400, scanning at normal priority from 40% on, made analyze 6-12%
** slower on python3.11 and vmlinux in interleaved runs.) */
#define SI_PACE_PERMILLE 1000

typedef struct si_stats {
    uint64_t functions;         /* function bodies known */
    uint64_t analyzed;          /* bodies decoded and analyzed */
    uint64_t instructions;
    uint64_t bad_bytes;         /* bytes that did not decode */
    uint64_t sites;
    uint64_t typed;             /* sites with a type */
    uint64_t ambiguous;
    uint64_t wrappers;          /* allocators found automatically */
    uint64_t skipped;           /* sections/functions/DWARF parts skipped */
    int no_arch;                /* no disassembler for this machine */
    double seconds;
} si_stats;

/* Parse "NAME:SIZEARG[:COUNTARG]".  On success out->name is malloc'd. */
int si_parse_alloc(const char *spec, si_user_alloc *out, hp_err *err);

/* Read a config file: one NAME:SIZEARG[:COUNTARG] per line, '#' starts a
** comment, blank lines are ignored.  Appends to *v. */
int si_read_config(const char *path, si_user_alloc **v, size_t *n, hp_err *err);

/* Analyze img's code and write its sites.  dwarf is the opened file
** holding the DWARF (may be img itself); its symbol table is used too when
** the binary is stripped, and its sections are shared with the type
** reader (ei_section_data decompresses each once).
**
** In two steps, so the scan can run beside the type reader:
** si_prepare() does everything that needs no database -- symbols,
** disassembly, the wrapper fixed point, the DWARF facts about each site --
** and may run in its own thread while dt_load() reads the same images
** (elfimg is thread-safe for that); only its option errors (--alloc,
** --alloc-config) are returned.  si_attribute() then decides each site's
** type from `types`, the final type set the binary's types rows are
** stored from; it only reads the set, so it may run while the store
** writes those rows.  si_finish() writes the sites once the rows exist:
** type_ids[i] is the id of ts_get(types, i), ascending with i (the rows
** are not read back); it attributes first if si_attribute() was not
** called. */
typedef struct si_job si_job;
int si_prepare(ei_image *img, ei_image *dwarf, const si_opts *opts, si_job **out, hp_err *err);
void si_attribute(si_job *job, typeset *types);
int si_finish(si_job *job, sqlite3 *db, int64_t binary_id, typeset *types,
              const int64_t *type_ids, si_stats *stats, hp_err *err);
void si_job_free(si_job *job);

/* holeprof sites DB [TYPE]: sites grouped by type.  TYPE means what it
** means to show (rep_find_types: a typedef name, "struct NAME", a glob);
** without it every site is listed.  binary: a
** --binary selector (mrg_select_binary) or NULL for all. */
int si_report(const char *dbpath, const char *type, const char *binary, FILE *out, hp_err *err);

#endif
