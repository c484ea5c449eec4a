"""The session store: one SQLite database per recording session.

Layout (``PRAGMA user_version`` = `SCHEMA_VERSION`, ``application_id`` =
`APPLICATION_ID`, so a foreign database is recognised before anything is read):

- ``emitter``: each (address, address type, source, connectable) once;
  ``payload``: each distinct advertisement once;
- ``sighting(t_ms, emitter, payload, rssi)``: one small row per advertisement
  heard (integer milliseconds since the epoch, UTC), about 25 bytes on disk;
- ``fix``, ``nofix``, ``source_event``, ``place_mark``, ``level_change``:
  the other records, one row each; ``sighting_count``: what the retention
  step reduced to counts; ``meta``: key/value facts about the session.

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
from trackerscan.geo import distance_m
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
from trackerscan.sessions import paths
from trackerscan.sessions.filelock import is_locked, lock_exclusive
from trackerscan.sessions.files import APPLICATION_ID, check_session_fd, open_regular

SCHEMA_VERSION = 1

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

_SCHEMA = """
CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE emitter(id INTEGER PRIMARY KEY, address TEXT NOT NULL, address_type TEXT NOT NULL,
                     source TEXT NOT NULL, connectable INTEGER);
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
"""

# Cellular-tracker sweeps (trackerscan rf sweep): created when first written, so sessions from before
# them, and Bluetooth-only sessions, have no such tables and still open (Session.rf_results: empty).
_RF_SCHEMA = """
CREATE TABLE IF NOT EXISTS rf_transmitter(t_ms INTEGER NOT NULL, source TEXT NOT NULL, band TEXT NOT NULL,
                     low_hz INTEGER NOT NULL, high_hz INTEGER NOT NULL, period_s REAL NOT NULL,
                     bursts INTEGER NOT NULL, first_ms INTEGER NOT NULL, last_ms INTEGER NOT NULL,
                     peak_db REAL NOT NULL, confidence REAL NOT NULL, jitter_s REAL NOT NULL,
                     floor_db REAL NOT NULL);
CREATE TABLE IF NOT EXISTS rf_coverage(t_ms INTEGER NOT NULL, source TEXT NOT NULL, band TEXT NOT NULL,
                     low_hz INTEGER NOT NULL, high_hz INTEGER NOT NULL, seconds REAL NOT NULL);
