"""Session files someone else made: wrong types, bad JSON, dangling ids, NULL payloads, impossible times,
a recursive view, missing tables, random damage.  Every command ends in one line or success, the file
is left as it was, and `sessions` still lists every other session."""

import random
import shutil
import sqlite3
import zlib

import pytest
from hostile import MUTATIONS, assert_clean, cli, run, sha256, tree
from session_fixtures import make_alert, make_events, write_session

# every test here runs the commands (as subprocesses, or whole in this process)
pytestmark = pytest.mark.integration

YEAR_10000_MS = 253_402_300_800_000 + 1

NULLABLE_PAYLOAD = [
    "ALTER TABLE payload RENAME TO p_old",
    "CREATE TABLE payload(id INTEGER PRIMARY KEY, adv BLOB)",
    "INSERT INTO payload SELECT * FROM p_old",
    "DROP TABLE p_old",
    "UPDATE payload SET adv = NULL WHERE id = 1",
]
RECURSIVE_META = [
    "DROP TABLE meta",
    "CREATE VIEW meta AS WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) "
    "SELECT 'k' || x AS key, x AS value FROM c",
]
RECURSIVE_SIGHTING = [
    "ALTER TABLE sighting RENAME TO s_old",
    "CREATE VIEW sighting AS WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) "
    "SELECT 1763900000000 AS t_ms, 1 AS emitter, 1 AS payload, -50 AS rssi FROM c",
]

RECORD_TABLES = ("sighting", "fix", "nofix", "source_event", "place_mark", "level_change")
# name -> SQL run on a copy of a good session (each leaves it a valid SQLite database)
DAMAGE = {
    "time_as_text": ["UPDATE sighting SET t_ms = 'abc' WHERE rowid = 1"],
    "time_zero": ["UPDATE sighting SET t_ms = 0 WHERE rowid = 1"],
    "time_negative": ["UPDATE fix SET t_ms = -5 WHERE rowid = 1"],
    "time_year_10000": [f"UPDATE sighting SET t_ms = {YEAR_10000_MS} WHERE rowid = 1"],
    "address_as_blob": ["UPDATE emitter SET address = x'1b5b326a' WHERE id = 1"],
    "address_not_utf8": ["UPDATE emitter SET address = CAST(x'ff41' AS TEXT) WHERE id = 1"],
    "address_type_bogus": ["UPDATE emitter SET address_type = 'bogus' WHERE id = 1"],
    "null_payload": NULLABLE_PAYLOAD,
    "payload_as_text": ["UPDATE payload SET adv = 'text' WHERE id = 1"],
    "dangling_emitter": ["UPDATE sighting SET emitter = 99999 WHERE rowid = 1"],
    "dangling_payload": ["UPDATE sighting SET payload = 99999 WHERE rowid = 1"],
    "bad_json": ["UPDATE level_change SET addresses = 'not json'"],
    "json_not_a_list": ["UPDATE level_change SET identifiers = '{\"a\": 1}'"],
    "json_deep": ["UPDATE level_change SET addresses = '" + "[" * 100_000 + "'"],
    "level_bogus": ["UPDATE level_change SET level = 'panic'"],
    "source_event_kind_bogus": ["UPDATE source_event SET kind = 'bogus'"],
    "latitude_1000": ["UPDATE fix SET lat = 1000 WHERE rowid = 1"],
    "meta_started_nan": [f"DELETE FROM {t}" for t in RECORD_TABLES]
    + ["INSERT OR REPLACE INTO meta VALUES ('started', 'nan')"],
    "meta_devices_text": ["INSERT OR REPLACE INTO meta VALUES ('devices', 'lots')"],
    "meta_value_blob": ["INSERT OR REPLACE INTO meta VALUES ('x', x'00')"],
    "recursive_meta_view": RECURSIVE_META,
    "recursive_sighting_view": RECURSIVE_SIGHTING,
    "missing_table": ["DROP TABLE fix"],
    "missing_column": ["ALTER TABLE place_mark DROP COLUMN label"],
    "foreign_app_id": ["PRAGMA application_id = 1"],
    "newer_format": ["PRAGMA user_version = 99"],
}

COMMANDS = [
    ["analyze", "{s}"],
    ["report", "{s}", "--out", "{out}/r.html"],
    ["export", "{s}", "--format", "json"],
    ["export", "{s}", "--format", "gpx"],
]


@pytest.fixture(scope="module")
def good(tmp_path_factory):
    return write_session(tmp_path_factory.mktemp("good"), make_events(40, 2), [make_alert()])


