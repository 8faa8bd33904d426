#!/usr/bin/python3
"""bench/accuracy.py -- ground truth of a C project's allocation sites from
clang's AST, and holeprof's recall and precision against it.

  accuracy.py --project P --compiler CC --src SRCDIR --build BUILDDIR \
              --binary BIN --holeprof HP --out PREFIX
  accuracy.py --summary PREFIX.json...

Ground truth (libclang over every entry of BUILDDIR/compile_commands.json
whose file is in SRCDIR or BUILDDIR; headers of the project included):

- an allocator is malloc, calloc, realloc, reallocarray, aligned_alloc,
  memalign, posix_memalign, valloc, or a wrapper: a project function
  returning a pointer (not to a struct) that returns (directly, or through
  a local variable it assigned) the result of a call to an allocator whose
  size argument is the function's own parameter, a product of two, or one
  plus or minus a constant or rounded up with `&` (a header: `n + 16`,
  `(n + 15) & ~15`): the caller chooses the size (a fixed point, as
  holeprof's notion of a wrapper; `new_items(n)` doing
  `calloc(n, sizeof(struct item))` is not a wrapper, its call is the site;
  neither is a string builder calling `malloc(strlen(s) + w)`);
- a site is every direct call to an allocator in a project function, except
  the call a wrapper forwards its parameters to (that call is the
  wrapper's body; its callers are the sites);
- its type is the struct or union a `sizeof` in its size or count arguments
  names (several different ones: "mixed", not scored for type), else the
  struct pointed to by its destination (the variable initialised, the
  lvalue assigned, the cast, or the enclosing function's return type);
  else none (a byte buffer, an array of pointers or scalars).

Sites whose function has no code in the binary (no symbol of that name,
clones included, and never inlined) are not counted ("absent").

holeprof's sites are matched by the inline chain of their pc
(addr2line -i: the innermost position first, outwards) against the lines
a ground-truth call spans.  Printed, per project and compiler:
  sites   ground-truth sites found / sites (site recall)
  typed   struct sites holeprof names the right struct at / struct sites
          (type recall: at least one matching holeprof site has the right
          struct and none a wrong one)
  prec    holeprof struct answers at ground-truth sites that are right /
          all its struct answers there (precision; a struct named for a
          site whose ground truth is no struct is wrong)
  extra   holeprof sites at no ground-truth site (inside an undetected
          wrapper, in a library header, ...)
The misses, wrong answers and extras are listed in PREFIX.misses.
"""
import argparse
import collections
import json
import os
import re
import shlex
import sqlite3
import subprocess
import sys
import tempfile

BUILTIN = {  # name -> argument positions of the size (not the count)
    'malloc': (0,), 'calloc': (1,), 'realloc': (1,), 'reallocarray': (2,),
    'aligned_alloc': (1,), 'memalign': (1,), 'posix_memalign': (2,),
    'valloc': (0,),
}


def norm_name(n):
    if n is None:
        return None
    n = re.sub(r'^(struct|union|class|enum)\s+', '', n.strip())
    return n


# ---------------------------------------------------------------- AST side

