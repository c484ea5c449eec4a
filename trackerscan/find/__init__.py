"""Finding a tracker once it is known to be there: a hot/cold sweep and, when asked, its sound.

- `SweepState` (pure): fed Sightings with ``add``; ``rows(now)`` gives `SweepRow`s with smoothed RSSI,
  trend (closer / further), hot/cold words and seconds since last heard, separated trackers first.
- ``await ring(address, procedure, ...)`` -> `RingResult`: makes a tracker play (or with ``stop=True``
  stop) its sound, through bleak (default) or bumble (``transport="usb:0"`` or an open
  ``bumble_device``).  Never raises for what the tracker does; the result says it in plain words.
"""

from trackerscan.find.procedures import CANNOT_RING, PROCEDURES, procedure_for
from trackerscan.find.ring import SAFETY_CAUTION, RingOutcome, RingResult, ring
from trackerscan.find.sweep import SweepRow, SweepState
from trackerscan.smoothing import Heat, Trend

__all__ = [
    "CANNOT_RING",
    "PROCEDURES",
    "SAFETY_CAUTION",
    "Heat",
    "RingOutcome",
    "RingResult",
    "SweepRow",
    "SweepState",
    "Trend",
    "procedure_for",
    "ring",
]
