"""The user's own devices, kept with the session that was recorded with them.

A session records which devices the user had declared as theirs (a known-devices
file, or "It's mine" while recording), so a later report or re-analysis of that
session leaves them out just as the live run did.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from trackerscan.engine.build import union
from trackerscan.engine.known import KnownDevices
from trackerscan.model import DeviceState

__all__ = ["KNOWN_META_KEY", "known_from_meta", "known_text", "union"]

KNOWN_META_KEY = "known_devices"  # one address or hex identifier a line


class HoldsKnown(Protocol):
    """What `known_text` reads of an engine (`trackerscan.engine.Engine`, the window's runner)."""

    @property
    def known(self) -> KnownDevices: ...

    def devices(self) -> list[DeviceState]: ...


def known_text(engine: HoldsKnown) -> str:
    """What the engine treats as the user's own: its known list and the devices marked as theirs."""
    known = engine.known
    lines: set[str] = set(known.addresses | known.identifiers)
    for d in engine.devices():
        if d.known:
            lines.update(d.addresses)
    return "\n".join(sorted(lines))


def known_from_meta(meta: Mapping[str, str]) -> KnownDevices:
    text = meta.get(KNOWN_META_KEY, "")
    return (
        KnownDevices.from_lines(text.splitlines(), "the session's known devices") if text else KnownDevices()
    )
