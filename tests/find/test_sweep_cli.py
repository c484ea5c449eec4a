"""`trackerscan sweep --ble replay:FILE` on a btsnoop capture written by the project's btsnoop writer
and read back through the real replay source."""

import json

import pytest

from trackerscan.cli import main
from trackerscan.formats.btsnoop.writer import write_btsnoop
from trackerscan.model import AddressType, Sighting

AIRTAG = bytes.fromhex("1EFF4C001219102807CE0B3C33332ED37B5D9D8291B1D99D0B8615189700E0")  # T1, separated
AIRTAG_NEAR = bytes.fromhex("07FF4C0012025402")  # T2
TILE = bytes.fromhex("0d16edfe02009c2b2af23f0e3dad")  # T10
PHONE = bytes.fromhex("07FF4C0012020001")  # T3: an iPhone, not a tracker
T0 = 1_700_000_000.0


@pytest.fixture
def capture(tmp_path):
    """30 s of a walk: the AirTag gets 1.5 dB stronger each second, the Tile weaker, the near-owner
    AirTag stays put, a phone is always there."""
    sightings = []
    for i in range(30):
        t = T0 + i
        sightings += [
            Sighting(t, "FB:6D:08:3D:25:A4", AddressType.RANDOM, round(-90 + 1.5 * i), AIRTAG, "x", True),
            Sighting(t + 0.2, "F0:1C:FD:38:52:9E", AddressType.RANDOM, round(-50 - 1.5 * i), TILE, "x", True),
            Sighting(t + 0.4, "DF:A4:65:1A:52:72", AddressType.RANDOM, -70 + (i % 3), AIRTAG_NEAR, "x", True),
            Sighting(t + 0.6, "40:11:22:33:44:55", AddressType.PUBLIC, -40, PHONE, "x", True),
        ]
    path = tmp_path / "walk.btsnoop"
    write_btsnoop(path, sightings)
    return path


def test_sweep_replay_table(capture, capsys):
    assert main(["sweep", "--ble", f"replay:{capture},speed=0", "--plain"]) == 0
    out = capsys.readouterr().out.strip().splitlines()
    assert out[0].split()[:3] == ["address", "kind", "state"]
    rows = out[1:]
    assert [r.split()[0] for r in rows] == ["FB:6D:08:3D:25:A4", "DF:A4:65:1A:52:72", "F0:1C:FD:38:52:9E"]
    airtag, near, tile = rows
    assert "airtag" in airtag and "away from owner" in airtag and "↑ getting closer" in airtag
    assert airtag.rstrip().endswith("yes")
    assert "near owner" in near and near.rstrip().endswith("no")
    assert "tile" in tile and "↓ getting further" in tile and tile.rstrip().endswith("owner only")
    assert "40:11:22:33:44:55" not in "\n".join(out)  # a phone is not a tracker


def test_sweep_replay_json_and_all(capture, capsys):
    assert main(["sweep", "--ble", f"replay:{capture},speed=0", "--json", "--all"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    by = {r["address"]: r for r in rows}
    assert set(by) == {"FB:6D:08:3D:25:A4", "F0:1C:FD:38:52:9E", "DF:A4:65:1A:52:72", "40:11:22:33:44:55"}
    assert by["FB:6D:08:3D:25:A4"]["rssi"] == -46 and by["FB:6D:08:3D:25:A4"]["trend"] == "closer"
    assert -52 < by["FB:6D:08:3D:25:A4"]["rssi_smoothed"] < -46  # smoothing lags the last reading a little
    assert by["FB:6D:08:3D:25:A4"]["ring_procedure"] == "airtag"
    assert by["40:11:22:33:44:55"]["tracker"] is False
    assert by["F0:1C:FD:38:52:9E"]["seconds_ago"] == 0.4  # the newest sighting (phone) is "now"
    assert by["FB:6D:08:3D:25:A4"]["sightings"] == 30


def test_sweep_follow_readout(capture, capsys):
    assert main(["sweep", "--ble", f"replay:{capture},speed=0", "--plain", "--follow", "fb6d083d25a4"]) == 0
    out = capsys.readouterr().out.strip()
    assert out.startswith("FB:6D:08:3D:25:A4 airtag: VERY HOT")
    assert "getting closer" in out and "heard 1 s ago" in out


def test_sweep_bad_follow_address_is_one_line(capsys, capture):
    assert main(["sweep", "--ble", f"replay:{capture},speed=0", "--follow", "not-an-address"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "is not a Bluetooth address" in err


def test_duration_stops_a_real_time_replay(capture, capsys):
    import time

    start = time.monotonic()
    assert main(["sweep", "--ble", f"replay:{capture}", "--duration", "1.5", "--json"]) == 0
    assert time.monotonic() - start < 10
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    airtag = next(r for r in rows if r["address"] == "FB:6D:08:3D:25:A4")
    assert 1 <= airtag["sightings"] <= 4  # only what was played in 1.5 s of a 30 s walk


def test_live_views_render_within_80_columns(capture):
    from rich.console import Console

    from trackerscan.cli.sweep import SweepView
    from trackerscan.find.sweep import SweepState
    from trackerscan.formats.btsnoop.reader import read_sightings

    state = SweepState()
    state.extend(read_sightings(capture))
    console = Console(record=True, width=80, file=open("/dev/null", "w"))  # noqa: SIM115
    console.print(SweepView(state, replay=True).renderable())
    text = console.export_text()
    assert all(len(line) <= 80 for line in text.splitlines())
    for address in ("FB:6D:08:3D:25:A4", "DF:A4:65:1A:52:72", "F0:1C:FD:38:52:9E"):
        assert address in text
    assert "↑ closer" in text and "↓ further" in text
    state.follow = "FB:6D:08:3D:25:A4"
    console.print(SweepView(state, replay=True).renderable())
    panel = console.export_text()
    assert "V E R Y   H O T" in panel and "getting closer" in panel and "can ring: yes" in panel
