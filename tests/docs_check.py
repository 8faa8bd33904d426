#!/usr/bin/env python3
"""docs_check.py -- the documentation says what the program does (issue 20).

    docs_check.py options  HOLEPROF README.md holeprof.1
    docs_check.py examples HOLEPROF README.md holeprof.1 WORKDIR

options: for every command `holeprof --help` lists, the options of its
`--help` block, of the man page's SYNOPSIS line and OPTIONS sections, and
of README.md's Usage block are the same.  An option is a group of
spellings (`-o, --output` on one --help line); a synopsis may give any
spelling of a group, the man page's OPTIONS must give every spelling, and
no source may name an option the others lack.  -h/--help, which every
command takes, is left out.

examples: runs the commands of README.md's example blocks (lines "$ CMD"
followed by their output, and the `make demo` block of the quick start)
in WORKDIR and compares what they print with the README, line by line;
the only tolerance is a path (the checkout the README was made in, or a
separator line's width under a path column), a time in seconds and the
DIE count of analyze's summary (work done by threads, not a result).
Commands whose tool is missing (valgrind, python3.11's debug file) are
skipped with a note.  Then every command of the man page's EXAMPLES runs
in WORKDIR and must exit 0 (diff and check: 0 or 1) without an error
line.  Prints one line per check; exit status 0 when all passed, 1 if
one failed.
"""
import os
import re
import shlex
import subprocess
import sys

failures = 0
checks = 0


def ok(what):
    global checks
    checks += 1


def bad(what):
    global failures
    failures += 1
    print("FAIL: " + what)


# ---- options ------------------------------------------------------------

OPT_RE = re.compile(r"(?<![\w-])(--[a-z][a-z0-9-]*|-[a-zA-Z])(?![\w-])")


def help_groups(holeprof, cmd):
    """Option groups of `holeprof CMD --help`: lists of spellings."""
    out = subprocess.run([holeprof, cmd, "--help"], capture_output=True, text=True).stdout
    groups = []
    for line in out.splitlines():
        if not re.match(r"^\s{4,}-", line):
            continue
        spec = re.split(r"\s{2,}", line.strip())[0]
        # "-f, --format table|csv|json": the spellings before the value
        names = OPT_RE.findall(spec)
        if names:
            groups.append(names)
    return groups


def commands(holeprof):
    out = subprocess.run([holeprof, "--help"], capture_output=True, text=True).stdout
    cmds = []
    for m in re.finditer(r"^usage: holeprof ([a-z]+) ", out, re.M):
        if m.group(1) not in ("help", "version") and m.group(1) not in cmds:
            cmds.append(m.group(1))
    return cmds


def roff_text(line):
    line = line.replace("\\-", "-").replace("\\&", "")
    line = re.sub(r"\\f[BIRP]", " ", line)
    return line.replace('"', " ")


def man_sources(path):
    """(synopsis: {cmd: set}, options: {cmd: set}) from the man page."""
    text = open(path, encoding="utf-8").read().splitlines()
    syn, opts = {}, {}
    section = None
    cur_syn = None
    ss_cmds = None
    prev_tp = False
    for line in text:
        if line.startswith(".SH "):
            section = line[4:].strip().strip('"')
            cur_syn = None
            ss_cmds = None
            continue
        if section == "SYNOPSIS":
            m = re.match(r"^\.B holeprof(?: (\w+))?\s*$", line)
            if m:
                cur_syn = m.group(1)
                if cur_syn:
                    syn.setdefault(cur_syn, set())
                continue
            if line.startswith(".br"):
                cur_syn = None
                continue
            if cur_syn:
                syn[cur_syn].update(OPT_RE.findall(roff_text(line)))
        elif section == "OPTIONS":
            if line.startswith(".SS "):
                names = line[4:].strip().strip('"')
                ss_cmds = [c.strip() for c in names.split(",")]
                prev_tp = False
                continue
            if line.startswith(".TP"):
                prev_tp = True
                continue
            if prev_tp and ss_cmds:
                for c in ss_cmds:
                    opts.setdefault(c, set()).update(OPT_RE.findall(roff_text(line)))
            prev_tp = False
    return syn, opts


def readme_usage(path):
    text = open(path, encoding="utf-8").read()
    m = re.search(r"^## Usage\n\n```\n(.*?)```", text, re.M | re.S)
    usage = {}
    cur = None
    if m is None:
        return usage
    for line in m.group(1).splitlines():
        mm = re.match(r"^holeprof (\w+)\s(.*)$", line)
        if mm:
            cur = mm.group(1)
            usage[cur] = set(OPT_RE.findall(mm.group(2)))
        elif cur and line.startswith(" "):
            usage[cur].update(OPT_RE.findall(line))
    return usage


def check_options(holeprof, readme, man):
    syn, manopts = man_sources(man)
    usage = readme_usage(readme)
    cmds = commands(holeprof)
    if not cmds:
        bad("holeprof --help lists no commands")
    for cmd in cmds:
        groups = help_groups(holeprof, cmd)
        spellings = {n for g in groups for n in g}
        sources = {
            "man page SYNOPSIS": (syn.get(cmd), False),
            "man page OPTIONS": (manopts.get(cmd), True),
            "README.md Usage": (usage.get(cmd), False),
        }
        for name, (found, every) in sources.items():
            if found is None:
                if groups:
                    bad("%s: %s does not list the command" % (cmd, name))
                else:
                    ok(cmd)
                continue
            found = found - {"-h", "--help"}
            for g in groups:
                missing = [n for n in g if n not in found]
                if (every and missing) or (not every and len(missing) == len(g)):
                    bad("%s: %s lacks %s (in --help)" % (cmd, name, ", ".join(missing)))
                else:
                    ok(cmd)
            for n in sorted(found - spellings):
                bad("%s: %s names %s, which --help does not" % (cmd, name, n))
        if not groups:
            bad("%s: --help lists no options" % cmd)


