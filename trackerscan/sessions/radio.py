"""A radio sweep for cellular trackers recorded as a session, as `trackerscan scan` records sightings.

Called by `live_radio.RadioSweep`, which `trackerscan rf sweep`, the desktop application's radio sweep
mode and the kit run, so all leave the same kind of session: what the sweep found and covered (tables
``rf_transmitter``/``rf_coverage``), its notes, and in the metadata the sweep's own first and last
moments and whether it was a replayed recording (the report's "Recorded" line shows those, not the
seconds a replay took to read).
"""

from __future__ import annotations

import json
import time
from datetime import datetime
from pathlib import Path

from trackerscan import __version__
from trackerscan.formats.session import RF_FIRST_KEY, RF_LAST_KEY, RF_REPLAYED_KEY
from trackerscan.rf.detect import Analysis
from trackerscan.sessions.writer import SessionWriter


def record_sweep(sessions_dir: Path, *, source: str, region: str, result: Analysis, started: float,
                 first: float | None, last: float | None) -> Path:
    """A new session in ``sessions_dir`` holding ``result``; returns its path.

    ``started`` is the wall-clock time the sweep was started (it names the file); ``first``/``last``
    the times of the sweep's first and last lines, which for a replay are the recording's own."""
    meta = {
        "tool_version": __version__,
        "rf": source,
        "region": region,
        "timezone": datetime.now().astimezone().tzname() or "",
        "rf_notes": json.dumps(result.notes),
        RF_REPLAYED_KEY: "1" if source.startswith("replay:") else "0",
    }
    if first is not None and last is not None:
        meta[RF_FIRST_KEY] = repr(first)
        meta[RF_LAST_KEY] = repr(last)
    writer = SessionWriter.create(sessions_dir, started, meta)
    try:
        writer.record_rf(time.time(), source, result.transmitters, result.coverage)
    finally:
        writer.close(ended=time.time())
    return writer.path
