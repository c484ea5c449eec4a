"""``replay:FILE[,speed=N]``: a recorded sweep, read with the CSV reader (damaged lines counted).

A recording is mapped, not read into memory (its pages handed back as they are read).  `read_levels`,
for `rf analyze`, keeps no hop: each hop's levels go straight into a `SweepLevels` (8 bytes a level).
"""

from __future__ import annotations

import mmap
import os
import re
import stat
import time
from collections.abc import Callable, Iterator

from trackerscan.errors import InputError
from trackerscan.rf.levels import SweepLevels
from trackerscan.rf.records import Hop
from trackerscan.rf.sweep_csv import MAX_LINE_BYTES, read_lines
from trackerscan.safetext import printable as shown
from trackerscan.sources.replay_speed import parse_speed

# A recording larger than this is refused (bytes): 8 hours of four bands at 1 sweep/s is ~200 MB.
MAX_FILE_BYTES = 2_000_000_000


# A line as bytes.splitlines sees it (ended by LF, CR or CR LF), found in the mapped file without a copy.
_LINE = re.compile(rb"[^\r\n]+")
_NOT_SPACE = re.compile(rb"\S")  # what bytes.strip() would leave: a line without it is blank
# What a line too long to be a hop is passed on as (parse_line counts it as damaged), so it is not copied.
_TOO_LONG = b"(a line over MAX_LINE_BYTES)"
# Pages of the mapped file already read are handed back every this many bytes (they would otherwise count
# in the process's resident memory until the end, as the btsnoop reader's do not).
RELEASE_EVERY = 16 << 20


def _mapped_lines(mm: mmap.mmap) -> Iterator[bytes]:
    released = 0
    dontneed = getattr(mmap, "MADV_DONTNEED", None)  # not on Windows
    for m in _LINE.finditer(mm):
        if m.end() - m.start() <= MAX_LINE_BYTES:
            yield m.group()
        else:
            yield _TOO_LONG if _NOT_SPACE.search(mm, m.start(), m.end()) else b""
        if dontneed is not None and m.start() - released >= RELEASE_EVERY:
            upto = m.start() // mmap.PAGESIZE * mmap.PAGESIZE
            mm.madvise(dontneed, released, upto - released)
            released = upto


def _read_into(path: str, add: Callable[[Hop], None]) -> tuple[int, int]:
    """Each whole hop of the recording at ``path`` handed to ``add``; (damaged lines, lines).

    A regular file is mapped, not read into memory; a pipe (nothing to map) is read whole, up to the limit.
    """
    try:
        with open(path, "rb") as f:
            st = os.fstat(f.fileno())
            if not stat.S_ISREG(st.st_mode) or st.st_size == 0:
                data = f.read(MAX_FILE_BYTES + 1)
                _check_size(path, len(data))
                damaged, lines = read_lines(data.splitlines(), add)
            else:
                _check_size(path, st.st_size)
                with mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as mm:
                    damaged, lines = read_lines(_mapped_lines(mm), add)
    except OSError as exc:
        raise InputError(f"Cannot read the RF recording {shown(path)}: {exc.strerror or exc}.") from None
    if damaged == lines:
        raise InputError(f"{shown(path)} holds no sweep in the rtl_power/hackrf_sweep CSV format "
                         f"({lines} line(s), all damaged or empty).")
    return damaged, lines


def _check_size(path: str, size: int) -> None:
    if size > MAX_FILE_BYTES:
        raise InputError(f"The RF recording {shown(path)} is larger than {MAX_FILE_BYTES // 10**9} GB.")


def read_levels(path: str) -> tuple[SweepLevels, int]:
    """A recording's levels and the count of damaged lines, for the analysis (no hop is kept)."""
    levels = SweepLevels()
    damaged, _ = _read_into(path, levels.add)
    return levels, damaged


def read_file(path: str) -> tuple[tuple[Hop, ...], int]:
    """Every hop of a recording and the count of damaged lines; one clear error when unreadable."""
    hops: list[Hop] = []
    damaged, _ = _read_into(path, hops.append)
    return tuple(hops), damaged


class Replay:
    """Plays a recording, as fast as possible or N times real time."""

    def __init__(self, rest: str) -> None:
        path, _, opt = rest.partition(",speed=")
        if not path:
            raise InputError("replay needs a file, e.g. replay:sweep.csv.")
        self.speed = parse_speed(opt) if opt else 0.0
        self.path = path
        self.name = f"replay:{path}"
        self._hops, self.damaged = read_file(path)
        self.low_hz = min(h.low_hz for h in self._hops)
        self.high_hz = max(h.high_hz for h in self._hops)
        self._closed = False

    def hops(self) -> Iterator[Hop]:
        start_wall = time.monotonic()
        first = self._hops[0].time
        for h in self._hops:
            if self._closed:
                return
            if self.speed > 0:
                wait = (h.time - first) / self.speed - (time.monotonic() - start_wall)
                if wait > 0:
                    time.sleep(wait)
            yield h

    def close(self) -> None:
        self._closed = True
