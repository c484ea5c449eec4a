"""Re-running the engine over a recorded session, for exports and evidence reports.

A device is *flagged* when it reached `watch` or `alert`, either live (the
recorded level changes) or when the engine is run again over the session.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import sqlite3
import stat
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from trackerscan.engine.build import make_engine, union
from trackerscan.engine.known import KnownDevices
from trackerscan.errors import SessionError
from trackerscan.formats.session import Session, SessionSummary, is_recording
from trackerscan.model import DeviceState, Fix, HeardPoint, Level, LevelChange, SourceEvent
from trackerscan.sessions.known import known_from_meta

_RANK = {Level.NONE: 0, Level.WATCH: 1, Level.ALERT: 2}


@dataclass
class DeviceFinding:
    """One device and what is known about it."""

    device_id: str
    level: Level
    state: DeviceState | None  # from the re-run (None: only the live record knows it)
    history: list[HeardPoint]
    changes: list[LevelChange] = field(default_factory=list)  # live and re-run, in time order

    @property
    def addresses(self) -> tuple[str, ...]:
        out: dict[str, None] = {}
        if self.state is not None:
            out.update(dict.fromkeys(self.state.addresses))
        for c in self.changes:
            out.update(dict.fromkeys(c.addresses))
        return tuple(out)

    @property
    def identifiers(self) -> tuple[str, ...]:
        out: dict[str, None] = {}
        if self.state is not None:
            out.update(dict.fromkeys(self.state.identifiers))
        for c in self.changes:
            out.update(dict.fromkeys(c.identifiers))
        return tuple(out)

    @property
    def explanation(self) -> str:
        best = max(self.changes, key=lambda c: (_RANK[c.level], c.time), default=None)
        if best is not None:
            return best.explanation
        return self.state.explanation if self.state is not None else ""

    @property
    def positioned(self) -> list[HeardPoint]:
        return [p for p in self.history if p.lat is not None and p.lon is not None]


@dataclass
class SessionAnalysis:
    path: Path
    meta: dict[str, str]
    summary: SessionSummary
    counts: dict[str, int]
    track: list[Fix]
    source_events: list[SourceEvent]
    flagged: list[DeviceFinding]  # reached watch/alert, alerts first
    trackers: list[DeviceFinding]  # every tracker heard, flagged or not
    recorded_changes: list[LevelChange]
    rerun_changes: list[LevelChange]
    sha256: str
    sensitivity: str


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def settle(path: Path) -> None:
    """Fold a cut session's -wal file into the database, so the one file holds everything.

    Only for sessions in the data folder (a copy elsewhere is evidence, never changed by reading it);
    skipped (harmlessly) for a session being recorded, a read-only file, or a -wal that is not a
    regular file.
    """
    wal = path.with_name(path.name + "-wal")
    try:
        if not stat.S_ISREG(os.lstat(wal).st_mode) or not os.lstat(wal).st_size:
            return
    except OSError:
        return
    if is_recording(path) or not os.access(path.parent, os.W_OK):
        return
    with contextlib.suppress(sqlite3.Error, OSError, SessionError), Session.open(path, writable=True) as s:
        s.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def analyse(path: Path, sensitivity: str | None = None, known_path: str | None = None) -> SessionAnalysis:
    """Run the engine over the session again and gather what exports and reports show."""
    with Session.open(path) as s:
        meta = s.meta()
        summary = s.summary()
        counts = s.counts()
        recorded = s.level_changes()
        source_events = list(s.source_events())
        sens = sensitivity or meta.get("sensitivity", "medium")
        # the devices the session was recorded with as the user's own, and any given now
        known = union(known_from_meta(meta), KnownDevices.load(known_path) if known_path else KnownDevices())
        engine = make_engine(sens, known=known, keep_all=True)
        rerun: list[LevelChange] = []
        for event in s.events():
            rerun.extend(engine.feed(event))
        rerun.extend(engine.finish())
    digest = sha256_file(path)
    states = engine.devices()
    by_id = {d.device_id: d for d in states}
    by_addr = {a: d for d in states for a in d.addresses}
    history: Callable[[str], list[HeardPoint]] = engine.history
    track: list[Fix] = engine.track()

    findings: dict[str, DeviceFinding] = {}

    def finding_for(device_id: str, addresses: tuple[str, ...]) -> DeviceFinding:
        state = by_id.get(device_id) or next((by_addr[a] for a in addresses if a in by_addr), None)
        key = state.device_id if state is not None else device_id
        f = findings.get(key)
        if f is None:
            f = findings[key] = DeviceFinding(key, Level.NONE, state, history(key) if state else [])
        return f

    for c in [*recorded, *rerun]:
        f = finding_for(c.device_id, c.addresses)
        f.changes.append(c)
        if _RANK[c.level] > _RANK[f.level]:
            f.level = c.level
    for d in states:
        if d.level is not Level.NONE:
            f = finding_for(d.device_id, d.addresses)
            if _RANK[d.level] > _RANK[f.level]:
                f.level = d.level
    for f in findings.values():
        f.changes.sort(key=lambda c: c.time)
    if known.addresses or known.identifiers:  # the user's own devices are left out, even if they were
        for key, f in list(findings.items()):  # flagged while recording
            if (f.state is not None and f.state.known) or any(a.upper() in known.addresses
                                                               for a in f.addresses):
                del findings[key]
    flagged = sorted((f for f in findings.values() if f.level is not Level.NONE),
                     key=lambda f: (-_RANK[f.level], f.changes[0].time if f.changes else 0.0))
    trackers = [findings.get(d.device_id) or DeviceFinding(d.device_id, d.level, d, history(d.device_id))
                for d in states if d.tracker]
    if not track:
        with Session.open(path) as s:
            track = list(s.fixes())
    return SessionAnalysis(path, meta, summary, counts, track, source_events, flagged, trackers, recorded,
                           rerun, digest, sens)
