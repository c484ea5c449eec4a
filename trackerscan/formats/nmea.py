"""Incremental NMEA 0183 reader: bytes in, `Fix` / `NoFix` records out, rejections counted by reason.

Feed it bytes as they arrive (`NmeaReader.feed`); partial lines are kept
across reads.  Sentences from one receiver cycle (RMC, GGA, GLL, GNS with the
same UTC time, plus the time-less GSA and VTG around them) are merged into one
*epoch*, and each epoch becomes at most one record, emitted when the next
epoch starts (or on `flush` / `finish`).  Any talker is accepted (GP, GN, GL,
GA, BD, IN...).  Nothing invents a position: an epoch whose receiver says
"no fix" or "not measured" (see the status tables below) yields a `NoFix`
even when it carries coordinates, and that is counted.

Sentences without a checksum are read when they are complete (the number of
fields their kind has, a valid time) and counted in ``accepted``; a cut-off
line is refused.  Receiver dates more than 1024 GPS weeks before this
release (`trackerscan.release.RELEASE_DATE`) are week-rollover victims: they
are moved forward by whole multiples of 1024 weeks, and a `SourceEvent` says so.

The reader is pure (no clock, no I/O) and never raises on bad input; feeding
the same bytes in any chunking gives the same records and counts.
"""

from __future__ import annotations

import codecs
import math
from collections import Counter
from collections.abc import Iterator
from datetime import date as Date
from typing import BinaryIO

from trackerscan.geo import UERE_M, distance_m
from trackerscan.model import Fix, FixMode, NoFix, SourceEvent, SourceEventKind
from trackerscan.release import RELEASE_DATE

Record = Fix | NoFix | SourceEvent

# --- Thresholds -------------------------------------------------------------
MAX_SPEED_MPS = 300.0  # m/s; issue #3: faster than an airliner (~250 m/s cruise) means a bad fix
RESYNC_FIXES = 10  # fixes; this many self-consistent fixes after a break are believed (10 s at 1 Hz)
MAX_GAP_S = 183 * 86400.0  # s; a track resuming more than half a year later is a wrong date, not a journey
SAME_TIME_S = 0.0051  # s; NMEA times have 0.01 s resolution; a GLL in ms rounds to RMC's cs by up to 0.005 s
MAX_LINE = 512  # bytes; NMEA 0183 caps sentences at 82 characters, proprietary ones run longer
MAX_PENDING_EPOCHS = 3600  # epochs held while waiting for a date (one hour at 1 Hz)
# epochs held waiting for the receiver's own date (RMC, ZDA) before the user's --date is used: receivers
# that send dates send one at least every cycle or few (ZDA every 5-10 s at worst in the gpsd corpus)
DATE_WAIT_EPOCHS = 60
HALF_DAY_S = 43200.0  # s; a time of day jumping back more than this is taken as midnight rollover
MIN_YEAR = 1990  # GPS was not in civilian use before; earlier dates are broken clocks (e.g. 1901)
MAX_YEAR = 2100
GPS_EPOCH = Date(1980, 1, 6)  # week 0 of GPS time: no receiver date can be earlier, even after a rollover
ROLLOVER_DAYS = 7168  # days in 1024 GPS weeks: a 10-bit week count wraps after them (1999-08-22, 2019-04-07)
# A receiver date earlier than this is a week-rollover victim (a receiver that did not expect the
# rollover shows its date 1024 weeks late).  One whole rollover period before the release: a 10-bit
# week count cannot tell dates further apart, and gpsd corrects the same dates (its floor is 2017-01-01,
# its last leap second: gpsd/timebase.c, gpsd_utc_resolve).
ROLLOVER_FLOOR = Date.fromordinal(RELEASE_DATE.toordinal() - ROLLOVER_DAYS)
KNOT_MPS = 1852.0 / 3600.0  # m/s per knot (exact)

# Rejection reasons: key -> words for the one-line summary.
REASONS: dict[str, str] = {
    "checksum": "checksum errors",
    "unterminated": "cut-off sentences",
    "garbage": "garbage lines",
    "bad_value": "malformed fields",
    "invalid_with_position": "positions marked invalid by the receiver (status V, mode N, quality 0)",
    "not_measured": "estimated, manual or simulated positions (mode E/M/S, quality 6/7/8)",
    "zero_position": "positions at 0, 0",
    "no_time": "positions without a time",
    "no_date": "fixes without a date (give --date YYYY-MM-DD)",
    "absurd_time": f"impossible dates (before GPS began on {GPS_EPOCH} or after {MAX_YEAR})",
    "time_backwards": "fixes with time going backwards",
    "repeated_time": "fixes repeating the previous time",
    "time_jump": "fixes more than half a year after the previous one",
    "implausible_jump": f"jumps faster than {MAX_SPEED_MPS:.0f} m/s",
    "truncated": "files cut off mid-way",
}

