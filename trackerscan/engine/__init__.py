"""The following-detection engine: tells a person, early and calmly, that a device travels with them.

engine = Engine(Settings.from_sensitivity("medium"), KnownDevices.load(path), [Home(lat, lon, 100)])
for event in events:            # Sightings, Fixes, NoFixes, SourceEvents, PlaceMarks in time order
    for change in engine.feed(event):
        print(change.explanation)
engine.finish()

For captures read in bulk, `engine.feed_sighting(*fields)` takes one sighting's fields without
a `Sighting`, and `engine.feed_sightings(times, addresses, address_types, rssis, advs)` takes
columns of sightings (feed the fixes between them with `feed`; `engine.feed_rows` takes a stretch of
such columns without copying it); all give the same results as `feed`.  bench/bench_engine.py
measures them.
"""

from trackerscan.engine.core import Engine, EngineStats
from trackerscan.engine.known import Home, KnownDevices
from trackerscan.engine.settings import Settings

__all__ = ["Engine", "EngineStats", "Home", "KnownDevices", "Settings"]
