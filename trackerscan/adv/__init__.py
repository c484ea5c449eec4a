"""Identification of trackers from advertisement bytes: pure functions, no I/O.

One module per ecosystem; `classify` dispatches on the first bytes.  bleak's
parsed fields go through `build_ad` first, so there is one code path.
"""

from collections.abc import Mapping, Sequence

from trackerscan.adv.ad import AdFields, build_ad, parse_ad
from trackerscan.adv.address import address_kind, normalise_address
from trackerscan.adv.classify import classify, classify_full
from trackerscan.adv.hexinput import parse_hex
from trackerscan.model import AddressType, Identity

__all__ = [
    "AdFields",
    "address_kind",
    "build_ad",
    "classify",
    "classify_bleak",
    "classify_full",
    "normalise_address",
    "parse_ad",
    "parse_hex",
]


def classify_bleak(
    manufacturer_data: Mapping[int, bytes],
    service_data: Mapping[str, bytes],
    service_uuids: Sequence[str],
    address: str,
    address_type: AddressType = AddressType.RANDOM,
    local_name: str | None = None,
) -> Identity:
    """Classify what bleak delivers (AdvertisementData fields) through the same path as raw bytes."""
    adv = build_ad(manufacturer_data, service_data, service_uuids, local_name)
    return classify(adv, address, address_type)
