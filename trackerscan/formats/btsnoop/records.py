"""The btsnoop format and the careful, bounds-checked parser of one record: the readable spec.

Every offset the readers use is named here, with the part of the Core specification it comes from;
`trackerscan.formats.btsnoop.vector` decodes the same fields with numpy and is tested equal to
`parse_record`.  Record layout (all big-endian): file header ``"btsnoop\\0"``, version (1),
datalink; each record: original length, included length, flags, cumulative drops, timestamp
(microseconds since 0000-01-01, taken as UTC), then the packet.
"""

from __future__ import annotations

import mmap
import struct
from calendar import timegm
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import repeat
from typing import NamedTuple

from trackerscan.errors import InputError
from trackerscan.formats.nmea import MAX_YEAR, MIN_YEAR
from trackerscan.model import AddressType, Sighting

MAGIC = b"btsnoop\0"
VERSION = 1
DATALINK_H1 = 1001  # un-encapsulated HCI
DATALINK_H4 = 1002  # HCI UART: Android's HCI snoop log
DATALINK_MONITOR = 2001  # Linux monitor: btmon -w
DATALINKS = (DATALINK_H1, DATALINK_H4, DATALINK_MONITOR)
# Microseconds from 0000-01-01 to 1970-01-01, the btsnoop time base (Wireshark wiretap/btsnoop.c).
EPOCH_DELTA_US = 0x00DCDDB30F2F8000
# Record times outside MIN_YEAR-01-01 .. MAX_YEAR-01-01 (the bounds of the GPS readers; 0, negative or year
# 10000 are a broken or hostile writer) make the record damaged: skipped and counted, never a sighting.
TS_MIN = EPOCH_DELTA_US + timegm((MIN_YEAR, 1, 1, 0, 0, 0, 0, 0, 0)) * 1_000_000
TS_MAX = EPOCH_DELTA_US + timegm((MAX_YEAR, 1, 1, 0, 0, 0, 0, 0, 0)) * 1_000_000

# File header: magic, version, datalink.
FILE_HEADER = struct.Struct(">8sII")
# Record header: original length, included length, flags, cumulative drops, time; the packet follows.
RECORD_HEADER = struct.Struct(">IIIIq")
REC_INCLUDED = 4  # included length: the bytes of packet that follow the header
REC_FLAGS = 8  # H1: bit 0 received, bit 1 command/event; monitor: (adapter index << 16) | opcode
REC_TIME = 16
REC_PACKET = RECORD_HEADER.size  # 24

# The packet: H4 only, a packet type byte first (0x04 = event).  Then an HCI event (Core v5.4, Vol 4,
# Part E, 5.4.4): event code, parameter length, parameters; an LE Meta event's parameters start with
# its subevent code, and an advertising report event's with the number of reports (7.7.65.2, 7.7.65.13).
H4_EVENT = 0x04
EVT_CODE = 0
EVT_LENGTH = 1
EVT_PARAMS = 2  # the parameters start here
EVT_SUBEVENT = 2
EVT_REPORT_COUNT = 3
EVT_REPORTS = 4
EVT_LE_META = 0x3E
SUB_ADV_REPORT = 0x02
SUB_EXT_ADV_REPORT = 0x0D
REPORT_SUBEVENTS = (SUB_ADV_REPORT, SUB_EXT_ADV_REPORT)
MONITOR_EVENT = 3  # btmon opcode "Event Packet"
MONITOR_NEW_INDEX = 0

# One legacy advertising report (7.7.65.2): event type, address type, address (6 bytes, little-endian),
# data length, data, RSSI.
ADV_EVENT_TYPE = 0
ADV_ADDRESS_TYPE = 1
ADV_ADDRESS = 2
ADV_DATA_LENGTH = 8
ADV_DATA = 9  # the RSSI follows the data
LEGACY_MAX_DATA = 31
# Legacy advertising report event types.
ADV_IND = 0x00
ADV_DIRECT_IND = 0x01
ADV_SCAN_IND = 0x02
ADV_NONCONN_IND = 0x03
SCAN_RSP = 0x04
LEGACY_CONNECTABLE = (True, True, False, False)

