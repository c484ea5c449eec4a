"""classify(): from advertisement bytes to an Identity, dispatching on a few bytes.

Most advertisements in a city are phones and other non-trackers.  A compiled
pattern looks for the byte sequences every tracker frame must contain (a
16-bit UUID in little-endian, or Apple's company ID followed by a Find My
type); when none is there, a shared constant result is returned without
parsing or allocating.  Candidates are parsed in full, and the result is
memoised per advertisement payload, since a tracker repeats one frame for
15 minutes to 24 hours.
"""

from __future__ import annotations

import re

from trackerscan.adv.ad import parse_ad
from trackerscan.adv.address import address_bytes, address_kind, rotates
from trackerscan.adv.apple import APPLE_COMPANY_ID, classify_apple
from trackerscan.adv.dult import DULT_UUID, classify_dult
from trackerscan.adv.google import FMDN_UUID, classify_google
from trackerscan.adv.native import (
    CHIPOLO_UUIDS,
    PEBBLEBEE_UUID,
    TILE_UUIDS,
    classify_chipolo,
    classify_pebblebee,
    classify_tile,
)
from trackerscan.adv.samsung import (
    FIND_MY_MOBILE_UUID,
    SMARTTAG_UUID,
    classify_find_my_mobile,
    classify_smarttag,
)
from trackerscan.model import AddressKind, AddressType, Identity

_UUIDS16 = (
    DULT_UUID,
    FMDN_UUID,
    SMARTTAG_UUID,
    FIND_MY_MOBILE_UUID,
    *TILE_UUIDS,
    *CHIPOLO_UUIDS,
    PEBBLEBEE_UUID,
)
# A superset filter: every frame classify_full() can call a tracker contains one of these.
_CANDIDATE = re.compile(
    b"|".join(re.escape(u.to_bytes(2, "little")) for u in _UUIDS16)
    + b"|\xff\x4c\x00[\\x00-\\xff]*?\x12[\x02\x19]",
    re.DOTALL,
)


def _plain(kind: AddressKind) -> Identity:
    return Identity(
        tracker=False,
        kind=None,
        network=None,
        separated=None,
        battery=None,
        identifier=None,
        identifier_lifetime_s=None,
        ring=None,
        address_kind=kind,
        address_rotates=rotates(kind),
    )


_PLAIN = {kind: _plain(kind) for kind in AddressKind}
_PLAIN_PUBLIC = _PLAIN[AddressKind.PUBLIC]
_PLAIN_UNKNOWN = _PLAIN[AddressKind.UNKNOWN]
_PLAIN_RANDOM = {
    digit: _PLAIN[address_kind(digit + "0:00:00:00:00:00", AddressType.RANDOM)]
    for digit in "0123456789ABCDEFabcdef"
}

_CACHE_MAX = 8192
_cache: dict[bytes, tuple[str | None, AddressType, Identity]] = {}
# Advertisements `_CANDIDATE` found nothing in (most of a busy street's): a set lookup instead of the
# search (0.4 µs) the next time, as when an address is classified again on becoming a device.
_plain_advs: set[bytes] = set()
# read through their class, enum members cost 80 ns each on Python 3.11
_RANDOM, _PUBLIC = AddressType.RANDOM, AddressType.PUBLIC


def classify(
    adv: bytes, address: str | None = None, address_type: AddressType = AddressType.RANDOM
) -> Identity:
    """Identify the device behind one advertisement.  Pure; never raises on any bytes."""
    plain = adv in _plain_advs
    if not plain and _CANDIDATE.search(adv) is None:
        if len(_plain_advs) >= _CACHE_MAX:
            _plain_advs.clear()
        _plain_advs.add(adv)
        plain = True
    if plain:
        if address_type is _RANDOM and address:
            return _PLAIN_RANDOM.get(address[:1], _PLAIN_UNKNOWN)
        return _PLAIN_PUBLIC if address_type is _PUBLIC else _PLAIN_UNKNOWN
    hit = _cache.get(adv)
    if hit is not None and hit[0] == address and hit[1] is address_type:
        return hit[2]
    identity = classify_full(adv, address, address_type)
    if len(_cache) >= _CACHE_MAX:
        _cache.clear()
    _cache[adv] = (address, address_type, identity)
    return identity


def classify_full(
    adv: bytes, address: str | None = None, address_type: AddressType = AddressType.RANDOM
) -> Identity:
    """The full parse, without the pre-filter or the memo (used by tests as a cross-check)."""
    kind = address_kind(address, address_type)
    fields = parse_ad(adv)
    adva = address_bytes(address)
    sd = fields.service_data
    # The most specific ecosystem wins: Apple and Google frames over a generic DULT frame.
    apple = fields.manufacturer.get(APPLE_COMPANY_ID)
    if apple is not None:
        found = classify_apple(apple, adva, kind)
        if found is not None:
            return found
    if FMDN_UUID in sd:
        found = classify_google(sd[FMDN_UUID], fields.flags, fields.truncated, kind)
        if found is not None:
            return found
    if DULT_UUID in sd:
        found = classify_dult(sd[DULT_UUID], kind)
        if found is not None:
            return found
    if SMARTTAG_UUID in sd:
        found = classify_smarttag(sd[SMARTTAG_UUID], kind)
        if found is not None:
            return found
    uuids = set(fields.uuids16) | set(sd)
    for uuid in TILE_UUIDS:
        if uuid in uuids:
            return classify_tile(uuid, sd.get(uuid), kind)
    if any(u in uuids for u in CHIPOLO_UUIDS):
        return classify_chipolo(sd.get(CHIPOLO_UUIDS[0], sd.get(CHIPOLO_UUIDS[1])), adva, kind)
    if PEBBLEBEE_UUID in uuids:
        return classify_pebblebee(kind)
    if FIND_MY_MOBILE_UUID in uuids:
        return classify_find_my_mobile(sd.get(FIND_MY_MOBILE_UUID, b""), kind)
    return _PLAIN[kind]
