"""Helpers for the GPS tests: copied receiver logs, a raw pty, a real gpsd, and gpsd's `.chk` decode."""

import asyncio
import contextlib
import json
import os
import shutil
import socket
import subprocess
import threading
import time
import tty
from decimal import ROUND_HALF_UP, Decimal

from paths import TEST_DATA

from trackerscan.model import Fix, SourceEvent

NMEA = TEST_DATA / "nmea"
GPX = TEST_DATA / "gpx"


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


TIMED = {"RMC": 1, "GGA": 1, "GNS": 1, "GLL": 5}  # sentence -> index of its UTC time field


def _tod(hh, mm, ss):
    """Seconds into the day, to 0.01 s rounding half up (gpsd prints ms, RMC and GGA give cs)."""
    sec = Decimal(ss).quantize(Decimal("0.01"), ROUND_HALF_UP)
    return float(int(hh) * 3600 + int(mm) * 60 + sec)


def tod_of(sentence):
    """Seconds into the day of an echoed position sentence, or None."""
    body = sentence.lstrip("$").split("*")[0].split(",")
    idx = TIMED.get(body[0][2:])
    if idx is None or len(body) <= idx or len(body[idx]) < 6:
        return None
    t = body[idx]
    try:
        return _tod(t[:2], t[2:4], t[4:])
    except (ValueError, ArithmeticError):
        return None


def gpsd_epochs(path):
    """{time of day: (mode, lat, lon)}: the last TPV gpsd reported for each cycle (by the TPV's own time,
    else the time of the sentence it follows)."""
    epochs = {}
    tod = None
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        line = line.strip()
        if line.startswith("$"):
            t = tod_of(line)
            if t is not None:
                tod = t
        elif line.startswith("{") and tod is not None:
            msg = json.loads(line)
            if msg.get("class") == "TPV":
                at = tod_of_iso(msg["time"]) if "time" in msg else tod  # the cycle gpsd closed
                epochs[at] = (msg.get("mode", 0), msg.get("lat"), msg.get("lon"))
    return epochs


def tod_of_iso(text):
    """Seconds into the day of '2009-12-09T15:25:05.500Z'."""
    hms = text[11:-1]
    return _tod(hms[:2], hms[3:5], hms[6:])


async def collect(source, until, timeout=30.0):
    """A source's events until ``until(events)`` holds (or the timeout)."""
    events = []

    async def run():
        async for event in source:
            events.append(event)
            if until(events):
                return

    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(run(), timeout)
    return events


def fixes_in(events):
    return [e for e in events if isinstance(e, Fix)]


def kinds(events):
    return [e.kind for e in events if isinstance(e, SourceEvent)]
