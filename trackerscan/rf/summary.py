"""An RF analysis in words and as JSON (the ``rf analyze --json`` contract); shared by CLI, GUI, report."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence

from trackerscan.rf.detect import Analysis
from trackerscan.rf.records import Coverage, Transmitter
from trackerscan.rf.thresholds import MIN_SWEEP_S
from trackerscan.timeutil import iso_utc

PROCEDURE = (
    "Switch your own phones to flight mode or leave them outside the car. Have someone drive the car "
    f"while you sweep (most trackers report only while moving), for at least {MIN_SWEEP_S / 60:.0f} "
    "minutes, and move the antenna slowly around the car. trackerscan only listens: nothing is "
    "transmitted and nothing is decoded, only power levels are measured."
)


def to_json(a: Analysis) -> dict[str, object]:
    """Exactly: transmitters (band, low_hz, high_hz, period_s, bursts, first_seen, last_seen, peak_db,
    confidence), coverage (band, low_hz, high_hz, seconds), notes."""
    return {
        "transmitters": [
            {"band": t.band, "low_hz": int(t.low_hz), "high_hz": int(t.high_hz),
             "period_s": float(t.period_s), "bursts": int(t.bursts), "first_seen": iso_utc(t.first_seen),
             "last_seen": iso_utc(t.last_seen), "peak_db": float(t.peak_db),
             "confidence": float(t.confidence)}
            for t in a.transmitters
        ],
        "coverage": [
            {"band": c.band, "low_hz": int(c.low_hz), "high_hz": int(c.high_hz), "seconds": float(c.seconds)}
            for c in a.coverage
        ],
        "notes": list(a.notes),
    }


def mhz(hz: float) -> str:
    return f"{hz / 1e6:.1f}"


def swept(coverage: Sequence[Coverage]) -> str:
    """"Swept: BAND LOW-HIGH MHz for N min; …" (or that none of the chosen bands was)."""
    parts = "; ".join(f"{c.band} {mhz(c.low_hz)}-{mhz(c.high_hz)} MHz for {c.seconds / 60:.1f} min"
                      for c in coverage)
    return "Swept: " + (parts or "none of the chosen bands")


def text(a: Analysis) -> str:
    """The analysis as plain lines for a terminal or a log."""
    out = []
    if a.transmitters:
        out.append(f"{len(a.transmitters)} transmitter(s) repeating on a schedule:")
        out.append(f"  {'band':18}  {'MHz':>15}  {'every':>7}  {'bursts':>6}  {'peak dB':>7}  "
                   f"{'over floor':>10}  {'confidence':>10}  first - last seen (UTC)")
        for t in a.transmitters:
            span = mhz(t.low_hz) + "-" + mhz(t.high_hz)
            out.append(f"  {t.band:18}  {span:>15}  {t.period_s:>6.1f}s  {t.bursts:>6}  {t.peak_db:>7.1f}  "
                       f"{t.above_floor_db:>8.1f}dB  {t.confidence:>10.2f}  "
                       f"{iso_utc(t.first_seen)} - {iso_utc(t.last_seen)}")
    else:
        out.append("No transmitter repeating on a schedule was found.")
    out.append(swept(a.coverage))
    out += a.notes
    return "\n".join(out)


def report_section(found: Sequence[Transmitter], covered: Sequence[Coverage], notes_json: str | None,
                   fmt_time: Callable[[float], str]) -> tuple[list[tuple[str, ...]], list[str]]:
    """The evidence report's rows (band, MHz, every, bursts, first seen, last seen, confidence) and
    words for an RF sweep; nothing when the session holds no sweep."""
    if not found and not covered:
        return [], []
    rows: list[tuple[str, ...]] = [
        (t.band, f"{mhz(t.low_hz)}-{mhz(t.high_hz)}", f"{t.period_s:.1f} s", str(t.bursts),
         fmt_time(t.first_seen), fmt_time(t.last_seen), f"{t.confidence:.2f}") for t in found]
    words = [f"Found {len(found)} transmitter(s) repeating on a schedule, as cellular GPS trackers do."
             if found else "No transmitter repeating on a schedule was found.", swept(covered)]
    try:
        stored = json.loads(notes_json) if notes_json else []
    except (ValueError, RecursionError):  # a session file's notes, as hostile as the file
        stored = []
    words += [n for n in stored if isinstance(n, str)]
    words.append("How the sweep is done: " + PROCEDURE)
    return rows, words
