#!/usr/bin/env python3
"""bench/pahole_agree.py -- holeprof's layouts against pahole's, struct by struct.

    bench/pahole_agree.py [--pahole PAHOLE] [--holeprof HOLEPROF] [--pahole-input FILE]
                          [-v] [-k DIR] BINARY...

For each BINARY: `holeprof analyze --no-sites` into a scratch database and
`pahole --show_private_classes` over the file holeprof read the DWARF from
(binaries.debug_file: the separate debug file of a stripped binary), then
every struct and class whose name is unique on both sides is compared:
size, the number of holes and their bytes, tail padding, and every member's
offset and size (members matched by name in order, bases by their class).
Typedef'd anonymous structs (PyListObject) are asked for by name (pahole -C),
since pahole does not print them otherwise.  Unions are not compared (pahole
prints no summary for them).  pahole prints
C++ names without their namespaces and enclosing classes, so a pahole name
matches a holeprof name whose last component it is, when only one does.

Prints, per binary, how many types were compared and agreed, and one line
per class of disagreement with a count and up to three examples; -v lists
every disagreeing type.  Classes (first that applies):

  pahole-wrap     pahole's hole count or a member's hole is larger than the
                  type (a negative hole printed unsigned), or it printed a
                  "BRAIN FART ALERT": members that overlap (tail-padding
                  reuse, [[no_unique_address]], bases placed in other bases)
  empty-chain     a base empty only through bases of its own (std::allocator<char>
                  : __new_allocator<char>), or a one-byte base laid over another
                  member: no storage (holeprof 0, MF_EMPTY); pahole sizes 0 only
                  a struct with no members at all, prints 1
  empty-member    a member of an empty class that overlaps no other member:
                  holeprof keeps its byte (an ordinary member holds one; DWARF
                  does not say [[no_unique_address]]), pahole prints 0
  decl-only       pahole sizes 0 a member or base whose class the unit only
                  declares (a key function's class, std::type_info); holeprof
                  takes the binary's definition
  vbase           a virtual base (pahole prints offset 4294967295)
  atomic          pahole lost a member typed _Atomic (1.24: "<ERROR")
  member-offset   a member at another offset
  member-size     a member of another size
  member-set      members missing on one side
  size, holes, padding   the type's numbers differ with every member equal

Needs python3 and sqlite3 (the Python module).  Exit status 0, or 2 when
a tool fails on an input.
"""
import argparse
import os
import re
import sqlite3
import subprocess
import sys
import tempfile
from collections import defaultdict

MF_BITFIELD, MF_BASE, MF_VIRTUAL, MF_EMPTY = 0x1, 0x2, 0x4, 0x2000

HEAD = re.compile(r'^(struct|class|union) (.+?)(?: : .*)? \{$')
TDEF = re.compile(r'^typedef (struct|class|union) \{$')
SIZE = re.compile(r'/\* size: (\d+), cachelines: \d+, members: (\d+) \*/')
HOLES = re.compile(r'/\* sum members: \d+(?:, sum bitfield members: \d+ bits)?, '
                   r'holes: (\d+), sum holes: (\d+)')
PADDING = re.compile(r'^/\* padding: (\d+) \*/$')
HOLE_LINE = re.compile(r'XXX (\d+) bytes? hole')
LOC = re.compile(r'/\*\s*(\d+)(?::\s*\d+)?\s+(\d+)\s*\*/\s*$')
ANCESTOR = re.compile(r'^/\* (?:struct|class) (.+?)\s+<ancestor>; \*/')
FUNCPTR = re.compile(r'\(\s*\*+\s*([A-Za-z_][\w.$]*)\s*\)')


def short(name):
    """The last component of a C++ name, outside template brackets."""
    depth, cut = 0, 0
    i = 0
    while i < len(name):
        ch = name[i]
        if ch == '<':
            depth += 1
        elif ch == '>':
            depth -= 1
        elif depth == 0 and name.startswith('::', i):
            cut = i + 2
            i += 1
        i += 1
    return name[cut:]


def unqualify(name):
    """A type name without any namespace or class qualifiers (for bases)."""
    name = (name or '').replace('(anonymous namespace)::', '')
    return re.sub(r'\b[A-Za-z_]\w*::', '', name).replace(' ', '')


def decl_name(text):
    """The member name declared by the text of one pahole member line."""
    m = ANCESTOR.match(text)
    if m:
        return ('base', unqualify(m.group(1)))
    t = text.split('/*')[0].strip()
    if t.startswith('}'):
        t = t[1:]
    t = re.sub(r'__attribute__\(\(.*?\)\)\)?', '', t).strip().rstrip(';').strip()
    m = FUNCPTR.search(t)
    if m:
        return ('member', m.group(1))
    t = re.sub(r'\[[^\]]*\]', '', t)
    t = re.sub(r':\s*\d+$', '', t).strip()
    words = re.findall(r'[A-Za-z_$][\w$.]*', t)
    return ('member', words[-1] if words else '')


