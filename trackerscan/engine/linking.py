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

import math

from trackerscan.engine import thresholds as th
from trackerscan.engine.device import Device
from trackerscan.model import Identity

Signature = tuple[object, object, object, object]


def smarttag_signature(ident: Identity) -> Signature:
    """What must not change across a SmartTag rotation: state code, battery and UWB flags."""
    d = ident.details
    return (d.get("state"), ident.battery, d.get("uwb"), d.get("flags"))


def smarttag_aging(ident: Identity) -> int | None:
    value = ident.details.get("aging_counter")
    return value if isinstance(value, int) else None


# Oldest SmartTag identity that can still continue a chain: its counter at most this many steps
# behind (the gap link allows SMARTTAG_GAP_LINK_MAX_S of rotations plus the tolerance).
_MAX_STEPS_BACK = (
    int(th.SMARTTAG_GAP_LINK_MAX_S / th.SMARTTAG_ROTATION_S + th.SMARTTAG_GAP_TOLERANCE + 0.5) + 1
)



class SmartTagChains:
    """The newest identity of each SmartTag chain, by signature, to extend with counter + 1.

    Tails are kept per signature in the order they were added, and indexed by their counter, so
    finding a chain looks only at tails whose counter is a plausible predecessor.
    """

    def __init__(self) -> None:
        self._tails: dict[Signature, dict[Device, int]] = {}  # insertion order, value: sequence number
        self._by_aging: dict[Signature, dict[int, list[Device]]] = {}
        self._sigs_of: dict[Device, list[Signature]] = {}
        self._oldest: dict[Signature, float] = {}  # a lower bound of the tails' last_seen
        self._seq = 0

    def find(self, ident: Identity, t: float) -> tuple[Device | None, float]:
        """The chain this identity continues, and how sure the link is."""
        aging = smarttag_aging(ident)
        if aging is None:
            return None, 0.0
        sig = smarttag_signature(ident)
        tails = self._tails.get(sig)
        if not tails:
            return None, 0.0
        if len(tails) <= _MAX_STEPS_BACK:
            candidates: list[Device] = list(tails)
        else:
            by_aging = self._by_aging[sig]
            candidates = []
            for a in range(aging - _MAX_STEPS_BACK, aging):
                bucket = by_aging.get(a)
                if bucket:
                    candidates.extend(bucket)
            candidates.sort(key=tails.__getitem__)
        best: Device | None = None
        gap_best: Device | None = None
        gap_err = th.SMARTTAG_GAP_TOLERANCE + 1.0
        for dev in candidates:
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

    def drop(self, dev: Device) -> None:
        """Forget a device's tails (the engine dropped it from memory)."""
        for sig in self._sigs_of.pop(dev, ()):
            self._tails[sig].pop(dev, None)
            by_aging = self._by_aging[sig]
            bucket = by_aging.get(dev.st_aging)
            if bucket is not None and dev in bucket:
                bucket.remove(dev)
                if not bucket:
                    del by_aging[dev.st_aging]

    def note(self, dev: Device, ident: Identity, t: float) -> None:
        aging = smarttag_aging(ident)
        if aging is None or aging <= dev.st_aging:
            return
        old = dev.st_aging
        dev.st_aging = aging
        for s in self._sigs_of.get(dev, ()):  # re-index the device under its new counter
            by_aging = self._by_aging[s]
            bucket = by_aging[old]
            bucket.remove(dev)
            if not bucket:
                del by_aging[old]
            by_aging.setdefault(aging, []).append(dev)
        sig = smarttag_signature(ident)
        tails = self._tails.setdefault(sig, {})
        if dev not in tails:
            self._seq += 1
            tails[dev] = self._seq
            self._sigs_of.setdefault(dev, []).append(sig)
            self._by_aging.setdefault(sig, {}).setdefault(aging, []).append(dev)
            self._oldest[sig] = min(self._oldest.get(sig, math.inf), dev.last_seen)
        # Forget tails that can no longer be extended.  last_seen only grows, so nothing is older
        # than the bound while the bound is recent.
        limit = t - th.SMARTTAG_GAP_LINK_MAX_S
        if self._oldest[sig] < limit:
            for d in [d for d in tails if d.last_seen < limit and d is not dev]:
                del tails[d]
                sigs = self._sigs_of[d]
                sigs.remove(sig)
                if not sigs:
                    del self._sigs_of[d]
                bucket = self._by_aging[sig][d.st_aging]
                bucket.remove(d)
                if not bucket:
                    del self._by_aging[sig][d.st_aging]
            self._oldest[sig] = min(d.last_seen for d in tails)
