"""`trackerscan simulate` and `trackerscan analyze` end to end: scenario files, the JSON contract,
sessions, and every kind of bad input giving one line and the right exit status."""

import itertools
import json
import re
import shutil
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest

from trackerscan.cli import main
from trackerscan.formats.btsnoop.reader import read_sightings
from trackerscan.formats.nmea import read_nmea
from trackerscan.model import Fix, NoFix
from trackerscan.sim.busy_city import write_nmea

DATA = Path(__file__).parent / "data"
ADDRESS = re.compile(r"^[0-9A-F]{2}(:[0-9A-F]{2}){5}$")
ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{3})?Z$")


@pytest.fixture(scope="module")
def walk(tmp_path_factory):
    """The walk_airtag scenario written by `trackerscan simulate` (btsnoop 1002, NMEA, truth, known)."""
    out = tmp_path_factory.mktemp("sim")
    assert main(["simulate", "--scenario", "walk_airtag", "--out", str(out), "--seed", "3"]) == 0
    base = out / "walk_airtag"
    truth = json.loads(base.with_suffix(".truth.json").read_text())
    return base, truth


def run(capsys, *argv):
    status = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return status, out, err


def analyze_json(capsys, *argv):
    status, out, err = run(capsys, "analyze", *argv, "--json")
    assert status == 0, err
    return json.loads(out), err


def follower_addresses(truth):
    return {a for d in truth["devices"] if d["follower"] for a in d["addresses"]}


def test_simulate_writes_labelled_files(walk):
    base, truth = walk
    for suffix in (".btsnoop", ".nmea", ".truth.json", ".known"):
        path = base.with_suffix(suffix)
        assert path.stat().st_size > 0 or suffix == ".known"
        assert path.stat().st_mode & 0o777 == 0o600
    reader = read_sightings(base.with_suffix(".btsnoop"))
    sightings = list(reader)
    assert len(sightings) == truth["sightings"] and reader.stats.datalink == 1002
    with base.with_suffix(".nmea").open("rb") as f:
        fixes, nmea = read_nmea(f)
    assert len(fixes) > 100 and sum(nmea.rejected.values()) == 0
    assert [d for d in truth["devices"] if d["follower"]], "the scenario has a follower"
    assert not any(d["companion"] for d in truth["devices"])  # walk_airtag: the user alone


def test_simulate_labels_the_family_as_companions(tmp_path):
    assert main(["simulate", "--scenario", "family_car", "--out", str(tmp_path), "--seed", "1"]) == 0
    truth = json.loads((tmp_path / "family_car.truth.json").read_text())
    labels = {d["name"]: (d["follower"], d["companion"], d["known"]) for d in truth["devices"]}
    assert labels["AirTag hidden in the car"] == (True, False, False)
    assert labels["partner's watch"] == labels["child's tablet"] == (False, True, False)


def test_analyze_alerts_the_follower_and_nobody_else(walk, capsys):
    base, truth = walk
    result, err = analyze_json(
        capsys,
        "--ble",
        base.with_suffix(".btsnoop"),
        "--gps",
        base.with_suffix(".nmea"),
        "--known",
        base.with_suffix(".known"),
    )
    followers = follower_addresses(truth)
    alerts = result["alerts"]
    assert alerts, "the follower must be reported"
    assert all(set(a["addresses"]) <= followers for a in alerts), [a["addresses"] for a in alerts]
    levels = sorted(a["level"] for a in alerts)
    assert levels == ["alert", "watch"]  # one entry per level for the one device
    watch, alert = sorted(alerts, key=lambda a: a["raised_at"])
    assert (watch["level"], alert["level"]) == ("watch", "alert")
    assert watch["first_seen"] == alert["first_seen"] and watch["raised_at"] < alert["raised_at"]
    # last_seen is the device's last sighting in the whole input, for both entries
    last = max(s.time for s in read_sightings(base.with_suffix(".btsnoop")) if s.address in followers)
    for a in alerts:
        assert abs(datetime.fromisoformat(a["last_seen"].replace("Z", "+00:00")).timestamp() - last) < 0.001
    assert result["stats"]["fixes"] > 100 and result["stats"]["adverts"] == truth["sightings"]
    assert err == ""  # nothing to warn about