# What the receiver says, accepted but counted: key -> words for the summary.
NOTED: dict[str, str] = {
    "no_checksum": "complete sentences without a checksum",
    "rollover": "fixes moved forward over a GPS week rollover",
}

_UNIX_EPOCH_ORDINAL = 719163  # date(1970, 1, 1).toordinal()
_FIX_2D, _FIX_3D = FixMode.FIX_2D, FixMode.FIX_3D  # an enum member looked up on its class costs ~0.2 µs
_MIN_DAY = GPS_EPOCH.toordinal()
_MAX_DAY = Date(MAX_YEAR, 1, 1).toordinal()

# --- What the status fields mean ---------------------------------------------------------------
# From NMEA 0183 4.11 and gpsd's drivers/driver_nmea0183.c (ntpsec/gpsd @ 46977faa, processRMC,
# processGGA, faa_mode), which cites receiver manuals for each odd value.  Each value has its meaning
# and a verdict on the position: FIX (measured), NOT_MEASURED (estimated, typed in or simulated: not
# where the receiver is), NO_FIX (the receiver says it has none) or UNKNOWN (says nothing either way).
UNKNOWN, FIX, NOT_MEASURED, NO_FIX = 0, 1, 2, 3

RMC_STATUS: dict[bytes, tuple[str, int]] = {  # RMC field 2, GLL field 6
    b"A": ("data valid", FIX),
    b"V": ("navigation receiver warning: no valid fix", NO_FIX),
}
FAA_MODE: dict[bytes, tuple[str, int]] = {  # RMC field 12, GLL 7, VTG 9, one letter per system in GNS 6
    b"A": ("autonomous", FIX),
    b"D": ("differential", FIX),
    b"P": ("precise (NMEA 4)", FIX),
    b"R": ("RTK, integer ambiguities", FIX),
    b"F": ("RTK, float ambiguities", FIX),
    b"E": ("estimated (dead reckoning)", NOT_MEASURED),
    b"M": ("manual input", NOT_MEASURED),
    b"S": ("simulator", NOT_MEASURED),
    b"N": ("data not valid", NO_FIX),
    b"C": ("caution (a Quectel quirk; gpsd takes it as a GPS fix)", UNKNOWN),
    b"U": ("unsafe (a Quectel quirk; gpsd takes it as a GPS fix)", UNKNOWN),
    b"V": ("invalid (meaning unsure; gpsd ignores it)", UNKNOWN),
    b"0": ("unknown (SkyTraq)", UNKNOWN),
}
# RMC field 13 (NMEA 4.10 and later): about the navigation's integrity, not the position.  u-blox M8 (in
# NMEA 4.1 mode), M9 and M10 always send V, "the receiver does not provide a navigational status": it
# never refuses a position (gpsd skips the field too).
NAV_STATUS: dict[bytes, str] = {
    b"S": "safe",
    b"C": "caution",
    b"U": "unsafe",
    b"V": "not valid: the receiver gives no navigational status",
}
GGA_QUALITY: dict[bytes, tuple[str, int]] = {  # GGA field 6
    b"0": ("fix not available", NO_FIX),
    b"1": ("GPS fix (u-blox also uses it for dead reckoning with a fix)", FIX),
    b"2": ("differential GPS fix", FIX),
    b"3": ("PPS fix", FIX),
    b"4": ("RTK, integer ambiguities", FIX),
    b"5": ("RTK, float ambiguities", FIX),
    b"6": ("estimated (dead reckoning)", NOT_MEASURED),
    b"7": ("manual input", NOT_MEASURED),
    b"8": ("simulator (Garmin handhelds in demo mode)", NOT_MEASURED),
}

_STATUS = {k: v for k, (_, v) in RMC_STATUS.items()}
_MODE = {k: v for k, (_, v) in FAA_MODE.items()}
_QUALITY = {k: v for k, (_, v) in GGA_QUALITY.items()}

