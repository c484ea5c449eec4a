"""Devices the user knows (never raise a level) and declared home places."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from trackerscan.adv.address import normalise_address
from trackerscan.errors import InputError

_HEX = re.compile(r"^[0-9a-f]+$")
# macOS shows no Bluetooth addresses: each device gets a UUID of this computer's own instead, and that
# is what "It's mine" records there (see trackerscan.sources.ble_platform.MAC_LIMITS).
_MAC_DEVICE_ID = re.compile(r"^[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$")


@dataclass(frozen=True, slots=True)
class KnownDevices:
    """Addresses (``AA:BB:...``, or a Mac's device UUID) and identifiers (lower-case hex) of the user."""

    addresses: frozenset[str] = frozenset()
    identifiers: frozenset[str] = frozenset()

    @classmethod
    def from_lines(cls, lines: Iterable[str], origin: str = "known devices") -> KnownDevices:
        """One address or identifier (hex) a line; ``#`` starts a comment."""
        addresses: set[str] = set()
        identifiers: set[str] = set()
        for number, raw in enumerate(lines, 1):
            text = raw.split("#", 1)[0].strip()
            if not text:
                continue
            address = normalise_address(text)
            if address is not None:
                addresses.add(address)
                identifiers.add(address.replace(":", "").lower())
                continue
            if _MAC_DEVICE_ID.match(text.upper()):
                addresses.add(text.upper())
                continue
            h = text.lower().replace(" ", "").replace(":", "")
            if h.startswith("0x"):
                h = h[2:]
            if not h or not _HEX.match(h) or len(h) % 2:
                raise InputError(f"Line {number} of {origin} is neither an address nor a hex identifier.")
            identifiers.add(h)
        return cls(frozenset(addresses), frozenset(identifiers))

    @classmethod
    def load(cls, path: str | Path) -> KnownDevices:
        p = Path(path)
        try:
            text = p.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise InputError(f"Cannot read the known-devices file {p}: {exc}.") from None
        return cls.from_lines(text.splitlines(), origin=str(p))

    def contains(self, address: str | None = None, identifier: bytes | str | None = None) -> bool:
        if not (self.addresses or self.identifiers):
            return False  # none given (the common case): not even the address's upper case is made
        if address is not None and address.upper() in self.addresses:
            return True
        if identifier is not None:
            key = identifier.hex() if isinstance(identifier, bytes) else identifier.lower()
            return key in self.identifiers
        return False

    def __len__(self) -> int:
        plain = {a.replace(":", "").lower() for a in self.addresses}
        return len(self.addresses) + len(self.identifiers - plain)


@dataclass(frozen=True, slots=True)
class Home:
    """A place the user declares as home (or work): devices heard only there are neighbours."""

    lat: float
    lon: float
    radius_m: float = 100.0
    label: str = "home"
