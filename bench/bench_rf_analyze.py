"""Peak memory and time of `trackerscan rf analyze` on a long recording (the whole-sweep analysis a live
sweep also runs at its end).

    .venv/bin/python bench/bench_rf_analyze.py [--hours 1 4] [--scenario busy_tracker_60s] [--seed 1]

Writes the simulator's recording of the scenario for each length asked for, then runs
`rf analyze --json` on it in a child process and reports its peak RSS (wait4) and CPU time, with the
file's size.  With --against REF (a git revision), the same files
also go through that revision's code, checked out in a temporary worktree, and the JSON of the two is
compared: the ratios printed are measured in the same run.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from bench_flood import run  # peak RSS and CPU time of a child process (wait4)

REPO = Path(__file__).resolve().parent.parent


def recording(folder: Path, scenario: str, seed: int, hours: float) -> Path:
    """The simulator's recording, written by a child process: a child's peak RSS counts what it shared
    with its parent before exec, so this process stays small."""
    path = folder / f"{scenario}-{hours:g}h.csv"
    code = ("import sys\nfrom trackerscan.rf.sweep_csv import write\nfrom trackerscan.sim.rf import build\n"
            "with open(sys.argv[1], 'w') as f:\n"
            "    sim = build(sys.argv[2], int(sys.argv[3]), minutes=float(sys.argv[4]))\n"
            "    f.writelines(write(sim.hops))\n")
    subprocess.run([sys.executable, "-c", code, str(path), scenario, str(seed), str(hours * 60)],
                   check=True, cwd=REPO)
    return path


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--hours", type=float, nargs="+", default=[1.0, 4.0])
    ap.add_argument("--scenario", default="busy_tracker_60s")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--against", help="a git revision to measure beside this tree")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        trees = [("this tree", REPO)]
        if args.against:
            ref = folder / "ref"
            subprocess.run(["git", "-C", str(REPO), "worktree", "add", "--detach", str(ref), args.against],
                           check=True, capture_output=True)
            trees.append((args.against, ref))
        try:
            for hours in args.hours:
                path = recording(folder, args.scenario, args.seed, hours)
                size = path.stat().st_size / 2**20
                outs = []
                for label, tree in trees:
                    cmd = [sys.executable, "-m", "trackerscan", "rf", "analyze", str(path), "--json"]
                    out, rss, cpu = run(cmd, dict(os.environ, PYTHONPATH=str(tree)), cwd=tree)
                    outs.append((out, rss, cpu))
                    print(f"{hours:g} h ({size:.0f} MB file), {label}: {rss:,.0f} MB peak, {cpu:.1f} s CPU")
                if len(outs) == 2:
                    (a, rss_a, cpu_a), (b, rss_b, cpu_b) = outs
                    print(f"    same JSON: {a == b}; memory x{rss_a / rss_b:.2f}, CPU x{cpu_a / cpu_b:.2f} "
                          "of the reference")
        finally:
            if args.against:
                subprocess.run(["git", "-C", str(REPO), "worktree", "remove", "--force", str(folder / "ref")],
                               check=False, capture_output=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