def test_json_contract_keys_and_types(walk, capsys):
    base, _ = walk
    result, _ = analyze_json(
        capsys, "--ble", base.with_suffix(".btsnoop"), "--gps", base.with_suffix(".nmea")
    )
    assert set(result) >= {"alerts", "stats"}
    types = {
        "level": str,
        "kind": (str, type(None)),
        "addresses": list,
        "identifiers": list,
        "first_seen": str,
        "raised_at": str,
        "last_seen": str,
        "places": int,
        "span_m": float,
        "duration_s": float,
        "explanation": str,
    }
    for a in result["alerts"]:
        for key, typ in types.items():
            assert isinstance(a[key], typ), (key, a[key])
        assert a["level"] in ("alert", "watch")
        assert a["addresses"] and all(ADDRESS.match(x) for x in a["addresses"])
        assert all(ISO.match(a[k]) for k in ("first_seen", "raised_at", "last_seen"))
        assert a["first_seen"] <= a["raised_at"] <= a["last_seen"]
        assert a["places"] >= 1 and a["span_m"] >= 0 and a["explanation"].strip()
    stats = result["stats"]
    for key in ("adverts", "fixes", "devices", "skipped_records"):
        assert isinstance(stats[key], int) and not isinstance(stats[key], bool), key
    assert isinstance(stats["seconds"], float) and stats["seconds"] > 0
    assert stats["devices"] >= 2 and stats["skipped_records"] == 0


def test_table_output_names_the_follower_and_the_caution(walk, capsys):
    base, truth = walk
    status, out, _ = run(
        capsys,
        "analyze",
        "--ble",
        base.with_suffix(".btsnoop"),
        "--gps",
        base.with_suffix(".nmea"),
        "--known",
        base.with_suffix(".known"),
    )
    assert status == 0
    flat = " ".join(out.split())
    assert any(a in out for a in follower_addresses(truth))
    assert "alert" in out and "1 device(s) at alert, 0 at watch." in flat
    assert "not proof" in flat  # the engine's explanation is printed in full


def test_without_gps_it_says_time_alone(walk, capsys):
    base, _ = walk
    result, err = analyze_json(capsys, "--ble", base.with_suffix(".btsnoop"))
    assert "time alone" in err and len(err.strip().splitlines()) == 1
    assert result["stats"]["fixes"] == 0


def test_both_datalinks_give_the_same_alerts(walk, capsys, tmp_path):
    base, _ = walk
    sightings = list(read_sightings(base.with_suffix(".btsnoop")))
    from trackerscan.formats.btsnoop.writer import write_btsnoop

    write_btsnoop(tmp_path / "m.btsnoop", sightings, datalink=2001)
    a, _ = analyze_json(capsys, "--ble", base.with_suffix(".btsnoop"), "--gps", base.with_suffix(".nmea"))
    b, _ = analyze_json(capsys, "--ble", tmp_path / "m.btsnoop", "--gps", base.with_suffix(".nmea"))
    assert [x | {"device_id": ""} for x in a["alerts"]] == [x | {"device_id": ""} for x in b["alerts"]]


def test_sessions_are_analysed_together_as_one_history(walk, capsys, tmp_path):
    """The scenario recorded as two sessions (split mid-way) alerts on the follower as the capture does."""
    from trackerscan.sessions.writer import SessionWriter

    base, truth = walk
    sightings = list(read_sightings(base.with_suffix(".btsnoop"), source="ble"))
    with base.with_suffix(".nmea").open("rb") as f:
        fixes, _ = read_nmea(f)
    events = sorted([*sightings, *fixes], key=lambda e: e.time)
    half = len(events) // 2
    paths = []
    for part in (events[:half], events[half:]):
        w = SessionWriter.create(tmp_path / "sessions", part[0].time)
        for e in part:
            w.add(e)
        w.flush()
        w.close(ended=part[-1].time)
        paths.append(w.path)
    result, _ = analyze_json(capsys, *paths, "--known", base.with_suffix(".known"))
    assert {a["level"] for a in result["alerts"]} == {"watch", "alert"}
    assert all(set(a["addresses"]) <= follower_addresses(truth) for a in result["alerts"])
    assert result["stats"]["adverts"] == len(sightings)


def test_busy_city_small(tmp_path, capsys):
    def small_city(out):
        return run(capsys, "simulate", "--busy-city", "--minutes", 10, "--devices", 300, "--reports", 20000,
                   "--out", out, "--seed", 5)

    status, _out, err = small_city(tmp_path)
    assert status == 0
    truth = json.loads((tmp_path / "busy-city.truth.json").read_text())
    follower = truth["followers"][0]["addresses"][0]
    assert follower in err
    reader = read_sightings(tmp_path / "busy-city.btsnoop")
    sightings = list(reader)
    assert len(sightings) == 20000 and reader.stats.skipped == 0
    assert len({s.address for s in sightings}) >= 300
    assert all(a.time <= b.time for a, b in itertools.pairwise(sightings))
    assert sum(s.address == follower for s in sightings) == truth["followers"][0]["reports"]
    with (tmp_path / "busy-city.nmea").open("rb") as f:
        fixes, nmea = read_nmea(f)
    assert len(fixes) == 600 and not nmea.rejected
    result, _ = analyze_json(
        capsys, "--ble", tmp_path / "busy-city.btsnoop", "--gps", tmp_path / "busy-city.nmea"
    )
    assert any(a["level"] == "alert" and follower in a["addresses"] for a in result["alerts"])
    # same seed, same bytes
    again = tmp_path / "again"
    small_city(again)
    assert (again / "busy-city.btsnoop").read_bytes() == (tmp_path / "busy-city.btsnoop").read_bytes()


