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


def log_path(name):
    """A receiver log: one of the eight first read (tests/data/nmea/) or of the wider gpsd corpus."""
    return NMEA / name if (NMEA / name).exists() else NMEA / "gpsd" / name


def log_lines(name):
    return [ln for ln in log_path(name).read_bytes().splitlines() if ln.strip() and not ln.startswith(b"#")]


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
    """{time of day: (mode, lat, lon, simulated)}: the last TPV gpsd reported for each cycle (by the TPV's
    own time, else the time of the sentence it follows); gpsd's status 8 (STATUS_SIM) is simulated."""
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
                epochs[at] = (msg.get("mode", 0), msg.get("lat"), msg.get("lon"), msg.get("status") == 8)
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


# --- logs derived from real ones: what a rollover victim or a simulator sends -------------------------------


def rewritten(name, change):
    """A receiver log's lines with sentences changed in place by ``change(kind, fields)`` (True when it
    changed them); pynmea2 (not our code) parses and re-renders them with their checksums."""
    import pynmea2

    out = []
    for line in log_lines(name):
        at = max(line.rfind(b"$"), 0)  # a sentence after binary (UBX) bytes on the same line
        try:
            msg = pynmea2.parse(line[at:].decode("ascii"), check=True)
        except (pynmea2.ParseError, UnicodeDecodeError, ValueError):
            out.append(line)
            continue
        out.append(line[:at] + str(msg).encode() if change(msg.sentence_type, msg.data) else line)
    return out


def rollover_victim(name, weeks=1024):
    """A log as a receiver that did not expect the week rollover sends it: RMC/ZDA dates ``weeks`` early
    (negative: later)."""
    from datetime import date, timedelta

    back = timedelta(weeks=weeks)

    def change(kind, f):
        if kind == "RMC" and len(f[8]) == 6:
            d = date(2000 + int(f[8][4:]), int(f[8][2:4]), int(f[8][:2])) - back
            f[8] = f"{d:%d%m%y}"
            return True
        if kind == "ZDA" and f[3]:
            d = date(int(f[3]), int(f[2]), int(f[1])) - back
            f[1:4] = [f"{d.day:02d}", f"{d.month:02d}", f"{d.year}"]
            return True
        return False

    return rewritten(name, change)


def simulator(name):
    """A log as a receiver in simulator (demo) mode sends it: GGA quality 8, FAA mode S (Garmin handhelds)."""
    where = {"GGA": (5, "8"), "RMC": (11, "S"), "GLL": (6, "S"), "VTG": (8, "S")}

    def change(kind, f):
        at = where.get(kind)
        if at is None or len(f) <= at[0]:
            return False
        f[at[0]] = at[1]
        return True

    return rewritten(name, change)