def ast_summaries(src, build, ccfile):
    import ctypes
    import clang.cindex as ci
    K = ci.CursorKind
    lib = ci.conf.lib
    lib.clang_getPresumedLocation.argtypes = [ci.SourceLocation, ctypes.POINTER(ci._CXString),
                                              ctypes.POINTER(ctypes.c_uint), ctypes.POINTER(ctypes.c_uint)]
    lib.clang_getPresumedLocation.restype = None

    def presumed(loc):
        """(file, line) as #line directives say (a yacc grammar's .y), as DWARF has it"""
        f, l, c = ci._CXString(), ctypes.c_uint(), ctypes.c_uint()
        lib.clang_getPresumedLocation(loc, ctypes.byref(f), ctypes.byref(l), ctypes.byref(c))
        name = ci._CXString.from_result(f)
        return name, int(l.value)
    roots = [os.path.realpath(src) + '/', os.path.realpath(build) + '/']
    entries = json.load(open(ccfile))
    index = ci.Index.create()
    funcs = {}          # (file, line, name) -> summary
    seen_files = set()

    def in_project(f):
        if f is None:
            return False
        p = os.path.realpath(str(f))
        return any(p.startswith(r) for r in roots)

    def record_name(t):
        """struct/union name of type t (typedefs followed), else None"""
        tdname = None
        u = t
        for _ in range(16):
            if u.kind == ci.TypeKind.TYPEDEF:
                tdname = u.get_declaration().spelling
                u = u.get_declaration().underlying_typedef_type
            elif u.kind == ci.TypeKind.ELABORATED:
                u = u.get_named_type()
            else:
                break
        c = t.get_canonical()
        if c.kind != ci.TypeKind.RECORD:
            return None
        d = c.get_declaration()
        n = d.spelling
        if not n or 'anonymous' in n or 'unnamed' in n:
            n = tdname
        if not n and 'anonymous' not in c.spelling and 'unnamed' not in c.spelling:
            n = norm_name(c.spelling)     # a typedef of an anonymous struct
        return n or None

    def pointee_record(t):
        if t.kind == ci.TypeKind.POINTER:
            return record_name(t.get_pointee())
        c = t.get_canonical()
        if c.kind != ci.TypeKind.POINTER:
            return None
        return record_name(c.get_pointee())

    def strip(c):
        while c.kind in (K.UNEXPOSED_EXPR, K.PAREN_EXPR, K.CSTYLE_CAST_EXPR):
            ch = list(c.get_children())
            if not ch:
                break
            c = ch[-1]
        return c

    def sizeof_records(c, out):
        """struct names of the sizeofs under c; 'scalar' for other sizeofs"""
        for n in c.walk_preorder():
            if n.kind != K.CXX_UNARY_EXPR:
                continue
            toks = [t.spelling for t in n.get_tokens()]
            if not toks or toks[0] != 'sizeof':
                continue
            ch = list(n.get_children())
            exprs = [x for x in ch if x.kind != K.TYPE_REF]
            if exprs:
                r = record_name(exprs[0].type)
            elif '*' in toks or '[' in toks:
                r = None     # sizeof(struct foo *), sizeof(T[4])
            elif ch:
                r = record_name(ch[0].type)
            else:
                r = None
            out.append(r or 'scalar')

    def constant(c):
        for n in c.walk_preorder():
            if n.kind == K.CALL_EXPR:
                return False
            if n.kind == K.DECL_REF_EXPR and (n.referenced is None or
                                              n.referenced.kind != K.ENUM_CONSTANT_DECL):
                return False
        return True

    def param_form(c, params):
        """the parameters c forwards as a size: a parameter, a product of
        two, a parameter plus or minus a constant (a header), rounded up
        with & (size + 15) & ~15; else None"""
        c = strip(c)
        if c.kind == K.DECL_REF_EXPR:
            r = c.referenced
            if r is not None and r.kind == K.PARM_DECL and r.hash in params:
                return [params[r.hash]]
            return None
        if c.kind == K.BINARY_OPERATOR:
            ch = list(c.get_children())
            if len(ch) != 2:
                return None
            op = assign_op(c)
            a, b = param_form(ch[0], params), param_form(ch[1], params)
            if op == '*' and a and b:
                return sorted(set(a) | set(b))
            if op in ('+', '-', '&', '|'):
                if a and constant(ch[1]):
                    return a
                if b and op != '-' and constant(ch[0]):
                    return b
        return None

    def assign_op(c):
        ch = list(c.get_children())
        if len(ch) != 2:
            return None
        end = ch[0].extent.end.offset
        for t in c.get_tokens():
            if t.extent.start.offset >= end:
                return t.spelling
        return None

    def summarise(fn):
        params = {}
        for i, a in enumerate(fn.get_arguments()):
            params[a.hash] = i
        rtype = fn.result_type
        s = {'name': fn.spelling, 'file': os.path.realpath(str(fn.location.file)),
             'line': fn.extent.start.line, 'static': fn.storage_class == ci.StorageClass.STATIC,
             'returns_ptr': rtype.get_canonical().kind == ci.TypeKind.POINTER,
             'returns_struct': pointee_record(rtype) is not None,
             'calls': [], 'ret_calls': [], 'ret_vars': []}
        ret_rec = pointee_record(rtype)

        def visit(c, dest, dest_var):
            k = c.kind
            if k == K.CALL_EXPR:
                r = c.referenced
                callee = r.spelling if r is not None and r.kind == K.FUNCTION_DECL else None
                if callee and c.type.get_canonical().kind in (ci.TypeKind.POINTER, ci.TypeKind.INT):
                    args = list(c.get_arguments())
                    szs = []
                    forms = [param_form(a, params) for a in args]
                    for a in args:
                        sizeof_records(a, szs)
                    pf, pl = presumed(c.location)
                    _, first = presumed(c.extent.start)
                    _, last = presumed(c.extent.end)
                    if not (first <= pl <= last):
                        first = last = pl
                    call = {'callee': callee, 'sizeof': szs, 'forms': forms,
                            'dest': dest, 'dest_var': dest_var,
                            'file': os.path.realpath(os.path.join(os.path.dirname(str(c.location.file)), pf)),
                            'line': pl, 'first': first, 'last': last, 'id': len(s['calls'])}
                    s['calls'].append(call)
                for ch in c.get_children():
                    visit(ch, None, None)
                return
            if k in (K.UNEXPOSED_EXPR, K.PAREN_EXPR):
                for ch in c.get_children():
                    visit(ch, dest, dest_var)
                return
            if k == K.CSTYLE_CAST_EXPR:
                pr = pointee_record(c.type)
                for ch in c.get_children():
                    visit(ch, pr if pr else dest, dest_var)
                return
            if k == K.VAR_DECL:
                ch = list(c.get_children())
                pr = pointee_record(c.type)
                for x in ch:
                    if x.kind in (K.TYPE_REF, K.PARM_DECL):
                        continue
                    visit(x, pr, c.hash)
                return
            if k == K.BINARY_OPERATOR:
                ch = list(c.get_children())
                if len(ch) == 2:
                    inner = strip(ch[1])
                    if inner.kind == K.CALL_EXPR and assign_op(c) == '=':
                        lhs = strip(ch[0])
                        var = None
                        if lhs.kind == K.DECL_REF_EXPR and lhs.referenced is not None:
                            var = lhs.referenced.hash
                        visit(ch[0], None, None)
                        visit(ch[1], pointee_record(ch[0].type), var)
                        return
                for x in ch:
                    visit(x, None, None)
                return
            if k == K.RETURN_STMT:
                ch = list(c.get_children())
                for x in ch:
                    inner = strip(x)
                    n0 = len(s['calls'])
                    visit(x, ret_rec, None)
                    if inner.kind == K.CALL_EXPR:
                        for cl in s['calls'][n0:]:
                            if cl['line'] == inner.location.line and cl['callee'] == (
                                    inner.referenced.spelling if inner.referenced else None):
                                s['ret_calls'].append(cl['id'])
                                break
                    elif inner.kind == K.DECL_REF_EXPR and inner.referenced is not None:
                        s['ret_vars'].append(inner.referenced.hash)
                return
            for ch in c.get_children():
                visit(ch, None, None)

        for ch in fn.get_children():
            if ch.kind == K.COMPOUND_STMT:
                visit(ch, None, None)
        # hashes are per translation unit: resolve variables to call ids here
        s['ret_vars'] = sorted({cl['id'] for cl in s['calls']
                                if cl['dest_var'] is not None and cl['dest_var'] in s['ret_vars']})
        for cl in s['calls']:
            cl.pop('dest_var')
        return s

    for e in entries:
        f = e['file']
        d = e['directory']
        path = os.path.realpath(os.path.join(d, f))
        if not in_project(path) or not path.endswith('.c'):
            continue
        args = e.get('arguments') or shlex.split(e['command'])
        out = []
        skip = False
        for a in args[1:]:
            if skip:
                skip = False
                continue
            if a in ('-o', '-MF', '-MT', '-MQ'):
                skip = True
                continue
            if a in ('-c',) or a.startswith('-M') or os.path.realpath(os.path.join(d, a)) == path:
                continue
            if a.startswith('-I') and len(a) > 2 and not os.path.isabs(a[2:]):
                a = '-I' + os.path.join(d, a[2:])
            out.append(a)
        out += ['-Wno-everything', '-ferror-limit=0']
        try:
            tu = index.parse(path, out, options=0)
        except ci.TranslationUnitLoadError as err:
            print(f'accuracy.py: {path}: {err}', file=sys.stderr)
            continue
        for c in tu.cursor.get_children():
            if c.kind != K.FUNCTION_DECL or not c.is_definition():
                continue
            if not in_project(c.location.file):
                continue
            key = (os.path.realpath(str(c.location.file)), c.extent.start.line, c.spelling)
            if key in funcs:
                continue
            funcs[key] = summarise(c)
        seen_files.add(path)
    return list(funcs.values()), len(seen_files)


