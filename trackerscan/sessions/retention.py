"""Retention: bystanders' devices are not the user's business.

Raw sightings (advertisement bytes, RSSI, time) are kept for trackers and for
every device that reached `watch` or `alert`.  Everything else is reduced to
counts per address (how many sightings, first and last time, RSSI range)
once it is older than `DEFAULT_KEEP_HOURS`.  The step runs when a live session is
closed (`trackerscan.live.LiveSession`, for every front end); it never touches evidence of a
watch/alert device, and it overwrites what it removes (``secure_delete``) so
the bytes do not linger in free pages.
"""

from __future__ import annotations

import json
import math
import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from trackerscan.adv import classify
from trackerscan.errors import SessionError
from trackerscan.formats.session import Session, is_recording
from trackerscan.model import AddressType

# Bystanders' raw sightings are reduced to counts after this many hours (the issue: 24 h).  Set by
# --keep-hours or TRACKERSCAN_KEEP_HOURS; a negative value keeps everything.
DEFAULT_KEEP_HOURS = 24.0
ENV_KEEP_HOURS = "TRACKERSCAN_KEEP_HOURS"


def keep_hours(override: float | None = None) -> float:
    """The retention period in hours: ``override``, else $TRACKERSCAN_KEEP_HOURS, else 24.

    NaN is refused: no sighting is older than NaN hours, so it silently kept everything.
    """
    if override is not None:
        if math.isnan(override):
            raise SessionError("--keep-hours must be a number of hours (negative: keep everything).")
        return override
    text = os.environ.get(ENV_KEEP_HOURS)
    if text:
        try:
            hours = float(text)
        except ValueError:
            hours = math.nan
        if math.isnan(hours):
            raise SessionError(f"{ENV_KEEP_HOURS}={text!r} is not a number of hours.")
        return hours
    return DEFAULT_KEEP_HOURS


@dataclass(frozen=True, slots=True)
class RetentionResult:
    reduced_sightings: int
    reduced_addresses: int
    protected_addresses: int


def protected_emitters(conn: sqlite3.Connection) -> set[int]:
    """Emitter ids whose raw sightings are evidence: trackers and devices that reached watch/alert."""
    flagged: set[str] = set()
    for (addresses,) in conn.execute("SELECT addresses FROM level_change"):
        flagged.update(str(a).upper() for a in json.loads(addresses))
    keep: set[int] = set()
    emitters = {
        eid: (address, AddressType(atype))
        for eid, address, atype in conn.execute("SELECT id, address, address_type FROM emitter")
    }
    for eid, (address, _atype) in emitters.items():
        if address.upper() in flagged:
            keep.add(eid)
    seen: set[tuple[int, int]] = set()
    cur = conn.execute("SELECT DISTINCT s.emitter, s.payload, p.adv FROM sighting s JOIN payload p "
                       "ON p.id = s.payload")
    for eid, pid, adv in cur:
        if eid in keep or (eid, pid) in seen:
            continue
        seen.add((eid, pid))
        address, atype = emitters[eid]
        if classify(adv, address, atype).tracker:
            keep.add(eid)
    return keep


