"""The session format: one SQLite database per recording session, and its reader.

Layout (``PRAGMA user_version`` = `SCHEMA_VERSION`, ``application_id`` =
`APPLICATION_ID`, so a foreign database is recognised before anything is read):

- ``emitter``: each (address, address type, source, connectable) once;
  ``payload``: each distinct advertisement once;
- ``sighting(t_ms, emitter, payload, rssi)``: one small row per advertisement
  heard (integer milliseconds since the epoch, UTC), about 25 bytes on disk;
- ``fix``, ``nofix``, ``source_event``, ``place_mark``, ``level_change``:
  the other records, one row each; ``sighting_count``: what the retention
  step reduced to counts; ``meta``: key/value facts about the session;
- ``first_count``: addresses heard that never became devices (a spam flood's),
  kept only as counts per minute, source and kind (sessions from before it
  have no such table).

`trackerscan.sessions.writer` records sessions; this module reads them (replay,
analysis, reports, export) and treats every file as hostile: `Session` checks
the header, the schema and each row, and bounds what a query may cost.
"""

from __future__ import annotations

import contextlib
import heapq
import json
import math
import os
import shutil
import sqlite3
import stat
import tempfile
import time
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

from trackerscan.errors import SessionError
from trackerscan.filelock import is_locked
from trackerscan.formats.session_file import APPLICATION_ID, check_session_fd, open_regular, session_files
from trackerscan.geo import track_length_m
from trackerscan.model import (
    AddressType,
    Event,
    Fix,
    FixMode,
    Kind,
    Level,
    LevelChange,
    NoFix,
    PlaceMark,
    Sighting,
    SourceEvent,
    SourceEventKind,
)
from trackerscan.rf.records import Coverage, Transmitter
from trackerscan.safetext import is_digits

SCHEMA_VERSION = 1
# Sighting rows are in time order but for those the writer held back while their address was a first
# sighting (sessions/writer.py, issue #13), written when it became a device: ``meta`` says how late
# (``sighting_lag_ms``) and the reader puts them back in order.  Never more than this (seconds: the
# engine keeps a first sighting 5 min unheard, and promotes it 20 s after it was first heard), which
# also bounds what a hostile file can make the reader hold.
LAG_META_KEY = "sighting_lag_ms"
SIGHTING_LAG_MAX_S = 900.0
# Metadata of a recorded radio sweep (sessions/radio.py writes them; the summary and the report read them):
RF_FIRST_KEY = "rf_first"  # UTC epoch seconds of the sweep's first line (a replay's: the recording's own)
RF_LAST_KEY = "rf_last"  # ... and of its last
RF_REPLAYED_KEY = "rf_replayed"  # "1" when the sweep was read from a recording (replay:FILE), else "0"

# Bounds on reading a session someone else may have made (issue #12).  Times outside 1990-2100 cannot
# come from a real recording (and years past 9999 cannot even be printed): such a row marks the file
# as damaged.
T_MS_MIN = 631_152_000_000  # 1990-01-01T00:00:00Z
T_MS_MAX = 4_102_444_800_000  # 2100-01-01T00:00:00Z
# A query on a session that yields no row for this long is stopped and the file reported as damaged:
# a hostile file (a recursive view, a huge crafted index) must not hang a command.  A real session's
# slowest query (count(DISTINCT address) over a million emitters) takes about a second.
QUERY_STALL_S = 20.0
# SQLite virtual-machine steps between two looks at the clock (about a millisecond of work).
_PROGRESS_STEPS = 20_000
# Largest string or blob read from a session: advertisements are at most 1,650 bytes, the longest text
# (a level change's address list over days of rotation) a few kilobytes.
VALUE_MAX_BYTES = 1 << 24
# The tables and columns this version reads; a session may hold more (a later table, e.g. RF sweeps).
REQUIRED_COLUMNS: dict[str, tuple[str, ...]] = {
    "meta": ("key", "value"),
    "emitter": ("id", "address", "address_type", "source", "connectable"),
    "payload": ("id", "adv"),
    "sighting": ("t_ms", "emitter", "payload", "rssi"),
    "sighting_count": ("emitter", "n", "first_ms", "last_ms", "rssi_min", "rssi_max"),
    "fix": ("t_ms", "lat", "lon", "alt", "speed_mps", "course", "hdop", "accuracy_m", "mode", "satellites",
            "source"),
    "nofix": ("t_ms", "source", "reason"),
    "source_event": ("t_ms", "source", "kind", "detail", "value"),
    "place_mark": ("t_ms", "label"),
    "level_change": ("t_ms", "device_id", "level", "kind", "addresses", "identifiers", "first_ms", "last_ms",
                     "places", "span_m", "duration_s", "explanation", "confidence"),
}