def ground_truth(funcs):
    """fixed point over wrappers; returns (sites, wrappers)"""
    byname = collections.defaultdict(list)
    for f in funcs:
        byname[f['name']].append(f)
    allocs = dict(BUILTIN)          # name -> size/count positions
    wrapped = {}                    # function key -> id of the call it forwards
    changed = True
    while changed:
        changed = False
        for f in funcs:
            key = (f['file'], f['line'], f['name'])
            if (key in wrapped or not f['returns_ptr'] or f['returns_struct']
                    or f['name'] in BUILTIN):
                continue
            returned = set(f['ret_calls']) | set(f['ret_vars'])
            for cl in f['calls']:
                if cl['id'] not in returned or cl['callee'] not in allocs:
                    continue
                pos = allocs[cl['callee']]
                mine = set()
                for p in pos:
                    if p < len(cl['forms']) and cl['forms'][p]:
                        mine.update(cl['forms'][p])
                if mine:
                    wrapped[key] = cl['id']
                    old = allocs.get(f['name'])
                    allocs[f['name']] = tuple(sorted(set(old or ()) | mine))
                    changed = True
                    break
    sites = []
    for f in funcs:
        key = (f['file'], f['line'], f['name'])
        for cl in f['calls']:
            if cl['callee'] not in allocs or wrapped.get(key) == cl['id']:
                continue
            recs = {r for r in cl['sizeof'] if r != 'scalar'}
            if len(recs) == 1:
                t = recs.pop()
            elif len(recs) > 1:
                t = 'mixed:' + ','.join(sorted(recs))
            elif cl['sizeof']:
                t = None if cl['dest'] is None else cl['dest']
                # sizeof(char) * n, sizeof(int): no struct unless the destination is one
            else:
                t = cl['dest']
            sites.append({'function': f['name'], 'callee': cl['callee'], 'file': cl['file'],
                          'first': cl['first'], 'last': cl['last'], 'line': cl['line'],
                          'type': t, 'static': f['static']})
    wrappers = sorted({k[2] for k in wrapped})
    return sites, wrappers


