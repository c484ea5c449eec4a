"""The release date of this trackerscan: the earliest date a receiver's clock can truly show while it runs.

GPS receivers count weeks in 10 bits, so a receiver whose firmware did not
expect a week-number rollover reports dates 1024 weeks (7168 days) in the
past.  `trackerscan.formats.nmea` uses this date to recognise such dates, and
`trackerscan.sources.gps.clock.ClockCorrector` never sets the clock before it.
Move it forward with every release.
"""

from __future__ import annotations

from datetime import date as Date

RELEASE_DATE = Date(2026, 12, 4)
