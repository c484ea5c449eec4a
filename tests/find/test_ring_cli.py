"""`trackerscan ring` end to end: the command runs as its own process and reaches a virtual tag through
``--ble hci:tcp-client:127.0.0.1:PORT`` (bumble's real stack on both sides)."""

import asyncio
import json
import sys

import pytest
from bumble.core import AdvertisingData
from bumble.link import LocalLink
from find.bumble_tag import DULT_SEPARATED_ADV, HciServer, TagBehaviour, VirtualTag

from trackerscan.cli import main

TAG = "C1:02:03:04:05:06"
DULT_NEAR_ADV = bytes(
    AdvertisingData([(AdvertisingData.SERVICE_DATA_16_BIT_UUID, bytes.fromhex("b2fc0101"))])
)


@pytest.fixture
async def rig():
    link = LocalLink()
    server = HciServer(link)
    transport = await server.start()

    async def make(adv, behaviour=None):
        tag = VirtualTag(link, TAG, behaviour or TagBehaviour(), {"dult"})
        await tag.start(adv)
        return tag

    yield transport, make
    await server.close()


async def trackerscan(*args):
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "trackerscan",
        *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(), 60)
    return proc.returncode, out.decode(), err.decode()


async def test_ring_identifies_then_rings_a_separated_dult_tag(rig):
    transport, make = rig
    tag = await make(DULT_SEPARATED_ADV, TagBehaviour(sound_s=0.5))
    code, out, err = await trackerscan("ring", TAG, "--ble", f"hci:{transport}")
    assert code == 0, out + err
    lines = out.splitlines()
    assert "Heard it: dult, away from its owner." in lines
    assert any(line.startswith("Caution: a ringing tracker can be heard by anyone nearby") for line in lines)
    assert lines[-1].startswith("The tracker rang for")
    assert tag.behaviour.writes == [("8e0c0001-1d68-fb92-bf61-48377421680e", b"\x00\x03")]


async def test_ring_will_not_try_a_tag_near_its_owner_unless_told(rig):
    transport, make = rig
    tag = await make(DULT_NEAR_ADV, TagBehaviour(separated=False))
    code, out, _ = await trackerscan("ring", TAG, "--ble", f"hci:{transport}")
    assert code == 1 and "near its owner" in out and "--kind dult" in out
    assert tag.behaviour.writes == []
    code, out, err = await trackerscan("ring", TAG, "--ble", f"hci:{transport}", "--kind", "dult", "--json")
    assert code == 1
    result = json.loads(out)
    assert result["outcome"] == "refused" and result["status"] == 0xFFFF and result["written"] == ["0003"]
    assert "Caution" in err  # progress and caution go to stderr with --json
    assert tag.behaviour.writes == [("8e0c0001-1d68-fb92-bf61-48377421680e", b"\x00\x03")]


async def test_ring_stop_with_kind(rig):
    transport, make = rig
    tag = await make(DULT_SEPARATED_ADV)
    code, out, _ = await trackerscan(
        "ring", TAG, "--ble", f"hci:{transport}", "--kind", "google_fmdn", "--stop"
    )
    assert code == 0 and out.splitlines()[-1] == "The tracker stopped its sound."
    assert "Caution" not in out
    assert tag.behaviour.writes[-1][1] == b"\x01\x03"


def test_tile_and_smarttag_get_a_plain_explanation(capsys):
    for kind, word in (("tile", "Tile"), ("smarttag", "SmartTag")):
        assert main(["ring", TAG, "--kind", kind]) == 1
        out = capsys.readouterr().out
        assert word in out and "trackerscan sweep --follow" in out and "cannot" in out


def test_ring_refuses_a_replay_source_and_a_bad_address(capsys):
    assert main(["ring", TAG, "--kind", "airtag", "--ble", "replay:x.btsnoop"]) == 2
    assert "needs a live Bluetooth adapter" in capsys.readouterr().err
    assert main(["ring", "12:34", "--kind", "airtag"]) == 2
    assert "is not a Bluetooth address" in capsys.readouterr().err


async def test_sweep_on_a_live_hci_source(rig):
    """`trackerscan sweep` on a live source (wall-clock ageing), reaching the virtual tag over HCI."""
    transport, make = rig
    await make(DULT_SEPARATED_ADV)
    code, out, err = await trackerscan("sweep", "--ble", f"hci:{transport}", "--duration", "2", "--json")
    assert code == 0, err
    rows = [json.loads(line) for line in out.splitlines()]
    assert [r["address"] for r in rows] == [TAG]
    row = rows[0]
    assert row["kind"] == "dult" and row["separated"] is True and row["can_ring"] is True
    assert row["sightings"] >= 5 and row["seconds_ago"] < 1.0  # advertising every 50 ms
    assert row["rssi"] == -50  # bumble's emulated controller reports -50 dBm for everything
