"""The user's situation from the last minute: standing still, walking, in a vehicle, in a crowd,
on public transport.  Busy situations ask for more evidence before a level is raised."""

from __future__ import annotations

from trackerscan.engine import thresholds as th
from trackerscan.engine.device import Device


class Context:
    """Rolls once per CONTEXT_WINDOW_S over the devices heard in that window."""

    __slots__ = (
        "busy",
        "cotravellers",
        "crowd",
        "heard",
        "situation",
        "speed_mps",
        "transport",
        "window_end",
    )

    def __init__(self) -> None:
        self.heard: set[Device] = set()
        self.window_end = -1.0
        self.busy = False
        self.crowd = False
        self.transport = False
        self.cotravellers = 0
        self.speed_mps: float | None = None
        self.situation = ""

    def roll(self, t: float, speed_mps: float | None, gps: bool) -> None:
        """Close the window that ended before ``t`` and describe the situation."""
        heard = self.heard
        limit = t - th.COTRAVEL_MIN_S
        self.cotravellers = sum(
            1
            for d in heard
            if d.cls == "other" or (d.cls == "never" and not d.identity.tracker)
            if d.pres_start <= limit and d.gps_places >= 2 and not d.known
        )
        self.crowd = len(heard) >= th.CROWD_MIN_DEVICES
        vehicle = speed_mps is not None and speed_mps > th.WALK_MAX_MPS
        self.transport = vehicle and self.cotravellers >= th.TRANSPORT_MIN_COTRAVELLERS
        self.busy = self.crowd or self.transport
        self.speed_mps = speed_mps
        if self.transport:
            self.situation = "probably on public transport, with other people's devices travelling alongside"
        elif self.crowd:
            self.situation = f"among many people ({len(heard)} devices heard within a minute)"
        elif not gps or speed_mps is None:
            self.situation = ""
        elif speed_mps < th.STILL_MAX_MPS:
            self.situation = "standing still"
        elif speed_mps <= th.WALK_MAX_MPS:
            self.situation = "walking"
        else:
            self.situation = "in a vehicle"
        heard.clear()
        self.window_end = t + th.CONTEXT_WINDOW_S
