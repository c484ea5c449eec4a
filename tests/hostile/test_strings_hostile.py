"""Addresses, names and notes chosen by whoever made a file reach no terminal raw, no spreadsheet as a
formula, no XML export as an invalid character, and no rich markup is interpreted."""

import csv
import io
import json
import sqlite3
import xml.etree.ElementTree as ET

import pytest
from hostile import assert_clean, cli, sha256
from hypothesis import given
from hypothesis import strategies as st

from trackerscan.formats.btsnoop.reader import read_sightings
from trackerscan.formats.nmea import read_nmea
from trackerscan.model import PlaceMark, SourceEvent, SourceEventKind
from trackerscan.safetext import csv_cell, is_digits, markup, printable, xml_text
from trackerscan.sessions.writer import SessionWriter

EVIL = [
    "\x1b]8;;http://evil.example/\x1b\\click\x1b]8;;\x1b\\",  # a terminal hyperlink
    "\x1b[2J\x1b[31mRED",  # clear screen, colour
    "[link=http://evil.example/]x[/link]",  # rich markup
    "[/]",  # crashed `analyze` before
    "=HYPERLINK(\"http://evil.example/\",\"x\")",
    "+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(A1)",
    "\x9b31m\u202eevil\u2028\x00\x07",  # C1 CSI, bidi override, line separator, NUL, BEL
]


@given(st.text())
def test_printable_leaves_no_control_character(text):
    out = printable(text)
    assert not any(ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F or 0xD800 <= ord(c) <= 0xDFFF for c in out)
    assert out == text or "\\x" in out or "\\u" in out
    out.encode("utf-8")  # printable to any UTF-8 terminal


@given(st.text())
def test_markup_is_shown_as_text_by_rich(text):
    from rich.console import Console

    console = Console(file=io.StringIO(), width=10_000, color_system=None, highlight=False)
    console.print(markup(text), end="")
    assert console.file.getvalue().rstrip("\n") == printable(text).rstrip("\n")


@given(st.text())
def test_csv_cell_never_starts_a_formula(text):
    cell = csv_cell(text)
    assert not cell.startswith(("=", "+", "-", "@", "\t", "\r"))
    assert cell.lstrip("'") .endswith(printable(text)[-1:]) if text else cell == ""


@given(st.text())
def test_xml_text_always_makes_a_valid_document(text):
    el = ET.Element("x")
    el.text = xml_text(text)
    ET.fromstring(ET.tostring(el, encoding="unicode"))


def test_xml_text_keeps_exactly_the_xml_characters():
    """Every code point: kept if and only if XML 1.0 allows it (tab, LF, CR, U+0020-U+D7FF,
    U+E000-U+FFFD, U+10000-U+10FFFF)."""
    every = "".join(map(chr, range(0x110000)))
    allowed = [
        c for c in every
        if c in "\t\n\r" or " " <= c <= "\ud7ff" or "\ue000" <= c <= "\ufffd" or c >= "\U00010000"
    ]
    assert xml_text(every) == "".join(allowed)
    assert len(every) - len(allowed) == 2079  # 29 controls, 2,048 surrogates, U+FFFE and U+FFFF


@pytest.fixture(scope="module")
def evil_session(tmp_path_factory):
    """The walk_airtag scenario recorded as a session whose addresses, sources, notes and alerts carry
    hostile strings (as a hand-made session file could)."""
    from trackerscan.cli import main

    sim = tmp_path_factory.mktemp("sim")
    assert main(["simulate", "--scenario", "walk_airtag", "--out", str(sim), "--seed", "3"]) == 0
    base = sim / "walk_airtag"
    truth = json.loads(base.with_suffix(".truth.json").read_text())
    follower = sorted({a for d in truth["devices"] if d["follower"] for a in d["addresses"]})
    raw = list(read_sightings(base.with_suffix(".btsnoop"), source="ble\x1b[2J"))
    others = sorted({s.address for s in raw} - set(follower))
    rename = {a: f"{EVIL[0]}{EVIL[3]}{EVIL[2]} #{i}" for i, a in enumerate(follower)}
    rename.update({a: f"{EVIL[i % len(EVIL)]} #{i}" for i, a in enumerate(others[: 2 * len(EVIL)])})
    sightings = [s._replace(address=rename.get(s.address, s.address)) for s in raw]
    with base.with_suffix(".nmea").open("rb") as f:
        fixes, _ = read_nmea(f)
    events = sorted([*sightings, *fixes], key=lambda e: e.time)
    data = tmp_path_factory.mktemp("data")
    w = SessionWriter.create(data / "sessions", events[0].time, {"note": EVIL[0]})
    for e in events:
        w.add(e)
    w.add(PlaceMark(events[10].time, EVIL[4]))
    w.add(SourceEvent(events[20].time, EVIL[1], SourceEventKind.CLOCK_OFFSET, EVIL[2], 1.0))
    w.close(ended=events[-1].time)
    return data, w.path, {rename[a] for a in follower}


