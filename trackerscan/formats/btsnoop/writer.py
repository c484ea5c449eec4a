"""Writing sightings back as a btsnoop log (btmon's 2001 or Android's 1002), as controllers report them."""

from __future__ import annotations

import os
import struct
from collections.abc import Iterable

from trackerscan.errors import InputError
from trackerscan.formats.btsnoop.records import (
    ADV_IND,
    ADV_NONCONN_IND,
    DATALINK_H4,
    DATALINK_MONITOR,
    EPOCH_DELTA_US,
    EVT_LE_META,
    EXT_CONNECTABLE,
    EXT_FIXED,
    EXT_MAX_DATA,
    EXT_STATUS_SHIFT,
    FILE_HEADER,
    H4_EVENT,
    LEGACY_MAX_DATA,
    MAGIC,
    MONITOR_EVENT,
    MONITOR_NEW_INDEX,
    RECORD_HEADER,
    RSSI_UNAVAILABLE,
    SUB_ADV_REPORT,
    SUB_EXT_ADV_REPORT,
    VERSION,
)
from trackerscan.model import AddressType, Sighting
from trackerscan.privatefile import open_private

_ADDRESS_TYPE_CODES = {AddressType.PUBLIC: 0, AddressType.RANDOM: 1, AddressType.UNKNOWN: 1}


def _address_bytes(address: str) -> bytes:
    try:
        raw = bytes.fromhex(address.replace(":", ""))
    except ValueError:
        raw = b""
    if len(raw) != 6:
        raise InputError(f"{address!r} is not a Bluetooth address like AA:BB:CC:DD:EE:FF.")
    return raw[::-1]


def advertising_event(s: Sighting) -> list[bytes]:
    """The HCI LE Meta event(s) (without H4 byte) that report one sighting.

    Up to 31 bytes of AD data: an LE Advertising Report (ADV_IND when
    connectable, else ADV_NONCONN_IND).  Longer: LE Extended Advertising
    Reports, fragmented with data status "more to come" beyond 229 bytes.
    """
    a6 = _address_bytes(s.address)
    atype = _ADDRESS_TYPE_CODES[s.address_type]
    rssi = RSSI_UNAVAILABLE if s.rssi is None else max(-127, min(126, s.rssi))
    if len(s.adv) <= LEGACY_MAX_DATA:
        etype = ADV_IND if s.connectable else ADV_NONCONN_IND
        body = bytes((SUB_ADV_REPORT, 1, etype, atype)) + a6 + bytes((len(s.adv),)) + s.adv
        body += struct.pack("b", rssi)
        return [bytes((EVT_LE_META, len(body))) + body]
    events = []
    adv = s.adv
    chunks = [adv[i : i + EXT_MAX_DATA] for i in range(0, len(adv), EXT_MAX_DATA)]
    for i, chunk in enumerate(chunks):
        status = 0 if i == len(chunks) - 1 else 1
        etype = (EXT_CONNECTABLE if s.connectable else 0) | (status << EXT_STATUS_SHIFT)
        report = EXT_FIXED.pack(etype, atype, a6, 1, 0, 0, 127, rssi, 0, 0, bytes(6), len(chunk)) + chunk
        body = bytes((SUB_EXT_ADV_REPORT, 1)) + report
        events.append(bytes((EVT_LE_META, len(body))) + body)
    return events


def _record(payload: bytes, flags: int, t: float) -> bytes:
    ts = round(t * 1_000_000) + EPOCH_DELTA_US
    return RECORD_HEADER.pack(len(payload), len(payload), flags, 0, ts) + payload


def write_btsnoop(
    path: str | os.PathLike[str], sightings: Iterable[Sighting], datalink: int = DATALINK_MONITOR
) -> int:
    """Write sightings as a btsnoop log (datalink 2001 or 1002), file mode 0600; return the count.

    Times are kept to the microsecond.  An UNKNOWN address type is written as
    random, and ``connectable=None`` as non-connectable.
    """
    if datalink not in (DATALINK_MONITOR, DATALINK_H4):
        raise InputError(f"btsnoop datalink {datalink} cannot be written; use 2001 or 1002.")
    fd = open_private(path)
    count = 0
    with os.fdopen(fd, "wb", buffering=1 << 20) as f:
        f.write(FILE_HEADER.pack(MAGIC, VERSION, datalink))
        first = True
        for s in sightings:
            if first and datalink == DATALINK_MONITOR:
                # btmon starts with a "New Index" record for the adapter: type, bus, address, name.
                f.write(_record(bytes((0, 0)) + bytes(6) + b"hci0\0\0\0\0", MONITOR_NEW_INDEX, s.time))
            first = False
            for event in advertising_event(s):
                if datalink == DATALINK_H4:
                    f.write(_record(bytes((H4_EVENT,)) + event, 3, s.time))
                else:
                    f.write(_record(event, MONITOR_EVENT, s.time))
            count += 1
    return count