# ---- examples -----------------------------------------------------------

def readme_examples(path):
    """[(command, [expected lines])] in README order."""
    text = open(path, encoding="utf-8").read()
    out = []
    for block in re.findall(r"^```\n(.*?)^```", text, re.M | re.S):
        lines = block.splitlines()
        if lines and lines[0].startswith("src/holeprof analyze -q examples/sample -o examples/sample.db"):
            # the quick start's `make demo`: make echoes each command
            cur = None
            for line in lines:
                if line.startswith("src/holeprof "):
                    cur = (line, [])
                    out.append(cur)
                elif cur is not None:
                    cur[1].append(line)
            continue
        cur = None
        for line in lines:
            if line.startswith("$ "):
                cur = (line[2:], [])
                out.append(cur)
            elif cur is not None:
                cur[1].append(line)
    for _, exp in out:
        while exp and exp[-1] == "":
            exp.pop()
    return out


SRC_PATH = re.compile(r"(?<![\w./-])/[\w./+-]*?/(examples/sample\.c)")
TIME = re.compile(r"\b\d+\.\d\d s\b")
# binaries.die_count is the work the threads did, which varies slightly
# from run to run (db/README.md)
DIES = re.compile(r"\b\d+ DIEs\b")


def normalize(lines):
    res = []
    for line in lines:
        line = SRC_PATH.sub(r"<src>/\1", line)
        line = TIME.sub("<t> s", line)
        line = DIES.sub("<n> DIEs", line)
        # a separator row: the last run of dashes is as wide as the paths under it
        if re.fullmatch(r"[- ]+", line):
            line = re.sub(r"-+$", "-", line)
        res.append(line.rstrip())
    return res


def run(cmd, cwd, env):
    p = subprocess.run(["sh", "-c", cmd], cwd=cwd, env=env, capture_output=True, text=True,
                       stdin=subprocess.DEVNULL)
    return p.returncode, p.stdout + p.stderr


def needs(cmd):
    """What a command needs that may be missing here, or None."""
    if cmd.startswith("valgrind") and subprocess.run(["sh", "-c", "command -v valgrind"],
                                                     capture_output=True).returncode != 0:
        return "valgrind"
    if "python3.11" in cmd:
        if not os.path.exists("/usr/bin/python3.11"):
            return "python3.11"
        if not os.path.isdir("/usr/lib/debug/.build-id"):
            return "python3.11-dbg"
    return None


def check_examples(holeprof, readme, man, work):
    build = os.path.join(work, "build")
    env = dict(os.environ)
    skipped = set()
    for cmd, expected in readme_examples(readme):
        c = re.sub(r"^cd build && ", "", cmd)
        c = re.sub(r"\s+#.*$", "", c)
        missing = needs(c)
        if missing or any(s in c for s in skipped):
            print("note: skipped (no %s): %s" % (missing or "input", cmd))
            if missing and "-o " in c:
                skipped.add(c.split("-o ")[1].split()[0])
            continue
        rc, out = run(c, build, env)
        got = normalize(out.rstrip("\n").split("\n") if out else [])
        want = normalize(expected)
        if got == want:
            ok(cmd)
            continue
        bad("README example `%s` prints something else (exit %d):" % (cmd, rc))
        for i in range(max(len(got), len(want))):
            g = got[i] if i < len(got) else "<none>"
            w = want[i] if i < len(want) else "<none>"
            if g != w:
                print("  line %d\n    README: %s\n    now:    %s" % (i + 1, w, g))

    # the man page's EXAMPLES, run as written (holeprof from the build)
    text = open(man, encoding="utf-8").read()
    ex = text.split(".SH EXAMPLES", 1)[1].split("\n.SH ", 1)[0]
    cmds = []
    for block in re.findall(r"^\.nf\n(.*?)^\.fi", ex, re.M | re.S):
        joined = roff_text(block).replace("\\(aq", "'")
        # a quoted argument may go on over several lines
        cur = ""
        for line in joined.splitlines():
            cur = cur + "\n" + line if cur else line
            if cur.count("'") % 2 == 0:
                cmds.append(cur.strip())
                cur = ""
    bindir = os.path.join(work, "bin")
    env2 = dict(env)
    env2["PATH"] = bindir + os.pathsep + env["PATH"]
    manwork = os.path.join(work, "man")
    for cmd in cmds:
        if cmd.startswith("apt-get"):
            print("note: not run: " + cmd)
            continue
        missing = needs(cmd)
        if missing or ("py.db" in cmd and "py.db" in skipped):
            print("note: skipped (no %s): %s" % (missing or "py.db", cmd))
            if missing and "-o py.db" in cmd:
                skipped.add("py.db")
            continue
        rc, out = run(cmd, manwork, env2)
        allowed = (0, 1) if re.match(r"holeprof (diff|check) ", cmd) else (0,)
        if rc in allowed and not re.search(r"^holeprof: .*(error|cannot|not |no )", out, re.M):
            ok(cmd)
        else:
            bad("man page example `%s` failed (exit %d): %s" % (cmd, rc, out[-400:]))


def main():
    mode, holeprof, readme, man = sys.argv[1:5]
    if mode == "options":
        check_options(holeprof, readme, man)
    else:
        check_examples(holeprof, readme, man, sys.argv[5])
    print("%d checks passed, %d failed" % (checks, failures))
    sys.exit(1 if failures or not checks else 0)


if __name__ == "__main__":
    main()