# One extended advertising report (7.7.65.13): event type (2 bytes), address type, address, primary PHY,
# secondary PHY, SID, Tx power, RSSI, periodic interval (2), direct address type, direct address, data
# length; then the data.
EXT_FIXED = struct.Struct("<HB6sBBBbbHB6sB")
EXT_EVENT_TYPE = 0
EXT_ADDRESS_TYPE = 2
EXT_ADDRESS = 3
EXT_SID = 11
EXT_RSSI = 13
EXT_DATA_LENGTH = 23
EXT_DATA = EXT_FIXED.size  # 24
# Extended report event type bits.
EXT_CONNECTABLE = 0x0001
EXT_SCANNABLE = 0x0002
EXT_SCAN_RESPONSE = 0x0008
EXT_LEGACY = 0x0010
EXT_STATUS_SHIFT = 5  # bits 5-6: 0 complete, 1 more to come, 2 truncated
EXT_MAX_DATA = 255 - 2 - EXT_FIXED.size  # what fits in one event with one report: 229 bytes
# An advertising set's data is at most 1650 bytes (Core v5.4, Vol 4, Part E, 7.8.57: the largest
# Maximum_Advertising_Data_Length): a fragment chain is kept up to that, and what comes after is dropped.
ADV_DATA_MAX = 1650
# Fragment chains of extended reports held at once, waiting for their last fragment; beyond this the
# oldest is dropped.  A controller interleaves a few chains at most (one per advertiser being followed).
PENDING_MAX = 256
RSSI_UNAVAILABLE = 127
REPORT_CACHE_MAX = 1 << 16  # distinct (event type, address, data) reports remembered: about 20 MB at most

# Address type codes in reports: public, random, public identity, random (static) identity, anonymous.
ADDRESS_TYPES: dict[int, AddressType] = {
    0: AddressType.PUBLIC,
    1: AddressType.RANDOM,
    2: AddressType.PUBLIC,
    3: AddressType.RANDOM,
    0xFF: AddressType.UNKNOWN,
}
_UNKNOWN = AddressType.UNKNOWN  # (read through its class, an enum member costs 80 ns on Python 3.11)
# The RSSI of each byte value (signed dBm, or None for "unavailable").
RSSI_OF_BYTE: tuple[int | None, ...] = tuple(
    None if b == RSSI_UNAVAILABLE else (b - 256 if b > 127 else b) for b in range(256)
)
# A decoded report: address, address type, advertising data, connectable.
Report = tuple[str, AddressType, bytes, bool | None]
# An extended report's key starts with this (a legacy key starts with its event type, 0..4).
EXT_KEY = b"\xff"
_PCAP_MAGICS = (b"\xa1\xb2\xc3\xd4", b"\xd4\xc3\xb2\xa1", b"\xa1\xb2\x3c\x4d", b"\x4d\x3c\xb2\xa1")
_PCAPNG_MAGIC = b"\x0a\x0d\x0d\x0a"


@dataclass(slots=True)
class BtsnoopStats:
    """What reading a btsnoop log found; updated while the sightings stream."""

    datalink: int = 0
    records: int = 0  # complete records read
    adverts: int = 0  # advertising reports turned into sightings
    skipped: int = 0  # truncated, corrupt or impossibly timed records (or reports) left out
    other: int = 0  # other HCI traffic, skipped on purpose
    offset: int = 0  # bytes consumed so far (for progress)
    size: int = 0  # bytes in the log


def check_header(head: bytes, name: str = "the file") -> int:
    """The datalink of a btsnoop log from its first 16 bytes; InputError saying what it is otherwise."""
    head = head[: FILE_HEADER.size]
    if not head:
        raise InputError(f"{name} is empty, so it holds no btsnoop HCI log.")
    if head[:4] in _PCAP_MAGICS or head[:4] == _PCAPNG_MAGIC:
        raise InputError(
            f"{name} is a pcap capture, not a btsnoop HCI log: "
            f"convert it with `editcap -F btsnoop` or record with `btmon -w`."
        )
    if not (head.startswith(MAGIC) or MAGIC.startswith(head)):
        raise InputError(f"{name} is not a btsnoop HCI log (it does not start with 'btsnoop').")
    if len(head) < FILE_HEADER.size:
        raise InputError(f"{name} is cut off inside its btsnoop header.")
    _, version, datalink = FILE_HEADER.unpack_from(head)
    if version != VERSION:
        raise InputError(f"{name} is btsnoop version {version}; only version 1 is known.")
    if datalink not in DATALINKS:
        raise InputError(
            f"{name} has btsnoop datalink {datalink}; trackerscan reads 1002 (Android, H4), "
            f"2001 (btmon -w) and 1001."
        )
    return int(datalink)