def parse_pahole(text):
    """Every struct/class pahole printed: name -> list of records."""
    out = defaultdict(list)
    cur = None
    for line in text.split('\n'):
        if cur is None:
            m = HEAD.match(line) or TDEF.match(line)
            if m:
                cur = dict(kind=m.group(1), name=m.group(2) if m.re is HEAD else None,
                           size=None, holes=0, hole_bytes=0, padding=0, maxhole=0,
                           wrap=False, vbase=False, error=False, members=[])
            continue
        if line.startswith('}'):
            if cur['name'] is None:                 # typedef struct { ... } NAME;
                m = re.search(r'([A-Za-z_]\w*);\s*$', line)
                cur['name'] = m.group(1) if m else None
            if cur['name'] and cur['size'] is not None and cur['kind'] != 'union':
                out[cur['name']].append(cur)
            cur = None
            continue
        if not line.startswith('\t') or line.startswith('\t\t'):
            continue
        body = line[1:]
        if 'BRAIN FART' in body:
            cur['wrap'] = True
        if body.startswith('<ERROR'):
            cur['error'] = True
        if body.startswith('/*') and not ANCESTOR.match(body):
            m = SIZE.search(body)
            if m:
                cur['size'] = int(m.group(1))
            m = HOLES.search(body)
            if m:
                cur['holes'], cur['hole_bytes'] = int(m.group(1)), int(m.group(2))
            m = PADDING.match(body)
            if m:
                cur['padding'] = int(m.group(1))
            m = HOLE_LINE.search(body)
            if m:
                cur['maxhole'] = max(cur['maxhole'], int(m.group(1)))
            continue
        m = LOC.search(body)
        if m and not re.match(r'(struct|union|class)\b[^;]*\{\s*/\*', body):
            off, size = int(m.group(1)), int(m.group(2))
            if off == 4294967295:
                cur['vbase'] = True
            kind, name = decl_name(body[:m.start()])
            cur['members'].append((kind, name, off, size))
    return out


def holeprof_types(db):
    con = sqlite3.connect(db)
    types = defaultdict(list)
    for r in con.execute("SELECT id, kind, name, size, holes, hole_bytes, tail_padding, incomplete "
                         "FROM types WHERE kind != 'union'"):
        types[r[2]].append(dict(id=r[0], kind=r[1], name=r[2], size=r[3], holes=r[4],
                                hole_bytes=r[5], padding=r[6], incomplete=r[7]))
    mem = defaultdict(list)
    for r in con.execute("SELECT type_id, name, type_name, offset, size, flags FROM members "
                         "ORDER BY type_id, idx"):
        mem[r[0]].append(dict(name=r[1], type_name=r[2], offset=r[3], size=r[4], flags=r[5]))
    con.close()
    return types, mem


def compare(pt, ht, hm):
    """None when they agree, else (class, detail)."""
    if pt['wrap'] or pt['holes'] > pt['size'] or pt['maxhole'] > pt['size'] or \
            pt['hole_bytes'] > pt['size']:
        return ('pahole-wrap', 'holes %d/%d, pahole %d/%d' % (
            ht['holes'] or 0, ht['hole_bytes'] or 0, pt['holes'], pt['hole_bytes']))
    if pt['vbase']:
        return ('vbase', '')
    hms = hm.get(ht['id'], [])
    hlist = []
    for m in hms:
        if m['flags'] & MF_BASE:
            hlist.append(('base', unqualify(m['type_name'] or m['name']), m))
        else:
            hlist.append(('member', m['name'] or '', m))
    pmap = defaultdict(list)
    for kind, name, off, size in pt['members']:
        pmap[(kind, name)].append((off, size))
    hmap = defaultdict(list)
    for kind, name, m in hlist:
        hmap[(kind, name)].append(m)
    diff = None
    for key in pmap:
        if key not in hmap or len(hmap[key]) != len(pmap[key]):
            diff = diff or ('member-set', '%s %s' % key)
            continue
        for (off, size), m in zip(pmap[key], hmap[key]):
            if m['flags'] & MF_VIRTUAL:
                continue
            if m['offset'] != off:
                diff = diff or ('member-offset', '%s at %d, pahole %d' % (key[1], m['offset'], off))
            elif m['size'] != size and not (m['flags'] & MF_BITFIELD):
                if (m['flags'] & MF_EMPTY) and size == 1:
                    cls = 'empty-chain'
                elif m['size'] == 1 and size == 0:
                    cls = 'empty-member'
                elif size == 0 and m['size'] > 1:
                    cls = 'decl-only'
                else:
                    cls = 'member-size'
                diff = diff or (cls, '%s %s bytes, pahole %d' % (key[1], m['size'], size))
    for key in hmap:
        if key not in pmap and not (pt['error'] and key[0] == 'member'):
            diff = diff or ('member-set', 'pahole lacks %s %s' % key)
        elif key not in pmap:
            diff = diff or ('atomic', key[1])
    if diff and diff[0] in ('empty-chain', 'empty-member', 'decl-only'):
        return diff
    if pt['error']:
        return diff or ('atomic', '')
    if diff:
        return diff
    if ht['size'] != pt['size']:
        return ('size', '%d, pahole %d' % (ht['size'], pt['size']))
    if (ht['holes'], ht['hole_bytes']) != (pt['holes'], pt['hole_bytes']):
        return ('holes', '%s/%s, pahole %d/%d' % (ht['holes'], ht['hole_bytes'],
                                                   pt['holes'], pt['hole_bytes']))
    if ht['padding'] != pt['padding']:
        return ('padding', '%s, pahole %d' % (ht['padding'], pt['padding']))
    return None


