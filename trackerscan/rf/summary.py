"""An RF analysis in words and as JSON (the ``rf analyze --json`` contract); shared by CLI, GUI, report."""

from __future__ import annotations

from trackerscan.rf.detect import Analysis
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
    swept = "; ".join(f"{c.band} {mhz(c.low_hz)}-{mhz(c.high_hz)} MHz for {c.seconds / 60:.1f} min"
                      for c in a.coverage)
    out.append("Swept: " + (swept or "none of the chosen bands"))
    out += a.notes
    return "\n".join(out)