# --- bad input -------------------------------------------------------------------------------------


def one_line_error(capsys, *argv):
    status, out, err = run(capsys, "analyze", *argv)
    lines = err.strip().splitlines()
    assert status == 2 and out == "" and len(lines) == 1, (status, out, err)
    assert lines[0].startswith("trackerscan: ") and "Traceback" not in err
    return lines[0]


def test_random_bytes(tmp_path, capsys):
    path = tmp_path / "random.bin"
    path.write_bytes(bytes(range(256)) * 40)
    assert "not a btsnoop" in one_line_error(capsys, "--ble", path)


def test_unknown_datalink(tmp_path, capsys, walk):
    base, _ = walk
    data = bytearray(base.with_suffix(".btsnoop").read_bytes())
    data[12:16] = (1004).to_bytes(4, "big")
    path = tmp_path / "h5.btsnoop"
    path.write_bytes(bytes(data))
    assert "datalink 1004" in one_line_error(capsys, "--ble", path)


@pytest.mark.parametrize("fmt", ["pcap", "pcapng"])
def test_pcap_given_as_btsnoop(tmp_path, capsys, walk, fmt):
    """A real pcap / pcapng, converted from our capture by Wireshark's editcap."""
    base, _ = walk
    if shutil.which("editcap") is None:
        pytest.fail("editcap (Debian package wireshark-common / tshark) is part of the test set-up")
    path = tmp_path / f"capture.{fmt}"
    subprocess.run(
        ["editcap", "-F", fmt, str(base.with_suffix(".btsnoop")), str(path)], check=True, timeout=60
    )
    line = one_line_error(capsys, "--ble", path)
    assert "pcap capture, not a btsnoop" in line


def test_missing_file(tmp_path, capsys):
    assert "cannot be read" in one_line_error(capsys, "--ble", tmp_path / "nope.log")


def test_no_input(capsys):
    assert "Give a Bluetooth capture" in one_line_error(capsys)


def test_btsnoop_without_adverts(tmp_path, capsys):
    path = tmp_path / "empty.btsnoop"
    path.write_bytes(b"btsnoop\0" + (1).to_bytes(4, "big") + (2001).to_bytes(4, "big"))
    status, out, err = run(capsys, "analyze", "--ble", path)
    assert status == 2 and out == ""
    assert "no Bluetooth advertisements" in err and "Traceback" not in err


def test_truncated_btsnoop_is_analysed_and_says_so(tmp_path, capsys, walk):
    base, truth = walk
    data = base.with_suffix(".btsnoop").read_bytes()
    path = tmp_path / "cut.btsnoop"
    path.write_bytes(data[: len(data) - 7])
    result, err = analyze_json(capsys, "--ble", path, "--gps", base.with_suffix(".nmea"))
    assert result["stats"]["skipped_records"] == 1
    assert result["stats"]["adverts"] == truth["sightings"] - 1
    assert "1 damaged or cut-off Bluetooth records were skipped" in err
    assert {a["level"] for a in result["alerts"]} == {"watch", "alert"}


def test_corrupt_records_in_the_middle_are_skipped(tmp_path, capsys, walk):
    base, truth = walk
    data = bytearray(base.with_suffix(".btsnoop").read_bytes())
    # spoil the parameter length of the first few events: those records are skipped, the rest read
    off, spoiled = 16, 0
    while spoiled < 5:
        incl = int.from_bytes(data[off + 4 : off + 8], "big")
        data[off + 24 + 2] ^= 0x55
        spoiled += 1
        off += 24 + incl
    path = tmp_path / "spoiled.btsnoop"
    path.write_bytes(bytes(data))
    result, err = analyze_json(capsys, "--ble", path, "--gps", base.with_suffix(".nmea"))
    assert result["stats"]["skipped_records"] == 5
    assert result["stats"]["adverts"] == truth["sightings"] - 5
    assert "5 damaged" in err


