"""What starts on Windows, checked on Linux: trackerscan's modules imported with the POSIX-only modules
and ``os`` names that Windows' Python lacks (fcntl, pwd, grp, termios, resource, pty, tty; O_NOFOLLOW,
O_NONBLOCK, O_NOCTTY, O_DIRECTORY) made unavailable.

Every module must import and the command line must start (`decode`, every subcommand's parser).
Importing is not working: what works without folder descriptors is tested by taking that way on
Linux (reports and exports: tests/hostile/test_write_by_path.py; wipe:
tests/hostile/test_wipe_hostile.py) and on Windows itself (tests/sessions/test_windows_files.py).
This is an approximation of Windows (a Linux Python with some names hidden); the real check is the
bundle workflow's Windows job.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

# Modules that cannot be imported without POSIX today, and the one each trips on: none.
KNOWN_WINDOWS_GAPS: dict[str, str] = {}

PROBE = r"""
import importlib, json, pkgutil, sys
POSIX = {"fcntl", "pwd", "grp", "termios", "resource", "pty", "tty"}
class Block:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in POSIX:
            raise ImportError("no module named " + name, name=name)
sys.meta_path.insert(0, Block())
import os
for name in ("O_NOFOLLOW", "O_NONBLOCK", "O_NOCTTY", "O_DIRECTORY"):
    if hasattr(os, name):  # absent already on Windows
        delattr(os, name)
import trackerscan
gaps = {}
for m in pkgutil.walk_packages(trackerscan.__path__, "trackerscan."):
    if m.name.endswith("__main__") or any(m.name.startswith(g + ".") for g in gaps):
        continue
    try:
        importlib.import_module(m.name)
    except ImportError as e:
        gaps[m.name] = e.name
    except AttributeError as e:
        gaps[m.name] = str(e)
from trackerscan.cli import build_parser, main
build_parser()
import contextlib, io
out = io.StringIO()
with contextlib.redirect_stdout(out):
    code = main(["decode", "1EFF4C001219102807CE0B3C33332ED37B5D9D8291B1D99D0B8615189700E0"])
print(json.dumps({"gaps": gaps, "decode": code, "kind": json.loads(out.getvalue())["kind"]}))
"""


def test_the_command_line_starts_without_posix_modules_and_the_gaps_are_known():
    env = dict(os.environ, USERNAME="survivor")  # always set on Windows (getpass.getuser reads it first)
    r = subprocess.run([sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr[-3000:]
    got = json.loads(r.stdout.strip().splitlines()[-1])
    assert (got["decode"], got["kind"]) == (0, "airtag")
    assert got["gaps"] == KNOWN_WINDOWS_GAPS