class Columns(NamedTuple):
    """The sightings of one chunk as columns: the fields of `Sighting` but ``source``, in its order.

    ``zip(times, addresses, address_types, rssis, advs, repeat(source), connectables)`` gives the
    fields of each sighting, ready for `Sighting` or for `trackerscan.engine.Engine.feed_sighting`.
    """

    times: list[float]
    addresses: list[str]
    address_types: list[AddressType]
    rssis: list[int | None]
    advs: list[bytes]
    connectables: list[bool | None]


Batch = list[Sighting] | Columns


def sightings_of(batch: Batch, source: str) -> Iterable[Sighting]:
    """The sightings of one batch, whichever form it has."""
    if type(batch) is list:
        return batch
    c: Columns = batch  # type: ignore[assignment]
    return map(
        tuple.__new__,
        repeat(Sighting),
        zip(c.times, c.addresses, c.address_types, c.rssis, c.advs, repeat(source), c.connectables,
            strict=False),
    )


def decode_report(key: bytes, addresses: dict[bytes, str]) -> Report:
    """(address, address type, data, connectable) of a report's key: a legacy report's bytes from event
    type to data end, or EXT_KEY, an extended report's bytes from event type to SID, and its data."""
    if key[0] == EXT_KEY[0]:
        k = len(EXT_KEY)  # the report's bytes start after it
        etype = key[k + EXT_EVENT_TYPE] | key[k + EXT_EVENT_TYPE + 1] << 8
        atype, a6 = key[k + EXT_ADDRESS_TYPE], key[k + EXT_ADDRESS : k + EXT_ADDRESS + 6]
        adv = key[k + EXT_SID + 1 :]
        scan_rsp_legacy = etype & EXT_SCAN_RESPONSE and etype & EXT_LEGACY
        connectable: bool | None = None if scan_rsp_legacy else bool(etype & EXT_CONNECTABLE)
    else:
        etype, atype = key[ADV_EVENT_TYPE], key[ADV_ADDRESS_TYPE]
        a6, adv = key[ADV_ADDRESS : ADV_ADDRESS + 6], key[ADV_DATA:]
        connectable = None if etype == SCAN_RSP else LEGACY_CONNECTABLE[etype]
    address = addresses.get(a6)
    if address is None:
        address = addresses[a6] = address_text(a6)
    return address, ADDRESS_TYPES.get(atype, _UNKNOWN), adv, connectable


def address_text(a6: bytes) -> str:
    """The six little-endian address bytes of an HCI report as "AA:BB:CC:DD:EE:FF"."""
    return a6[::-1].hex(":").upper()


def parse_record(
    data: bytes | mmap.mmap,
    start: int,
    end: int,
    flags: int,
    ts: int,
    h4: bool,
    monitor: bool,
    stats: BtsnoopStats,
    addresses: dict[bytes, str],
    scannable: dict[str, Report],
    pending: dict[tuple[bytes, int], bytearray],
    source: str,
) -> list[Sighting]:
    """Parse the record with packet ``data[start:end]`` in full, bounds-checked; counts it in stats when
    it holds no report."""
    kind = record_kind(data, start, end, flags, ts, h4, monitor)
    if kind != REPORTS:
        if kind == OTHER:
            stats.other += 1
        else:
            stats.skipped += 1
        return []
    pkt = data[start + h4 : end]
    t = (ts - EPOCH_DELTA_US) / 1e6
    out: list[Sighting] = []
    ok = (legacy_reports if pkt[EVT_SUBEVENT] == SUB_ADV_REPORT else extended_reports)(
        pkt, t, addresses, scannable, pending, source, out
    )
    if not ok:
        stats.skipped += 1  # a corrupt event: none of its reports can be trusted
        return []
    return out


OTHER, SKIPPED, REPORTS = 0, 1, 2  # what a record holds, for `record_kind`


def record_kind(
    data: bytes | mmap.mmap, start: int, end: int, flags: int, ts: int, h4: bool, monitor: bool
) -> int:
    """Whether the record with packet ``data[start:end]`` is other traffic (OTHER), damaged
    (SKIPPED: impossible time, too short, wrong length) or an event with advertising reports."""
    if not TS_MIN <= ts < TS_MAX:
        return SKIPPED
    if h4:
        if end <= start or data[start] != H4_EVENT:
            return OTHER
        start += 1
    elif monitor:
        if flags & 0xFFFF != MONITOR_EVENT:
            return OTHER
    elif flags & 3 != 3:
        return OTHER
    size = end - start
    if size < EVT_PARAMS or (data[start + EVT_CODE] == EVT_LE_META and size <= EVT_SUBEVENT):
        return SKIPPED
    if data[start + EVT_CODE] != EVT_LE_META or data[start + EVT_SUBEVENT] not in REPORT_SUBEVENTS:
        return OTHER
    if data[start + EVT_LENGTH] != size - EVT_PARAMS:
        return SKIPPED
    return REPORTS


