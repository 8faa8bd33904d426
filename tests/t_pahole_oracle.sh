#!/bin/sh
# t_pahole_oracle.sh -- holeprof's numbers against pahole's, type by type.
#
# pahole (dwarves) is the reference tool for struct holes.  For the C and
# C++ fixtures (gcc and clang) and for real Debian debug files (glibc's
# from libc6-dbg, CPython's from python3.11-dbg, found by build-id), this
# runs `pahole --show_private_classes` (classes nested in classes too)
# plus `pahole -C` for the typedef'd anonymous structs holeprof found
# (such as PyListObject, which plain pahole does not print), parses
# every top-level struct/class summary (size, members, holes, sum holes,
# bit holes, sum bit holes, padding, bit_padding) and compares it with
# holeprof's row of the same name, for every name that is unique on
# both sides (a name defined with two layouts is a conflict: not
# comparable).  pahole prints C++ nested names unqualified, so "Inner"
# also matches holeprof's unique "...::Inner".  Unions get no summary from
# pahole and are not compared.
#
# Any disagreement fails the test unless one of the documented exceptions
# below explains it, and each exception is verified against holeprof's
# own member rows before it excuses anything:
#   zero-size  pahole 1.24 sizes some members 0 bytes: _Atomic members
#              (it cannot read DW_TAG_atomic_type, 0x47) and empty-class
#              members/bases.  Verified: holeprof's member of that name
#              is not a (flexible) array and has a size > 0.
#   lost-type  pahole printed "<ERROR(...)>" for a member whose type it
#              could not resolve (DW_TAG_atomic_type again).  Verified:
#              holeprof has an _Atomic member in that type.
#   overlap    pahole takes the end of the previous member in DWARF order
#              as its cursor, so a member placed inside an earlier one
#              (C++ tail-padding reuse, overlapping bases, Rust field
#              reordering) gives a negative hole that it prints wrapped
#              to 16 bits (src/layout.c, "deliberately differ", rules 1
#              and 2).  Verified: pahole reports a hole larger than the
#              type and holeprof's members really overlap.
#   vbase      pahole cannot evaluate a virtual base's location
#              expression (prints offset 4294967295).  Verified: holeprof
#              flags that base MF_VIRTUAL.
# Each comparison prints how many types were compared, agreed and were
# excused (by reason).
. "${TOP_SRCDIR:-$(dirname "$0")/..}/tests/lib.sh"

need sqlite3 pahole python3 readelf
[ -x "$HOLEPROF" ] || die "holeprof not built: $HOLEPROF"

cat > "$T/oracle.py" <<'PYEOF'
import re, subprocess, sys
from collections import defaultdict

label, pafile, db, minimum = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
FIELDS = ("kind", "size", "members", "holes", "hole_bytes", "bit_holes",
          "bit_hole_bits", "tail_padding", "bit_padding")
MF_BITFIELD, MF_VIRTUAL = 0x1, 0x4

# ---- pahole's text ----
re_head = re.compile(r'^(struct|class|union) (.*?)(?: : .*)? \{$')
re_tdef = re.compile(r'^typedef (struct|class|union) \{$')
re_size = re.compile(r'size: (\d+), cachelines: \d+, members: (\d+)')
re_holes = re.compile(r'holes: (\d+), sum holes: (\d+)')
re_bholes = re.compile(r'bit holes: (\d+), sum bit holes: (\d+) bits')
re_pad = re.compile(r'^/\* padding: (\d+) \*/$')
re_bpad = re.compile(r'^/\* bit_padding: (\d+) bits \*/$')
re_xxx = re.compile(r'XXX (\d+) bytes? hole')
re_loc = re.compile(r'/\*\s*(\d+)(?::\s*\d+)?\s+(\d+)\s*\*/\s*$')
re_anc = re.compile(r'^/\* (?:struct|class) (.*?)\s+<ancestor>; \*/')
re_fptr = re.compile(r'\(\*\s*(\w+)\)')