def apply_retention(path: Path, now: float, hours: float | None = None) -> RetentionResult | None:
    """Reduce bystanders' sightings older than ``hours`` (at ``now``) to counts.

    Returns None when nothing could be done: a session being recorded by
    another process, a read-only file, or retention switched off.
    """
    hours = keep_hours(hours)
    if hours < 0 or not os.access(path, os.W_OK) or not os.access(path.parent, os.W_OK):
        return None
    with Session.open(path) as ro:
        meta = ro.meta()
        if meta.get("retention_complete") == repr(hours):
            return RetentionResult(0, 0, 0)  # a finished session already past its retention: nothing to do
        # Age counts from when the data was recorded (wall clock), not from the times inside a
        # replayed recording: shift by the difference between the two clocks at the session start.
        try:
            offset = float(meta["started"]) - float(meta["first_event"])
        except (KeyError, ValueError):
            offset = 0.0
        cutoff_ms = round((now - hours * 3600.0 - max(0.0, offset)) * 1000.0)
        # rows are stored in arrival order: the first row is the oldest (to a second or so), no full scan
        oldest = ro.conn.execute("SELECT t_ms FROM sighting ORDER BY rowid LIMIT 1").fetchone()
        oldest = oldest[0] if oldest else None
        newest = ro.conn.execute("SELECT t_ms FROM sighting ORDER BY rowid DESC LIMIT 1").fetchone()
        # once the newest sighting is past the cutoff of a finished session, this pass is the last one
        # (rows written late, held while they were first sightings, are at most the lag behind it)
        lag_ms = ro.sighting_lag_ms()
        complete = newest is not None and newest[0] + lag_ms < cutoff_ms and "ended" in meta
    if oldest is None or oldest >= cutoff_ms:
        _record(path, hours, now)
        return RetentionResult(0, 0, 0)
    if is_recording(path):
        return None
    with Session.open(path, writable=True) as s:
        c = s.conn
        try:
            keep = protected_emitters(c)
            c.execute("PRAGMA secure_delete=ON")
            c.execute("BEGIN IMMEDIATE")
            c.execute("CREATE TEMP TABLE keep(id INTEGER PRIMARY KEY)")
            c.executemany("INSERT INTO keep VALUES (?)", ((k,) for k in keep))
            rows = c.execute(
                "SELECT emitter, count(*), min(t_ms), max(t_ms), min(rssi), max(rssi) FROM sighting "
                "WHERE t_ms < ? AND emitter NOT IN (SELECT id FROM keep) GROUP BY emitter", (cutoff_ms,)
            ).fetchall()
            if not rows:  # nothing to reduce: leave the file (and its SHA-256) as it is
                c.execute("ROLLBACK")
                _record(path, hours, now, complete)
                return RetentionResult(0, 0, len(keep))
            for eid, n, first, last, rmin, rmax in rows:
                c.execute(
                    "INSERT INTO sighting_count VALUES (?,?,?,?,?,?) ON CONFLICT(emitter) DO UPDATE SET "
                    "n = n + excluded.n, first_ms = min(first_ms, excluded.first_ms), "
                    "last_ms = max(last_ms, excluded.last_ms), rssi_min = min(rssi_min, excluded.rssi_min), "
                    "rssi_max = max(rssi_max, excluded.rssi_max)",
                    (eid, n, first, last, rmin, rmax),
                )
            c.execute("DELETE FROM sighting WHERE t_ms < ? AND emitter NOT IN (SELECT id FROM keep)",
                      (cutoff_ms,))
            c.execute("DELETE FROM payload WHERE id NOT IN (SELECT DISTINCT payload FROM sighting)")
            c.execute("DROP TABLE keep")
            reduced = sum(r[1] for r in rows)
            c.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)", [
                ("retention_hours", repr(hours)),
                ("retention_applied", repr(now)),
                ("retention_reduced", str(int(_meta_int(c, "retention_reduced") + reduced))),
            ])
            if complete:
                c.execute("INSERT OR REPLACE INTO meta VALUES ('retention_complete', ?)", (repr(hours),))
            c.execute("COMMIT")
            c.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        except sqlite3.Error as exc:
            if c.in_transaction:
                c.execute("ROLLBACK")
            raise SessionError(f"Cannot apply retention to {path}: {exc}.") from exc
    return RetentionResult(reduced, len(rows), len(keep))


def _meta_int(c: sqlite3.Connection, key: str) -> int:
    row = c.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
    return int(row[0]) if row else 0


def _record(path: Path, hours: float, now: float, complete: bool = False) -> None:
    """Note the retention period in the session (the report states it), and when it is complete."""
    if is_recording(path):
        return
    try:
        with Session.open(path) as ro:
            meta = ro.meta()
        wanted = {"retention_hours": repr(hours)}
        if complete:
            wanted["retention_complete"] = repr(hours)
        if all(meta.get(k) == v for k, v in wanted.items()):
            return  # nothing to write: the file (and its SHA-256) stays as it is
        with Session.open(path, writable=True) as s:
            s.conn.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)", wanted.items())
    except (SessionError, sqlite3.Error):
        pass
