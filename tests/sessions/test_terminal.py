"""What a person at a terminal sees: the live table, Enter marks a place, wipe asks first."""

import os
import pty
import re
import select
import subprocess
import sys
import time

from paths import REPO
from session_fixtures import car_trip_events, make_events, write_session

from trackerscan.formats.session import Session

ANSI = re.compile(r"\x1b\[[0-9;?]*[a-zA-Z]")


def _run_on_pty(argv, data_dir, feed=(), timeout=60):
    """Run trackerscan with stdin/stdout/stderr on a pseudo-terminal; ``feed``: (after_s, bytes) pairs."""
    master, slave = pty.openpty()
    env = dict(os.environ, TRACKERSCAN_DATA_DIR=str(data_dir), PYTHONPATH=str(REPO), COLUMNS="120",
               LINES="40", TERM="xterm")
    proc = subprocess.Popen([sys.executable, "-m", "trackerscan", *argv], stdin=slave, stdout=slave,
                            stderr=slave, env=env, close_fds=True)
    os.close(slave)
    out = b""
    start = time.monotonic()
    pending = list(feed)
    try:
        while time.monotonic() - start < timeout:
            if pending and time.monotonic() - start >= pending[0][0]:
                os.write(master, pending.pop(0)[1])
            ready, _, _ = select.select([master], [], [], 0.1)
            if ready:
                try:
                    chunk = os.read(master, 65536)
                except OSError:
                    break
                if not chunk:
                    break
                out += chunk
            elif proc.poll() is not None and not pending:
                break
        proc.wait(10)
    finally:
        if proc.poll() is None:
            proc.kill()
        os.close(master)
    return proc.returncode, ANSI.sub("", out.decode("utf-8", "replace"))


def test_live_table_and_enter_marks_a_place(tmp_path):
    src = write_session(tmp_path / "in", car_trip_events())
    data = tmp_path / "data"
    code, text = _run_on_pty(["scan", "--ble", f"replay:{src},speed=60"], data,
                             feed=[(3.0, b"bus stop\r")])
    assert code == 0, text
    assert "Trackers and devices with you" in text  # the rich table, drawn in place
    assert "ALERT" in text and "C1:02:03:04:05:06" in text
    assert "press Enter" in text
    (path,) = (data / "sessions").glob("*.sqlite")
    with Session.open(path) as s:
        assert [m.label for m in s.place_marks()] == ["bus stop"]


def test_wipe_asks_and_no_keeps_everything(tmp_path):
    data = tmp_path / "data"
    path = write_session(data / "sessions", make_events(10, 1))
    code, text = _run_on_pty(["wipe", path.stem], data, feed=[(1.5, b"no\r")])
    assert code == 1 and "Nothing was deleted" in text
    assert path.exists()
    code, text = _run_on_pty(["wipe", path.stem], data, feed=[(1.5, b"yes\r")])
    assert code == 0 and "Deleted 1 session" in text
    assert not path.exists()