def empty_difference(pt, ht, hm):
    """Whether every member difference of a pahole-wrap type is an empty class."""
    return any(m['flags'] & MF_EMPTY for m in hm.get(ht['id'], []))


def run(binary, args, keep):
    db = os.path.join(keep, os.path.basename(binary) + '.db')
    if os.path.exists(db):
        os.unlink(db)
    r = subprocess.run([args.holeprof, 'analyze', '-q', '--no-sites', '-o', db, binary],
                       capture_output=True, text=True)
    if r.returncode != 0:
        print('%s: holeprof failed: %s' % (binary, r.stderr.strip()[:300]), file=sys.stderr)
        return 2
    con = sqlite3.connect(db)
    debug_file = con.execute('SELECT debug_file FROM binaries').fetchone()[0] or binary
    con.close()
    if args.pahole_input:
        debug_file = args.pahole_input
    r = subprocess.run([args.pahole, '--show_private_classes', debug_file],
                       capture_output=True, text=True, errors='replace')
    if r.returncode != 0 and not r.stdout:
        print('%s: pahole failed: %s' % (debug_file, r.stderr.strip()[:300]), file=sys.stderr)
        return 2
    text = r.stdout
    htypes, hmem = holeprof_types(db)
    # typedef'd anonymous structs (PyListObject) only by name, -C A,B,...
    con = sqlite3.connect(db)
    tdefs = [n for (n,) in con.execute("SELECT name FROM types WHERE flags & 16 AND kind != 'union' "
                                       "AND name NOT LIKE '%,%'")]
    con.close()
    for i in range(0, len(tdefs), 200):
        r = subprocess.run([args.pahole, '-C', ','.join(tdefs[i:i + 200]), debug_file],
                           capture_output=True, text=True, errors='replace')
        text += '\n' + r.stdout
    ptypes = parse_pahole(text)
    by_short = defaultdict(list)
    for name in htypes:
        by_short[short(name)].append(name)
    compared = agreed = 0
    classes = defaultdict(list)
    unmatched = 0
    for pname, precs in sorted(ptypes.items()):
        if len(precs) != 1:
            continue
        hname = pname if pname in htypes else None
        if hname is None:
            c = by_short.get(pname, [])
            hname = c[0] if len(c) == 1 else None
        if hname is None or len(htypes[hname]) != 1:
            unmatched += 1
            continue
        ht = htypes[hname][0]
        if ht['incomplete']:
            continue
        compared += 1
        d = compare(precs[0], ht, hmem)
        if d is None:
            agreed += 1
        else:
            classes[d[0]].append('%s (%s)' % (hname, d[1]))
    pct = 100.0 * agreed / compared if compared else 0.0
    print('%s: %d types compared, %d agree (%.2f%%); pahole-only or ambiguous names %d; '
          'pahole %s' % (binary, compared, agreed, pct, unmatched, args.pahole))
    for cls in sorted(classes, key=lambda c: -len(classes[c])):
        ex = classes[cls]
        print('  %-14s %6d  e.g. %s' % (cls, len(ex), '; '.join(ex[:3])))
        if args.verbose:
            for e in ex:
                print('      ' + e)
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    here = os.path.dirname(os.path.abspath(__file__))
    default_hp = os.path.join(here, '..', 'build', 'src', 'holeprof')
    ap.add_argument('--pahole', default=os.environ.get('PAHOLE', 'pahole'))
    ap.add_argument('--holeprof', default=os.environ.get('HOLEPROF', default_hp
                                                         if os.path.exists(default_hp)
                                                         else 'holeprof'))
    ap.add_argument('-v', '--verbose', action='store_true')
    ap.add_argument('--pahole-input', help='give pahole this file instead of the debug file '
                    'holeprof read (e.g. a dwz supplementary file pahole can read alone)')
    ap.add_argument('-k', '--keep', help='directory for the databases (default: a temporary one)')
    ap.add_argument('binaries', nargs='+')
    args = ap.parse_args()
    rc = 0
    if args.keep:
        os.makedirs(args.keep, exist_ok=True)
        for b in args.binaries:
            rc = max(rc, run(b, args, args.keep))
    else:
        with tempfile.TemporaryDirectory() as d:
            for b in args.binaries:
                rc = max(rc, run(b, args, d))
    return rc


if __name__ == '__main__':
    sys.exit(main())
