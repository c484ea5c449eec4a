"""Fixtures for the GPS tests: copied receiver logs, a pty, a real gpsd."""

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
import tty
from pathlib import Path

import pytest
from paths import TEST_DATA

sys.path.insert(0, str(Path(__file__).parent))  # gps_helpers

NMEA = TEST_DATA / "nmea"
GPX = TEST_DATA / "gpx"


@pytest.fixture
def nmea_dir():
    return NMEA


@pytest.fixture
def gpx_dir():
    return GPX


# --- real components: a raw pty (serial port) and a real gpsd reading one --------------------------


class Pty:
    """A pseudo-terminal: tests write NMEA into ``master``; the code under test opens ``path``."""

    def __init__(self):
        self.master, self.slave = os.openpty()
        tty.setraw(self.master)
        tty.setraw(self.slave)
        self.path = os.ttyname(self.slave)
        self._stop = threading.Event()
        self._threads = []

    def write_lines(self, lines, pace_s=0.0, delay_s=0.0):
        """Write lines (bytes, CRLF added) in a background thread."""
        def run():
            time.sleep(delay_s)
            for line in lines:
                if self._stop.is_set():
                    return
                try:
                    os.write(self.master, line.rstrip(b"\r\n") + b"\r\n")
                except OSError:
                    return
                if pace_s:
                    time.sleep(pace_s)
        thread = threading.Thread(target=run, daemon=True)
        thread.start()
        self._threads.append(thread)
        return thread

    def close(self):
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=5)
        for fd in (self.master, self.slave):
            with contextlib.suppress(OSError):
                os.close(fd)


@pytest.fixture
def pty():
    p = Pty()
    yield p
    p.close()


def log_lines(name):
    return [ln for ln in (NMEA / name).read_bytes().splitlines() if ln.strip() and not ln.startswith(b"#")]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Gpsd:
    """A real gpsd (Debian's 3.22) on a loopback port, reading a pty."""

    def __init__(self, device, tmp_path):
        self.device = device
        self.port = free_port()
        self.ctl = str(tmp_path / "gpsd.sock")
        self.proc = None

    def start(self):
        self.proc = subprocess.Popen(
            [shutil.which("gpsd") or "/usr/sbin/gpsd", "-N", "-n", "-b", "-S", str(self.port), "-F", self.ctl,
             self.device], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("gpsd did not start")

    def stop(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=10)
        self.proc = None


@pytest.fixture
def gpsd(pty, tmp_path):
    if shutil.which("gpsd") is None and not os.path.exists("/usr/sbin/gpsd"):
        pytest.fail("gpsd is not installed (apt-get install gpsd)")
    daemon = Gpsd(pty.path, tmp_path)
    daemon.start()
    yield daemon
    daemon.stop()
