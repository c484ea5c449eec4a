"""Recording a session (the format: `trackerscan.formats.session`).

Durability.  The database is in WAL mode and the writer commits at least once
per second (`SessionWriter.flush`, driven by the pipeline).  A commit appends
to the -wal file; with ``synchronous=FULL`` the -wal file is fsync'ed at each
commit, so after a kill -9 *or a power cut* everything committed is there and
at most the last second of sightings is lost.  (``synchronous=NORMAL`` would
survive a crash of the process but, on a power cut, could lose every commit
since the last checkpoint; one fsync a second costs little, see
bench/bench_storage.py.)  SQLite replays the -wal file when the session is
next opened, so a killed session opens and analyses like any other.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import sqlite3
from collections.abc import Iterable, Mapping
from pathlib import Path

from trackerscan.errors import SessionError
from trackerscan.filelock import lock_exclusive
from trackerscan.formats.session import RF_SCHEMA, SCHEMA, SCHEMA_VERSION
from trackerscan.formats.session_file import APPLICATION_ID
from trackerscan.model import (
    AddressType,
    Event,
    Fix,
    LevelChange,
    NoFix,
    PlaceMark,
    Sighting,
    SourceEvent,
)
from trackerscan.rf.records import Coverage, Transmitter
from trackerscan.sessions import paths

# Distinct advertisements remembered while recording, to store each once.
# Beyond this many the memo is cleared (repeats are then stored again): bounds
# memory on a busy street at the cost of a little disk.
PAYLOAD_MEMO_MAX = 200_000
# The emitter and payload memos hold what was heard in the last one to two generations of this many
# seconds (event time), so that a busy street (20,000 new addresses an hour, bench/soak.py) does not
# pile them up (issue #8): each generation the memo of the one before is dropped and what was heard
# again moves up.  A quarter of an hour is the rotation period of phones' and near-owner tags'
# addresses; what comes back later costs one more payload row, and an emitter is looked up in the
# file (guarded by MEMO_EVICTED_BITS below), so each emitter row stays unique.
MEMO_GENERATION_S = 15 * 60.0
# A generation also ends when its emitter memo holds this many (issue #13): a BLE spam flood brings
# a fresh address with every frame (300 a second is 270,000 in a generation, ~70 MB of memo), none
# heard again.  A busy street's quarter of an hour brings ~5,000.
EMITTER_MEMO_MAX = 50_000
# Bits of the filter of emitters dropped from the memo (2 MiB, three bits per emitter): a false
# "maybe" costs one scan of the emitter table.  About 0.1 % of new addresses at 1 million dropped
# emitters (50 h of a busy street), 2.6 % at 2 million.
MEMO_EVICTED_BITS = 1 << 24


def _ms(t: float) -> int:
    return round(t * 1000.0)



EmitterKey = tuple[str, AddressType, str, bool | None]


def _bit_indexes(key: EmitterKey) -> tuple[int, int, int]:
    """The filter bits of an emitter (MEMO_EVICTED_BITS): three hashes, stable within the process."""
    m = MEMO_EVICTED_BITS - 1
    return hash((1, key)) & m, hash((2, key)) & m, hash((3, key)) & m


def _maybe_in(bits: bytearray, key: EmitterKey) -> bool:
    return all(bits[i >> 3] & (1 << (i & 7)) for i in _bit_indexes(key))


class SessionWriter:
    """Records one session.  Not thread-safe: one writer, one thread (the pipeline's).

    `add` buffers; `flush` writes the buffer in one transaction.  The caller
    flushes at least once a second (the pipeline does, every
    `trackerscan.pipeline.FLUSH_INTERVAL_S`).
    """

    def __init__(self, path: Path, conn: sqlite3.Connection, lock_fd: int) -> None:
        self.path = path
        self._conn = conn
        self._lock_fd = lock_fd
        self._emitters: dict[EmitterKey, int] = {}  # this generation (MEMO_GENERATION_S)
        self._old_emitters: dict[EmitterKey, int] = {}  # the one before
        self._evicted: bytearray | None = None  # filter of emitters dropped from the memo
        self._next_emitter = 1
        self._payloads: dict[bytes, int] = {}
        self._old_payloads: dict[bytes, int] = {}
        self._next_payload = 1
        self._memo_until = -math.inf  # event time at which the memos move on a generation
        self._new_emitters: list[tuple[int, str, str, str, int | None]] = []
        self._new_payloads: list[tuple[int, bytes]] = []
        self._sightings: list[tuple[int, int, int, int | None]] = []
        self._fixes: list[tuple[object, ...]] = []
        self._nofixes: list[tuple[int, str, str]] = []
        self._source_events: list[tuple[object, ...]] = []
        self._place_marks: list[tuple[int, str]] = []
        self._level_changes: list[tuple[object, ...]] = []
        self._meta: dict[str, str] = {}
        self.written = 0  # records committed so far
        self.last_time: float | None = None
        self.closed = False

    @classmethod
    def create(
        cls,
        directory: Path,
        started: float,
        meta: Mapping[str, str] | None = None,
        synchronous: str = "FULL",
    ) -> SessionWriter:
        """A new session file in ``directory`` (created 0700), named after ``started``; file mode 0600."""
        paths.private_dir(directory)
        base = paths.session_name(started)
        for n in range(1, 1000):
            path = directory / f"{base}{'' if n == 1 else f'-{n}'}{paths.SESSION_SUFFIX}"
            try:
                fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL, paths.FILE_MODE)
                break
            except FileExistsError:
                continue
            except OSError as exc:
                raise SessionError(f"Cannot create a session in {directory}: {exc.strerror}.") from exc
        else:
            raise SessionError(f"Too many sessions named {base} in {directory}.")
        lock_exclusive(fd)
        conn: sqlite3.Connection | None = None
        try:
            conn = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute(f"PRAGMA synchronous={synchronous}")
            conn.executescript(
                f"BEGIN;\n{SCHEMA}\nPRAGMA application_id={APPLICATION_ID};\n"
                f"PRAGMA user_version={SCHEMA_VERSION};\nCOMMIT;"
            )
            values = {"started": repr(started), "format": str(SCHEMA_VERSION), **(meta or {})}
            conn.execute("BEGIN")
            conn.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)", values.items())
            conn.execute("COMMIT")
        except sqlite3.Error as exc:
            # Nothing of the user's is in it yet: a full disk must not leave a broken shell behind.
            if conn is not None:
                with contextlib.suppress(sqlite3.Error):
                    conn.close()
            os.close(fd)
            for leftover in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
                with contextlib.suppress(OSError):
                    leftover.unlink()
            raise SessionError(f"Cannot create the session database {path}: {exc}.") from exc
        return cls(path, conn, fd)

    # ----------------------------------------------------------------- buffering

    def add(self, event: Event | LevelChange) -> None:
        """Buffer one record (written at the next `flush`)."""
        if type(event) is Sighting:
            self.add_sighting(event)
        elif type(event) is Fix:
            self._fixes.append((
                _ms(event.time), event.lat, event.lon, event.alt, event.speed_mps, event.course, event.hdop,
                event.accuracy_m, int(event.mode), event.satellites, event.source,
            ))
        elif isinstance(event, NoFix):
            self._nofixes.append((_ms(event.time), event.source, event.reason))
        elif isinstance(event, SourceEvent):
            self._source_events.append(
                (_ms(event.time), event.source, event.kind.value, event.detail, event.value)
            )
        elif isinstance(event, PlaceMark):
            self._place_marks.append((_ms(event.time), event.label))
        elif isinstance(event, LevelChange):
            self._level_changes.append((
                _ms(event.time), event.device_id, event.level.value, event.kind.value if event.kind else None,
                json.dumps(list(event.addresses)), json.dumps(list(event.identifiers)), _ms(event.first_seen),
                _ms(event.last_seen), event.places, event.span_m, event.duration_s, event.explanation,
                event.confidence,
            ))
        else:
            raise TypeError(f"cannot record {type(event).__name__}")
        if self.last_time is None:
            # the first event's own time: with the wall-clock "started", it tells how far a
            # replayed recording's clock is from the time it was recorded (retention uses it)
            self._meta["first_event"] = repr(event.time)
        self.last_time = event.time

    def add_sighting(self, s: Sighting) -> None:
        if s.time >= self._memo_until:
            self._next_generation(s.time)
        key = (s.address, s.address_type, s.source, s.connectable)
        eid = self._emitters.get(key)
        if eid is None:
            if len(self._emitters) >= EMITTER_MEMO_MAX:
                self._next_generation(s.time)
            eid = self._emitter(key)
        pid = self._payloads.get(s.adv)
        if pid is None:
            pid = self._old_payloads.get(s.adv)
            if pid is not None:
                self._payloads[s.adv] = pid
            else:
                if len(self._payloads) >= PAYLOAD_MEMO_MAX:
                    self._payloads.clear()
                pid = self._payloads[s.adv] = self._next_payload
                self._next_payload += 1
                self._new_payloads.append((pid, s.adv))
        self._sightings.append((_ms(s.time), eid, pid, s.rssi))

    def _emitter(self, key: EmitterKey) -> int:
        """The id of an emitter missing from this generation's memo: remembered, found, or new."""
        eid = self._old_emitters.get(key)
        if eid is None and self._evicted is not None and _maybe_in(self._evicted, key):
            eid = self._stored_emitter(key)
        if eid is None:
            eid = self._next_emitter
            self._next_emitter += 1
            address, address_type, source, connectable = key
            conn = None if connectable is None else int(connectable)
            self._new_emitters.append((eid, address, address_type.value, source, conn))
        self._emitters[key] = eid
        return eid

    def _stored_emitter(self, key: EmitterKey) -> int | None:
        """The id of an emitter already written (dropped from the memo), or None."""
        address, address_type, source, connectable = key
        conn = None if connectable is None else int(connectable)
        for row in self._new_emitters:  # not yet flushed
            if row[1:] == (address, address_type.value, source, conn):
                return row[0]
        try:
            found = self._conn.execute(
                "SELECT id FROM emitter WHERE address = ? AND address_type = ? AND source = ? "
                "AND connectable IS ? LIMIT 1", (address, address_type.value, source, conn)
            ).fetchone()
        except sqlite3.Error:
            return None  # unreadable: a second row for the same emitter is still a valid session
        return None if found is None else int(found[0])

    def _next_generation(self, t: float) -> None:
        """Drop the memos' older generation (MEMO_GENERATION_S); its emitters go into the filter."""
        if self._old_emitters:
            bits = self._evicted
            if bits is None:
                bits = self._evicted = bytearray(MEMO_EVICTED_BITS // 8)
            for key in self._old_emitters.keys() - self._emitters.keys():
                for i in _bit_indexes(key):
                    bits[i >> 3] |= 1 << (i & 7)
        self._old_emitters, self._emitters = self._emitters, {}
        self._old_payloads, self._payloads = self._payloads, {}
        self._memo_until = t + MEMO_GENERATION_S

    def set_meta(self, key: str, value: str) -> None:
        self._meta[key] = value

    @property
    def pending(self) -> int:
        return (len(self._sightings) + len(self._fixes) + len(self._nofixes) + len(self._source_events)
                + len(self._place_marks) + len(self._level_changes))

    def flush(self) -> int:
        """Commit everything buffered in one transaction; returns the number of records written."""
        n = self.pending
        if not n and not self._meta and not self._new_emitters:
            return 0
        c = self._conn
        try:
            c.execute("BEGIN")
            if self._new_emitters:
                c.executemany("INSERT INTO emitter VALUES (?,?,?,?,?)", self._new_emitters)
            if self._new_payloads:
                c.executemany("INSERT INTO payload VALUES (?,?)", self._new_payloads)
            if self._sightings:
                c.executemany("INSERT INTO sighting VALUES (?,?,?,?)", self._sightings)
            if self._fixes:
                c.executemany("INSERT INTO fix VALUES (?,?,?,?,?,?,?,?,?,?,?)", self._fixes)
            if self._nofixes:
                c.executemany("INSERT INTO nofix VALUES (?,?,?)", self._nofixes)
            if self._source_events:
                c.executemany("INSERT INTO source_event VALUES (?,?,?,?,?)", self._source_events)
            if self._place_marks:
                c.executemany("INSERT INTO place_mark VALUES (?,?)", self._place_marks)
            if self._level_changes:
                c.executemany(
                    "INSERT INTO level_change VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)", self._level_changes
                )
            if self._meta:
                c.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)", self._meta.items())
            c.execute("COMMIT")
        except sqlite3.Error as exc:
            with contextlib.suppress(sqlite3.Error):
                c.execute("ROLLBACK")
            raise SessionError(f"Cannot write to the session {self.path}: {exc}.") from exc
        for buf in (self._new_emitters, self._new_payloads, self._sightings, self._fixes, self._nofixes,
                    self._source_events, self._place_marks, self._level_changes):
            buf.clear()
        self._meta.clear()
        self.written += n
        return n

    def record_rf(self, t: float, source: str, found: Iterable[Transmitter],
                  covered: Iterable[Coverage]) -> None:
        """Write what an RF sweep found and covered, at once, in one transaction."""
        c = self._conn
        try:
            c.executescript(f"BEGIN;\n{RF_SCHEMA}\nCOMMIT;")
            c.execute("BEGIN")
            c.executemany("INSERT INTO rf_transmitter VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)", [
                (_ms(t), source, x.band, x.low_hz, x.high_hz, x.period_s, x.bursts, _ms(x.first_seen),
                 _ms(x.last_seen), x.peak_db, x.confidence, x.jitter_s, x.floor_db) for x in found])
            c.executemany("INSERT INTO rf_coverage VALUES (?,?,?,?,?,?)",
                          [(_ms(t), source, x.band, x.low_hz, x.high_hz, x.seconds) for x in covered])
            c.execute("COMMIT")
        except sqlite3.Error as exc:
            with contextlib.suppress(sqlite3.Error):
                c.execute("ROLLBACK")
            raise SessionError(f"Cannot write to the session {self.path}: {exc}.") from exc

    def close(self, ended: float | None = None, meta: Mapping[str, str] | None = None) -> None:
        """Write what is buffered, mark the session finished at ``ended`` and release it."""
        if self.closed:
            return
        try:
            if ended is not None:
                self._meta["ended"] = repr(ended)
            self._meta.update(meta or {})
            self.flush()
            with contextlib.suppress(sqlite3.Error):
                self._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            self._conn.close()
            os.close(self._lock_fd)
            self.closed = True
