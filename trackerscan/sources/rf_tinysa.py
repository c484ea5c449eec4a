"""``tinysa:/dev/ttyACM0``: a tinySA or tinySA Ultra over its USB serial command interface (pyserial).

The protocol, from the tinySA firmware (github.com/erikkaashoek/tinySA, main.c: VNAShell_readLine,
VNAShell_executeLine, cmd_scan, cmd_version; sa_cmd.c: cmd_mode) and the tinysa.org wiki's "USB
interface" page: a command is a line ended by CR; the device echoes each character, answers CR LF,
then writes its output as lines ended by CR LF and finally the prompt ``ch> ``.  An unknown command
gets ``NAME?``.  ``version`` names the firmware (``tinySA4_…`` and a ``HW Version:`` line on a tinySA
Ultra).  ``scan START STOP POINTS 3`` sweeps and then prints one line per point, ``FREQ LEVEL 0.000000``
(outmask 1: frequency in Hz, 2: level in dBm).  The original tinySA needs ``mode high input`` above
350 MHz (its high input covers 240-960 MHz); the Ultra tunes 100 kHz-6 GHz.  Only these three
commands are sent: nothing is transmitted (the output modes are never touched).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

from trackerscan.errors import SourceError
from trackerscan.rf.bands import Band, tunable
from trackerscan.rf.records import Hop
from trackerscan.rf.sweep_csv import MAX_DB, MIN_DB
from trackerscan.safetext import printable as shown

PROMPT = b"ch> "
# Points per scan: POINTS_COUNT in the firmware's nanovna.h (290 on the tinySA, 450 on the Ultra).
POINTS_BASIC, POINTS_ULTRA = 290, 450
BASIC_RANGE = (240_000_000, 960_000_000)  # high input
ULTRA_RANGE = (100_000, 6_000_000_000)
# Bin spacing asked for, Hz: one GSM channel, about one NB-IoT carrier (180 kHz).
STEP_HZ = 200_000
# Seconds to wait for the prompt after a command: a scan of 450 points takes a few seconds at the
# default RBW; after this the device is taken as gone.
COMMAND_TIMEOUT_S = 20.0
SYNC_TIMEOUT_S = 3.0
# A reply longer than this is not a tinySA's (bytes): 450 lines of ~40 characters is 18 kB.
MAX_REPLY_BYTES = 200_000


# How far the last point's frequency may stray from the stop asked for, in steps (the firmware rounds
# its frequency step to whole hertz, so the last point lands within a hertz per point of it).
STOP_TOLERANCE_STEPS = 0.5


def parse_scan(lines: list[str], start: int, stop: int, points: int, t: float) -> Hop | None:
    """The reply to ``scan START STOP POINTS 3`` as a Hop stamped ``t``, or None if it is garbled.

    Each line is ``FREQ LEVEL …``.  A reply is whole only if it has exactly ``points`` lines, starts at
    ``start``, rises point by point and ends near ``stop``, and every level is one a receiver reports
    (`sweep_csv.MIN_DB`-`MAX_DB`, the range a recording is read with).
    """
    if points < 2 or stop <= start or len(lines) != points:
        return None
    freqs: list[int] = []
    levels: list[float] = []
    for line in lines:
        fields = line.split()
        if len(fields) < 2:
            return None
        try:
            f, v = int(fields[0]), float(fields[1])
        except ValueError:
            return None
        if not MIN_DB <= v <= MAX_DB or (freqs and f <= freqs[-1]):  # NaN fails the range test too
            return None
        freqs.append(f)
        levels.append(v)
    step = (freqs[-1] - start) / (points - 1)
    if freqs[0] != start or abs(freqs[-1] - stop) > STOP_TOLERANCE_STEPS * (stop - start) / (points - 1):
        return None
    return Hop(t, start, round(start + points * step), step, 1, tuple(levels))


class TinySa:
    """A tinySA sweeping the parts of the bands it can tune, one ``scan`` per chunk of points."""

    def __init__(self, port: str, bands: tuple[Band, ...], *, clock: Callable[[], float] = time.time) -> None:
        import serial

        self.name = f"tinysa:{port}"
        self._clock = clock
        try:
            self._port = serial.Serial(port, 115200, timeout=0.2)
        except (OSError, serial.SerialException) as exc:
            raise SourceError(f"Cannot open the tinySA at {shown(port)}: {exc}.") from None
        self.damaged = 0
        try:
            self._sync(port)
            version = self.command("version", SYNC_TIMEOUT_S)
        except SourceError:
            self._port.close()
            raise
        self.version = version[0] if version else "unknown"
        self.ultra = self.version.startswith("tinySA4") or any(v.startswith("HW Version") for v in version)
        self.points = POINTS_ULTRA if self.ultra else POINTS_BASIC
        self.low_hz, self.high_hz = ULTRA_RANGE if self.ultra else BASIC_RANGE
        if not self.ultra:
            self.command("mode high input", SYNC_TIMEOUT_S)
        self.plan: list[tuple[int, int, int]] = []  # (start, stop, points)
        for _band, lo, hi in tunable(bands, self.low_hz, self.high_hz):
            f = lo
            while f < hi:
                n = min(self.points, (hi - f) // STEP_HZ + 1)
                stop = f + (n - 1) * STEP_HZ
                self.plan.append((f, stop, n))
                f = stop + STEP_HZ
        if not self.plan:
            raise SourceError(f"The tinySA at {shown(port)} cannot tune any of the chosen bands.")
        self._closed = False

    def _read_until_prompt(self, timeout: float) -> bytes:
        deadline = time.monotonic() + timeout
        buf = bytearray()
        while not buf.endswith(PROMPT):
            if time.monotonic() > deadline:
                raise SourceError(f"The tinySA at {shown(self.name[7:])} stopped answering.")
            if len(buf) > MAX_REPLY_BYTES:
                raise SourceError(f"The device at {shown(self.name[7:])} does not answer like a tinySA.")
            try:
                chunk = self._port.read(self._port.in_waiting or 1)
            except OSError as exc:
                raise SourceError(f"The tinySA at {shown(self.name[7:])} was lost: {exc}.") from None
            buf += chunk
        return bytes(buf[: -len(PROMPT)])

    def _sync(self, port: str) -> None:
        """An empty line brings a fresh prompt; whatever was pending before it is dropped."""
        try:
            self._port.reset_input_buffer()
            self._port.write(b"\r")
            self._read_until_prompt(SYNC_TIMEOUT_S)
        except SourceError:
            raise SourceError(f"No tinySA answers on {shown(port)}.") from None

    def command(self, line: str, timeout: float = COMMAND_TIMEOUT_S) -> list[str]:
        """Send one command; its output lines, without the echo and the prompt."""
        try:
            self._port.write(line.encode("ascii") + b"\r")
        except OSError as exc:
            raise SourceError(f"The tinySA at {shown(self.name[7:])} was lost: {exc}.") from None
        text = self._read_until_prompt(timeout).decode("ascii", "replace")
        lines = [x.strip() for x in text.split("\r\n")]
        if lines and lines[0] == line:  # the echo
            lines = lines[1:]
        lines = [x for x in lines if x]
        if len(lines) == 1 and lines[0] == f"{line.split()[0]}?":
            raise SourceError(f"The tinySA at {shown(self.name[7:])} does not know the command {line!r}.")
        return lines

    def scan(self, start: int, stop: int, points: int, t: float) -> Hop | None:
        """One ``scan`` as a Hop stamped ``t``, or None (counted in ``damaged``) if the reply is garbled."""
        hop = parse_scan(self.command(f"scan {start} {stop} {points} 3"), start, stop, points, t)
        if hop is None:
            self.damaged += 1
        return hop

    def hops(self) -> Iterator[Hop]:
        while not self._closed:
            for start, stop, n in self.plan:
                if self.stopped():
                    return
                hop = self.scan(start, stop, n, self._clock())  # each scan its own time, as hackrf_sweep
                if hop is not None:
                    yield hop

    def stopped(self) -> bool:
        return self._closed

    def close(self) -> None:
        self._closed = True
        self._port.close()
