#!/usr/bin/env python3
"""ci_commands.py -- the holeprof commands of a CI example, as it runs them.

Usage: ci_commands.py github|gitlab FILE.yml

Prints the job's environment as `export NAME="VALUE"` lines (the
workflow's and the job's env for GitHub Actions, the job's variables for
GitLab CI; GitLab expands $VARIABLES in them, and so does the shell these
lines are given to), then a line `--`, then every command of the job's
run steps (GitHub) or script items (GitLab) whose first word is
`holeprof`, one per line, in order.  tests/t_examples.sh runs exactly
those, so the examples cannot drift from what the test checks.
"""
import sys

import yaml

kind, path = sys.argv[1], sys.argv[2]
with open(path, encoding="utf-8") as f:
    doc = yaml.safe_load(f)
env, scripts = {}, []
if kind == "github":
    env.update(doc.get("env") or {})
    for job in doc["jobs"].values():
        env.update(job.get("env") or {})
        for step in job["steps"]:
            if "run" in step:
                scripts.append(step["run"])
elif kind == "gitlab":
    jobs = [v for k, v in doc.items() if isinstance(v, dict) and "script" in v]
    if len(jobs) != 1:
        sys.exit("want exactly one job in %s" % path)
    env.update(jobs[0].get("variables") or {})
    scripts.extend(jobs[0]["script"])
else:
    sys.exit("kind is github or gitlab")


def quote(v):
    return '"' + str(v).replace("\\", "\\\\").replace('"', '\\"').replace("`", "\\`") + '"'


for k, v in env.items():
    print("export %s=%s" % (k, quote(v)))
print("--")
n = 0
for s in scripts:
    for line in str(s).splitlines():
        line = line.strip()
        if line.split()[:1] == ["holeprof"]:
            print(line)
            n += 1
if n == 0:
    sys.exit("no holeprof command in %s" % path)