SCHEMA = """
CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE emitter(id INTEGER PRIMARY KEY, address TEXT NOT NULL, address_type TEXT NOT NULL,
                     source TEXT NOT NULL, connectable INTEGER);
-- the writer's "written before?" look-up of an address dropped from its memo (sessions/writer.py)
CREATE INDEX emitter_address ON emitter(address);
CREATE TABLE payload(id INTEGER PRIMARY KEY, adv BLOB NOT NULL);
CREATE TABLE sighting(t_ms INTEGER NOT NULL, emitter INTEGER NOT NULL, payload INTEGER NOT NULL,
                      rssi INTEGER);
CREATE TABLE sighting_count(emitter INTEGER PRIMARY KEY, n INTEGER NOT NULL, first_ms INTEGER NOT NULL,
                            last_ms INTEGER NOT NULL, rssi_min INTEGER, rssi_max INTEGER);
CREATE TABLE fix(t_ms INTEGER NOT NULL, lat REAL NOT NULL, lon REAL NOT NULL, alt REAL, speed_mps REAL,
                 course REAL, hdop REAL, accuracy_m REAL, mode INTEGER NOT NULL, satellites INTEGER,
                 source TEXT NOT NULL);
CREATE TABLE nofix(t_ms INTEGER NOT NULL, source TEXT NOT NULL, reason TEXT NOT NULL);
CREATE TABLE source_event(t_ms INTEGER NOT NULL, source TEXT NOT NULL, kind TEXT NOT NULL,
                          detail TEXT NOT NULL, value REAL);
CREATE TABLE place_mark(t_ms INTEGER NOT NULL, label TEXT NOT NULL);
CREATE TABLE level_change(t_ms INTEGER NOT NULL, device_id TEXT NOT NULL, level TEXT NOT NULL, kind TEXT,
                          addresses TEXT NOT NULL, identifiers TEXT NOT NULL, first_ms INTEGER NOT NULL,
                          last_ms INTEGER NOT NULL, places INTEGER NOT NULL, span_m REAL NOT NULL,
                          duration_s REAL NOT NULL, explanation TEXT NOT NULL, confidence REAL NOT NULL);
CREATE TABLE first_count(minute_ms INTEGER NOT NULL, source TEXT NOT NULL, kind TEXT NOT NULL,
                         tracker INTEGER NOT NULL, addresses INTEGER NOT NULL, sightings INTEGER NOT NULL,
                         rssi_min INTEGER, rssi_max INTEGER, PRIMARY KEY(minute_ms, source, kind, tracker))
                         WITHOUT ROWID;
"""

# Cellular-tracker sweeps (trackerscan rf sweep): created when first written, so sessions from before
# them, and Bluetooth-only sessions, have no such tables and still open (Session.rf_results: empty).
RF_SCHEMA = """
CREATE TABLE IF NOT EXISTS rf_transmitter(t_ms INTEGER NOT NULL, source TEXT NOT NULL, band TEXT NOT NULL,
                     low_hz INTEGER NOT NULL, high_hz INTEGER NOT NULL, period_s REAL NOT NULL,
                     bursts INTEGER NOT NULL, first_ms INTEGER NOT NULL, last_ms INTEGER NOT NULL,
                     peak_db REAL NOT NULL, confidence REAL NOT NULL, jitter_s REAL NOT NULL,
                     floor_db REAL NOT NULL);
CREATE TABLE IF NOT EXISTS rf_coverage(t_ms INTEGER NOT NULL, source TEXT NOT NULL, band TEXT NOT NULL,
                     low_hz INTEGER NOT NULL, high_hz INTEGER NOT NULL, seconds REAL NOT NULL);
"""


def _t(ms: int) -> float:
    return ms / 1000.0


# --------------------------------------------------------------------------- opening


def _uri(path: Path, mode: str) -> str:
    return f"file:{quote(str(path.resolve()))}?mode={mode}"


