#!/usr/bin/env python3
"""limits_check.py SRCDIR: every limit the man page's LIMITS section states
is the value in the code (issue 22).  Each row names a constant (a
#define, or a literal found by a pattern) and how the man page writes it;
the value is read from the source now, rendered, and looked for in the
LIMITS section (whitespace-normalised).  A default changed in the code
without the man page, or the reverse, is a difference printed here."""
import re
import sys

src = sys.argv[1]
man = open(src + '/doc/holeprof.1').read()
m = re.search(r'^\.SH LIMITS\n(.*?)^\.SH ', man, re.S | re.M)
if not m or man.count('\n.SH LIMITS\n') != 1:
    sys.exit('doc/holeprof.1: no single LIMITS section')
limits = ' '.join(m.group(1).split())
m = re.search(r'^\.SH ENVIRONMENT\n(.*?)^\.SH ', man, re.S | re.M)
environ = ' '.join(m.group(1).split()) if m else ''


def value(path, macro=None, pattern=None):
    text = open(src + '/' + path).read()
    if pattern is None:
        pattern = r'^#define\s+' + macro + r'\s+(.+?)\s*(?:/\*.*)?$'
    found = re.search(pattern, text, re.M)
    if not found:
        sys.exit('%s: %s not found' % (path, macro or pattern))
    expr = found.group(1)
    expr = re.sub(r'\((?:size_t|uint64_t|int64_t|unsigned)\)', '', expr)
    expr = re.sub(r'(?<=\d)[uUlL]+\b', '', expr)
    return eval(expr, {'__builtins__': {}})


def render(v, how):
    if how == 'n':
        return '%d' % v
    if how == 'comma':
        return '{:,}'.format(v)
    if how == 'mib':
        assert v % (1 << 20) == 0, v
        return '%d' % (v >> 20)
    if how == 'gib':
        assert v % (1 << 30) == 0, v
        return '%d' % (v >> 30)
    if how == 'pow2':
        assert v & (v - 1) == 0, v
        return r'2\(ha%d' % (v.bit_length() - 1)
    raise ValueError(how)


# file, macro (or None and a pattern), rendering, the man page's words
ROWS = [
    ('src/elfimg.c', 'EI_INFLATE_RATIO', 'n', 'inflate to at most {} times its size'),
    ('src/hp.h', 'HP_MAX_ARRAY_ALLOC', 'gib', 'One section declaring more than {} GiB uncompressed'),
    ('src/hp.h', 'HP_MAX_DEPTH', 'n', 'DIEs nested deeper than {},'),
    ('src/hp.h', 'HP_MAX_UNIT_NODES', 'pow2', 'more than {} type DIEs in one compile unit'),
    ('src/hp.h', 'HP_MAX_NAME', 'n', 'a name longer than {} bytes'),
    ('src/hp.h', 'HP_MAX_MEMBERS', 'comma', 'read up to its {}th member'),
    ('src/hp.h', 'HP_MAX_MEMBERS', 'n', '"more members than the limit of {}"'),
    ('src/dwtypes.h', 'DT_TYPE_DEPTH', 'n', 'A type is followed {} levels deep'),
    ('src/dwtypes.h', 'DT_TYPE_DEPTH', 'n', '"member types nested deeper than the limit of {} or'),
    ('src/hp.h', 'HP_MAX_MEMBERS', 'n', 'or with more than {} members")'),
    ('src/hp.h', 'HP_MAX_OBJECT', 'pow2', 'is beyond {} bytes'),
    ('src/sites/flow.c', 'FLOW_MAX_BLOCKS', 'comma', 'more than {} basic blocks'),
    ('src/sites/flow.c', 'FLOW_VISITS', 'n', 'more than {} block visits per block'),
    ('src/sites/cfg.c', 'LOOP_WORK', 'n', 'more than {} steps per block are left at 0'),
    ('src/sites/internal.h', 'DCACHE_BUDGET', 'mib', 'kept for reuse up to {} MiB'),
    ('src/store.h', 'ST_DEFAULT_TIME_LIMIT', 'n', '{} seconds of database work per command'),
    ('src/store.c', 'ST_PROGRESS_STEPS', 'comma', 'checked every {} SQLite virtual-machine steps'),
    ('src/store.h', 'ST_DEFAULT_MEMORY_LIMIT', 'n', '{} MiB of SQLite heap'),
    ('src/pf_int.h', 'PF_LIMIT_FRAMES', 'pow2', 'more than {} distinct frames'),
    ('src/pf_heaptrack.c', 'HT_LIMIT_NODES', 'pow2', '({} heaptrack trace nodes'),
    ('src/pf_int.h', 'PF_LIMIT_LINE', 'mib', 'DHAT string over {} MiB'),
    ('src/pf_int.h', 'PF_LIMIT_STACK', 'pow2', 'a stack over {} frames'),
    ('src/pf_int.h', 'PF_LIMIT_MESSAGE', 'mib', 'a pprof message over {} MiB'),
    ('src/pf_int.h', 'PF_INFLATE_RATIO', 'n', 'inflating to more than {} times its file size'),
    ('src/pf_int.h', 'PF_INFLATE_MIN', 'mib', '(at least {} MiB are allowed)'),
    ('src/pf_int.h', 'PF_MAX_ACC', 'mib', 'an acc array over {} MiB'),
    ('src/pf_dhat.c', 'DH_MAX_DEPTH', 'n', 'DHAT JSON nested over {} deep'),
    ('src/pf_int.h', 'PF_MAX_COUNT', 'pow2', 'counts over {} (each or summed)'),
    ('src/budget.c', 'BUD_MAX_FILE', 'mib', 'budget files at most {} MiB'),
    ('src/budget.c', 'BUD_MAX_DEPTH', 'n', 'nested at most {} levels'),
    ('src/budget.c', 'BUD_MAX_RULES', 'comma', 'at most {} budgets'),
    ('src/query.c', 'QRY_MAX_FILE', 'mib', 'query files at most {} MiB'),
    ('src/sites/catalogue.c', 'SI_MAX_CONFIG', 'mib', 'files at most {} MiB, declarations'),
    ('src/sites/catalogue.c', 'SI_MAX_DECL', 'n', 'declarations at most {} bytes'),
    ('src/cifmt.h', 'CI_MAX_RESULTS', 'n', 'SARIF holds at most {} results'),
    ('src/cifmt.h', 'CI_MD_LIMIT', 'comma', 'Markdown at most {} bytes'),
]
# defaults the ENVIRONMENT section repeats
ENV = [
    ('src/store.h', 'ST_DEFAULT_TIME_LIMIT', 'n', 'one command may take (default {};'),
    ('src/store.h', 'ST_DEFAULT_MEMORY_LIMIT', 'n', 'a reader may use (default {};'),
    ('src/elfimg.c', 'EI_INFLATE_RATIO', 'n', '(default: {} times the file'),
]
bad = 0
for section, text, rows in (('LIMITS', limits, ROWS), ('ENVIRONMENT', environ, ENV)):
    for row in rows:
        path, macro, how, words = row[:4]
        v = value(path, macro, row[4] if len(row) > 4 else None)
        want = words.format(render(v, how))
        if want not in text:
            bad += 1
            print('%s: %s = %s, but the man page\'s %s does not say "%s"'
                  % (path, macro or row[4], v, section, want))
print('%d limits checked, %d differ' % (len(ROWS) + len(ENV), bad))
sys.exit(1 if bad else 0)
