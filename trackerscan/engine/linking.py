"""Linking identities across rotations where the formats allow it (trackers.md section 7).

- Apple and DULT separated tags keep their address for 24 h: the address is the handle.
- Google FMDN tags in unwanted-tracking-protection mode keep their MAC while the EID rotates;
  a new MAC carrying an EID already seen is the same tag.
- Samsung SmartTags change address and privacy ID every 15 min and add 1 to the aging counter:
  a new privacy ID with counter n+1, the same state and flags, appearing just after the
  identity with counter n went quiet, is linked (a heuristic: confidence below 1).
- Anything else is linked by address only.
"""

from __future__ import annotations

from trackerscan.engine import thresholds as th
from trackerscan.engine.device import Device
from trackerscan.model import Identity


def smarttag_signature(ident: Identity) -> tuple[object, object, object, object]:
    """What must not change across a SmartTag rotation: state code, battery and UWB flags."""
    d = ident.details
    return (d.get("state"), ident.battery, d.get("uwb"), d.get("flags"))


def smarttag_aging(ident: Identity) -> int | None:
    value = ident.details.get("aging_counter")
    return value if isinstance(value, int) else None


class SmartTagChains:
    """The newest identity of each SmartTag chain, by signature, to extend with counter + 1."""

    def __init__(self) -> None:
        self._tails: dict[tuple[object, object, object, object], list[Device]] = {}

    def find(self, ident: Identity, t: float) -> tuple[Device | None, float]:
        """The chain this identity continues, and how sure the link is."""
        aging = smarttag_aging(ident)
        if aging is None:
            return None, 0.0
        best: Device | None = None
        gap_best: Device | None = None
        gap_err = th.SMARTTAG_GAP_TOLERANCE + 1.0
        for dev in self._tails.get(smarttag_signature(ident), ()):
            dt = t - dev.last_seen
            if dt < 0 or aging <= dev.st_aging:
                continue
            if dev.st_aging == aging - 1 and dt <= th.SMARTTAG_LINK_WINDOW_S:
                if best is None or dev.last_seen > best.last_seen:
                    best = dev
            elif th.SMARTTAG_LINK_WINDOW_S / 2 < dt <= th.SMARTTAG_GAP_LINK_MAX_S:
                expected = dev.st_aging + dt / th.SMARTTAG_ROTATION_S
                err = abs(aging - expected)
                if err <= th.SMARTTAG_GAP_TOLERANCE + 0.5 and err < gap_err:
                    gap_best, gap_err = dev, err
        if best is not None:
            return best, th.SMARTTAG_LINK_CONFIDENCE
        if gap_best is not None:
            return gap_best, th.SMARTTAG_GAP_LINK_CONFIDENCE
        return None, 0.0

    def note(self, dev: Device, ident: Identity, t: float) -> None:
        aging = smarttag_aging(ident)
        if aging is None or aging <= dev.st_aging:
            return
        dev.st_aging = aging
        tails = self._tails.setdefault(smarttag_signature(ident), [])
        if dev not in tails:
            tails.append(dev)
        # Forget tails that can no longer be extended.
        limit = t - th.SMARTTAG_GAP_LINK_MAX_S
        tails[:] = [d for d in tails if d.last_seen >= limit or d is dev]