def _damaged_copy(good, folder, name, statements):
    path = folder / f"2025{zlib.crc32(name.encode()):010d}-{name}.sqlite"
    shutil.copy(good, path)
    c = sqlite3.connect(path, isolation_level=None)
    try:
        for sql in statements:
            c.execute(sql)
        c.execute("PRAGMA journal_mode=DELETE")
    finally:
        c.close()
    return path


def _check_all(path, data, out):
    before = sha256(path)
    for argv in COMMANDS:
        proc = run(*[a.format(s=path, out=out) for a in argv], data=data)
        assert_clean(proc)
        assert sha256(path) == before, argv


def test_an_extra_table_is_fine(good, data_dir, tmp_path):
    """A later version (RF sweeps) may add a table: this one still reads the session."""
    path = _damaged_copy(good, data_dir / "sessions", "extra",
                         ["CREATE TABLE IF NOT EXISTS rf_sweep(t_ms INTEGER, mhz REAL, dbm REAL)"])
    before = sha256(path)
    for argv in COMMANDS:
        proc = cli(*[a.format(s=path, out=tmp_path) for a in argv], data=data_dir)
        assert_clean(proc)
        assert proc.returncode == 0, (argv, proc.stderr)
    assert sha256(path) == before


@pytest.mark.parametrize("name", sorted(DAMAGE))
def test_damaged_sessions_get_one_line(good, data_dir, tmp_path, name):
    path = _damaged_copy(good, tmp_path, name, DAMAGE[name])
    if name in ("dangling_payload",):  # a sighting without its advertisement is left out, not an error
        _check_all(path, data_dir, tmp_path)
        return
    before = sha256(path)
    for argv in COMMANDS:  # a command that never reads the damaged part (analyze: level changes) may succeed
        proc = run(*[a.format(s=path, out=tmp_path) for a in argv], data=data_dir)
        assert_clean(proc)
        if argv[0] == "report":  # reads everything: refuses, naming the file
            assert proc.returncode == 2 and path.name in proc.stderr, proc.stderr
    assert sha256(path) == before
    assert not (tmp_path / "r.html").exists()


def test_sessions_lists_every_session_when_some_are_bad(good, data_dir):
    folder = data_dir / "sessions"
    fine = write_session(folder, make_events(10, 1))
    bad = [_damaged_copy(good, folder, name, sql) for name, sql in DAMAGE.items()
           if name not in ("dangling_payload",)]
    before = tree(folder)
    for argv in (["sessions"], ["sessions", "--json"]):
        proc = cli(*argv, data=data_dir)
        assert_clean(proc)
        assert proc.returncode == 0, proc.stderr
        assert fine.stem in proc.stdout
    lines = cli("sessions", data=data_dir).stdout.splitlines()[1:]  # under the heading
    assert len(lines) == len(bad) + 1  # one line each, readable or not (listing reads only a summary)
    unreadable = [line for line in lines if line.startswith("unreadable:")]
    assert len(unreadable) >= 10
    for path in bad:
        assert sum(path.stem in line for line in lines) == 1, path.name
    assert tree(folder) == before


def _flip(data: bytes, rng: random.Random, n: int) -> bytes:
    b = bytearray(data)
    for _ in range(n):
        b[rng.randrange(len(b))] = rng.randrange(256)
    return bytes(b)


@pytest.mark.parametrize("seed", range(MUTATIONS))
def test_randomly_damaged_sessions(good, data_dir, tmp_path, seed):
    rng = random.Random(seed)
    data = good.read_bytes()
    variants = {
        "flipped": _flip(data, rng, 1 + seed * 7),
        "flipped_pages": data[:100] + _flip(data[100:], rng, 50),
        "truncated": data[: rng.randrange(100, len(data))],
        "header_only": data[:100],
    }
    for name, content in variants.items():
        path = tmp_path / f"{name}.sqlite"
        path.write_bytes(content)
        _check_all(path, data_dir, tmp_path)


def test_a_query_that_stalls_is_stopped(good, monkeypatch):
    """Belt and braces behind the schema check: any query yielding no row for QUERY_STALL_S is stopped."""
    from trackerscan.errors import SessionError
    from trackerscan.formats import session

    monkeypatch.setattr(session, "QUERY_STALL_S", 0.3)
    with session.Session.open(good) as s, pytest.raises(SessionError, match="damaged"):
        s._query("WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c")