def test_empty_gps_file(tmp_path, capsys, walk):
    base, _ = walk
    gps = tmp_path / "empty.nmea"
    gps.write_bytes(b"")
    result, err = analyze_json(capsys, "--ble", base.with_suffix(".btsnoop"), "--gps", gps)
    assert "empty.nmea holds no valid GPS position, so the analysis worked on time alone." in err
    assert len(err.strip().splitlines()) == 1
    assert result["stats"]["fixes"] == 0 and result["stats"]["adverts"] > 0


def test_gps_times_that_do_not_overlap(tmp_path, capsys, walk):
    """A real receiver log from 2006 (gpsd's regression data, read as a week-rollover victim: 2026-03-26)
    against a capture of 2026-03-02."""
    base, _ = walk
    result, err = analyze_json(
        capsys, "--ble", base.with_suffix(".btsnoop"), "--gps", DATA / "ublox-lea-4h.log"
    )
    assert "does not overlap the Bluetooth capture" in err and "2026-03-26" in err
    assert len(err.strip().splitlines()) == 1
    assert result["stats"]["fixes"] > 0 and result["stats"]["adverts"] > 0


def test_gpx_is_read_too(tmp_path, capsys, walk):
    """A real GPX track (gpxpy's test file, 2020) is recognised as GPX; its times do not overlap either."""
    base, _ = walk
    result, err = analyze_json(
        capsys, "--ble", base.with_suffix(".btsnoop"), "--gps", DATA / "around-visnjan-with-car.gpx"
    )
    assert result["stats"]["fixes"] == 104
    assert "2020-12-18" in err and "does not overlap" in err


def test_gps_shifted_into_the_capture_is_used(tmp_path, capsys, walk):
    """The scenario's own fixes moved one day later no longer overlap; moved back they do."""
    base, _ = walk
    with base.with_suffix(".nmea").open("rb") as f:
        fixes, _ = read_nmea(f)
    late = tmp_path / "late.nmea"
    write_nmea(late, [f._replace(time=f.time + 86400) for f in fixes])
    _, err = analyze_json(capsys, "--ble", base.with_suffix(".btsnoop"), "--gps", late)
    assert "does not overlap" in err


def test_write_nmea_round_trip(tmp_path):
    fixes = [
        Fix(1_777_881_600.0 + i, 52.52 + i * 1e-4, -13.4 - i * 1e-4, speed_mps=1.25, course=90.0)
        for i in range(5)
    ]
    path = tmp_path / "x.nmea"
    assert write_nmea(path, [*fixes[:2], NoFix(1_777_881_602.0, "gps"), *fixes[3:]]) == 4
    with path.open("rb") as f:
        back, reader = read_nmea(f)
    assert [round(f.time, 2) for f in back] == [f.time for f in fixes if f.time != 1_777_881_602.0]
    for a, b in zip(back, [f for f in fixes if f.time != 1_777_881_602.0], strict=True):
        assert abs(a.lat - b.lat) < 1e-6 and abs(a.lon - b.lon) < 1e-6
        assert abs(a.speed_mps - 1.25) < 0.06
    assert not reader.rejected


