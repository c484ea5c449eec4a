"""AD structures: bounds-checked splitting of advertisement bytes, and building them.

An AD structure is ``[len][type][data...]`` where ``len`` counts the type byte
and the data.  Multi-byte values are little-endian (Core spec, Supplement).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

AD_FLAGS = 0x01
AD_UUID16_INCOMPLETE = 0x02
AD_UUID16_COMPLETE = 0x03
AD_UUID128_INCOMPLETE = 0x06
AD_UUID128_COMPLETE = 0x07
AD_NAME_SHORT = 0x08
AD_NAME_COMPLETE = 0x09
AD_SERVICE_DATA16 = 0x16
AD_SERVICE_DATA128 = 0x21
AD_MANUFACTURER = 0xFF

BASE_UUID_SUFFIX = "-0000-1000-8000-00805f9b34fb"
MAX_AD_DATA = 254  # one AD structure carries at most 254 data bytes (length byte 255)


@dataclass(slots=True)
class AdFields:
    """What a run of AD structures says, gathered by type.  Built by `parse_ad` only."""

    flags: int | None = None
    manufacturer: dict[int, bytes] = field(default_factory=dict)
    service_data: dict[int, bytes] = field(default_factory=dict)  # 16-bit UUID -> payload
    uuids16: list[int] = field(default_factory=list)
    name: str | None = None
    truncated: bool = False  # an AD structure claimed more bytes than were there


def parse_ad(adv: bytes) -> AdFields:
    """Split advertising (+ scan response) data into fields.  Never raises.

    A zero length byte is padding and is skipped.  A structure whose length
    runs past the end is kept with the bytes that are there and the result is
    marked ``truncated``.  Repeated types keep the first payload seen (a scan
    response does not override advertising data).
    """
    out = AdFields()
    n = len(adv)
    i = 0
    while i < n:
        length = adv[i]
        if length == 0:
            i += 1
            continue
        end = i + 1 + length
        if end > n:
            out.truncated = True
            end = n
        if i + 1 >= end:
            break
        ad_type = adv[i + 1]
        data = adv[i + 2 : end]
        if ad_type == AD_MANUFACTURER:
            if len(data) >= 2:
                out.manufacturer.setdefault(data[0] | data[1] << 8, data[2:])
        elif ad_type == AD_SERVICE_DATA16:
            if len(data) >= 2:
                out.service_data.setdefault(data[0] | data[1] << 8, data[2:])
        elif ad_type == AD_SERVICE_DATA128:
            if len(data) >= 16:
                uuid16 = _uuid16_of_128(data[:16])
                if uuid16 is not None:
                    out.service_data.setdefault(uuid16, data[16:])
        elif ad_type in (AD_UUID16_INCOMPLETE, AD_UUID16_COMPLETE):
            for j in range(0, len(data) - 1, 2):
                out.uuids16.append(data[j] | data[j + 1] << 8)
        elif ad_type in (AD_UUID128_INCOMPLETE, AD_UUID128_COMPLETE):
            for j in range(0, len(data) - 15, 16):
                uuid16 = _uuid16_of_128(data[j : j + 16])
                if uuid16 is not None:
                    out.uuids16.append(uuid16)
        elif ad_type == AD_FLAGS:
            if data and out.flags is None:
                out.flags = data[0]
        elif ad_type in (AD_NAME_COMPLETE, AD_NAME_SHORT) and out.name is None:
            out.name = data.decode("utf-8", "replace")
        i = end
    return out


_BASE_UUID_LE_TAIL = bytes.fromhex("00805f9b34fb800010000000")[::-1]


def _uuid16_of_128(le: bytes) -> int | None:
    """The 16-bit short form of a little-endian 128-bit UUID on the Bluetooth base, or None."""
    if le[:12] == _BASE_UUID_LE_TAIL and le[14:16] == b"\x00\x00":
        return le[12] | le[13] << 8
    return None


def uuid16_from_str(uuid: str) -> int | None:
    """0xFCB2 from "0000fcb2-0000-1000-8000-00805f9b34fb" (or "fcb2"); None if not a base UUID."""
    text = uuid.strip().lower()
    try:
        if len(text) <= 4:
            return int(text, 16)
        if len(text) == 36 and text.endswith(BASE_UUID_SUFFIX) and text.startswith("0000"):
            return int(text[4:8], 16)
    except ValueError:
        return None
    return None


def _uuid128_le(uuid: str) -> bytes | None:
    hexpart = uuid.replace("-", "")
    if len(hexpart) != 32:
        return None
    try:
        return bytes.fromhex(hexpart)[::-1]
    except ValueError:
        return None


def _structure(ad_type: int, data: bytes) -> bytes:
    data = data[:MAX_AD_DATA]
    return bytes((len(data) + 1, ad_type)) + data


def build_ad(
    manufacturer_data: Mapping[int, bytes],
    service_data: Mapping[str, bytes],
    service_uuids: Sequence[str],
    local_name: str | None = None,
) -> bytes:
    """Rebuild AD structures from the parsed fields bleak delivers.

    bleak strips the company ID from manufacturer data and the UUID from
    service data; they are put back here, so `classify` sees the same bytes it
    would see from a raw capture.  Order: UUID lists, service data,
    manufacturer data, name.
    """
    parts: list[bytes] = []
    short: list[int] = []
    long_: list[bytes] = []
    for uuid in service_uuids:
        u16 = uuid16_from_str(uuid)
        if u16 is not None:
            short.append(u16)
        else:
            le = _uuid128_le(uuid)
            if le is not None:
                long_.append(le)
    if short:
        parts.append(_structure(AD_UUID16_COMPLETE, b"".join(u.to_bytes(2, "little") for u in short)))
    if long_:
        parts.append(_structure(AD_UUID128_COMPLETE, b"".join(long_)))
    for uuid, payload in service_data.items():
        u16 = uuid16_from_str(uuid)
        if u16 is not None:
            parts.append(_structure(AD_SERVICE_DATA16, u16.to_bytes(2, "little") + bytes(payload)))
        else:
            le = _uuid128_le(uuid)
            if le is not None:
                parts.append(_structure(AD_SERVICE_DATA128, le + bytes(payload)))
    for company, payload in manufacturer_data.items():
        parts.append(_structure(AD_MANUFACTURER, (company & 0xFFFF).to_bytes(2, "little") + bytes(payload)))
    if local_name:
        parts.append(_structure(AD_NAME_COMPLETE, local_name.encode("utf-8")))
    return b"".join(parts)
