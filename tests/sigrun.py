#!/usr/bin/env python3
"""sigrun.py HOLEPROF SCRATCH -- used by t_harden.sh (issue 22, item 9).

Runs `analyze`, `merge` and `profile` writing SCRATCH/sig/x.db and stops
each with SIGINT, SIGTERM and SIGHUP at fractions of a measured full run.
Prints one line per run:

    COMMAND SIGNAL killed|finished|rcN LEFTOVER INTEGRITY TYPES

LEFTOVER lists every file beside x.db (temporary files, journals), or
"nothing"; INTEGRITY is PRAGMA integrity_check of x.db afterwards; TYPES
its count of types rows.  Needs SCRATCH/p (the small fixture),
SCRATCH/big, SCRATCH/big.db and SCRATCH/big.json (its DHAT profile).
The children get the default action for the three signals (a background
job of a non-interactive shell would inherit SIGINT ignored).
"""
import os
import signal
import sqlite3
import subprocess
import sys
import time

hp, t = sys.argv[1], sys.argv[2]
if not t or not os.path.isdir(os.path.join(t, 'sig')):
    sys.exit('sigrun.py: no scratch directory %r/sig' % t)
d = os.path.join(t, 'sig')
SIGS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


def dfl():
    for s in SIGS:
        signal.signal(s, signal.SIG_DFL)


def clean():
    for f in os.listdir(d):
        os.unlink(os.path.join(d, f))


def setup(name):
    clean()
    if name == 'profile':
        subprocess.run(['cp', os.path.join(t, 'big.db'), os.path.join(d, 'x.db')], check=True)
    else:
        subprocess.run([hp, 'analyze', '-q', os.path.join(t, 'p'), '-o', os.path.join(d, 'x.db')],
                       check=True)


cmds = {
    'analyze': [hp, 'analyze', '-q', os.path.join(t, 'big'), '-o', os.path.join(d, 'x.db')],
    'merge': [hp, 'merge', '-q', os.path.join(d, 'x.db'), os.path.join(t, 'big.db')],
    'profile': [hp, 'profile', '-q', os.path.join(d, 'x.db'), os.path.join(t, 'big.json')],
}
for name, cmd in cmds.items():
    setup(name)
    t0 = time.time()
    subprocess.run(cmd, check=True, preexec_fn=dfl)
    full = time.time() - t0
    for sig in SIGS:
        for frac in (0.05, 0.2, 0.4, 0.6, 0.8):
            setup(name)
            p = subprocess.Popen(cmd, preexec_fn=dfl)
            time.sleep(full * frac)
            p.send_signal(sig)
            rc = p.wait()
            left = sorted(f for f in os.listdir(d) if f != 'x.db')
            c = sqlite3.connect('file:%s?mode=ro' % os.path.join(d, 'x.db'), uri=True)
            ok = c.execute('PRAGMA integrity_check').fetchone()[0]
            n = c.execute('SELECT count(*) FROM types').fetchone()[0]
            c.close()
            state = 'killed' if rc == -sig else 'finished' if rc == 0 else 'rc%d' % rc
            print(name, sig.name, state, ','.join(left) or 'nothing', ok, n, flush=True)
clean()