"""


def _ms(t: float) -> int:
    return round(t * 1000.0)


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
        existed = set(paths.session_files(p))
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
            for side in set(paths.session_files(p)) - existed:  # nothing of ours is left beside it
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

    def sightings(self) -> Iterator[Sighting]:
        """Sightings in the order they were recorded (which is time order for one source)."""
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
        """How many rows of each record the session holds (``reduced``: sightings kept only as counts)."""
        out: dict[str, int] = {}
        for table in ("sighting", "fix", "nofix", "source_event", "place_mark", "level_change", "emitter",
                      "payload"):
            out[table] = int(self._one(f"SELECT count(*) FROM {table}"))
        reduced = self._one("SELECT coalesce(sum(n), 0) FROM sighting_count")
        if type(reduced) is not int:
            raise _bad_row(self.path, "sighting_count", (reduced,))
        out["reduced"] = reduced
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
        # What was recorded decides (a replayed recording keeps its own times); the wall-clock
        # start and end in meta only stand in for an empty session.
        started = first if first is not None else _meta_time(meta, "started")
        ended = last if last is not None else _meta_time(meta, "ended") or started
        changes = self.level_changes()
        alerts = {c.device_id for c in changes if c.level is Level.ALERT}
        watch = {c.device_id for c in changes if c.level is Level.WATCH} - alerts
        if "devices" in meta:
            devices = int(meta["devices"])
        else:
            devices = int(self._one("SELECT count(DISTINCT address) FROM emitter"))
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
            sightings=self.counts()["sighting"],
            recording=is_recording(self.path),
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
    sightings: int
    recording: bool

    @property
    def duration_s(self) -> float | None:
        if self.started is None or self.ended is None:
            return None
        return max(0.0, self.ended - self.started)

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
        }


# --------------------------------------------------------------------------- geometry

# A step of the track counts toward the distance travelled only once the user is
# this far from the last counted point (or the fix's stated accuracy, if worse):
# a still receiver wanders by tens of metres (gpsd's haicom-305N log: ~46 m).
TRACK_STEP_MIN_M = 25.0


def track_length_m(fixes: Iterable[Fix]) -> float:
    """Distance travelled along the fixes, ignoring jitter below `TRACK_STEP_MIN_M`."""
    total = 0.0
    anchor: Fix | None = None
    for f in fixes:
        if anchor is None:
            anchor = f
            continue
        d = distance_m(anchor.lat, anchor.lon, f.lat, f.lon)
        if d >= max(TRACK_STEP_MIN_M, f.accuracy_m or 0.0):
            total += d
            anchor = f
    return total


# --------------------------------------------------------------------------- writing


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
                f"BEGIN;\n{_SCHEMA}\nPRAGMA application_id={APPLICATION_ID};\n"
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
            c.executescript(f"BEGIN;\n{_RF_SCHEMA}\nCOMMIT;")
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


# --------------------------------------------------------------------------- finding sessions


def _session_paths(directory: Path) -> list[Path]:
    """The regular files named like sessions in ``directory`` (links, folders and FIFOs left out)."""
    if not directory.is_dir():
        return []
    return sorted(Path(e.path) for e in os.scandir(directory)
                  if e.name.endswith(paths.SESSION_SUFFIX) and e.is_file(follow_symlinks=False))


def _named(text: str, directory: Path) -> Path | None:
    """The session in ``directory`` called ``text`` (name, file name, unique prefix, ``latest``), or None."""
    known = _session_paths(directory)
    if text in ("latest", "last"):
        return known[-1] if known else None
    exact = [q for q in known if q.stem == text or q.name == text]
    if exact:
        return exact[0]
    prefixed = [q for q in known if q.stem.startswith(text)] if text else []
    if len(prefixed) > 1:
        raise SessionError(f"'{text}' matches {len(prefixed)} sessions; give more of its name.")
    return prefixed[0] if prefixed else None


def _looks_like_path(text: str) -> bool:
    separators = [os.sep] + ([os.altsep] if os.altsep else [])
    return any(c in text for c in separators) or text.endswith(paths.SESSION_SUFFIX)


def resolve_session(
    name_or_path: str | os.PathLike[str], data_dir: str | os.PathLike[str] | None = None
) -> Path:
    """The session file for a session name (``20261123T145300Z``), a unique prefix, ``latest``, or a path.

    A name is looked up in the data folder first (``latest`` never means a file of that name in the
    current folder); a path may be anywhere, and is opened later without following links.
    """
    text = str(name_or_path)
    directory = paths.sessions_dir(data_dir)
    p = Path(text).expanduser()
    keyword = text in ("latest", "last")
    if _looks_like_path(text) and not keyword and os.path.lexists(p):
        return p
    found = _named(text, directory)
    if found is not None:
        return found
    if not keyword and os.path.lexists(p):
        return p
    if keyword:
        raise SessionError(f"There are no sessions yet in {directory}; `trackerscan scan` records one.")
    raise SessionError(
        f"There is no session called '{text}' in {directory}; `trackerscan sessions` lists them."
    )


def in_data_folder(path: Path, data_dir: str | os.PathLike[str] | None = None) -> bool:
    """True when ``path`` is a session file kept in the data folder (not a copy elsewhere)."""
    directory = paths.sessions_dir(data_dir)
    try:
        return directory.is_dir() and os.path.samefile(path.parent, directory)
    except OSError:
        return False


def resolve_own_session(
    name_or_path: str | os.PathLike[str], data_dir: str | os.PathLike[str] | None = None
) -> Path:
    """Like `resolve_session`, but only a session kept in the data folder (what `wipe` may delete)."""
    text = str(name_or_path)
    directory = paths.sessions_dir(data_dir)
    found = _named(text, directory) if os.sep not in text else None
    if found is None and _looks_like_path(text):
        p = Path(text).expanduser()
        if in_data_folder(p, data_dir):
            found = directory / p.name
    if found is None:
        raise SessionError(f"'{text}' is not a session in {directory}: wipe deletes only sessions kept "
                           "there (`trackerscan sessions` lists them); nothing was deleted.")
    return found


def list_sessions(data_dir: str | os.PathLike[str] | None = None) -> list[SessionSummary | SessionError]:
    """Summaries of every session in the data directory, oldest first; unreadable ones as their error."""
    out: list[SessionSummary | SessionError] = []
    for path in _session_paths(paths.sessions_dir(data_dir)):
        try:
            with Session.open(path) as s:
                out.append(s.summary())
        except SessionError as exc:  # this one is listed as unreadable; the others still are listed
            out.append(exc)
    return out


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
