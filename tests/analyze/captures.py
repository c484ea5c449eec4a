"""btsnoop records built by hand from the Core spec, for the reader's tests (import from analyze.captures)."""

import struct

from trackerscan.formats.btsnoop.records import EPOCH_DELTA_US, EXT_FIXED, EXT_STATUS_SHIFT

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
    report = EXT_FIXED.pack(etype | status << EXT_STATUS_SHIFT, 1, a6, 1, 0, sid, 127, rssi, 0, 0, bytes(6),
                             len(data)) + data
    body = bytes((0x0D, 1)) + report
    return bytes((0x3E, len(body))) + body


def other_event():
    """A Command Complete event (for LE Set Scan Enable): HCI traffic that holds no report."""
    return bytes.fromhex("0e04010c2000")


def varied_log(seed, datalink, count):
    """Every kind of record the reader meets, from a small pool of advertisers so reports repeat: legacy
    and extended single reports (adverts, scannable adverts and their scan responses, legacy PDUs reported
    as extended), fragment chains, events with several reports, other traffic, and impossible times."""
    import random

    rng = random.Random(seed)
    pool = [(rng.randbytes(6), rng.randbytes(rng.choice([0, 3, 8, 17, 24, 31]))) for _ in range(24)]
    out = bytearray(file_header(datalink))
    i = 0
    while i < count:
        t = T0 + i * 0.01
        a6, data = rng.choice(pool)
        kind = rng.random()
        if kind < 0.35:
            etype, rssi = rng.choice([0, 1, 2, 3, 4]), rng.choice([127, 0xC4])
            out += record(datalink, t, legacy(a6, data, etype=etype, rssi=rssi))
        elif kind < 0.7:
            etype = rng.choice([0x13, 0x12, 0x10, 0x1B, 0x1A, 0x01, 0x02, 0x03, 0x08, 0x0A, 0x00])
            size = rng.choice([len(data), 40, 52, 53, 100])
            status, sid, rssi = rng.choice([0, 0, 0, 2]), rng.randrange(3), rng.choice([127, -70])
            out += record(datalink, t, extended(a6, (data * 8)[:size], status, sid, etype, rssi))
        elif kind < 0.78:  # a chain of fragments, maybe never finished
            sid = rng.randrange(3)
            parts = rng.randrange(1, 5)
            for k in range(parts):
                last = k == parts - 1 and rng.random() < 0.8
                chunk = rng.randbytes(rng.choice([10, 229]))
                out += record(datalink, t, extended(a6, chunk, status=0 if last else 1, sid=sid))
                i += 1
        elif kind < 0.84:  # two legacy reports in one event
            b6, more = rng.choice(pool)
            one = bytes([0, 1]) + a6 + bytes([len(data)]) + data + b"\xc0"
            two = bytes([4, 1]) + b6 + bytes([len(more)]) + more + b"\xb0"
            body = bytes([0x02, 2]) + one + two
            out += record(datalink, t, bytes([0x3E, len(body)]) + body)
        elif kind < 0.92:
            out += record(datalink, t, other_event())
        else:
            ts = rng.choice([0, -1, 10_000 * 366 * 86_400 * 10**6])  # impossible times
            out += record(datalink, 0, legacy(a6, data), ts=ts)
        i += 1
    return bytes(out)