def _no_raw_controls(text):
    assert "\x1b" not in text and "\x9b" not in text and "\x07" not in text and "\u202e" not in text


@pytest.mark.integration
def test_analyze_shows_hostile_addresses_escaped(evil_session):
    data, path, names = evil_session
    before = sha256(path)
    proc = cli("analyze", path, data=data)
    assert_clean(proc)
    assert proc.returncode == 0, proc.stderr
    assert "alert" in proc.stdout
    assert "\\x1b" in proc.stdout or "[link=" in proc.stdout or "[/]" in proc.stdout  # shown, escaped
    _no_raw_controls(proc.stdout)
    proc = cli("analyze", path, "--json", data=data)
    assert_clean(proc)
    assert any(a in names for alert in json.loads(proc.stdout)["alerts"] for a in alert["addresses"])
    assert sha256(path) == before


@pytest.mark.integration
def test_sessions_and_export_csv_are_safe(evil_session):
    data, path, _ = evil_session
    proc = cli("sessions", data=data)
    assert_clean(proc)
    proc = cli("export", path, "--format", "csv", data=data)
    assert_clean(proc)
    rows = list(csv.reader(io.StringIO(proc.stdout)))
    assert len(rows) > 100
    starts = [cell for row in rows[1:] for cell in row if cell[:1] in ("=", "+", "@")]
    assert starts == []
    negatives = [cell for row in rows[1:] for cell in row if cell.startswith("-")]
    assert negatives and all(c.lstrip("-").isdigit() for c in negatives)  # RSSI stays a number
    assert any(cell.startswith("'=HYPERLINK") for row in rows for cell in row)


@pytest.mark.integration
@pytest.mark.parametrize("fmt", ["gpx", "kml"])
def test_xml_exports_parse(evil_session, fmt, tmp_path):
    data, path, _ = evil_session
    out = tmp_path / f"x.{fmt}"
    proc = cli("export", path, "--format", fmt, "--out", out, data=data)
    assert_clean(proc)
    assert proc.returncode == 0, proc.stderr
    root = ET.parse(out).getroot()
    assert len(list(root.iter())) > 10


@pytest.mark.integration
@pytest.mark.parametrize("suffix", ["html", "pdf"])
def test_report_with_hostile_strings(evil_session, suffix, tmp_path):
    data, path, _ = evil_session
    proc = cli("report", path, "--out", tmp_path / f"r.{suffix}", data=data)
    assert_clean(proc)
    assert proc.returncode == 0, proc.stderr
    if suffix == "html":
        text = (tmp_path / "r.html").read_text()
        assert "<a " not in text and "evil.example/\"" not in text
        _no_raw_controls(text)


@pytest.mark.integration
def test_file_names_with_control_characters_are_printed_escaped(tmp_path, data_dir):
    name = tmp_path / "track\x1b[2J\x07.nmea"
    name.write_bytes(b"$GPRMC,garbage\r\n")
    for argv in (["fixes", name], ["analyze", "--gps", name, "--ble", tmp_path / "missing\x1b[31m.btsnoop"]):
        proc = cli(*argv, data=data_dir)
        assert_clean(proc)
        assert "\\x1b" in proc.stderr


@pytest.mark.integration
def test_a_session_with_a_hostile_file_name(tmp_path, data_dir):
    from session_fixtures import make_events, write_session

    path = write_session(tmp_path, make_events(10, 1))
    evil = path.with_name("20251123T000000Z\x1b]0;title\x07.sqlite")
    path.rename(evil)
    with sqlite3.connect(evil) as c:
        c.execute("SELECT 1")
    for argv in (["analyze", evil], ["export", evil, "--format", "json"]):
        proc = cli(*argv, data=data_dir)
        assert_clean(proc)


@pytest.mark.parametrize("text", ["0", "42", "0042", "9" * 18])
def test_is_digits_takes_what_int_reads(text):
    assert is_digits(text) and int(text) >= 0


@pytest.mark.parametrize("text", ["", "²", "1²", "١٢", "-1", " 1", "1 ", "1.0", "+1", "1_000", "\u0661",
                                  "9" * 19, "9" * 5000])
def test_is_digits_refuses_everything_else(text):
    assert not is_digits(text)
