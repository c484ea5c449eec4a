"""The CSV that rtl_power and hackrf_sweep write: pure reader and writer.

One line per hop: ``date, time, Hz low, Hz high, Hz step, samples, dB, dB, …``; every hop of one
sweep carries the same time.  Both programs write local time; trackerscan's sources run them with
``TZ=UTC`` and its own recordings are UTC, so times are read as UTC.  hackrf_sweep adds microseconds
to the time.  A damaged line (cut short, garbled, numbers out of range, bins that do not fit the
range) is skipped and counted; nothing in a line can make the reader fail.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

from trackerscan.rf.records import Hop

# Plausible values, to tell a damaged line from a real one.  Power: receivers report -200..+50 dB
# (dBm for a tinySA, relative dB for RTL-SDR/HackRF, whose full scale is near 0).  Frequencies: 0-7.3
# GHz covers every device here (the tinySA Ultra's top); steps 1 Hz-20 MHz (hackrf_sweep's widest bin).
MIN_DB, MAX_DB = -200.0, 50.0
MAX_HZ = 7_300_000_000
MIN_STEP_HZ, MAX_STEP_HZ = 1.0, 20_000_000.0
# Bins per hop at most (rtl_power's FFT size is at most 2^16).
MAX_BINS = 65_536
# The bins must span the hop's range to within this share of it, or two bins (rtl_power crops the
# edges of each hop, so a few bins fewer than span/step is normal; a line cut short is not).
SPAN_TOLERANCE = 0.1
# Lines longer than this are damaged (65,536 bins of "-100.00, " is about 590 kB).
MAX_LINE_BYTES = 1_000_000


@dataclass(frozen=True, slots=True)
class ReadResult:
    hops: tuple[Hop, ...]
    damaged: int  # lines skipped
    lines: int  # lines seen, blank lines aside


def _time(date: str, clock: str) -> float:
    d = datetime.strptime(date.strip(), "%Y-%m-%d")
    c = clock.strip()
    fmt = "%H:%M:%S.%f" if "." in c else "%H:%M:%S"
    t = datetime.strptime(c, fmt)
    return datetime(d.year, d.month, d.day, t.hour, t.minute, t.second, t.microsecond, UTC).timestamp()


def parse_line(line: bytes) -> Hop | None:
    """One CSV line as a Hop, or None if it is damaged.  Pure; never raises."""
    if len(line) > MAX_LINE_BYTES:
        return None
    try:
        fields = line.decode("ascii").split(",")
        if len(fields) < 7 or len(fields) - 6 > MAX_BINS:
            return None
        t = _time(fields[0], fields[1])
        low, high = int(fields[2]), int(fields[3])
        step = float(fields[4])
        samples = int(fields[5])
        db = tuple(float(f) for f in fields[6:])
    except (ValueError, UnicodeDecodeError, OverflowError):
        return None
    if not (0 <= low < high <= MAX_HZ and MIN_STEP_HZ <= step <= MAX_STEP_HZ and samples >= 0):
        return None
    if not all(MIN_DB <= v <= MAX_DB for v in db):  # also rejects nan; inf is out of range
        return None
    span = high - low
    if len(db) > 1 and len(db) == round(span / step) + 1:
        db = db[:-1]  # rtl_power prints its last bin twice (rtl_power.c, csv_dbm: the loop, then avg[i2])
    if abs(len(db) * step - span) > max(SPAN_TOLERANCE * span, 2 * step):
        return None
    if not math.isfinite(t):
        return None
    return Hop(t, low, high, step, samples, db)


def read(data: bytes) -> ReadResult:
    """Every hop of a recording, in file order, with the count of damaged lines skipped."""
    hops: list[Hop] = []
    damaged, lines = read_lines(data.splitlines(), hops.append)
    return ReadResult(tuple(hops), damaged, lines)


def read_lines(lines: Iterable[bytes], add: Callable[[Hop], None]) -> tuple[int, int]:
    """Each whole hop of ``lines`` handed to ``add`` in order; (damaged lines, lines), blank lines aside."""
    damaged = count = 0
    for raw in lines:
        if not raw.strip():
            continue
        count += 1
        hop = parse_line(raw)
        if hop is None:
            damaged += 1
        else:
            add(hop)
    return damaged, count


def format_hop(hop: Hop) -> str:
    """One hop as a CSV line (no newline), in rtl_power's layout, UTC, microseconds kept when present."""
    dt = datetime.fromtimestamp(hop.time, UTC)
    clock = dt.strftime("%H:%M:%S") + (f".{dt.microsecond:06d}" if dt.microsecond else "")
    values = ", ".join(f"{v:.2f}" for v in hop.db)
    return f"{dt:%Y-%m-%d}, {clock}, {hop.low_hz}, {hop.high_hz}, {hop.step_hz:.2f}, {hop.samples}, {values}"


def write(hops: Iterable[Hop]) -> Iterator[str]:
    """CSV lines (with newlines) for ``hops``."""
    for hop in hops:
        yield format_hop(hop) + "\n"