# ------------------------------------------------------------- binary side

def binary_functions(binary):
    """names of the functions with code: symbols (clone suffixes cut) and
    the DW_AT_name of every inlined subroutine"""
    names = set()
    out = subprocess.run(['nm', '-C', '--defined-only', binary], capture_output=True, text=True).stdout
    out += subprocess.run(['nm', '-D', '--defined-only', binary], capture_output=True, text=True).stdout
    for l in out.splitlines():
        p = l.split()
        if len(p) >= 3 and p[1] in 'tTwWiI':
            names.add(p[2].split('.')[0])
    dd = subprocess.run(['llvm-dwarfdump', '--debug-info', binary], capture_output=True, text=True).stdout
    inl = False
    for l in dd.splitlines():
        if 'DW_TAG_inlined_subroutine' in l:
            inl = True
        elif 'DW_TAG_' in l:
            inl = False
        elif inl and 'DW_AT_abstract_origin' in l:
            m = re.search(r'"([^"]+)"', l)
            if m:
                names.add(m.group(1))
            inl = False
    return names


def holeprof_sites(hp, binary, db):
    if os.path.exists(db):
        os.unlink(db)
    r = subprocess.run([hp, 'analyze', '-q', binary, '-o', db], capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f'accuracy.py: holeprof analyze {binary} failed: {r.stderr.strip()}')
    con = sqlite3.connect(db)
    rows = con.execute('''select s.pc, s.function, s.file, s.line, s.allocator, s.size, s.count,
                                 t.name, s.type_name, s.method, s.ambiguous, s.candidates
                          from sites s left join types t on t.id = s.type_id''').fetchall()
    con.close()
    sites = [dict(zip(('pc', 'function', 'file', 'line', 'allocator', 'size', 'count', 'type',
                       'type_name', 'method', 'ambiguous', 'candidates'), r)) for r in rows]
    # inline chains of every pc, innermost first
    if sites:
        inp = '\n'.join(hex(s['pc']) for s in sites) + '\n'
        out = subprocess.run(['addr2line', '-i', '-a', '-e', binary], input=inp,
                             capture_output=True, text=True).stdout.splitlines()
        chains = []
        for l in out:
            if l.startswith('0x'):
                chains.append([])
            elif chains:
                m = re.match(r'(.*):(\d+)', l.split(' (discriminator')[0])
                if m:
                    chains[-1].append((os.path.basename(m.group(1)), int(m.group(2))))
        for s, c in zip(sites, chains):
            c = list(c)
            if s['file'] and s['line']:
                c.append((os.path.basename(s['file']), s['line']))
            s['chain'] = c
    return sites