def member_name(decl):
    """Name declared by one pahole member line (text before the offsets)."""
    m = re_anc.match(decl)
    if m:
        return m.group(1).split('::')[-1], False
    d = decl.split('/*')[0].strip()
    if d.startswith('}'):                       # end of an inline struct/union
        d = d[1:].strip()
        if d in ('', ';'):
            return None, False
    d = re.sub(r'__attribute__\(\(.*\)\)', '', d).rstrip('; ')
    m = re_fptr.search(d)
    if m:
        return m.group(1), False
    arr = '[' in d
    d = re.sub(r'\[.*\]', '', d)
    d = re.sub(r':\s*\d+$', '', d).strip()
    toks = re.findall(r'[A-Za-z_$.][\w$.]*', d)
    return (toks[-1] if toks else None), arr

def parse_pahole(path):
    recs = []
    cur = None
    depth_open = 0
    with open(path, errors='replace') as f:
        for raw in f:
            line = raw.rstrip('\n')
            if cur is None:
                m = re_head.match(line)
                if m:
                    cur = dict(kind=m.group(1), name=m.group(2), tdef=False)
                elif re_tdef.match(line):
                    cur = dict(kind=re_tdef.match(line).group(1), name=None, tdef=True)
                else:
                    continue
                cur.update(size=None, members=None, holes=0, hole_bytes=0, bit_holes=0,
                           bit_hole_bits=0, tail_padding=0, bit_padding=0, maxhole=0, error=False,
                           vbase=False, mem=[])
                depth_open = 0
                continue
            if line.startswith('}'):
                if cur['tdef']:
                    m = re.search(r'(\w+);\s*$', line)
                    cur['name'] = m.group(1) if m else None
                recs.append(cur)
                cur = None
                continue
            if not line.startswith('\t'):
                continue
            body = line[1:]
            if body.startswith('\t'):
                continue                        # inside an inline struct/union
            if body.startswith('<ERROR'):
                cur['error'] = True
                continue
            if re.match(r'(struct|union|class)\b.*\{$', body):
                continue                        # inline struct/union opens
            if body.startswith('/*') and not re_anc.match(body):
                if 'BRAIN FART' in body:
                    continue
                m = re_size.search(body)
                if m:
                    cur['size'], cur['members'] = int(m.group(1)), int(m.group(2))
                m = re_holes.search(body)
                if m and 'sum members' in body:
                    cur['holes'], cur['hole_bytes'] = int(m.group(1)), int(m.group(2))
                m = re_bholes.search(body)
                if m:
                    cur['bit_holes'], cur['bit_hole_bits'] = int(m.group(1)), int(m.group(2))
                m = re_pad.match(body)
                if m:
                    cur['tail_padding'] = int(m.group(1))
                m = re_bpad.match(body)
                if m:
                    cur['bit_padding'] = int(m.group(1))
                m = re_xxx.search(body)
                if m:
                    cur['maxhole'] = max(cur['maxhole'], int(m.group(1)))
                continue
            m = re_loc.search(body)
            if m:
                off, sz = int(m.group(1)), int(m.group(2))
                name, arr = member_name(body[:m.start()])
                if off == 4294967295:
                    cur['vbase'] = True
                cur['mem'].append((name, off, sz, arr))
    return recs

# ---- holeprof's database, through the real sqlite3 CLI ----
SEP = '\x1f'
def sql(query):
    out = subprocess.run(['sqlite3', '-batch', '-noheader', '-separator', SEP, db, query],
                         check=True, capture_output=True, text=True).stdout
    return [l.split(SEP) for l in out.split('\n') if l]

hp = defaultdict(list)
for r in sql("SELECT id, name, kind, size, members, holes, hole_bytes, bit_holes, "
             "bit_hole_bits, tail_padding, bit_padding FROM types"):
    hp[r[1]].append(dict(id=int(r[0]), kind=r[2], size=int(r[3]), members=int(r[4]),
                         holes=int(r[5]), hole_bytes=int(r[6]), bit_holes=int(r[7]),
                         bit_hole_bits=int(r[8]), tail_padding=int(r[9]),
                         bit_padding=int(r[10])))
hmem = defaultdict(list)
for r in sql("SELECT type_id, idx, coalesce(name, ''), offset, size, bit_size, flags, "
             "coalesce(type_name, '') FROM members ORDER BY type_id, idx"):
    hmem[int(r[0])].append(dict(name=r[2] or None, offset=int(r[3]), size=int(r[4]),
                                bit_size=int(r[5]), flags=int(r[6]), type_name=r[7]))

