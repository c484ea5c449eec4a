"""The hostile-file tier: files, sticks and names made by someone else, through every command.

Every command runs as a subprocess, as a user would run it.  Each must end with
exit status 0, or 2 with exactly one line on stderr; never a traceback, never a
hang (a timeout), never a change to a file it only read, never a write outside
the place it was asked to write.  Mutations use fixed seeds; set
TRACKERSCAN_HOSTILE_N (or run bench/fuzz_hostile.py) for more of them.
"""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).parent.parent / "sessions"))


@pytest.fixture
def data_dir(tmp_path):
    d = tmp_path / "data"
    (d / "sessions").mkdir(parents=True, mode=0o700)
    return d
