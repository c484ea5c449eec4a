"""`trackerscan rf analyze|sweep|simulate` as a user runs them."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data"
ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{3})?Z$")


def rf(*args, timeout=120):
    return subprocess.run([sys.executable, "-m", "trackerscan", "rf", *args],
                          capture_output=True, text=True, timeout=timeout)


def test_analyze_json_is_exactly_the_contract():
    proc = rf("analyze", str(DATA / "rtl_power.csv"), "--json")
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert list(doc) == ["transmitters", "coverage", "notes"]
    (t,) = doc["transmitters"]
    assert list(t) == ["band", "low_hz", "high_hz", "period_s", "bursts", "first_seen", "last_seen",
                       "peak_db", "confidence"]
    types = {"band": str, "low_hz": int, "high_hz": int, "period_s": float, "bursts": int,
             "first_seen": str, "last_seen": str, "peak_db": float, "confidence": float}
    assert all(type(t[k]) is v for k, v in types.items())
    assert ISO.match(t["first_seen"]) and ISO.match(t["last_seen"]) and t["first_seen"] < t["last_seen"]
    assert abs(t["period_s"] - 20.0) < 2.0 and t["low_hz"] <= 900_000_000 < t["high_hz"]
    assert 0 < t["confidence"] <= 1
    for c in doc["coverage"]:
        assert list(c) == ["band", "low_hz", "high_hz", "seconds"]
        assert type(c["low_hz"]) is int and type(c["high_hz"]) is int and type(c["seconds"]) is float
    assert doc["coverage"][0]["low_hz"] == 890_000_000 and doc["coverage"][0]["seconds"] > 200
    assert all(type(n) is str for n in doc["notes"])


def test_nothing_found_still_exits_0_and_says_what_it_does_not_mean(tmp_path):
    out = tmp_path / "quiet.csv"
    assert rf("simulate", "--scenario", "quiet", "--out", str(out)).returncode == 0
    assert out.stat().st_mode & 0o777 == 0o600
    proc = rf("analyze", str(out), "--json", "--region", "uk")
    assert proc.returncode == 0
    doc = json.loads(proc.stdout)
    assert doc["transmitters"] == []
    assert [c["band"] for c in doc["coverage"]] == ["LTE B28", "LTE B20", "GSM 900 / LTE B8",
                                                   "GSM 1800 / LTE B3"]
    assert any("does not mean" in n for n in doc["notes"])


def test_unreadable_files_give_one_line_and_exit_2(tmp_path):
    garbage = tmp_path / "garbage.csv"
    garbage.write_bytes(b"\x00\x01not a sweep\n" * 50)
    for path in (tmp_path / "missing.csv", tmp_path, garbage):
        proc = rf("analyze", str(path), "--json")
        assert proc.returncode == 2
        assert proc.stdout == ""
        assert proc.stderr.count("\n") == 1 and proc.stderr.startswith("trackerscan: ")
        assert "Traceback" not in proc.stderr
    assert rf("analyze", str(DATA / "rtl_power.csv"), "--region", "mars").returncode == 2


def test_sweep_from_a_replay_gives_the_same_answer_as_analyze(tmp_path):
    rec = tmp_path / "again.csv"
    live = rf("sweep", "--source", f"replay:{DATA / 'hackrf_sweep.csv'}", "--region", "uk", "--json",
              "--record", str(rec), "--no-session")
    assert live.returncode == 0, live.stderr
    assert "flight mode" in live.stderr and "nothing is transmitted" in live.stderr
    once = rf("analyze", str(DATA / "hackrf_sweep.csv"), "--region", "uk", "--json")
    assert json.loads(live.stdout) == json.loads(once.stdout)
    assert json.loads(rf("analyze", str(rec), "--region", "uk", "--json").stdout) == json.loads(once.stdout)


@pytest.mark.parametrize("spec", ["wifi:0", "rtlsdr:²", "rtlsdr:-1", "hackrf:0"])
def test_bad_source_is_one_line(spec):
    proc = rf("sweep", "--source", spec)
    assert proc.returncode == 2 and "is not an RF source" in proc.stderr and proc.stderr.count("\n") == 1


@pytest.mark.parametrize("minutes", ["0", "-1", "nan"])
def test_minutes_must_be_a_number_above_0(minutes):
    # nan used to be taken, and a live sweep then never ended
    source = f"replay:{DATA / 'hackrf_sweep.csv'}"
    proc = rf("sweep", "--source", source, "--no-session", "--minutes", minutes)
    assert proc.returncode == 2 and proc.stderr == "trackerscan: --minutes must be a number more than 0.\n"


@pytest.mark.parametrize("speed", ["1e-300", "-1", "nan", "inf", "fast"])
def test_a_bad_replay_speed_is_one_line(speed):
    # 1e-300 made the first wait too long for the clock (a traceback); the others were taken silently
    proc = rf("sweep", "--source", f"replay:{DATA / 'hackrf_sweep.csv'},speed={speed}", "--no-session")
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.count("\n") == 1 and "is not a replay speed" in proc.stderr


def test_record_never_overwrites_nor_writes_through_a_link(tmp_path):
    earlier = tmp_path / "earlier.csv"
    earlier.write_text("an earlier recording\n")
    victim = tmp_path / "victim.txt"
    victim.write_text("not yours to overwrite\n")
    planted = tmp_path / "planted.csv"
    planted.symlink_to(victim)
    for target in (earlier, planted):
        proc = rf("sweep", "--source", f"replay:{DATA / 'hackrf_sweep.csv'}", "--record", str(target),
                  "--no-session")
        assert proc.returncode == 2 and proc.stderr.count("\n") == 1 and "already exists" in proc.stderr
    assert earlier.read_text() == "an earlier recording\n"
    assert victim.read_text() == "not yours to overwrite\n"
    # simulate --out replaces the link itself (rename), never what it points to
    assert rf("simulate", "--scenario", "quiet", "--out", str(planted)).returncode == 0
    assert victim.read_text() == "not yours to overwrite\n" and not planted.is_symlink()
    assert planted.stat().st_mode & 0o777 == 0o600 and planted.read_text().startswith("20")