def legacy_reports(
    pkt: bytes,
    t: float,
    addresses: dict[bytes, str],
    scannable: dict[str, Report],
    pending: dict[tuple[bytes, int], bytearray],
    source: str,
    out: list[Sighting],
) -> bool:
    """Append the sightings of an LE Advertising Report event; False if the event is corrupt."""
    n = len(pkt)
    if n < EVT_REPORTS:
        return False
    count = pkt[EVT_REPORT_COUNT]
    p = EVT_REPORTS
    for _ in range(count):
        if p + ADV_DATA > n:
            return False
        etype, atype = pkt[p + ADV_EVENT_TYPE], pkt[p + ADV_ADDRESS_TYPE]
        a6 = pkt[p + ADV_ADDRESS : p + ADV_ADDRESS + 6]
        dlen = pkt[p + ADV_DATA_LENGTH]
        if dlen > LEGACY_MAX_DATA or p + ADV_DATA + dlen + 1 > n or etype > SCAN_RSP:
            return False
        adv = pkt[p + ADV_DATA : p + ADV_DATA + dlen]
        rssi = RSSI_OF_BYTE[pkt[p + ADV_DATA + dlen]]
        p += ADV_DATA + dlen + 1
        address = addresses.get(a6)
        if address is None:
            address = addresses[a6] = address_text(a6)
        address_type = ADDRESS_TYPES.get(atype, AddressType.UNKNOWN)
        connectable: bool | None
        if etype == SCAN_RSP:
            prior = scannable.get(address)
            adv, connectable = (prior[2] + adv, prior[3]) if prior is not None else (adv, None)
        else:
            connectable = LEGACY_CONNECTABLE[etype]
            if etype in (ADV_IND, ADV_SCAN_IND):
                scannable[address] = (address, address_type, adv, connectable)
        out.append(Sighting(t, address, address_type, rssi, adv, source, connectable))
    return p == n


def extended_reports(
    pkt: bytes,
    t: float,
    addresses: dict[bytes, str],
    scannable: dict[str, Report],
    pending: dict[tuple[bytes, int], bytearray],
    source: str,
    out: list[Sighting],
) -> bool:
    """Append the sightings of an LE Extended Advertising Report event; False if the event is corrupt.

    A report whose data status says "more to come" is held until its last
    fragment arrives; a "truncated" one is kept with what arrived.  A chain
    keeps at most ADV_DATA_MAX bytes and at most PENDING_MAX chains wait at once.
    """
    n = len(pkt)
    if n < EVT_REPORTS:
        return False
    count = pkt[EVT_REPORT_COUNT]
    p = EVT_REPORTS
    for _ in range(count):
        if p + EXT_DATA > n:
            return False
        etype, atype, a6, _pphy, _sphy, sid, _tx, rssi_raw, _intv, _dat, _da, dlen = EXT_FIXED.unpack_from(
            pkt, p
        )
        p += EXT_DATA
        if p + dlen > n:
            return False
        chunk = pkt[p : p + dlen]
        p += dlen
        key = (a6, sid)
        status = (etype >> EXT_STATUS_SHIFT) & 3
        held = pending.pop(key, None)  # popped and put back: the dict stays in order of last fragment
        if held is not None:
            held += chunk[: ADV_DATA_MAX - len(held)]  # in place: linear in the chain's length
        if status == 1:
            if held is None:
                if len(pending) >= PENDING_MAX:
                    del pending[next(iter(pending))]  # the chain heard from longest ago
                held = bytearray(chunk[:ADV_DATA_MAX])
            pending[key] = held
            continue
        adv = chunk if held is None else bytes(held)
        address = addresses.get(a6)
        if address is None:
            address = addresses[a6] = address_text(a6)
        address_type = ADDRESS_TYPES.get(atype, AddressType.UNKNOWN)
        connectable: bool | None = bool(etype & EXT_CONNECTABLE)
        if etype & EXT_SCAN_RESPONSE:
            prior = scannable.get(address)
            if prior is not None:
                adv, connectable = prior[2] + adv, prior[3]
            elif etype & EXT_LEGACY:
                connectable = None
        elif etype & EXT_SCANNABLE:
            scannable[address] = (address, address_type, adv, connectable)
        rssi = None if rssi_raw == RSSI_UNAVAILABLE else rssi_raw
        out.append(Sighting(t, address, address_type, rssi, adv, source, connectable))
    return p == n
