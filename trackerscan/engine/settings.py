"""Engine settings: a sensitivity preset and what is kept."""

from __future__ import annotations

from dataclasses import dataclass

from trackerscan.engine import thresholds as th
from trackerscan.errors import InputError


@dataclass(frozen=True, slots=True)
class Settings:
    """How much evidence the engine asks for before raising a level.

    ``time_factor`` multiplies every time threshold, ``extra_places`` adds to
    every place count (see thresholds.SENSITIVITY).  ``history_step_s`` is the
    spacing of stored history points per device.  ``forget_after_s`` drops a bystander (a
    device that never reached watch or alert and is not known) unheard for that long, to keep
    memory flat on long runs (thresholds.FORGET_AFTER_S); None keeps every device.
    ``keep_history`` False stores no history points but each device's first (`analyze` reads
    none, and they were a seventh of its engine time): the same levels, `Engine.history` empty.
    """

    sensitivity: str = "medium"
    time_factor: float = 1.0
    extra_places: int = 0
    history_step_s: float = th.HISTORY_STEP_S
    forget_after_s: float | None = th.FORGET_AFTER_S
    keep_history: bool = True

    @classmethod
    def from_sensitivity(cls, name: str) -> Settings:
        try:
            factor, extra = th.SENSITIVITY[name]
        except KeyError:
            choices = ", ".join(th.SENSITIVITY)
            raise InputError(f"Unknown sensitivity {name!r}: choose one of {choices}.") from None
        return cls(sensitivity=name, time_factor=factor, extra_places=extra)