# Fields (the sentence name included) that each sentence kind has in the NMEA versions receivers send:
# a sentence without a checksum is read only when it has one of these counts.
COMPLETE_FIELDS: dict[bytes, frozenset[int]] = {
    b"RMC": frozenset({12, 13, 14}),  # NMEA 2.0; 2.3 adds the mode; 4.10 the navigational status
    b"GGA": frozenset({15}),
    b"GLL": frozenset({7, 8}),  # 2.3 adds the mode
    b"GNS": frozenset({13, 14}),  # 4.10 adds the navigational status
    b"GSA": frozenset({18, 19}),  # 4.10 adds the system ID
    b"VTG": frozenset({9, 10}),
    b"ZDA": frozenset({7}),
}
_TIME_FIELD = {b"RMC": 1, b"GGA": 1, b"GNS": 1, b"GLL": 5, b"ZDA": 1}


class _Bad(ValueError):
    """A malformed field inside a sentence whose checksum was right."""


class Continuity:
    """Rejects fixes that break the track: time going backwards or repeating, jumps over ``max_speed_mps``.

    A break is measured against the last accepted fix.  So that one bad
    early fix (or a receiver that really jumped) cannot blind the reader for
    ever, `RESYNC_FIXES` consecutive fixes that agree with each other but not
    with the old track start a new track (counted in ``resyncs``).
    """

    __slots__ = ("_last", "_run_last", "_run_len", "max_speed_mps", "resync", "resyncs")

    def __init__(self, max_speed_mps: float = MAX_SPEED_MPS, resync: int = RESYNC_FIXES) -> None:
        self.max_speed_mps = max_speed_mps
        self.resync = resync
        self.resyncs = 0
        self._last: Fix | None = None
        self._run_last: Fix | None = None
        self._run_len = 0

    def _break(self, a: Fix, b: Fix) -> str | None:
        dt = b.time - a.time
        if dt < -SAME_TIME_S:
            return "time_backwards"
        if dt < SAME_TIME_S:
            return "repeated_time"
        if dt > MAX_GAP_S:
            return "time_jump"
        if distance_m(a.lat, a.lon, b.lat, b.lon) > self.max_speed_mps * dt:
            return "implausible_jump"
        return None

    def check(self, fix: Fix) -> str | None:
        """None if ``fix`` continues the track (it becomes the last fix), else the rejection reason."""
        last = self._last
        if last is None:
            self._last = fix
            return None
        reason = self._break(last, fix)
        if reason is None:
            self._last = fix
            self._run_len = 0
            self._run_last = None
            return None
        run_last = self._run_last
        consistent = run_last is not None and self._break(run_last, fix) is None
        self._run_len = self._run_len + 1 if consistent else 1
        self._run_last = fix
        if self._run_len >= self.resync:
            self._last = fix
            self._run_len = 0
            self._run_last = None
            self.resyncs += 1
            return None
        return reason


class _Epoch:
    """What the sentences of one receiver cycle said."""

    __slots__ = (
        "alt", "bad", "course", "day", "estimated", "good", "gsa_mode", "gsa_used", "has_pos", "hdop",
        "lat", "lon", "npos", "received", "sats", "speed", "tod",
    )

    def __init__(self) -> None:
        self.tod: float | None = None  # seconds into the UTC day
        self.day: int | None = None  # proleptic Gregorian ordinal, from RMC/ZDA
        self.lat = 0.0
        self.lon = 0.0
        self.good = False  # a sentence said "valid" and gave a position
        self.bad = False  # a sentence said "no fix"
        self.estimated = False  # a sentence said "estimated / manual / simulated"
        self.has_pos = False  # coordinates were present, valid or not
        self.npos = 0  # position sentences (RMC, GGA, GLL, GNS) merged
        self.alt: float | None = None
        self.speed: float | None = None
        self.course: float | None = None
        self.hdop: float | None = None
        self.sats: int | None = None
        self.gsa_mode = 0
        self.gsa_used = 0
        self.received: float | None = None

    def status(self, pos: tuple[float, float] | None, status: bytes, mode: bytes) -> bool:
        """Take an RMC's or GLL's word on this cycle: its status (`RMC_STATUS`) and FAA mode (`FAA_MODE`).
        True when the position is good."""
        self.npos += 1
        if pos is not None:
            self.has_pos = True
        said = _STATUS.get(status, UNKNOWN)
        verdict = _MODE.get(mode, UNKNOWN) if mode else UNKNOWN
        if said == NO_FIX or verdict == NO_FIX:
            self.bad = True
        elif verdict == NOT_MEASURED:
            self.estimated = True
        elif said == FIX and pos is not None:
            self.good = True
            self.lat, self.lon = pos
            return True
        return False


# A cycle's RMC and GGA (GNS, GLL) carry the same time and position text: each text is parsed once
# and remembered, good values only (emptied when fuller): a tenth fewer instructions reading a log.
_MEMO_MAX = 1024
_TODS: dict[bytes, float] = {}
_POSITIONS: dict[tuple[bytes, bytes, bytes, bytes], tuple[float, float]] = {}