def _unsettled(path: Path) -> bool:
    """True when a regular -wal file beside ``path`` holds data not yet in the database (a cut recording)."""
    try:
        st = os.lstat(path.with_name(path.name + "-wal"))
    except OSError:
        return False
    return stat.S_ISREG(st.st_mode) and st.st_size > 0


class _Snapshot:
    """A private copy (0700 folder) of a cut recording's database and -wal, read instead of the originals.

    SQLite reading a -wal rebuilds the -shm index beside it; reading a copy leaves the session's own
    files, wherever they are, exactly as they were.
    """

    def __init__(self, path: Path) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="trackerscan-read-"))
        self.path = self.folder / "session.sqlite"
        try:
            for src, dest in ((path, self.path), (path.with_name(path.name + "-wal"),
                                                  self.path.with_name(self.path.name + "-wal"))):
                fd = open_regular(src)
                try:
                    with os.fdopen(os.dup(fd), "rb") as fin, open(dest, "xb") as fout:
                        shutil.copyfileobj(fin, fout, 1 << 20)
                finally:
                    os.close(fd)
        except (OSError, SessionError):
            self.close()
            raise

    def close(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


def _connect_ro(path: Path) -> tuple[sqlite3.Connection, _Snapshot | None]:
    """A read-only connection that changes no file of the session: immutable when it is settled, a
    private copy when a cut recording's -wal holds data, beside the writer while one records it."""
    if is_recording(path):
        return sqlite3.connect(_uri(path, "ro"), uri=True, isolation_level=None), None
    if _unsettled(path):
        snapshot = _Snapshot(path)
        try:
            return sqlite3.connect(_uri(snapshot.path, "ro"), uri=True, isolation_level=None), snapshot
        except sqlite3.Error:
            snapshot.close()
            raise
    return sqlite3.connect(_uri(path, "ro") + "&immutable=1", uri=True, isolation_level=None), None


# What SQLite raises on a damaged file: its own errors, and text that is not UTF-8 (as Python decodes it).
_DB_ERRORS = (sqlite3.DatabaseError, UnicodeDecodeError)


def _damaged(path: Path, exc: BaseException) -> SessionError:
    return SessionError(f"{path} is damaged or not a trackerscan session ({exc}); it was left untouched.")


def check_session_file(path: Path) -> None:
    """Raise a one-sentence `SessionError` unless ``path`` is a session this version can read.

    Opens it read-only (`Session.open`): a foreign or damaged file is never written to.
    """
    Session.open(path).close()


def _check_fd(path: Path) -> None:
    """The file's own header, read through a descriptor that followed no link."""
    fd = open_regular(path)
    try:
        check_session_fd(fd, path)
    except OSError as exc:
        raise SessionError(f"Cannot read {path}: {exc.strerror}.") from None
    finally:
        os.close(fd)


def _check_header(path: Path, app_id: int, version: int) -> None:
    if app_id != APPLICATION_ID:
        raise SessionError(
            f"{path} is an SQLite database but not a trackerscan session; it was left untouched."
        )
    if version > SCHEMA_VERSION:
        raise SessionError(
            f"{path} was recorded by a newer trackerscan (session format {version}, this one reads up to "
            f"{SCHEMA_VERSION}); update trackerscan to open it."
        )
    if version < 1:
        raise SessionError(f"{path} is an unfinished or damaged session header; it was left untouched.")


def is_recording(path: Path) -> bool:
    """True while a `SessionWriter` holds the session (another process or this one)."""
    try:
        fd = open_regular(path)
    except SessionError:
        return False
    try:
        return is_locked(fd)
    finally:
        os.close(fd)  # closing releases the probe lock


class _Stall:
    """The progress handler that stops a query yielding no row for `QUERY_STALL_S` (see `Session`)."""

    def __init__(self) -> None:
        self.deadline = time.monotonic() + QUERY_STALL_S

    def reset(self) -> None:
        self.deadline = time.monotonic() + QUERY_STALL_S

    def __call__(self) -> int:
        return 1 if time.monotonic() > self.deadline else 0


def _guard(conn: sqlite3.Connection) -> _Stall:
    """Bound what a hostile file can make this connection do; returns its stall guard."""
    stall = _Stall()
    conn.set_progress_handler(stall, _PROGRESS_STEPS)
    conn.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, VALUE_MAX_BYTES)
    conn.execute("PRAGMA trusted_schema=OFF")  # no functions with side effects from the file's own schema
    return stall


