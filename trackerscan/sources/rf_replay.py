"""``replay:FILE[,speed=N]``: a recorded sweep, read with the CSV reader (damaged lines counted)."""

from __future__ import annotations

import time
from collections.abc import Iterator

from trackerscan.errors import InputError
from trackerscan.rf.records import Hop
from trackerscan.rf.sweep_csv import read
from trackerscan.safetext import printable as shown
from trackerscan.sources.replay_speed import parse_speed

# A recording larger than this is refused (bytes): 8 hours of four bands at 1 sweep/s is ~200 MB.
MAX_FILE_BYTES = 2_000_000_000


def read_file(path: str) -> tuple[tuple[Hop, ...], int]:
    """Every hop of a recording and the count of damaged lines; one clear error when unreadable."""
    try:
        with open(path, "rb") as f:
            data = f.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise InputError(f"Cannot read the RF recording {shown(path)}: {exc.strerror or exc}.") from None
    if len(data) > MAX_FILE_BYTES:
        raise InputError(f"The RF recording {shown(path)} is larger than {MAX_FILE_BYTES // 10**9} GB.")
    result = read(data)
    if not result.hops:
        raise InputError(f"{shown(path)} holds no sweep in the rtl_power/hackrf_sweep CSV format "
                         f"({result.lines} line(s), all damaged or empty).")
    return result.hops, result.damaged


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
