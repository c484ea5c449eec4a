"""Hex text as nRF Connect or btmon show it, to bytes."""

from __future__ import annotations

import re

from trackerscan.errors import InputError

_SEPARATORS = re.compile(r"[\s:,\-]+")


def parse_hex(text: str) -> bytes:
    """Accept spaces, colons, dashes, a 0x prefix, upper or lower case.  Raises InputError."""
    cleaned = text.strip()
    if cleaned[:2].lower() == "0x":
        cleaned = cleaned[2:]
    cleaned = _SEPARATORS.sub("", cleaned)
    if not cleaned:
        raise InputError("No advertisement bytes were given: pass them as hex, e.g. 07FF4C0012025402.")
    if len(cleaned) % 2:
        raise InputError(f"The hex has an odd number of digits ({len(cleaned)}): each byte needs two.")
    try:
        return bytes.fromhex(cleaned)
    except ValueError:
        bad = next(c for c in cleaned if c not in "0123456789abcdefABCDEF")
        raise InputError(f"{bad!r} is not a hex digit: give the advertisement as hex bytes.") from None
