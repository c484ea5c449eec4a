"""btsnoop reading and writing: hand-built logs from trackers.md vectors, round trips, fuzzing."""

import struct

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trackerscan.errors import InputError
from trackerscan.formats.btsnoop.reader import parse_btsnoop, read_sightings
from trackerscan.formats.btsnoop.records import EPOCH_DELTA_US
from trackerscan.formats.btsnoop.writer import write_btsnoop
from trackerscan.model import AddressType, Sighting

T1 = bytes.fromhex("1EFF4C001219102807CE0B3C33332ED37B5D9D8291B1D99D0B8615189700E0")
T8 = bytes.fromhex(
    "02010403025AFD17165AFD15DCC7014348F47468AACF29B30000004F0DAA910A09536D61727420546167"
)
T10 = bytes.fromhex("0d16edfe02009c2b2af23f0e3dad")
T0 = 1_700_000_000.25  # 2023-11-14T22:13:20.25Z


def file_header(datalink):
    return b"btsnoop\0" + struct.pack(">II", 1, datalink)


def record(payload, flags, t, orig=None):
    ts = round(t * 1e6) + EPOCH_DELTA_US
    return struct.pack(">IIIIq", orig or len(payload), len(payload), flags, 0, ts) + payload


def le_adv_report(etype, atype, address, data, rssi):
    """An HCI LE Meta event with one LE Advertising Report, built by hand from the Core spec."""
    a6 = bytes.fromhex(address.replace(":", ""))[::-1]
    body = bytes([0x02, 1, etype, atype]) + a6 + bytes([len(data)]) + data + struct.pack("b", rssi)
    return bytes([0x3E, len(body)]) + body


def framed(event, datalink):
    """(payload, flags) of one received HCI event record in each datalink."""
    if datalink == 1002:
        return b"\x04" + event, 3
    return event, 3  # 2001: opcode 3 "Event Packet", adapter index 0


def vector_log(datalink):
    """T1 (ADV_IND), T10 (ADV_NONCONN_IND), T8 split in an advertisement and its scan response,
    among other HCI traffic: a command, a Command Complete event and an LE Connection Complete."""
    t8_adv, t8_rsp = T8[:31], T8[31:]
    events = [
        (le_adv_report(0x00, 1, "FB:6D:08:3D:25:A4", T1, -67), T0),
        (le_adv_report(0x03, 0, "F0:1C:FD:38:52:9E", T10, -80), T0 + 1.5),
        (le_adv_report(0x00, 1, "C2:11:22:33:44:55", t8_adv, 127), T0 + 2.000001),
        (le_adv_report(0x04, 1, "C2:11:22:33:44:55", t8_rsp, -71), T0 + 2.000002),
    ]
    out = file_header(datalink)
    # a command (HCI LE Set Scan Enable) sent to the controller, then its Command Complete
    cmd = bytes.fromhex("0c200201 00")
    out += record(b"\x01" + cmd, 2, T0 - 1) if datalink == 1002 else record(cmd, 2, T0 - 1)
    p, f = framed(bytes.fromhex("0e0401 0c2000"), datalink)
    out += record(p, f, T0 - 0.5)
    # an LE Connection Complete (subevent 0x01): LE Meta but not an advertising report
    p, f = framed(bytes.fromhex("3e1301000001000001a4253d086dfb2800000064000000"), datalink)
    out += record(p, f, T0 - 0.2)
    for event, t in events:
        p, f = framed(event, datalink)
        out += record(p, f, t)
    return out


EXPECTED = [
    Sighting(T0, "FB:6D:08:3D:25:A4", AddressType.RANDOM, -67, T1, "replay", True),
    Sighting(T0 + 1.5, "F0:1C:FD:38:52:9E", AddressType.PUBLIC, -80, T10, "replay", False),
    Sighting(T0 + 2.000001, "C2:11:22:33:44:55", AddressType.RANDOM, None, T8[:31], "replay", True),
    Sighting(T0 + 2.000002, "C2:11:22:33:44:55", AddressType.RANDOM, -71, T8, "replay", True),
]


@pytest.mark.parametrize("datalink", [1002, 2001])
def test_hand_built_vectors_read_back_exactly(datalink):
    sightings, stats = parse_btsnoop(vector_log(datalink))
    assert sightings == EXPECTED
    assert stats.datalink == datalink
    assert (stats.records, stats.adverts, stats.other, stats.skipped) == (7, 4, 3, 0)


@pytest.mark.parametrize("datalink", [1002, 2001])
def test_file_reader_streams_the_same(tmp_path, datalink):
    path = tmp_path / "hci.log"
    path.write_bytes(vector_log(datalink))
    reader = read_sightings(path, source="android")
    got = list(reader)
    assert [s._replace(source="replay") for s in got] == EXPECTED
    assert {s.source for s in got} == {"android"}
    assert reader.stats.adverts == 4 and reader.stats.offset == path.stat().st_size


def test_several_reports_in_one_event_and_a_corrupt_one():
    a = le_adv_report(0x03, 1, "FB:6D:08:3D:25:A4", T1, -60)
    b = le_adv_report(0x03, 0, "F0:1C:FD:38:52:9E", T10, -61)
    # two reports in one event: count 2, reports back to back (as BlueZ and Wireshark read them)
    body = bytes([0x02, 2]) + a[4:] + b[4:]
    two = bytes([0x3E, len(body)]) + body
    corrupt = bytearray(a)
    corrupt[12] = 200  # data length beyond the event
    log = file_header(2001) + record(two, 3, T0) + record(bytes(corrupt), 3, T0 + 1) + record(a, 3, T0 + 2)
    sightings, stats = parse_btsnoop(log)
    assert [s.address for s in sightings] == ["FB:6D:08:3D:25:A4", "F0:1C:FD:38:52:9E", "FB:6D:08:3D:25:A4"]
    assert [s.time for s in sightings] == [T0, T0, T0 + 2]
    assert stats.skipped == 1 and stats.adverts == 3