# ------------------------------------------------------------------ scoring

def score(gt, hps, present):
    at = collections.defaultdict(list)
    counted = []
    absent = 0
    for g in gt:
        if g['function'] not in present:
            absent += 1
            continue
        g['hits'] = []
        counted.append(g)
        for ln in range(g['first'], g['last'] + 1):
            at[(os.path.basename(g['file']), ln)].append(g)
    extra = []
    for h in hps:
        h['gt'] = []
        for pos in h['chain']:
            if pos in at:
                h['gt'] = at[pos]
                break
        if not h['gt']:
            extra.append(h)
        for g in h['gt']:
            g['hits'].append(h)
    found = sum(1 for g in counted if g['hits'])
    struct = [g for g in counted if g['type'] and not g['type'].startswith('mixed:')]

    def right(h, g):
        t = g['type']
        return t is not None and norm_name(h['type']) in {norm_name(x) for x in
                                                          (t[6:].split(',') if t.startswith('mixed:') else [t])}
    typed_ok = 0
    for g in struct:
        hs = [h for h in g['hits'] if h['type']]
        if hs and all(right(h, g) for h in hs):
            typed_ok += 1
            g['typed'] = 1
    ans = ok = 0
    wrong = []
    for h in hps:
        if not h['gt'] or not h['type']:
            continue
        ans += 1
        if any(right(h, g) for g in h['gt']):
            ok += 1
        else:
            wrong.append(h)
    return {'sites': len(counted), 'found': found, 'absent': absent,
            'struct': len(struct), 'typed': typed_ok, 'answers': ans, 'right': ok,
            'extra': len(extra), 'hp_sites': len(hps)}, counted, wrong, extra


