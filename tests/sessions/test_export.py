"""Exports read back with real parsers: csv, json, ElementTree, our GPX reader, sha256sum."""

import csv
import io
import json
import subprocess
import xml.etree.ElementTree as ET

import pytest
from session_fixtures import AIRTAG_ADV, T0, make_events, write_killed_session, write_session

from trackerscan.errors import SessionError
from trackerscan.formats.gpx import read_gpx
from trackerscan.model import Fix, Sighting
from trackerscan.sessions import paths
from trackerscan.sessions.export import copy_sessions_to, export
from trackerscan.sessions.findings import analyse, sha256_file
from trackerscan.sessions.writer import SessionWriter

WALK = make_events(900, 2)  # 15 min walk north: the separated AirTag reaches alert


@pytest.fixture(scope="module")
def walk_session(tmp_path_factory):
    return write_session(tmp_path_factory.mktemp("walk"), WALK)


def _export(path, fmt):
    out = io.StringIO()
    n = export(path, fmt, out)
    return n, out.getvalue()


def test_csv_has_every_sighting_exactly(walk_session):
    n, text = _export(walk_session, "csv")
    rows = list(csv.DictReader(io.StringIO(text)))
    sightings = [e for e in WALK if isinstance(e, Sighting)]
    assert n == len(rows) == len(sightings)
    for row, s in zip(rows, sightings, strict=True):
        assert row["address"] == s.address and int(row["rssi"]) == s.rssi
        assert bytes.fromhex(row["adv_hex"]) == s.adv
        assert abs(float(row["time"]) - s.time) < 0.0006
        assert row["time_utc"].endswith("Z")
    airtag = [r for r in rows if bytes.fromhex(r["adv_hex"]) == AIRTAG_ADV]
    assert airtag and all(r["kind"] == "airtag" and r["tracker"] == "1" for r in airtag)
    assert {r["tracker"] for r in rows if r["address"].startswith("5A")} == {"0"}


def test_json_is_one_valid_document(walk_session):
    _, text = _export(walk_session, "json")
    doc = json.loads(text)
    assert len(doc["sightings"]) == sum(isinstance(e, Sighting) for e in WALK)
    assert len(doc["fixes"]) == sum(isinstance(e, Fix) for e in WALK)
    assert doc["fixes"][0]["lat"] == pytest.approx(51.5)
    assert [e["kind"] for e in doc["source_events"]] == ["adapter_lost", "adapter_back", "clock_offset"]
    assert doc["place_marks"] == [{"time_utc": "2025-11-23T12:13:50.500Z", "label": "work"}]


def test_analysis_flags_the_airtag(walk_session):
    a = analyse(walk_session)
    assert [f.addresses for f in a.flagged] == [("C1:02:03:04:05:06",)]
    assert a.flagged[0].level.value == "alert"
    assert len(a.flagged[0].positioned) > 50
    assert a.sha256 == sha256_file(walk_session)


def test_gpx_reads_back_with_the_project_reader(walk_session):
    n, text = _export(walk_session, "gpx")
    fixes, rejected = read_gpx(io.BytesIO(text.encode()))
    walk_fixes = [e for e in WALK if isinstance(e, Fix)]
    assert not rejected
    assert [(f.time, f.lat, f.lon) for f in fixes] == [
        (pytest.approx(w.time, abs=0.001), pytest.approx(w.lat, abs=1e-7), pytest.approx(w.lon, abs=1e-7))
        for w in walk_fixes
    ]
    root = ET.fromstring(text)
    ns = {"g": "http://www.topografix.com/GPX/1/1"}
    trkpts = root.findall("g:trk/g:trkseg/g:trkpt", ns)
    wpts = root.findall("g:wpt", ns)
    assert len(trkpts) == len(walk_fixes) and n == len(trkpts) + len(wpts)
    assert wpts and all(w.find("g:type", ns).text == "alert" for w in wpts)
    lats = [float(w.get("lat")) for w in wpts]
    assert min(lats) >= 51.5 - 0.001 and max(lats) <= walk_fixes[-1].lat + 0.001
    assert all(abs(float(w.get("lon")) + 0.12) < 0.001 for w in wpts)


def test_kml_and_geojson_put_longitude_first(walk_session):
    _, kml = _export(walk_session, "kml")
    root = ET.fromstring(kml)
    ns = {"k": "http://www.opengis.net/kml/2.2"}
    coords = root.find(".//k:LineString/k:coordinates", ns).text.split()
    assert len(coords) == 900
    lon, lat = map(float, coords[0].split(","))
    assert (lon, lat) == pytest.approx((-0.12, 51.5))
    assert root.findall(".//k:Folder/k:Placemark/k:Point", ns)

    _, gj = _export(walk_session, "geojson")
    doc = json.loads(gj)
    track = doc["features"][0]
    assert track["geometry"]["type"] == "MultiLineString"
    assert track["geometry"]["coordinates"][0][0] == pytest.approx([-0.12, 51.5])
    points = [f for f in doc["features"] if f["geometry"]["type"] == "Point"]
    assert points and {p["properties"]["level"] for p in points} == {"alert"}


def test_track_gap_splits_segments(tmp_path):
    events = make_events(60, 0)
    later = [e._replace(time=e.time + 600) for e in make_events(60, 0) if isinstance(e, Fix)]
    path = write_session(tmp_path, events + later)
    _, gj = _export(path, "geojson")
    lines = json.loads(gj)["features"][0]["geometry"]["coordinates"]
    assert [len(seg) for seg in lines] == [60, 60]


def test_copy_to_stick_verifies_and_skips_recording(tmp_path, data_dir):
    d = paths.sessions_dir(create=True)
    done = write_session(d, make_events(60, 2))
    cut, committed = write_killed_session(d, 30, 2, started=T0 + 7200)  # -wal left behind
    live = SessionWriter.create(d, T0 + 9999)  # still recording
    reports = paths.reports_dir(create=True)
    (reports / "report.pdf").write_bytes(b"%PDF-1.4 test")
    stick = tmp_path / "stick"
    stick.mkdir()
    copied = copy_sessions_to(stick)
    names = sorted(p.name for p in copied)
    assert names == sorted([done.name, cut.name, "report.pdf"])
    assert live.path.name not in {p.name for p in (stick / "trackerscan" / "sessions").iterdir()}
    check = subprocess.run(["sha256sum", "-c", "SHA256SUMS"], cwd=stick / "trackerscan", capture_output=True,
                           text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    assert check.stdout.count(": OK") == 3
    # the cut session's copy alone (no -wal beside it) holds all its sightings
    from trackerscan.formats.session import Session

    with Session.open(stick / "trackerscan" / "sessions" / cut.name) as s:
        assert s.counts()["sighting"] == sum(isinstance(e, Sighting) for e in committed)
    assert copy_sessions_to(stick) == copied  # again: identical files are left as they are
    live.close(T0 + 10000)


def test_copy_to_missing_folder_says_so(tmp_path, data_dir):
    with pytest.raises(SessionError, match="not a folder"):
        copy_sessions_to(tmp_path / "nowhere")


def test_known_devices_are_left_out(walk_session, tmp_path):
    known = tmp_path / "known.txt"
    known.write_text("# my own AirTag\nc1:02:03:04:05:06\n")
    assert analyse(walk_session, known_path=str(known)).flagged == []
