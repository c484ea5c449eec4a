"""DeviceState records for view tests (the engine's output shape, built directly)."""

from trackerscan.model import DeviceState, Kind, Level

T0 = 1_780_000_000.0


def device(n: int, **changes) -> DeviceState:
    values = dict(
        device_id=f"dev-{n}",
        kind=Kind.AIRTAG,
        tracker=True,
        separated=True,
        addresses=(f"C4:00:00:00:00:{n % 256:02X}",),
        identifiers=(f"{n:016x}",),
        first_seen=T0,
        last_seen=T0 + 2520.0,
        sightings=400,
        rssi=-63,
        rssi_smoothed=-61.5,
        places=5,
        span_m=1300.0,
        duration_s=2520.0,
        level=Level.ALERT,
        known=False,
        can_ring=True,
        explanation="Seen at 5 places over 42 min, up to 1.3 km apart.",
    )
    values.update(changes)
    return DeviceState(**values)


def other(n: int, **changes) -> DeviceState:
    base = dict(
        kind=None,
        tracker=False,
        separated=None,
        level=Level.NONE,
        places=1,
        span_m=0.0,
        duration_s=0.0,
        can_ring=False,
        rssi=-80,
        rssi_smoothed=-80.0,
        explanation="",
    )
    base.update(changes)
    return device(n, **base)