def _check_schema(path: Path, conn: sqlite3.Connection) -> None:
    """Every table this version reads is a real table with the columns it needs; extra tables are fine."""
    kinds = {name: (kind, sql or "") for kind, name, sql in
             conn.execute("SELECT type, name, sql FROM sqlite_master WHERE type IN ('table', 'view')")}
    for table, columns in REQUIRED_COLUMNS.items():
        kind, sql = kinds.get(table, ("", ""))
        if kind != "table" or sql.lstrip().upper().startswith("CREATE VIRTUAL"):
            raise SessionError(f"{path} is damaged: its table {table!r} is missing or not a plain table; "
                               "it was left untouched.")
        have = {row[1] for row in conn.execute(f"PRAGMA table_info({table})")}
        missing = [c for c in columns if c not in have]
        if missing:
            raise SessionError(f"{path} is damaged: its table {table!r} lacks {', '.join(missing)}; "
                               "it was left untouched.")


def _bad_row(path: Path, table: str, row: object) -> SessionError:
    text = repr(row)
    if len(text) > 80:
        text = text[:77] + "..."
    return SessionError(f"{path} is damaged: a row of {table!r} has values of the wrong kind or out of "
                        f"range ({text}); it was left untouched.")


_INT = (int,)
_INT_N = (int, type(None))
_REAL = (float, int)
_REAL_N = (float, int, type(None))
_TEXT = (str,)
_TEXT_N = (str, type(None))


_ADDRESS_TYPES = {t.value: t for t in AddressType}
_SOURCE_EVENT_KINDS = {k.value: k for k in SourceEventKind}
_FIX_MODES = {int(m) for m in FixMode}


def _str_list(value: object) -> bool:
    return isinstance(value, list) and all(type(v) is str for v in value)


def _meta_time(meta: Mapping[str, str], key: str) -> float | None:
    """A time kept in ``meta`` (None if absent); ValueError if it is not one in range."""
    if key not in meta:
        return None
    t = float(meta[key])
    if not _in_time(round(t * 1000.0) if math.isfinite(t) else None):
        raise ValueError(f"{key} = {meta[key][:40]!r}")
    return t


def _in_time(t_ms: object) -> bool:
    return type(t_ms) is int and T_MS_MIN <= t_ms <= T_MS_MAX


