#!/usr/bin/env python3
"""layers_check.py -- the include graph of holeprof's sources (tests/t_layers.sh).

Usage: layers_check.py SRCDIR
       layers_check.py --calls SRCDIR OBJDIR [FILE...]

Contract: reads every #include "..." of SRCDIR/**/*.[ch] (resolved against
the including file's directory, then SRCDIR; a name found in neither, such
as the generated config.h, is no edge) and fails (exit 1, one line per
problem) on
  - an include cycle between files: a header that includes itself through
    others;
  - a cycle between modules.  A module is a header and the .c files of its
    name, together with its family: src/D/* belongs to module D (src/arch/*
    to disasm, whose interface disasm.h it implements), NAME_*.c and
    NAME_int.h to NAME (dwshim_split.c is dwshim), pf_*.[ch] to profile.
    Module A includes module B when a file of A includes a header of B; a
    cycle A -> B -> ... -> A means neither can be read, built or replaced
    without the other;
  - a module's private header (NAME_int.h, D/internal.h, D/*.h of a
    subdirectory) included from another module;
  - libdwarf.h or libdwarf's dwarf.h included outside the dwshim family
    (the only door to libdwarf, dwshim.h).
On success it prints the module graph's size and exits 0.

With --calls: the files of the dwshim family call each other only
downwards, in the order src/dwshim_int.h lists them (or FILE..., lowest
first): from the objects OBJDIR/*dwshim*.o (nm), a function one file
calls that a file listed after it defines is a failure, one line each.
"""
import os
import re
import sys

ALIAS = {'arch': 'disasm', 'pf': 'profile'}
INC = re.compile(r'^\s*#\s*include\s*([<"])([^">]+)[">]')


def module(rel):
    parts = rel.split('/')
    if len(parts) > 1:
        name = parts[0]
    else:
        name = os.path.splitext(parts[0])[0].split('_')[0]
    return ALIAS.get(name, name)


def private(rel):
    base = os.path.basename(rel)
    return '/' in rel or base.endswith('_int.h') or base == 'internal.h'


def cycles(graph):
    """The strongly connected components of more than one node (Tarjan)."""
    index, low, stack, on, out = {}, {}, [], set(), []
    counter = [0]

    def visit(v):
        work = [(v, iter(sorted(graph.get(v, ()))))]
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        while work:
            node, it = work[-1]
            advanced = False
            for w in it:
                if w not in index:
                    index[w] = low[w] = counter[0]
                    counter[0] += 1
                    stack.append(w)
                    on.add(w)
                    work.append((w, iter(sorted(graph.get(w, ())))))
                    advanced = True
                    break
                if w in on:
                    low[node] = min(low[node], index[w])
            if advanced:
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                comp = []
                while True:
                    w = stack.pop()
                    on.discard(w)
                    comp.append(w)
                    if w == node:
                        break
                if len(comp) > 1 or node in graph.get(node, ()):
                    out.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def calls(src, obj, order):
    import glob
    import subprocess
    if not order:
        with open(os.path.join(src, 'dwshim_int.h'), encoding='utf-8') as fh:
            order = re.findall(r'^\*\*\s+(dwshim\w*\.c)\s', fh.read(), re.M)
    objs = {}
    for f in order:
        stem = f[:-2]
        found = glob.glob(os.path.join(obj, '*' + stem + '.o'))
        found = [o for o in found if os.path.basename(o).endswith('-' + stem + '.o') or
                 os.path.basename(o) == stem + '.o']
        if len(found) != 1:
            print('layers_check: no object of %s in %s' % (f, obj), file=sys.stderr)
            return 2
        objs[f] = found[0]
    defined, used = {}, {}
    for f, o in objs.items():
        out = subprocess.run(['nm', o], capture_output=True, text=True, check=True).stdout
        used[f] = set()
        for line in out.splitlines():
            w = line.split()
            if len(w) == 3 and w[1] == 'T':
                defined[w[2]] = f
            elif len(w) == 2 and w[0] == 'U':
                used[f].add(w[1])
    problems = []
    for f in order:
        for sym in sorted(used[f]):
            g = defined.get(sym)
            if g is not None and order.index(g) > order.index(f):
                problems.append('%s calls %s of %s, listed after it' % (f, sym, g))
    for p in problems:
        print(p)
    if problems:
        return 1
    print('%d files of the dwshim family, every call downwards' % len(order))
    return 0


def main():
    if len(sys.argv) >= 4 and sys.argv[1] == '--calls':
        return calls(os.path.abspath(sys.argv[2]), sys.argv[3], sys.argv[4:])
    if len(sys.argv) != 2:
        print('usage: layers_check.py SRCDIR', file=sys.stderr)
        return 2
    src = os.path.abspath(sys.argv[1])
    files = []
    for d, _, names in os.walk(src):
        files += [os.path.relpath(os.path.join(d, n), src)
                  for n in names if n.endswith(('.c', '.h'))]
    if not files:
        print('layers_check: no sources under %s' % src, file=sys.stderr)
        return 2
    fgraph, mgraph, problems = {}, {}, []
    for rel in sorted(files):
        fgraph.setdefault(rel, set())
        mgraph.setdefault(module(rel), set())
        with open(os.path.join(src, rel), encoding='utf-8', errors='replace') as fh:
            for no, line in enumerate(fh, 1):
                m = INC.match(line)
                if not m:
                    continue
                kind, name = m.groups()
                base = os.path.basename(name)
                if base in ('libdwarf.h', 'dwarf.h') and module(rel) != 'dwshim' and \
                        (kind == '<' or 'libdwarf' in name):
                    problems.append('%s:%d: includes %s outside the dwshim family '
                                    '(dwshim.h is the door to libdwarf)' % (rel, no, name))
                if kind != '"':
                    continue
                target = None
                for cand in (os.path.join(os.path.dirname(rel), name), name):
                    cand = os.path.normpath(cand)
                    if os.path.isfile(os.path.join(src, cand)):
                        target = cand
                        break
                if target is None:
                    continue
                if target.endswith('.h'):
                    fgraph[rel].add(target)
                a, b = module(rel), module(target)
                if a != b and private(target):
                    problems.append('%s:%d: includes %s, private to module %s'
                                    % (rel, no, target, b))
                if a != b:
                    mgraph[a].add(b)
    for comp in cycles(fgraph):
        problems.append('include cycle between files: %s' % ' '.join(comp))
    for comp in cycles(mgraph):
        edges = ['%s -> %s' % (a, b) for a in comp for b in sorted(mgraph[a]) if b in comp]
        problems.append('cycle between modules %s (%s)' % (' '.join(comp), ', '.join(edges)))
    for p in problems:
        print(p)
    if problems:
        return 1
    print('%d files, %d modules, %d edges between modules, no cycle'
          % (len(files), len(mgraph), sum(len(v) for v in mgraph.values())))
    return 0


if __name__ == '__main__':
    sys.exit(main())
