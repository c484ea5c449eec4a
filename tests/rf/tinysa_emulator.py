"""A tinySA on a pseudo-terminal, speaking the firmware's shell protocol.

From the tinySA firmware (github.com/erikkaashoek/tinySA, main.c): VNAShell_readLine echoes every
printable character and answers CR with CR LF; VNAShell_executeLine runs the command and prints the
prompt "ch> " after it, or "NAME?" CR LF and the prompt for an unknown command.  cmd_version prints
the version (and "HW Version:" on an Ultra, TINYSA4); cmd_scan prints, for outmask 3, one line per
point, "%U %e %f " CR LF (frequency in Hz, level in dBm, 0.0); cmd_mode takes "high input" on the
original tinySA.  Levels come from a function the test gives: levels(freqs) -> list of dBm.
Faults a test can ask for, by scan number: ``garble_scans`` (the reply cut off by a NUL line) and
``stuck_scans`` (every point reports the start frequency, whole lines and levels otherwise).
"""

from __future__ import annotations

import contextlib
import os
import threading
import tty
from collections.abc import Callable, Sequence

Levels = Callable[[Sequence[int]], Sequence[float]]


class TinySaEmulator:
    def __init__(self, levels: Levels, *, ultra: bool = False, garble_scans: Sequence[int] = (),
                 stuck_scans: Sequence[int] = ()) -> None:
        self.master, self.slave = os.openpty()
        tty.setraw(self.master)
        tty.setraw(self.slave)
        self.path = os.ttyname(self.slave)
        self.levels = levels
        self.ultra = ultra
        self.garble = set(garble_scans)
        self.stuck = set(stuck_scans)
        self.commands: list[str] = []
        self.scans = 0
        self.mode_high = False
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _write(self, data: str) -> None:
        os.write(self.master, data.encode("ascii"))

    def _run(self) -> None:
        line = ""
        while not self._stop.is_set():
            try:
                data = os.read(self.master, 4096)
            except OSError:
                return
            for ch in data.decode("ascii", "replace"):
                if ch == "\r":
                    self._write("\r\n")
                    self._execute(line)
                    line = ""
                elif ch in "\x08\x7f":
                    if line:
                        line = line[:-1]
                        self._write("\x08 \x08")
                elif ch >= " ":
                    self._write(ch)  # echo
                    line += ch

    def _execute(self, line: str) -> None:
        args = line.split()
        if not args:
            self._write("ch> ")
            return
        self.commands.append(line)
        name = args[0]
        if name == "version":
            if self.ultra:
                self._write("tinySA4_v1.4-200-gtest\r\nHW Version:V0.4.5.1 max2871\r\n")
            else:
                self._write("tinySA_v1.4-200-gtest\r\n")
        elif name == "mode" and not self.ultra and args[1:] == ["high", "input"]:
            self.mode_high = True
        elif name == "scan" and len(args) == 5:
            start, stop, points, mask = (int(a) for a in args[1:])
            if points < 2 or points > (450 if self.ultra else 290):
                self._write("sweep points exceeds range\r\n")
            else:
                freqs = [start + round(i * (stop - start) / (points - 1)) for i in range(points)]
                levels = self.levels(freqs)
                out = []
                shown = [start] * points if self.scans in self.stuck else freqs
                for f, v in zip(shown, levels, strict=True):
                    fields = []
                    if mask & 1:
                        fields.append(f"{f} ")
                    if mask & 2:
                        fields.append(f"{v:e} {0.0:f} ")
                    out.append("".join(fields) + "\r\n")
                if self.scans in self.garble:
                    out = [*out[: len(out) // 2], "\x00garbled\r\n"]
                self._write("".join(out))
            self.scans += 1
        else:
            self._write(f"{name}?\r\n")
        self._write("ch> ")

    def close(self) -> None:
        self._stop.set()
        for fd in (self.master, self.slave):
            with contextlib.suppress(OSError):
                os.close(fd)
        self._thread.join(timeout=5)
