"""The detection engine for a sensitivity preset and the user's own devices and home places."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable

from trackerscan.engine.core import Engine
from trackerscan.engine.known import Home, KnownDevices
from trackerscan.engine.settings import Settings


def union(*parts: KnownDevices) -> KnownDevices:
    """One list of known devices holding every address and identifier of ``parts``."""
    return KnownDevices(
        frozenset().union(*(p.addresses for p in parts)), frozenset().union(*(p.identifiers for p in parts))
    )


def make_engine(
    sensitivity: str = "medium",
    known_path: str | None = None,
    known: KnownDevices | None = None,
    keep_all: bool = False,
    homes: Iterable[Home] = (),
) -> Engine:
    """The engine for a sensitivity preset, an optional known-devices file, more known devices (e.g.
    those a session was recorded with) and the user's home places.  ``keep_all``: never forget
    bystanders (a report lists every tracker heard; a live run forgets them to keep memory flat)."""
    known = union(known or KnownDevices(), KnownDevices.load(known_path) if known_path else KnownDevices())
    settings = Settings.from_sensitivity(sensitivity)
    if keep_all:
        settings = dataclasses.replace(settings, forget_after_s=None)
    return Engine(settings, known, tuple(homes))