def _tod(v: bytes) -> float | None:
    tod = _TODS.get(v)
    if tod is None:
        tod = _parse_tod(v)
        if tod is None:
            return None
        if len(_TODS) >= _MEMO_MAX:
            _TODS.clear()
        _TODS[v] = tod
    return tod


def _parse_tod(v: bytes) -> float | None:
    if not v:
        return None
    if len(v) < 6:
        raise _Bad
    h = int(v[0:2])
    m = int(v[2:4])
    s = float(v[4:])
    if not (0 <= h < 24 and 0 <= m < 60 and 0.0 <= s < 61.0):
        raise _Bad
    return h * 3600 + m * 60 + s


def _coord(v: bytes, hemi: bytes, pos: bytes, neg: bytes, limit: float) -> float:
    # Degrees and minutes are split on the text, so the minutes keep their exact decimal value.
    dot = v.find(b".")
    if dot < 0:
        dot = len(v)
    if dot < 3:
        raise _Bad
    d = int(v[: dot - 2])
    m = float(v[dot - 2 :])
    if d < 0 or not 0.0 <= m < 60.0:
        raise _Bad
    deg = d + m / 60.0
    if deg > limit:
        raise _Bad
    if hemi == neg:
        return -deg
    if hemi != pos:
        raise _Bad
    return deg


def _pos(lat: bytes, ns: bytes, lon: bytes, ew: bytes) -> tuple[float, float] | None:
    if not lat or not lon:
        return None
    key = (lat, ns, lon, ew)
    pos = _POSITIONS.get(key)
    if pos is None:
        pos = _coord(lat, ns, b"N", b"S", 90.0), _coord(lon, ew, b"E", b"W", 180.0)
        if len(_POSITIONS) >= _MEMO_MAX:
            _POSITIONS.clear()
        _POSITIONS[key] = pos
    return pos


_DDMMYY: dict[bytes, int] = {}


def _ddmmyy(v: bytes) -> int:
    day = _DDMMYY.get(v)
    if day is None:
        if len(v) != 6 or not v.isdigit():
            raise _Bad
        yy = int(v[4:6])
        day = Date(yy + (1900 if yy >= 80 else 2000), int(v[2:4]), int(v[0:2])).toordinal()
        if len(_DDMMYY) < 4096:
            _DDMMYY[v] = day
    return day


def _opt_float(v: bytes) -> float | None:
    if not v:
        return None
    x = float(v)
    if not math.isfinite(x):
        raise _Bad
    return x