def pct(a, b):
    return f'{100.0 * a / b:5.1f}%' if b else '   - '


def line(name, r):
    return (f"{name:20s} sites {r['found']:5d}/{r['sites']:<5d} {pct(r['found'], r['sites'])}  "
            f"typed {r['typed']:5d}/{r['struct']:<5d} {pct(r['typed'], r['struct'])}  "
            f"prec {r['right']:5d}/{r['answers']:<5d} {pct(r['right'], r['answers'])}  "
            f"extra {r['extra']:4d}  absent {r['absent']}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--project')
    ap.add_argument('--compiler')
    ap.add_argument('--src')
    ap.add_argument('--build')
    ap.add_argument('--binary')
    ap.add_argument('--holeprof')
    ap.add_argument('--out')
    ap.add_argument('--summary', nargs='+')
    a = ap.parse_args()
    if a.summary:
        tot = collections.Counter()
        per_cc = collections.defaultdict(collections.Counter)
        for f in a.summary:
            r = json.load(open(f))
            print(line(f"{r['project']}/{r['compiler']}", r))
            for k in ('sites', 'found', 'absent', 'struct', 'typed', 'answers', 'right', 'extra'):
                tot[k] += r[k]
                per_cc[r['compiler']][k] += r[k]
        for cc in sorted(per_cc):
            print(line(f'all/{cc}', per_cc[cc]))
        print(line('all', tot))
        return
    gtfile = a.out + '.gt.json'
    cc = os.path.join(a.build, 'compile_commands.json')
    if os.path.exists(gtfile) and os.path.getmtime(gtfile) > os.path.getmtime(cc):
        g = json.load(open(gtfile))
    else:
        funcs, nfiles = ast_summaries(a.src, a.build, cc)
        sites, wrappers = ground_truth(funcs)
        g = {'sites': sites, 'wrappers': wrappers, 'files': nfiles}
        json.dump(g, open(gtfile, 'w'))
    present = binary_functions(a.binary)
    with tempfile.TemporaryDirectory() as td:
        hps = holeprof_sites(a.holeprof, a.binary, os.path.join(td, 'x.db'))
    r, counted, wrong, extra = score(g['sites'], hps, present)
    r.update(project=a.project, compiler=a.compiler, wrappers=len(g['wrappers']), files=g['files'])
    json.dump(r, open(a.out + '.json', 'w'))
    with open(a.out + '.misses', 'w') as m:
        m.write(f"# {a.project}/{a.compiler}: ground-truth wrappers: {' '.join(g['wrappers'])}\n")
        for gs in counted:
            if not gs['hits']:
                m.write(f"MISS   {os.path.basename(gs['file'])}:{gs['line']} {gs['function']} "
                        f"{gs['callee']} type {gs['type']}\n")
        for gs in counted:
            if gs['hits'] and gs['type'] and not gs['type'].startswith('mixed:') and not gs.get('typed'):
                h = gs['hits'][0]
                m.write(f"UNTYPED {os.path.basename(gs['file'])}:{gs['line']} {gs['function']} "
                        f"{gs['callee']} want {gs['type']} got {h['type'] or '-'} "
                        f"({h['allocator']} size {h['size']} count {h['count']} method {h['method']} "
                        f"type_name {h['type_name']} candidates {h['candidates']} pc {h['pc']:#x})\n")
        for h in wrong:
            m.write(f"WRONG  {h['chain'][0] if h['chain'] else '?'} {h['function']} {h['allocator']} "
                    f"got {h['type']} ({h['method']}) want {[x['type'] for x in h['gt']]} pc {h['pc']:#x}\n")
        for h in extra:
            m.write(f"EXTRA  {h['chain'][:3]} {h['function']} {h['allocator']} type {h['type']} "
                    f"pc {h['pc']:#x}\n")
    print(line(f'{a.project}/{a.compiler}', r))


if __name__ == '__main__':
    main()
