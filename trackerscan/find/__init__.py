"""Finding a tracker once it is known to be there: a hot/cold sweep and, when asked, its sound.

- `sweep.SweepState`: pure; fed Sightings, gives rows with smoothed RSSI, trend and age.
- `ring.ring()`: async; makes a tracker play (or stop) its sound through bleak or bumble.
"""