class NmeaReader:
    """Incremental NMEA reader.  ``rejected`` counts rejections by reason (keys of `REASONS`),
    ``accepted`` what was read but is worth knowing (keys of `NOTED`).

    ``date`` is the UTC date of the first fix for logs that carry none
    (GGA-only); later midnights are followed.  Dates in RMC/ZDA take
    precedence.  Dates before ``not_before`` are moved forward by whole GPS
    week rollovers (a `SourceEvent` says so when the correction starts or
    changes).  ``sentences`` counts sentences read; ``last_fix_received`` is the
    ``received`` stamp passed to `feed` with the first sentence of the most
    recent accepted fix (for clock checks).
    """

    def __init__(self, *, date: Date | None = None, source: str = "nmea",
                 max_speed_mps: float = MAX_SPEED_MPS, not_before: Date = ROLLOVER_FLOOR) -> None:
        self.source = source
        self.rejected: Counter[str] = Counter()
        self.accepted: Counter[str] = Counter()
        self.rollover_weeks = 0  # the correction applied to the latest date
        self._floor = max(not_before.toordinal(), _MIN_DAY)
        self.sentences = 0
        self.continuity = Continuity(max_speed_mps)
        self.last_fix_received: float | None = None
        self._buf = b""
        self._discarding = False
        self._ep = _Epoch()
        self._user_day = date.toordinal() if date is not None else None
        self._anchor_day: int | None = None
        self._anchor_tod: float | None = None
        self._user_anchor = False  # dates come from ``date``, not yet from the receiver
        self._disagreed = False
        self._pending: list[_Epoch] = []
        self._out: list[Record] = []
        self._received: float | None = None

    # --- bytes in ------------------------------------------------------------
    def feed(self, data: bytes, received: float | None = None) -> list[Record]:
        """Take more bytes; return the records completed by them."""
        self._received = received
        if b"\r" in data:
            data = data.replace(b"\r", b"\n")
        lines = (self._buf + data).split(b"\n") if self._buf else data.split(b"\n")
        tail = lines.pop()
        if self._discarding:
            if not lines:
                self._buf = b""
                return self._take()
            self._discarding = False
            lines[0] = b""
        if len(tail) > MAX_LINE:
            self.rejected["garbage"] += 1
            self._discarding = True
            tail = b""
        self._buf = tail
        line_ = self._line
        for line in lines:
            if line:
                line_(line)
        return self._take()

    def flush(self) -> list[Record]:
        """Close the current epoch now (e.g. the receiver went quiet after its cycle)."""
        self._close()
        self._ep = _Epoch()
        return self._take()

    def finish(self) -> list[Record]:
        """End of input: read a last line without newline, close the epoch, give up on undated fixes."""
        if self._buf and not self._discarding:
            self._line(self._buf)
        self._buf = b""
        self._discarding = False
        self._close()
        self._ep = _Epoch()
        if self._pending and self._user_day is not None:
            self._release_user()
        for ep in self._pending:
            if ep.good:
                self.rejected["no_date"] += 1
        self._pending.clear()
        return self._take()

    def _take(self) -> list[Record]:
        out = self._out
        self._out = []
        return out

    def _line(self, line: bytes) -> None:
        n = len(line)
        if n > MAX_LINE:
            self.rejected["garbage"] += 1
            return
        if line[0] != 36:  # '$'
            if line[0] == 35:  # '#': comment line in gpsd's logs
                return
            i = line.find(b"$")
            if i < 0:
                if line.strip():
                    self.rejected["garbage"] += 1
                return
            self.rejected["garbage"] += 1
            line = line[i:]
        j = line.rfind(b"$")
        if j:
            self.rejected["unterminated"] += 1
            line = line[j:]
        if line[-1] in b" \t\x00":
            line = line.rstrip(b" \t\x00")
        n = len(line)
        if n < 4 or line[n - 3] != 42:  # '*'
            self._unchecked(line)
            return
        body = line[1 : n - 3]
        x = int.from_bytes(body, "little")
        if n > 130:
            x ^= x >> 2048
            x ^= x >> 1024
        x ^= x >> 512
        x ^= x >> 256
        x ^= x >> 128
        x ^= x >> 64
        x ^= x >> 32
        x ^= x >> 16
        x ^= x >> 8
        hexsum = line[n - 2 :]
        try:
            good = (x & 255) == int(hexsum, 16) and hexsum.isalnum()
        except ValueError:
            good = False
        if not good:
            self.rejected["checksum"] += 1
            return
        self.sentences += 1
        fields = body.split(b",")
        head = fields[0]
        if len(head) != 5 or head[0] == 80:  # 'P': proprietary
            return
        handler = _HANDLERS.get(head[2:])
        if handler is None:
            return
        try:
            handler(self, fields)
        except (ValueError, IndexError):
            self.rejected["bad_value"] += 1

    def _unchecked(self, line: bytes) -> None:
        """A line without a checksum: a sentence only if complete (`COMPLETE_FIELDS`, a valid time)."""
        fields = line[1:].split(b",")
        head = fields[0]
        kind = head[2:]
        counts = COMPLETE_FIELDS.get(kind)
        if b"*" in line or len(head) != 5 or counts is None or len(fields) not in counts:
            self.rejected["unterminated"] += 1
            return
        at = _TIME_FIELD.get(kind)
        try:
            if at is not None and _tod(fields[at]) is None:
                raise _Bad
            _HANDLERS[kind](self, fields)
        except (ValueError, IndexError):
            self.rejected["unterminated"] += 1
            return
        self.sentences += 1
        self.accepted["no_checksum"] += 1

    # --- sentences -------------------------------------------------------------
    def _at(self, tod: float | None, position: bool) -> _Epoch:
        """The epoch a sentence with time ``tod`` belongs to (closing the current one if needed)."""
        ep = self._ep
        if tod is None:
            if position and ep.tod is not None:
                self._close()
                ep = self._ep = _Epoch()
            return ep
        if ep.tod is None:
            if ep.npos:
                self._close()
                ep = self._ep = _Epoch()
            ep.tod = tod
            ep.received = self._received
            return ep
        if abs(ep.tod - tod) < SAME_TIME_S:
            return ep
        self._close()
        ep = self._ep = _Epoch()
        ep.tod = tod
        ep.received = self._received
        return ep

    def _rmc(self, f: list[bytes]) -> None:
        if len(f) < 10:
            raise _Bad
        tod = _tod(f[1])
        pos = _pos(f[3], f[4], f[5], f[6])
        speed = _opt_float(f[7])
        course = _opt_float(f[8])
        day = _ddmmyy(f[9]) if f[9] else None
        status = f[2]
        mode = f[12][:1] if len(f) > 12 else b""
        # f[13], NMEA 4.10's navigational status (`NAV_STATUS`), says nothing about the position.
        ep = self._at(tod, True)
        if tod is not None:
            ep.tod = tod  # RMC carries the date: its time is the cycle's (eXplorist 210's GLL is 5 ms off)
            if day is not None:
                ep.day = day
        if ep.status(pos, status, mode):
            if speed is not None:
                ep.speed = speed * KNOT_MPS
            if course is not None:
                ep.course = course

    def _gga_fields(
        self, f: list[bytes]
    ) -> tuple[_Epoch, tuple[float, float] | None, int | None, float | None]:
        """What GGA and GNS share (their fix-quality fields differ): the cycle, position, satellites,
        HDOP, altitude."""
        if len(f) < 10:
            raise _Bad
        tod = _tod(f[1])
        pos = _pos(f[2], f[3], f[4], f[5])
        sats = int(f[7]) if f[7] else None
        hdop = _opt_float(f[8])
        alt = _opt_float(f[9])
        ep = self._at(tod, True)
        ep.npos += 1
        if pos is not None:
            ep.has_pos = True
        if sats is not None and sats >= 0:
            ep.sats = sats
        if hdop:
            ep.hdop = hdop
        return ep, pos, sats, alt

    def _gga(self, f: list[bytes]) -> None:
        ep, pos, sats, alt = self._gga_fields(f)
        q = f[6]
        if not q:
            return  # no quality: neither for nor against
        verdict = _QUALITY.get(q, FIX)  # values not in GGA_QUALITY are receiver extensions of "fix"
        if verdict == NO_FIX or sats == 0:  # a fix from zero satellites is no fix (haicom-305N's first GGA)
            ep.bad = True
        elif verdict == NOT_MEASURED:
            ep.estimated = True
        elif pos is not None:
            ep.good = True
            ep.lat, ep.lon = pos
            if alt is not None:
                ep.alt = alt

    def _gll(self, f: list[bytes]) -> None:
        if len(f) < 5:
            raise _Bad
        pos = _pos(f[1], f[2], f[3], f[4])
        tod = _tod(f[5]) if len(f) > 5 else None
        status = f[6] if len(f) > 6 else b""
        mode = f[7][:1] if len(f) > 7 else b""
        self._at(tod, True).status(pos, status, mode)

    def _gns(self, f: list[bytes]) -> None:
        ep, pos, _sats, alt = self._gga_fields(f)
        modes = f[6]  # one letter per satellite system (GPS, GLONASS, Galileo, BeiDou...)
        verdicts = {_MODE.get(modes[i : i + 1], UNKNOWN) for i in range(len(modes))}
        if FIX in verdicts:
            if pos is not None:
                ep.good = True
                ep.lat, ep.lon = pos
                if alt is not None:
                    ep.alt = alt
        elif NOT_MEASURED in verdicts:
            ep.estimated = True
        elif NO_FIX in verdicts:
            ep.bad = True

    def _gsa(self, f: list[bytes]) -> None:
        if len(f) < 3:
            raise _Bad
        mode = f[2]  # GSA field 2: 1 no fix, 2 a 2D fix, 3 a 3D fix
        ep = self._ep
        if mode == b"1":
            ep.bad = True
            ep.gsa_mode = 1
        elif mode in (b"2", b"3"):
            ep.gsa_mode = max(ep.gsa_mode, mode[0] - 48)
        ep.gsa_used += sum(1 for prn in f[3:15] if prn)
        if len(f) > 16 and ep.hdop is None:
            hdop = _opt_float(f[16])
            if hdop:
                ep.hdop = hdop

    def _vtg(self, f: list[bytes]) -> None:
        if len(f) < 8:
            raise _Bad
        if len(f) > 9 and f[9][:1] in (b"N", b"E"):
            return
        course = _opt_float(f[1])
        knots = _opt_float(f[5])
        kmh = _opt_float(f[7])
        ep = self._ep
        if knots is not None:
            ep.speed = knots * KNOT_MPS
        elif kmh is not None:
            ep.speed = kmh / 3.6
        if course is not None:
            ep.course = course

    def _zda(self, f: list[bytes]) -> None:
        if len(f) < 5:
            raise _Bad
        tod = _tod(f[1])
        if tod is None or not (f[2] and f[3] and f[4]):
            return
        day = Date(int(f[4]), int(f[3]), int(f[2])).toordinal()
        if self._user_anchor:
            self._receiver_day(day, tod)
        self._anchor_day, self._anchor_tod = day, tod
        ep = self._ep
        if ep.tod is not None and abs(ep.tod - tod) < SAME_TIME_S:
            ep.day = day

    # --- epochs out ------------------------------------------------------------
    def _close(self) -> None:
        ep = self._ep
        tod = ep.tod
        if tod is None:
            if ep.good and not ep.bad:
                self.rejected["no_time"] += 1
            return
        if not (ep.good or ep.bad or ep.has_pos or ep.estimated):
            return  # nothing about a position in this cycle
        if ep.day is not None:
            day = ep.day
            if self._user_anchor:
                self._receiver_day(day, tod)
        elif self._anchor_day is not None:
            day = self._project(tod)
        else:
            if len(self._pending) >= MAX_PENDING_EPOCHS and self._pending.pop(0).good:
                self.rejected["no_date"] += 1
            self._pending.append(ep)
            if self._user_day is not None and len(self._pending) >= DATE_WAIT_EPOCHS:
                self._release_user()
            return
        if self._pending:
            first, first_t = self._release(day, tod)
            if self._user_day is not None and first != self._user_day:
                self._disagree(first, first_t)
        self._anchor_day, self._anchor_tod = day, tod
        self._emit(ep, day)

    def _project(self, tod: float) -> int:
        """The day of a cycle without a date at ``tod``, from the last dated one (following midnights)."""
        day = self._anchor_day
        assert day is not None
        at = self._anchor_tod
        if at is not None:
            if tod < at - HALF_DAY_S:
                day += 1
            elif tod > at + HALF_DAY_S:
                day -= 1
        return day

    def _receiver_day(self, day: int, tod: float) -> None:
        """The receiver gave a date while the dates came from ``date``: it wins, and a disagreement is said
        once."""
        self._user_anchor = False
        if self._project(tod) != day:
            self._disagree(day, (day - _UNIX_EPOCH_ORDINAL) * 86400.0 + tod)

    def _disagree(self, day: int, t: float) -> None:
        if self._disagreed or self._user_day is None:
            return
        self._disagreed = True
        self._out.append(SourceEvent(
            t, self.source, SourceEventKind.INFO,
            f"the receiver's date {Date.fromordinal(day)} disagrees with the date given "
            f"({Date.fromordinal(self._user_day)}): following the receiver's date"))

    def _release_user(self) -> None:
        """No date from the receiver yet: date the epochs held back from ``date`` (the first one's day)."""
        assert self._user_day is not None and self._pending[0].tod is not None
        self._anchor_day, self._anchor_tod = self._user_day, self._pending[0].tod
        self._user_anchor = True
        for ep in self._pending:
            assert ep.tod is not None
            day = self._project(ep.tod)
            self._anchor_day, self._anchor_tod = day, ep.tod
            self._emit(ep, day)
        self._pending.clear()

    def _release(self, day: int, tod: float) -> tuple[int, float]:
        """Date the epochs held back, walking backwards from the first dated one; the first one's day and
        time."""
        dated: list[tuple[_Epoch, int]] = []
        for ep in reversed(self._pending):
            assert ep.tod is not None
            if ep.tod - tod > HALF_DAY_S:
                day -= 1
            elif tod - ep.tod > HALF_DAY_S:
                day += 1
            tod = ep.tod
            dated.append((ep, day))
        first, first_day = dated[-1]
        assert first.tod is not None
        self._pending.clear()
        for ep, d in reversed(dated):
            self._emit(ep, d)
        return first_day, (first_day - _UNIX_EPOCH_ORDINAL) * 86400.0 + first.tod

    def _emit(self, ep: _Epoch, day: int) -> None:
        assert ep.tod is not None
        if not _MIN_DAY <= day < _MAX_DAY:
            if ep.good or ep.has_pos:
                self.rejected["absurd_time"] += 1
            return
        weeks = 0
        if day < self._floor:  # a week-rollover victim: move it forward by whole rollovers
            rollovers = -(-(self._floor - day) // ROLLOVER_DAYS)
            weeks = 1024 * rollovers
            day += rollovers * ROLLOVER_DAYS
        t = (day - _UNIX_EPOCH_ORDINAL) * 86400.0 + ep.tod
        if weeks != self.rollover_weeks:  # the correction starts, changes or ends
            self.rollover_weeks = weeks
            self._out.append(self._rollover_event(t, day, weeks))
        if ep.bad or not ep.good:
            if ep.estimated and not ep.bad:
                self.rejected["not_measured"] += 1
                self._out.append(NoFix(t, self.source, "estimated position"))
            elif ep.has_pos:
                self.rejected["invalid_with_position"] += 1
                self._out.append(NoFix(t, self.source, "receiver reports no fix"))
            else:
                self._out.append(NoFix(t, self.source, "no fix"))
            return
        if ep.lat == 0.0 and ep.lon == 0.0:
            self.rejected["zero_position"] += 1
            self._out.append(NoFix(t, self.source, "position 0, 0"))
            return
        mode = _FIX_3D if ep.alt is not None or ep.gsa_mode == 3 else _FIX_2D
        hdop = ep.hdop
        fix = Fix(
            t, ep.lat, ep.lon, ep.alt, ep.speed, ep.course, hdop,
            hdop * UERE_M if hdop is not None else None, mode,
            ep.sats if ep.sats is not None else (ep.gsa_used or None), self.source,
        )
        reason = self.continuity.check(fix)
        if reason is not None:
            self.rejected[reason] += 1
            return
        self._out.append(fix)
        self.last_fix_received = ep.received
        if weeks:
            self.accepted["rollover"] += 1

    def _rollover_event(self, t: float, day: int, weeks: int) -> SourceEvent:
        if not weeks:
            detail = "GPS dates from the receiver are right again: no week-rollover correction"
        else:
            was, floor = Date.fromordinal(day - weeks * 7), Date.fromordinal(self._floor)
            detail = (f"GPS week rollover: the receiver's date {was} is before {floor}, "
                      f"so it is {weeks} weeks late; using {Date.fromordinal(day)}")
        return SourceEvent(t, self.source, SourceEventKind.INFO, detail, float(weeks))


_HANDLERS = {
    b"RMC": NmeaReader._rmc,
    b"GGA": NmeaReader._gga,
    b"GLL": NmeaReader._gll,
    b"GNS": NmeaReader._gns,
    b"GSA": NmeaReader._gsa,
    b"VTG": NmeaReader._vtg,
    b"ZDA": NmeaReader._zda,
}


# --- files -------------------------------------------------------------------
CHUNK = 1 << 20
SNIFF = 4096  # bytes looked at to tell UTF-16 from ASCII / UTF-8


def ascii_chunks(stream: BinaryIO, chunk_size: int = CHUNK) -> Iterator[bytes]:
    """The bytes of an NMEA file as ASCII: UTF-8 (with or without BOM) passes through, UTF-16 is decoded."""
    head = stream.read(max(chunk_size, SNIFF))
    if head.startswith(codecs.BOM_UTF8):
        head = head[3:]
    encoding = None
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encoding = "utf-16"
    elif len(head) >= 4 and head.count(0) * 3 > len(head):
        # UTF-16 without a BOM: the zero bytes sit on one side of each pair.
        encoding = "utf-16-le" if head[1::2].count(0) > head[0::2].count(0) else "utf-16-be"
    if encoding is None:
        chunk = head
        while chunk:
            yield chunk
            chunk = stream.read(chunk_size)
        return
    decoder = codecs.getincrementaldecoder(encoding)(errors="replace")
    chunk = head
    while chunk:
        yield decoder.decode(chunk).encode("ascii", "replace")
        chunk = stream.read(chunk_size)
    yield decoder.decode(b"", final=True).encode("ascii", "replace")


def read_nmea(
    stream: BinaryIO, *, date: Date | None = None, source: str = "nmea"
) -> tuple[list[Fix], NmeaReader]:
    """All valid fixes of an NMEA file, in file order, and the reader (for its counts)."""
    reader = NmeaReader(date=date, source=source)
    fixes: list[Fix] = []
    for chunk in ascii_chunks(stream):
        fixes.extend(r for r in reader.feed(chunk) if isinstance(r, Fix))
    fixes.extend(r for r in reader.finish() if isinstance(r, Fix))
    return fixes, reader


def noted(accepted: Counter[str]) -> str:
    """'; read 3 complete sentences without a checksum' or ''."""
    parts = [f"{n} {NOTED.get(k, k)}" for k, n in sorted(accepted.items(), key=lambda kv: -kv[1]) if n]
    return "; read " + ", ".join(parts) if parts else ""


def summary(rejected: Counter[str]) -> str:
    """'rejected: 23 checksum errors, 1 garbage lines' or 'rejected nothing'."""
    parts = [f"{n} {REASONS.get(k, k)}" for k, n in sorted(rejected.items(), key=lambda kv: -kv[1]) if n]
    return "rejected: " + ", ".join(parts) if parts else "rejected nothing"