by_short = defaultdict(list)
for name in hp:
    if '::' in name:
        depth, i, last = 0, 0, 0
        while i < len(name):           # last '::' outside template brackets
            c = name[i]
            if c == '<': depth += 1
            elif c == '>': depth -= 1
            elif c == ':' and depth == 0 and name.startswith('::', i):
                last = i + 2
                i += 1
            i += 1
        by_short[name[last:]].append(name)

def lookup(pname):
    if pname in hp:
        return pname if len(hp[pname]) == 1 else None
    cands = by_short.get(pname, [])
    if len(cands) == 1 and len(hp[cands[0]]) == 1:
        return cands[0]
    return None

# ---- exceptions: (reason, fields excused) if verified, else None ----
HOLE_FIELDS = {"holes", "hole_bytes", "bit_holes", "bit_hole_bits", "tail_padding",
               "bit_padding"}

def overlapping(mems):
    top = 0
    for m in sorted((m for m in mems if not m['flags'] & MF_VIRTUAL),
                    key=lambda m: (m['offset'], m['bit_size'])):
        if m['bit_size'] == 0 and m['size'] > 0:
            if m['offset'] < top:
                return True
            top = max(top, m['offset'] + m['size'])
    return False

def explain(p, h, mems, bad):
    byname = {m['name']: m for m in mems if m['name']}
    reasons = []
    for (name, off, sz, arr) in p['mem']:
        hm = byname.get(name)
        if sz == 0 and not arr and hm and hm['size'] > 0 and not (hm['flags'] & 0x10):
            reasons.append("zero-size")
            break
    if p['error'] and any('_Atomic' in m['type_name'] for m in mems):
        reasons.append("lost-type")
    if (p['maxhole'] > p['size'] or p['hole_bytes'] > p['size']) and overlapping(mems):
        reasons.append("overlap")
    if p['vbase'] and any(m['flags'] & MF_VIRTUAL for m in mems):
        reasons.append("vbase")
    if not reasons:
        return None
    allowed = set(HOLE_FIELDS)
    if "lost-type" in reasons:
        allowed.add("members")
    if not bad <= allowed:
        return None
    return "+".join(reasons)

# ---- compare ----
recs = [r for r in parse_pahole(pafile) if r['name'] and r['kind'] != 'union' and r['size'] is not None]
pa = defaultdict(set)
pa_rec = {}
for r in recs:
    key = tuple(r[f] for f in FIELDS)
    pa[r['name']].add(key)
    pa_rec.setdefault((r['name'], key), r)

compared = agreed = 0
excused = defaultdict(list)
failures = []
unmatched = []
for pname, keys in sorted(pa.items()):
    if len(keys) != 1:
        continue                        # several layouts in pahole: conflict
    hname = lookup(pname)
    if hname is None:
        unmatched.append(pname)
        continue
    key = next(iter(keys))
    p = pa_rec[(pname, key)]
    h = hp[hname][0]
    compared += 1
    bad = {f for f in FIELDS if p[f] != h[f]}
    if not bad:
        agreed += 1
        continue
    why = explain(p, h, hmem[h['id']], bad)
    diff = ", ".join("%s pahole=%s holeprof=%s" % (f, p[f], h[f]) for f in sorted(bad))
    if why:
        excused[why].append(hname)
    else:
        failures.append("%s: %s" % (hname if hname == pname else "%s (pahole: %s)" % (hname, pname), diff))

print("%s: compared %d types with pahole: %d agree, %d excused, %d disagree (%d pahole names not in holeprof)"
      % (label, compared, agreed, sum(len(v) for v in excused.values()), len(failures), len(unmatched)))
if unmatched:
    print("  not in holeprof (or not unique there): %s%s" % (" ".join(unmatched[:10]), " ..." if len(unmatched) > 10 else ""))
for why, names in sorted(excused.items()):
    print("  excused [%s] %d: %s%s" % (why, len(names), " ".join(names[:8]), " ..." if len(names) > 8 else ""))
for f in failures[:60]:
    print("  DISAGREE " + f)
if len(failures) > 60:
    print("  ... %d more" % (len(failures) - 60))
if compared < minimum:
    print("  too few types compared: %d < %d" % (compared, minimum))
    sys.exit(2)
sys.exit(1 if failures else 0)
PYEOF

