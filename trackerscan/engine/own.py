"""Her own devices, learnt from a recording made at home (the Pi kit's first-run step, issue #17),
and the "Is this yours?" questions a recording raised, to answer after it.

What the GUI's "Your own devices" list asks her to tick, for a kit without a screen: devices with a
stable identity (class other than NEVER: a fixed address, or a tracker's day-long one) that were close
to her (thresholds CLOSE_GAP_DB) in most minutes of a recording made at home with no visitors.
The kit cannot ask "Is this yours?" either: the same events replayed through the engine ask the
same questions at the same moments (the engine is causal and reads no clock), so `asked_mine`
finds them in any recorded session.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from trackerscan.engine import thresholds as th
from trackerscan.engine.core import Engine
from trackerscan.engine.device import NEVER
from trackerscan.engine.known import KnownDevices
from trackerscan.model import Event, Kind, Level

# Minutes a device must be heard at home, and the share of them close to her, to count as hers: a
# neighbour's speaker through the wall is heard all along but never within ~2 m of her own phone.
OWN_MIN_MINUTES = 3
OWN_CLOSE_SHARE = th.RIDE_CLOSE_SHARE


@dataclass(frozen=True, slots=True)
class OwnDevice:
    address: str
    kind: Kind | None
    minutes: int  # context windows with a reading
    close_minutes: int  # of them, close to her


def learn_own(events: Iterable[Event]) -> list[OwnDevice]:
    """Devices close to her in most minutes of ``events``, most minutes first."""
    engine = Engine()
    for e in events:
        engine.feed(e)
    out = [
        OwnDevice(d.addresses[0], d.identity.kind, d.win_n, d.near_n)
        for d in engine._devices.values()  # the engine package's own state
        if d.cls != NEVER and d.win_n >= OWN_MIN_MINUTES and d.near_n >= OWN_CLOSE_SHARE * d.win_n
    ]
    out.sort(key=lambda o: (-o.minutes, o.address))
    return out


@dataclass(frozen=True, slots=True)
class AskedDevice:
    address: str
    kind: Kind | None
    asked_at: float  # event time of the question
    minutes: int  # minutes with her by then
    places: int


def asked_mine(events: Iterable[Event], known: KnownDevices | None = None) -> list[AskedDevice]:
    """The devices the engine asked "Is this yours?" about over ``events``, in the order asked
    (``known``: her own devices, as the recording had them: never asked about)."""
    engine = Engine(known=known)
    out: dict[str, AskedDevice] = {}
    for e in events:
        for c in engine.feed(e):
            if c.level is not Level.WATCH or c.device_id in out:
                continue
            state = engine.device(c.device_id)
            if state is not None and state.ask_mine:
                address = c.addresses[0] if c.addresses else c.device_id
                out[c.device_id] = AskedDevice(address, c.kind, c.time, round(c.duration_s / 60), c.places)
    return list(out.values())