def test_console_script_in_a_subprocess(walk):
    base, _ = walk
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "trackerscan",
            "analyze",
            "--ble",
            str(base.with_suffix(".btsnoop")),
            "--gps",
            str(base.with_suffix(".nmea")),
            "--json",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert {a["level"] for a in json.loads(proc.stdout)["alerts"]} == {"watch", "alert"}
    proc = subprocess.run(
        [sys.executable, "-m", "trackerscan", "analyze", "--ble", "/dev/null"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1 and "is empty" in proc.stderr


def test_merged_captures_give_the_same_result_as_one(walk, tmp_path):
    """The capture cut in two files (merged by time, the general path) gives what the single file gives
    (fed batch by batch); progress is reported up to the end."""
    from trackerscan.analysis import analyze
    from trackerscan.formats.btsnoop.writer import write_btsnoop

    base, _ = walk
    sightings = list(read_sightings(base.with_suffix(".btsnoop")))
    half = len(sightings) // 2
    parts = [tmp_path / "a.btsnoop", tmp_path / "b.btsnoop"]
    write_btsnoop(parts[0], sightings[:half], datalink=1002)
    write_btsnoop(parts[1], sightings[half:], datalink=2001)
    gps, known = base.with_suffix(".nmea"), base.with_suffix(".known")
    calls, single_calls = [], []
    merged = analyze(ble=parts, gps=gps, known=known, progress=lambda *a: calls.append(a))
    single = analyze(
        ble=[base.with_suffix(".btsnoop")], gps=gps, known=known, progress=lambda *a: single_calls.append(a)
    )
    strip = lambda c: {**c.to_json(), "device_id": ""}  # noqa: E731
    assert [strip(c) for c in merged.alerts] == [strip(c) for c in single.alerts]
    assert merged.alerts and merged.stats.adverts == single.stats.adverts == len(sightings)
    assert merged.stats.fixes == single.stats.fixes
    size = sum(p.stat().st_size for p in parts)
    assert calls[-1] == (size, size)
    size = base.with_suffix(".btsnoop").stat().st_size
    assert single_calls and single_calls[-1] == (size, size)
    assert all(a[0] <= b[0] for a, b in itertools.pairwise(calls))


def test_bad_home_is_one_line(walk, capsys):
    base, _ = walk
    assert "--home '52.5'" in one_line_error(capsys, "--ble", base.with_suffix(".btsnoop"), "--home", "52.5")


@pytest.mark.parametrize(
    ("name", "content", "words"),
    [
        ("broken.gpx", b'<?xml version="1.0"?><gpx><trk><trkseg><trkpt lat="1"', "not a GPX file"),
        ("missing.nmea", None, "cannot be read"),
    ],
)
def test_unusable_gps_file_is_a_note_not_a_failure(walk, capsys, tmp_path, name, content, words):
    """The capture can still be analysed on time alone: exit 0, one line saying why."""
    base, _ = walk
    gps = tmp_path / name
    if content is not None:
        gps.write_bytes(content)
    result, err = analyze_json(capsys, "--ble", base.with_suffix(".btsnoop"), "--gps", gps)
    lines = err.strip().splitlines()
    assert len(lines) == 1 and words in lines[0] and lines[0].endswith("The analysis worked on time alone.")
    assert result["stats"]["fixes"] == 0 and result["stats"]["adverts"] > 0


def test_one_bad_capture_among_several_is_left_out(walk, capsys, tmp_path):
    base, _ = walk
    junk = tmp_path / "junk.bin"
    junk.write_bytes(b"\x00" * 100)
    result, err = analyze_json(
        capsys, "--ble", junk, "--ble", base.with_suffix(".btsnoop"), "--gps", base.with_suffix(".nmea")
    )
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "junk.bin is not a btsnoop HCI log" in lines[0] and "left out" in lines[0]
    assert {a["level"] for a in result["alerts"]} >= {"alert"}
    # all of them bad: nothing analysed, exit 2 with the first reason
    line = one_line_error(capsys, "--ble", junk, "--ble", tmp_path / "missing.btsnoop")
    assert "junk.bin is not a btsnoop HCI log" in line


def test_simulate_list_and_mistakes(capsys, tmp_path):
    from trackerscan.sim import scenario_names

    status, out, _ = run(capsys, "simulate", "--list")
    assert status == 0 and out.split() == scenario_names()
    status, out, err = run(capsys, "simulate", "--scenario", "no_such_walk", "--out", tmp_path)
    assert status == 2 and "Unknown scenario 'no_such_walk'" in err and len(err.strip().splitlines()) == 1
    status, out, err = run(capsys, "simulate", "--scenario", "walk_airtag")
    assert status == 2 and "--out DIR" in err
    status, out, err = run(
        capsys, "simulate", "--busy-city", "--devices", 10, "--reports", 5, "--out", tmp_path
    )
    assert status == 2 and "more reports than devices" in err


def test_simulate_monitor_datalink(capsys, tmp_path):
    status, _out, _ = run(capsys, "simulate", "--scenario", "drive", "--out", tmp_path, "--datalink", 2001)
    assert status == 0
    reader = read_sightings(tmp_path / "drive.btsnoop")
    assert sum(1 for _ in reader) > 1000 and reader.stats.datalink == 2001
    assert reader.stats.other == 1  # btmon's "New Index" record comes first


def test_a_subcommand_imports_only_its_own_module_and_a_typo_lists_them_all():
    """`trackerscan analyze …` (any subcommand) imports and registers only that subcommand's module,
    which is all parsing it needs; an unknown name still gets the full list of choices."""
    code = (
        "import sys\nfrom trackerscan.cli import main\n"
        "main(['decode', '0201060AFF4C0010050B1C1A2B3C'])\n"
        "print(sorted(m for m in sys.modules if m.startswith('trackerscan.cli.') and m[16:17] != '_'))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.splitlines()[-1] == "['trackerscan.cli.decode']"
    typo = subprocess.run([sys.executable, "-m", "trackerscan", "analyse"], capture_output=True, text=True)
    assert typo.returncode == 2 and "'analyze'" in typo.stderr and "'install-service'" in typo.stderr
