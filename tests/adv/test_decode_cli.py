"""The `trackerscan decode` command-line contract."""

import json
import subprocess
import sys

import pytest

KEYS = [
    "tracker",
    "kind",
    "network",
    "separated",
    "battery",
    "identifier",
    "identifier_lifetime_s",
    "can_ring",
    "details",
]


def decode(*args):
    return subprocess.run(
        [sys.executable, "-m", "trackerscan", "decode", *args], capture_output=True, text=True, timeout=60
    )


@pytest.mark.parametrize(
    "spelling",
    [
        "1EFF4C001219102807CE0B3C33332ED37B5D9D8291B1D99D0B8615189700E0",
        "0x1eff4c001219102807ce0b3c33332ed37b5d9d8291b1d99d0b8615189700e0",
        "1E:FF:4C:00:12:19:10:28:07:CE:0B:3C:33:33:2E:D3:7B:5D:9D:82:91:B1:D9:9D:0B:86:15:18:97:00:E0",
        "1E FF 4C 00 12 19 10 28 07 CE 0B 3C 33 33 2E D3 7B 5D 9D 82 91 B1 D9 9D 0B 86 15 18 97 00 E0",
    ],
)
def test_airtag_in_every_spelling(spelling):
    out = decode(spelling, "--address", "fb:6d:08:3d:25:a4")
    assert out.returncode == 0, out.stderr
    obj = json.loads(out.stdout)
    assert list(obj)[: len(KEYS)] == KEYS
    assert obj["kind"] == "airtag" and obj["network"] == "apple" and obj["separated"] is True
    assert obj["battery"] == "full" and obj["can_ring"] is True
    assert obj["identifier"] == "3b6d083d25a42807ce0b3c33332ed37b5d9d8291b1d99d0b86151897"
    assert obj["identifier_lifetime_s"] == 86400


def test_valid_non_tracker_exits_zero():
    out = decode("02011a0aff4c0010050b1c3f4a7b")
    assert out.returncode == 0
    obj = json.loads(out.stdout)
    assert obj["tracker"] is False and obj["kind"] is None and obj["can_ring"] is False


@pytest.mark.parametrize("bad", ["zz", "123", "0x", "07FF4C00120254G2"])
def test_unparseable_hex_is_one_line_exit_2(bad):
    out = decode(bad)
    assert out.returncode == 2
    assert out.stdout == ""
    assert len(out.stderr.strip().splitlines()) == 1 and out.stderr.startswith("trackerscan: ")


def test_bad_address_is_one_line_exit_2():
    out = decode("07FF4C0012025402", "--address", "not-an-address")
    assert out.returncode == 2 and out.stdout == "" and "AA:BB:CC:DD:EE:FF" in out.stderr
