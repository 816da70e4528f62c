#!/usr/bin/env python3
"""Writes size-dependent stress inputs that -max_len=65536 keeps the fuzzer from reaching, and
runs a fuzz binary on each (files named on the command line are not truncated), with the same
limits as a fuzzing run. Usage: fuzz/scripts/crafted.py [TARGET]  (default yaml_front_end;
build it first with `cargo fuzz build -O -a TARGET`)."""
import os, subprocess, sys

here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
target = sys.argv[1] if len(sys.argv) > 1 else "yaml_front_end"
out = os.path.join(here, "artifacts", "crafted")
os.makedirs(out, exist_ok=True)
job = "  j{0}: {{runs-on: ubuntu-latest, steps: [{{run: a}}]}}\n"
inputs = {
    # 100,000 aliases of one 300 KB string (alias budget must weigh text).
    "alias-text.yml": 'on: push\nx: &a "' + "x" * 300_000 + '"\ny: [' + "*a," * 100_000 + "]\n",
    # 150,000 distinct env names and 50,000 jobs (duplicate-id check must be linear).
    "many-env.yml": "on: push\nenv:\n" + "".join(f"  v{i}: x\n" for i in range(150_000)) + "jobs: {}\n",
    "many-jobs.yml": "on: push\njobs:\n" + "".join(job.format(i) for i in range(50_000)),
    # A job chain through needs, 20,000 long (graph walks must not recurse per job).
    "needs-chain.yml": "on: push\njobs:\n" + "".join(
        f"  j{i}: {{runs-on: ubuntu-latest, needs: [j{i - 1}], steps: [{{run: a}}]}}\n" if i else job.format(0)
        for i in range(20_000)),
    # An 8 MB unknown key ("did you mean" must not build a huge matrix).
    "long-key.yml": "on: push\n" + "k" * 8_000_000 + ": 1\njobs: {}\n",
    # 120 nested anchors around a 1,000,000-item list (anchor copies stay within the budget).
    "nested-anchors.yml": "on: push\na:\n" + "".join(" " * (i + 1) + f"- &a{i}\n" for i in range(120))
        + " " * 121 + "- [" + ",".join(["x"] * 1_000_000) + "]\n",
}
target_dir = os.environ.get("CARGO_TARGET_DIR", "/work/target-fuzz")
binary = os.path.join(target_dir, "x86_64-unknown-linux-gnu", "release", target)
failed = 0
for name, text in inputs.items():
    path = os.path.join(out, name)
    with open(path, "w") as f:
        f.write(text)
    r = subprocess.run([binary, "-rss_limit_mb=2048", "-timeout=10", f"-artifact_prefix={out}/{target}-", path],
                       capture_output=True, text=True)
    last = [l for l in r.stderr.splitlines() if "Executed" in l or "SUMMARY" in l or "ERROR" in l]
    print(f"{name:20} {len(text):>9} bytes  {'ok' if r.returncode == 0 else 'FAIL'}  {last[-1] if last else ''}")
    failed += r.returncode != 0
sys.exit(1 if failed else 0)
