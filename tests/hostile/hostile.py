"""Helpers of the hostile tier: run a command, judge its ending, snapshot a folder tree."""

from __future__ import annotations

import hashlib
import os
import stat
import subprocess
import sys
from pathlib import Path

from paths import REPO

# Mutated files per kind in CI; bench/fuzz_hostile.py sets more.
MUTATIONS = int(os.environ.get("TRACKERSCAN_HOSTILE_N", "4"))
SUBPROCESS = os.environ.get("TRACKERSCAN_HOSTILE_SUBPROCESS") == "1"
# No command on these small files takes more than a few seconds; a hang shows as this timeout.
TIMEOUT_S = 60


def cli(
    *argv: object, data: Path, cwd: Path | None = None, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, TRACKERSCAN_DATA_DIR=str(data), PYTHONPATH=str(REPO), COLUMNS="200")
    return subprocess.run([sys.executable, "-m", "trackerscan", *map(str, argv)], env=env, cwd=cwd,
                          capture_output=True, text=True, errors="surrogateescape", input=stdin,
                          timeout=TIMEOUT_S)


def assert_clean(proc: subprocess.CompletedProcess[str], allow_ok: bool = True) -> None:
    """Exit 0 (if allowed), or 2 with exactly one stderr line; no traceback, no raw control characters."""
    text = proc.stdout + proc.stderr
    assert "Traceback" not in text, text[-2000:]
    assert "\x1b" not in text and "\x9b" not in text, text[-500:]  # no escape sequence reached the terminal
    if proc.returncode == 0 and allow_ok:
        return
    assert proc.returncode == 2, (proc.returncode, proc.stderr[-2000:])
    lines = proc.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("trackerscan: "), proc.stderr


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def tree(root: Path) -> dict[str, tuple[object, ...]]:
    """Every entry under ``root`` (not following links): kind, mode and content hash or link target."""
    out: dict[str, tuple[object, ...]] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in dirnames + filenames:
            p = Path(dirpath) / name
            st = os.lstat(p)
            rel = str(p.relative_to(root))
            if stat.S_ISLNK(st.st_mode):
                out[rel] = ("link", os.readlink(p))
            elif stat.S_ISREG(st.st_mode):
                out[rel] = ("file", stat.S_IMODE(st.st_mode), sha256(p))
            else:
                out[rel] = ("other", stat.S_IFMT(st.st_mode))
    return out


def run(*argv: object, data: Path) -> subprocess.CompletedProcess[str]:
    """`cli` in this process (the many fuzzed files; TRACKERSCAN_HOSTILE_SUBPROCESS=1 runs them as
    subprocesses too): the same code, the same judging, without a Python start for each file."""
    if SUBPROCESS:
        return cli(*argv, data=data)
    import contextlib
    import io
    import traceback

    from trackerscan.cli import main

    out, err = io.StringIO(), io.StringIO()
    old = os.environ.get("TRACKERSCAN_DATA_DIR")
    os.environ["TRACKERSCAN_DATA_DIR"] = str(data)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = main([str(a) for a in argv])
            except SystemExit as exc:
                code = exc.code if isinstance(exc.code, int) else 2
            except BaseException:  # what a user would see as a traceback
                err.write(traceback.format_exc())
                code = 1
    finally:
        if old is None:
            del os.environ["TRACKERSCAN_DATA_DIR"]
        else:
            os.environ["TRACKERSCAN_DATA_DIR"] = old
    return subprocess.CompletedProcess([str(a) for a in argv], code, out.getvalue(), err.getvalue())