class Session:
    """A session opened for reading (and, where allowed, for the retention step).

    Opening checks the schema (the tables and columns read, as plain tables);
    reading checks each row's types and times and stops any query that yields
    no row for `QUERY_STALL_S`.  A file that fails any of this raises a
    one-sentence `SessionError` and is left as it was.
    """

    def __init__(self, path: Path, conn: sqlite3.Connection, stall: _Stall | None = None,
                 snapshot: _Snapshot | None = None) -> None:
        self.path = path
        self.conn = conn
        self._stall = stall or _guard(conn)
        self._snapshot = snapshot

    @classmethod
    def open(cls, path: str | os.PathLike[str], writable: bool = False) -> Session:
        """Open a session; read-only (changing no file) unless ``writable``.

        The file must be a regular file (no link followed) whose header says it is a session this
        version reads, with the tables and columns it needs; else a one-sentence `SessionError`.
        """
        p = Path(path)
        _check_fd(p)
        existed = set(session_files(p))
        conn: sqlite3.Connection | None = None
        snapshot: _Snapshot | None = None
        try:
            if writable:
                conn = sqlite3.connect(_uri(p, "rw"), uri=True, isolation_level=None)
                conn.execute("PRAGMA busy_timeout=5000")
            else:
                conn, snapshot = _connect_ro(p)
                conn.execute("PRAGMA query_only=ON")
            stall = _guard(conn)
            app_id = conn.execute("PRAGMA application_id").fetchone()[0]
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            _check_header(p, app_id, version)
            _check_schema(p, conn)
            conn.execute("SELECT count(*) FROM meta").fetchone()
        except (*_DB_ERRORS, SessionError, OSError) as exc:
            if conn is not None:
                conn.close()
            if snapshot is not None:
                snapshot.close()
            for side in set(session_files(p)) - existed:  # nothing of ours is left beside it
                with contextlib.suppress(OSError):
                    side.unlink()
            if isinstance(exc, SessionError):
                raise
            if isinstance(exc, OSError):
                raise SessionError(f"Cannot read {p}: {exc.strerror or exc}.") from None
            raise _damaged(p, exc) from None
        return cls(p, conn, stall, snapshot)

    def close(self) -> None:
        self.conn.close()
        if self._snapshot is not None:
            self._snapshot.close()

    def __enter__(self) -> Session:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _cursor(self, sql: str, args: Iterable[Any] = ()) -> sqlite3.Cursor:
        self._stall.reset()
        try:
            return self.conn.execute(sql, tuple(args))
        except _DB_ERRORS as exc:
            raise _damaged(self.path, exc) from None

    def _query(self, sql: str, args: Iterable[Any] = ()) -> list[Any]:
        """Every row of a query (small results only; `_rows` streams), damage as a `SessionError`."""
        cur = self._cursor(sql, args)
        try:
            return cur.fetchall()
        except _DB_ERRORS as exc:
            raise _damaged(self.path, exc) from None

    def _one(self, sql: str) -> Any:
        """The single value a query yields."""
        return self._query(sql)[0][0]

    def _batches(self, sql: str, args: Iterable[Any] = ()) -> Iterator[list[Any]]:
        """The rows of a query in batches, damage as a `SessionError`; each batch resets the stall guard."""
        cur = self._cursor(sql, args)
        while True:
            try:
                batch = cur.fetchmany(4096)
            except _DB_ERRORS as exc:
                raise _damaged(self.path, exc) from None
            if not batch:
                return
            self._stall.reset()
            yield batch

    def _rows(self, sql: str, table: str, types: tuple[tuple[type, ...], ...],
              args: Iterable[Any] = ()) -> Iterator[tuple[Any, ...]]:
        """The rows of a query, each checked against ``types`` (first column: a time in range)."""
        for batch in self._batches(sql, args):
            for row in batch:
                if not _in_time(row[0]) or not all(type(v) in t for v, t in zip(row, types, strict=True)):
                    raise _bad_row(self.path, table, row)
                yield row

    # ----------------------------------------------------------------- records

    def meta(self) -> dict[str, str]:
        out: dict[str, str] = {}
        for k, v in self._query("SELECT key, value FROM meta"):
            if type(k) is not str or type(v) is not str:
                raise _bad_row(self.path, "meta", (k, v))
            out[k] = v
        return out

    def _emitters(self) -> dict[int, tuple[str, AddressType, str, bool | None]]:
        out = {}
        for row in self._query("SELECT id, address, address_type, source, connectable FROM emitter"):
            eid, address, atype, source, connectable = row
            if (type(eid) is not int or type(address) is not str or type(source) is not str
                    or type(connectable) not in _INT_N or atype not in _ADDRESS_TYPES):
                raise _bad_row(self.path, "emitter", row)
            conn = None if connectable is None else bool(connectable)
            out[eid] = (address, _ADDRESS_TYPES[atype], source, conn)
        return out

    def sighting_lag_ms(self) -> int:
        """How far out of time order the sighting rows may be (0: none, `LAG_META_KEY`)."""
        text = self.meta().get(LAG_META_KEY, "0")
        lag = int(text) if is_digits(text) and len(text) < 12 else -1
        if not 0 <= lag <= SIGHTING_LAG_MAX_S * 1000:
            raise _bad_row(self.path, "meta", (LAG_META_KEY, text))
        return lag

    def sightings(self) -> Iterator[Sighting]:
        """Sightings in time order (rows held back while recording, `LAG_META_KEY`, put back in place)."""
        rows = self._sighting_rows()
        lag = self.sighting_lag_ms() / 1000.0
        if not lag:
            yield from rows
            return
        heap: list[tuple[float, int, Sighting]] = []
        newest = -math.inf
        for seq, s in enumerate(rows):
            heapq.heappush(heap, (s.time, seq, s))
            if s.time > newest:
                newest = s.time
                while heap[0][0] < newest - lag:
                    yield heapq.heappop(heap)[2]
        while heap:
            yield heapq.heappop(heap)[2]

    def _sighting_rows(self) -> Iterator[Sighting]:
        """Sightings in the order they were written."""
        emitters = self._emitters()
        lo, hi = T_MS_MIN, T_MS_MAX
        for batch in self._batches(
            "SELECT s.t_ms, s.emitter, s.rssi, p.adv FROM sighting s JOIN payload p ON p.id = s.payload "
            "ORDER BY s.rowid"
        ):
            for t_ms, eid, rssi, adv in batch:  # the hot loop: the checks of `_rows`, written out
                e = emitters.get(eid)
                if (e is None or type(t_ms) is not int or not lo <= t_ms <= hi or type(adv) is not bytes
                        or (rssi is not None and type(rssi) is not int)):
                    raise _bad_row(self.path, "sighting", (t_ms, eid, rssi, adv))
                yield Sighting(t_ms / 1000.0, e[0], e[1], rssi, adv, e[2], e[3])

    def fixes(self) -> Iterator[Fix]:
        for r in self._rows(
            "SELECT t_ms, lat, lon, alt, speed_mps, course, hdop, accuracy_m, mode, satellites, source "
            "FROM fix ORDER BY t_ms, rowid", "fix",
            (_INT, _REAL, _REAL, _REAL_N, _REAL_N, _REAL_N, _REAL_N, _REAL_N, _INT, _INT_N, _TEXT),
        ):
            if not (-90.0 <= r[1] <= 90.0 and -180.0 <= r[2] <= 180.0) or r[8] not in _FIX_MODES:
                raise _bad_row(self.path, "fix", r)
            yield Fix(_t(r[0]), r[1], r[2], r[3], r[4], r[5], r[6], r[7], FixMode(r[8]), r[9], r[10])

    def nofixes(self) -> Iterator[NoFix]:
        for t_ms, source, reason in self._rows("SELECT t_ms, source, reason FROM nofix ORDER BY t_ms, rowid",
                                               "nofix", (_INT, _TEXT, _TEXT)):
            yield NoFix(_t(t_ms), source, reason)

    def source_events(self) -> Iterator[SourceEvent]:
        for row in self._rows("SELECT t_ms, source, kind, detail, value FROM source_event "
                              "ORDER BY t_ms, rowid", "source_event", (_INT, _TEXT, _TEXT, _TEXT, _REAL_N)):
            kind = _SOURCE_EVENT_KINDS.get(row[2])
            if kind is None:
                raise _bad_row(self.path, "source_event", row)
            yield SourceEvent(_t(row[0]), row[1], kind, row[3], row[4])

    def place_marks(self) -> Iterator[PlaceMark]:
        for t_ms, label in self._rows("SELECT t_ms, label FROM place_mark ORDER BY t_ms, rowid", "place_mark",
                                      (_INT, _TEXT)):
            yield PlaceMark(_t(t_ms), label)

    def level_changes(self) -> list[LevelChange]:
        """The `watch`/`alert` changes raised while recording, in time order."""
        out = []
        for r in self._rows(
            "SELECT t_ms, device_id, level, kind, addresses, identifiers, first_ms, last_ms, places, span_m, "
            "duration_s, explanation, confidence FROM level_change ORDER BY t_ms, rowid", "level_change",
            (_INT, _TEXT, _TEXT, _TEXT_N, _TEXT, _TEXT, _INT, _INT, _INT, _REAL, _REAL, _TEXT, _REAL),
        ):
            try:
                addresses, identifiers = json.loads(r[4]), json.loads(r[5])
                times_ok = _in_time(r[6]) and _in_time(r[7])
                if not (times_ok and _str_list(addresses) and _str_list(identifiers)):
                    raise ValueError(r)
                out.append(LevelChange(
                    _t(r[0]), r[1], Level(r[2]), Kind(r[3]) if r[3] else None, tuple(addresses),
                    tuple(identifiers), _t(r[6]), _t(r[7]), r[8], r[9], r[10], r[11], r[12],
                ))
            except (ValueError, RecursionError):
                raise _bad_row(self.path, "level_change", r) from None
        return out

    def reduced_counts(self) -> list[tuple[int, int, str, int, int | None, int | None]]:
        """What retention reduced to counts: (first_ms, last_ms, address, sightings, rssi_min, rssi_max)."""
        out = []
        for row in self._rows(
            "SELECT c.first_ms, c.last_ms, e.address, c.n, c.rssi_min, c.rssi_max FROM sighting_count c "
            "JOIN emitter e ON e.id = c.emitter ORDER BY c.first_ms", "sighting_count",
            (_INT, _INT, _TEXT, _INT, _INT_N, _INT_N),
        ):
            if not _in_time(row[1]):
                raise _bad_row(self.path, "sighting_count", row)
            out.append(row)
        return out

    def first_counts(self) -> list[tuple[int, str, str, bool, int, int, int | None, int | None]]:
        """Addresses kept only as counts, never having become devices (a spam flood's): (minute_ms,
        source, kind, said it was a tracker, addresses, sightings, rssi_min, rssi_max), by minute.
        Empty for sessions recorded before them."""
        tables = {r[0] for r in self._query("SELECT name FROM sqlite_master WHERE type='table'")}
        if "first_count" not in tables:
            return []
        return [
            (r[0], r[1], r[2], bool(r[3]), r[4], r[5], r[6], r[7])
            for r in self._rows(
                "SELECT minute_ms, source, kind, tracker, addresses, sightings, rssi_min, rssi_max "
                "FROM first_count ORDER BY minute_ms, source, kind, tracker", "first_count",
                (_INT, _TEXT, _TEXT, _INT, _INT, _INT, _INT_N, _INT_N),
            )
        ]

    def rf_results(self) -> tuple[list[Transmitter], list[Coverage]]:
        """What RF sweeps recorded in this session found and covered (empty when none was made)."""
        tables = {r[0] for r in self._query("SELECT name FROM sqlite_master WHERE type='table'")}
        if not {"rf_transmitter", "rf_coverage"} <= tables:
            return [], []
        found = []
        for r in self._rows(
            "SELECT t_ms, band, low_hz, high_hz, period_s, bursts, first_ms, last_ms, peak_db, confidence, "
            "jitter_s, floor_db FROM rf_transmitter ORDER BY t_ms, rowid", "rf_transmitter",
            (_INT, _TEXT, _INT, _INT, _REAL, _INT, _INT, _INT, _REAL, _REAL, _REAL, _REAL),
        ):
            if not (_in_time(r[6]) and _in_time(r[7])):
                raise _bad_row(self.path, "rf_transmitter", r)
            found.append(Transmitter(r[1], r[2], r[3], float(r[4]), r[5], _t(r[6]), _t(r[7]), float(r[8]),
                                     float(r[9]), float(r[10]), float(r[11])))
        covered = [
            Coverage(r[1], r[2], r[3], float(r[4]))
            for r in self._rows(
                "SELECT t_ms, band, low_hz, high_hz, seconds FROM rf_coverage ORDER BY t_ms, rowid",
                "rf_coverage", (_INT, _TEXT, _INT, _INT, _REAL),
            )
        ]
        return found, covered

    def events(self) -> Iterator[Event]:
        """Every recorded event, merged in time order, as the pipeline fed them to the engine."""
        streams: list[Iterator[Event]] = [
            self.sightings(), self.fixes(), self.nofixes(), self.source_events(), self.place_marks(),
        ]
        return heapq.merge(*streams, key=lambda e: e.time)

    def counts(self) -> dict[str, int]:
        """How many rows of each record the session holds (``reduced``: sightings kept only as counts by
        retention; ``first_counted``: sightings of addresses that never became devices, counted)."""
        out: dict[str, int] = {}
        for table in ("sighting", "fix", "nofix", "source_event", "place_mark", "level_change", "emitter",
                      "payload"):
            out[table] = int(self._one(f"SELECT count(*) FROM {table}"))
        reduced = self._one("SELECT coalesce(sum(n), 0) FROM sighting_count")
        if type(reduced) is not int:
            raise _bad_row(self.path, "sighting_count", (reduced,))
        out["reduced"] = reduced
        out["first_counted"] = sum(c[5] for c in self.first_counts())
        return out

    def time_range(self) -> tuple[float | None, float | None]:
        """First and last time of anything recorded (None, None when empty)."""
        lo: int | None = None
        hi: int | None = None
        queries = [f"SELECT min(t_ms), max(t_ms) FROM {table}" for table in
                   ("sighting", "fix", "nofix", "source_event", "place_mark", "level_change")]
        queries.append("SELECT min(first_ms), max(last_ms) FROM sighting_count")  # reduced sightings
        for sql in queries:
            a, b = self._query(sql)[0]
            if a is not None or b is not None:
                if not (_in_time(a) and _in_time(b)):
                    raise _bad_row(self.path, sql.rpartition(" ")[2], (a, b))
                lo = a if lo is None else min(lo, a)
                hi = b if hi is None else max(hi, b)
        return (None if lo is None else _t(lo), None if hi is None else _t(hi))

    def summary(self) -> SessionSummary:
        """The session's line in `trackerscan sessions` (a `SessionError` if its facts are damaged)."""
        try:
            return self._summary()
        except (ValueError, OverflowError) as exc:
            raise _damaged(self.path, exc) from None

    def _summary(self) -> SessionSummary:
        meta = self.meta()
        first, last = self.time_range()
        # What was recorded decides (a replayed recording keeps its own times), then a radio sweep's
        # own first and last lines (sessions/radio.py); the wall-clock start and end in meta only
        # stand in for an empty session.
        swept_at = None
        if first is None and RF_FIRST_KEY in meta and RF_LAST_KEY in meta:
            first, last = _meta_time(meta, RF_FIRST_KEY), _meta_time(meta, RF_LAST_KEY)
            swept_at = _meta_time(meta, "started")
        started = first if first is not None else _meta_time(meta, "started")
        ended = last if last is not None else _meta_time(meta, "ended") or started
        changes = self.level_changes()
        counts = self.counts()
        alerts = {c.device_id for c in changes if c.level is Level.ALERT}
        watch = {c.device_id for c in changes if c.level is Level.WATCH} - alerts
        if "devices" in meta:
            devices = int(meta["devices"])
        else:
            devices = int(self._one("SELECT count(DISTINCT address) FROM emitter"))
        rf_found, rf_covered = self.rf_results()
        return SessionSummary(
            name=self.path.stem,
            path=self.path,
            started=started,
            ended=ended,
            finished="ended" in meta,
            distance_m=track_length_m(self.fixes()),
            devices=devices,
            alerts=len(alerts),
            watch=len(watch),
            sightings=counts["sighting"] + counts["first_counted"],  # heard: written, or counted
            recording=is_recording(self.path),
            rf_transmitters=len(rf_found),
            rf_seconds=max((c.seconds for c in rf_covered), default=0.0),
            swept_at=swept_at,
        )


