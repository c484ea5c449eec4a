"""btsnoop records built by hand from the Core spec, for the reader's tests (import from analyze.captures)."""

import struct

from trackerscan.formats.btsnoop import _EXT_FIXED, EPOCH_DELTA_US, EXT_STATUS_SHIFT

T0 = 1_777_881_600.0  # 2026-05-04T08:00:00Z


def file_header(datalink):
    return b"btsnoop\0" + struct.pack(">II", 1, datalink)


def record(datalink, t, event, ts=None):
    """One received HCI event record; ``ts`` (raw microseconds since year 0) overrides ``t``."""
    payload = b"\x04" + event if datalink == 1002 else event
    if ts is None:
        ts = round(t * 1e6) + EPOCH_DELTA_US
    return struct.pack(">IIIIq", len(payload), len(payload), 3, 0, ts) + payload


def legacy(a6, data, etype=3, rssi=0xC4, atype=1):
    """An LE Meta event with one LE Advertising Report."""
    body = bytes([0x02, 1, etype, atype]) + a6 + bytes([len(data)]) + data + bytes([rssi])
    return bytes([0x3E, len(body)]) + body


def extended(a6, data, status=0, sid=0, etype=0x0001, rssi=-60):
    """An LE Meta event with one LE Extended Advertising Report; ``status`` 1 is "more to come"."""
    report = _EXT_FIXED.pack(etype | status << EXT_STATUS_SHIFT, 1, a6, 1, 0, sid, 127, rssi, 0, 0, bytes(6),
                             len(data)) + data
    body = bytes((0x0D, 1)) + report
    return bytes((0x3E, len(body))) + body
