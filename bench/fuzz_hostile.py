"""A long run of the hostile-file tier: many more seeded mutations, new hypothesis examples.

    .venv/bin/python bench/fuzz_hostile.py [--mutations 200] [--subprocess]

Runs tests/hostile with TRACKERSCAN_HOSTILE_N mutations per kind of file (CI: 4)
and HYPOTHESIS_EXPLORE=1; with --subprocess every mutated file also goes
through the commands as a separate process, as a user would run them (slower).
Exit status: pytest's.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mutations", type=int, default=200, help="mutated files per kind (default 200)")
    ap.add_argument("--subprocess", action="store_true", help="run every command as its own process")
    args = ap.parse_args()
    env = dict(os.environ, TRACKERSCAN_HOSTILE_N=str(args.mutations), HYPOTHESIS_EXPLORE="1")
    if args.subprocess:
        env["TRACKERSCAN_HOSTILE_SUBPROCESS"] = "1"
    cmd = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--timeout=3600",
           str(REPO / "tests" / "hostile")]
    return subprocess.run(cmd, env=env, cwd=REPO).returncode


if __name__ == "__main__":
    sys.exit(main())