@dataclass(frozen=True, slots=True)
class SessionSummary:
    """One line of `trackerscan sessions`."""

    name: str
    path: Path
    started: float | None
    ended: float | None
    finished: bool  # False: the recording was cut (kill, power loss) or is still going
    distance_m: float
    devices: int
    alerts: int
    watch: int
    sightings: int  # heard: rows written, and sightings of addresses only counted (first_count)
    recording: bool
    rf_transmitters: int = 0  # regular transmitters an RF sweep found (trackerscan rf sweep)
    rf_seconds: float = 0.0  # the longest time an RF sweep covered a band (a replay keeps its own)
    # A session holding only an RF sweep: when it was made (wall clock), as its times are the sweep's own
    swept_at: float | None = None

    @property
    def duration_s(self) -> float | None:
        if self.started is None or self.ended is None:
            return None
        return max(0.0, self.ended - self.started, self.rf_seconds)

    def to_json(self) -> dict[str, object]:
        from trackerscan.timeutil import iso_utc

        return {
            "name": self.name,
            "path": str(self.path),
            "start": iso_utc(self.started) if self.started is not None else None,
            "end": iso_utc(self.ended) if self.ended is not None else None,
            "duration_s": None if self.duration_s is None else round(self.duration_s, 1),
            "finished": self.finished,
            "recording": self.recording,
            "distance_m": round(self.distance_m, 1),
            "devices": self.devices,
            "alerts": self.alerts,
            "watch": self.watch,
            "sightings": self.sightings,
            "rf_transmitters": self.rf_transmitters,
            "rf_seconds": round(self.rf_seconds, 1),
        }


def read_events(path: str | os.PathLike[str]) -> Iterator[Event]:
    """Every event of a session, in time order, ready to feed to `trackerscan.engine.Engine`.

    Raises `SessionError` (one sentence) at the call if the file is not a
    session this version can read.
    """
    session = Session.open(path)

    def gen() -> Iterator[Event]:
        try:
            yield from session.events()
        finally:
            session.close()

    return gen()


def read_level_changes(path: str | os.PathLike[str]) -> list[LevelChange]:
    """The `watch`/`alert` changes recorded live in a session."""
    with Session.open(path) as s:
        return s.level_changes()