# oracle LABEL BINARY PAHOLE_INPUT MIN_TYPES
oracle() {
    _db=$T/oracle.db
    rm -f "$_db"
    if ! "$HOLEPROF" analyze "$2" -o "$_db" -q </dev/null 2>"$T/hp.err"; then
        fail "$1: holeprof analyze failed: $(head -c 400 "$T/hp.err")"
        return
    fi
    # -a would also print typedef'd anonymous structs but is quadratic
    # (minutes on CPython); asking for those by name with -C is seconds.
    pahole --show_private_classes "$3" >"$T/pahole.txt" 2>/dev/null </dev/null
    _tdefs=$(q "$_db" "SELECT name FROM types WHERE (flags & 16) <> 0 ORDER BY name;" | paste -sd, -)
    if [ -n "$_tdefs" ]; then
        pahole --skip_missing -C "$_tdefs" "$3" >>"$T/pahole.txt" 2>/dev/null </dev/null
    fi
    [ -s "$T/pahole.txt" ] || { fail "$1: pahole printed nothing"; return; }
    if python3 "$T/oracle.py" "$1" "$T/pahole.txt" "$_db" "$4"; then pass; else
        fail "$1: holeprof and pahole disagree (see above)"
    fi
}

# debug file of an installed binary, by build-id
dbg_by_buildid() {
    _id=$(LC_ALL=C readelf -n "$1" 2>/dev/null | sed -n 's/.*Build ID: *\([0-9a-f]*\).*/\1/p' | head -n1)
    [ -n "$_id" ] || return 1
    _f=/usr/lib/debug/.build-id/$(echo "$_id" | cut -c1-2)/$(echo "$_id" | cut -c3-).debug
    [ -r "$_f" ] && echo "$_f"
}

# The comparison itself must be able to fail: a copy of a fixture database
# with one number changed has to be caught, by name.
selfcheck() {
    cp "$T/oracle.db" "$T/bad.db"
    q "$T/bad.db" "UPDATE types SET hole_bytes = hole_bytes + 1 WHERE name = 's_holes';"
    if python3 "$T/oracle.py" selfcheck "$T/pahole.txt" "$T/bad.db" 1 >"$T/self.out"; then
        fail "oracle self-check: a corrupted s_holes row was not noticed"
    else
        assert_match "oracle self-check names the corrupted type" 'DISAGREE s_holes: hole_bytes' "$(cat "$T/self.out")"
    fi
}

ran=0
for cc in gcc clang; do
    command -v $cc >/dev/null 2>&1 || continue
    for g in -gdwarf-4 -gdwarf-5; do
        (cd "$T" && $cc -std=gnu11 -O2 $g -o "$T/c.$cc$g" "$FIXTURES/layouts.c") </dev/null \
            || { fail "$cc $g: compile layouts.c"; continue; }
        oracle "layouts.c $cc $g" "$T/c.$cc$g" "$T/c.$cc$g" 20
        [ $ran -eq 0 ] && selfcheck
        ran=$((ran + 1))
    done
done
for cxx in g++ clang++; do
    command -v $cxx >/dev/null 2>&1 || continue
    (cd "$T" && $cxx -std=c++17 -O2 -g -o "$T/cc.$cxx" "$FIXTURES/layouts.cc") </dev/null \
        || { fail "$cxx: compile layouts.cc"; continue; }
    oracle "layouts.cc $cxx" "$T/cc.$cxx" "$T/cc.$cxx" 20
    ran=$((ran + 1))
done

LIBC=/lib/x86_64-linux-gnu/libc.so.6
if [ -r "$LIBC" ] && libc_dbg=$(dbg_by_buildid "$LIBC"); then
    oracle "glibc ($libc_dbg)" "$LIBC" "$libc_dbg" 300
    ran=$((ran + 1))
else
    echo "NOTE: no libc6-dbg debug file for $LIBC; glibc not compared"
fi
PY=/usr/bin/python3.11
if [ -r "$PY" ] && py_dbg=$(dbg_by_buildid "$PY"); then
    oracle "python3.11 ($py_dbg)" "$PY" "$py_dbg" 300
    ran=$((ran + 1))
else
    echo "NOTE: no python3.11 debug file; CPython not compared"
fi
[ $ran -gt 0 ] || skip "nothing to compare (no compilers, no debug files)"

finish
