"""What a Bluetooth LE address is expected to do over time (Core spec Vol 6, Part B, 1.3)."""

from __future__ import annotations

from trackerscan.model import AddressKind, AddressType

# A random address's kind is fixed by the top two bits of its most significant
# octet, which is the first hex digit of the "AA:BB:..." form.
_KIND_BY_FIRST_DIGIT: dict[str, AddressKind] = {}
for _digit in "0123456789ABCDEFabcdef":
    _top = int(_digit, 16) >> 2
    _KIND_BY_FIRST_DIGIT[_digit] = (
        AddressKind.NON_RESOLVABLE,
        AddressKind.RESOLVABLE,
        AddressKind.UNKNOWN,  # 10: reserved
        AddressKind.STATIC,
    )[_top]


def address_kind(address: str | None, address_type: AddressType) -> AddressKind:
    if address_type is AddressType.PUBLIC:
        return AddressKind.PUBLIC
    if address_type is AddressType.RANDOM and address:
        return _KIND_BY_FIRST_DIGIT.get(address[:1], AddressKind.UNKNOWN)
    return AddressKind.UNKNOWN


def rotates(kind: AddressKind) -> bool | None:
    """Private addresses rotate; public and static ones stay (static: until power cycle)."""
    if kind in (AddressKind.RESOLVABLE, AddressKind.NON_RESOLVABLE):
        return True
    if kind in (AddressKind.PUBLIC, AddressKind.STATIC):
        return False
    return None


def address_bytes(address: str | None) -> bytes | None:
    """b"\\xfb\\x6d..." from "FB:6D:08:3D:25:A4" (most significant octet first), or None."""
    if not address:
        return None
    text = address.replace(":", "").replace("-", "")
    if len(text) != 12:
        return None
    try:
        return bytes.fromhex(text)
    except ValueError:
        return None


def normalise_address(address: str) -> str | None:
    """ "fb6d083d25a4" or "fb-6d-..." -> "FB:6D:08:3D:25:A4"; None if it is not an address."""
    raw = address_bytes(address.strip())
    return raw.hex(":").upper() if raw is not None else None