def sightings_for_round_trip():
    t = 1_732_000_000.0
    out = []
    for i, size in enumerate([0, 8, 31, 32, 120, 229, 230, 500]):
        adv = bytes((i * 7 + k) % 256 for k in range(size))
        out.append(
            Sighting(
                t + i * 0.123457,
                f"{0xC0 + i:02X}:AB:CD:EF:01:{i:02X}",
                AddressType.PUBLIC if i % 3 == 0 else AddressType.RANDOM,
                None if i == 4 else -100 + 9 * i,
                adv,
                "replay",
                i % 2 == 0,
            )
        )
    return out


@pytest.mark.parametrize("datalink", [1002, 2001])
def test_round_trip_legacy_and_extended(tmp_path, datalink):
    sightings = sightings_for_round_trip()
    path = tmp_path / "out.log"
    assert write_btsnoop(path, sightings, datalink=datalink) == len(sightings)
    assert path.stat().st_mode & 0o777 == 0o600
    reader = read_sightings(path)
    back = list(reader)
    assert back == sightings
    assert reader.stats.datalink == datalink and reader.stats.skipped == 0
    raw = path.read_bytes()
    # legacy (subevent 0x02) for <= 31 bytes, extended (0x0D) beyond, 500 bytes in 3 fragments
    assert raw.count(b"\x3e") >= 1
    _, stats = parse_btsnoop(raw)
    assert stats.adverts == len(sightings)


def test_written_log_is_read_by_tshark(tmp_path):
    """Wireshark's own dissector agrees on addresses and data: an independent reader of our writer."""
    import shutil
    import subprocess

    if shutil.which("tshark") is None:
        pytest.fail("tshark is part of the test set-up (apt install tshark)")
    sightings = [*sightings_for_round_trip()[:6], EXPECTED[0]._replace(time=1_732_000_001.0)]
    for datalink in (1002, 2001):
        path = tmp_path / f"w{datalink}.log"
        write_btsnoop(path, sightings, datalink=datalink)
        out = subprocess.run(
            ["tshark", "-r", str(path), "-Y", "bthci_evt.le_meta_subevent", "-T", "fields",
             "-e", "bthci_evt.bd_addr", "-e", "frame.time_epoch"],
            capture_output=True, text=True, timeout=60, check=True,
        ).stdout.split("\n")
        rows = [line.split("\t") for line in out if line]
        assert [r[0].upper() for r in rows] == [s.address for s in sightings]
        assert [round(float(r[1]), 6) for r in rows] == [round(s.time, 6) for s in sightings]


def test_truncated_log_counts_the_cut_record():
    log = vector_log(1002)
    sightings, stats = parse_btsnoop(log[:-5])
    assert sightings == EXPECTED[:3]
    assert stats.skipped == 1
    sightings, stats = parse_btsnoop(log[:-len(log) + 16 + 10])  # header and part of a record header
    assert sightings == [] and stats.skipped == 1


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"", "is empty"),
        (b"\xd4\xc3\xb2\xa1\x02\x00\x04\x00" + bytes(16), "pcap capture"),
        (b"\x0a\x0d\x0d\x0a" + bytes(24), "pcap capture"),
        (b"GIF89a random bytes", "not a btsnoop"),
        (b"btsno", "cut off"),
        (b"btsnoop\0" + struct.pack(">II", 1, 1004), "datalink 1004"),
        (b"btsnoop\0" + struct.pack(">II", 2, 1002), "version 2"),
    ],
)
def test_not_a_btsnoop_log_says_what_it_is(data, words):
    with pytest.raises(InputError, match=words) as info:
        parse_btsnoop(data)
    assert "\n" not in str(info.value)


def test_unreadable_path_is_an_input_error(tmp_path):
    with pytest.raises(InputError, match="cannot be read"):
        read_sightings(tmp_path / "missing.log")


@settings(max_examples=400, deadline=None)
@given(st.sampled_from([1001, 1002, 2001]), st.binary(max_size=600))
def test_fuzz_records_never_raise(datalink, tail):
    sightings, stats = parse_btsnoop(file_header(datalink) + tail)
    assert stats.records + stats.skipped >= 1 or not tail
    assert stats.adverts == len(sightings)
    for s in sightings:
        assert len(s.address) == 17 and (s.rssi is None or -128 <= s.rssi <= 126)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=64))
def test_fuzz_any_bytes_is_a_result_or_an_input_error(data):
    try:
        parse_btsnoop(data)
    except InputError as exc:
        assert "\n" not in str(exc)


@settings(max_examples=150, deadline=None)
@given(st.integers(min_value=1, max_value=200), st.sampled_from([1002, 2001]))
def test_fuzz_truncation_of_a_valid_log(cut, datalink):
    log = vector_log(datalink)
    boundaries, off = {16}, 16
    while off < len(log):
        off += 24 + struct.unpack_from(">I", log, off + 4)[0]
        boundaries.add(off)
    size = max(16, len(log) - cut)
    sightings, stats = parse_btsnoop(log[:size])
    assert sightings == EXPECTED[: len(sightings)]
    assert stats.skipped == (0 if size in boundaries else 1)
