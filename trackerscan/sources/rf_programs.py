"""``rtlsdr[:INDEX]`` and ``hackrf``: the rtl_power and hackrf_sweep programs, read line by line.

Both write the CSV that ``trackerscan.rf.sweep_csv`` reads; they are run with ``TZ=UTC`` so the times
they write are UTC.  rtl_power sweeps one range per run, so it is run once per band (``-1``: a single
sweep, then it exits) in turn; hackrf_sweep takes every range at once and sweeps until stopped.
A program that is missing, or that exits because no device is plugged in, gives one clear line.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator

from trackerscan.errors import InputError, SourceError
from trackerscan.rf.bands import Band, tunable
from trackerscan.rf.records import Hop
from trackerscan.rf.sweep_csv import parse_line
from trackerscan.safetext import is_digits
from trackerscan.safetext import printable as shown

# Tuning ranges: the RTL-SDR's R820T2 tuner 24-1766 MHz; the HackRF One 1 MHz-6 GHz.
RTLSDR_RANGE = (24_000_000, 1_766_000_000)
HACKRF_RANGE = (1_000_000, 6_000_000_000)
STEP_HZ = 200_000  # bin spacing asked for, as the tinySA source
# hackrf_sweep takes at most this many -f ranges (hackrf_sweep.c, MAX_SWEEP_RANGES).
HACKRF_MAX_RANGES = 10
PACKAGES = {"rtl_power": "rtl-sdr", "hackrf_sweep": "hackrf"}
# Error output read for the message, bytes (the reason comes in its first lines).
MAX_ERROR_BYTES = 65_536
# Words that mark the line of a program's error output worth showing (the rest is its settings and usage).
ERROR_WORDS = ("no supported devices", "not found", "failed", "error", "usb_claim_interface", "busy")


def _env() -> dict[str, str]:
    return {**os.environ, "TZ": "UTC"}


class Program:
    """One of the sweep programs, started per sweep (rtl_power) or once (hackrf_sweep)."""

    def __init__(self, kind: str, index: int, bands: tuple[Band, ...]) -> None:
        self.kind = kind
        self.exe = "rtl_power" if kind == "rtlsdr" else "hackrf_sweep"
        self.name = f"{kind}:{index}" if kind == "rtlsdr" else kind
        self.index = index
        self.low_hz, self.high_hz = RTLSDR_RANGE if kind == "rtlsdr" else HACKRF_RANGE
        self.ranges = [(lo, hi) for _b, lo, hi in tunable(bands, self.low_hz, self.high_hz)]
        if not self.ranges:
            raise SourceError(f"The {kind} cannot tune any of the chosen bands.")
        path = shutil.which(self.exe)
        if path is None:
            raise SourceError(f"{self.exe} is not installed (on Debian or Raspberry Pi OS: "
                              f"sudo apt-get install {PACKAGES[self.exe]}).")
        self.path = path
        self.damaged = 0
        self._proc: subprocess.Popen[bytes] | None = None
        self._closed = False

    def commands(self) -> list[list[str]]:
        """The command line(s) of one pass over the bands."""
        if self.kind == "rtlsdr":
            return [[self.path, "-d", str(self.index), "-f", f"{lo}:{hi}:{STEP_HZ}", "-i", "1", "-1", "-"]
                    for lo, hi in self.ranges]
        args = [self.path]
        for lo, hi in self.ranges[:HACKRF_MAX_RANGES]:
            args += ["-f", f"{lo // 1_000_000}:{-(-hi // 1_000_000)}"]
        return [[*args, "-w", str(STEP_HZ)]]

    def _run(self, cmd: list[str]) -> Iterator[Hop]:
        # Error output goes to a file: hackrf_sweep reports progress there every second, which would fill
        # a pipe nobody reads during a long sweep and stop it.
        with tempfile.TemporaryFile() as errfile:
            self._proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=errfile, env=_env())
            assert self._proc.stdout is not None
            got = False
            for line in self._proc.stdout:
                if self.stopped():
                    break
                hop = parse_line(line.rstrip(b"\r\n"))
                if hop is None:
                    self.damaged += 1
                    continue
                got = True
                yield hop
            code = self._proc.wait()
            errfile.seek(0)
            err = errfile.read(MAX_ERROR_BYTES).decode("utf-8", "replace")
        if not self.stopped() and not got and code != 0:
            why = _why(err, code)
            raise SourceError(f"{self.exe} could not sweep ({why}); is the {self.kind} plugged in?")

    def hops(self) -> Iterator[Hop]:
        while not self._closed:
            for cmd in self.commands():
                yield from self._run(cmd)
                if self.stopped():
                    return
            if self.kind == "hackrf":  # it sweeps until stopped; an end is the end
                return

    def stopped(self) -> bool:
        return self._closed

    def close(self) -> None:
        self._closed = True
        if self._proc is not None and self._proc.poll() is None:
            self._proc.terminate()
            try:
                self._proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self._proc.kill()


def _why(stderr: str, code: int) -> str:
    """The line of a program's error output that says what went wrong (rtl_power: "No supported devices
    found."; hackrf_sweep: "hackrf_open() failed: HackRF not found (-5)"), else its exit status."""
    lines = [x.strip() for x in stderr.splitlines() if x.strip()]
    for x in lines:
        low = x.lower()
        if any(w in low for w in ERROR_WORDS):
            return shown(x)
    return f"exit status {code}"


def open_program(kind: str, rest: str, bands: tuple[Band, ...]) -> Program:
    """``rtlsdr[:INDEX]`` or ``hackrf``; the programs stamp their own lines (in UTC, see _env)."""
    index = 0
    if rest:
        if kind != "rtlsdr" or not is_digits(rest):
            raise InputError(f"'{shown(kind + ':' + rest)}' is not an RF source: "
                             "use rtlsdr, rtlsdr:INDEX or hackrf.")
        index = int(rest)
    return Program(kind, index, bands)
