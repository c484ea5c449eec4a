"""Incremental NMEA 0183 reader: bytes in, `Fix` / `NoFix` records out, rejections counted by reason.

Feed it bytes as they arrive (`NmeaReader.feed`); partial lines are kept
across reads.  Sentences from one receiver cycle (RMC, GGA, GLL, GNS with the
same UTC time, plus the time-less GSA and VTG around them) are merged into one
*epoch*, and each epoch becomes at most one record, emitted when the next
epoch starts (or on `flush` / `finish`).  Any talker is accepted (GP, GN, GL,
GA, BD, IN...).  Nothing invents a position: an epoch whose receiver says
"no fix" (RMC status V, GGA quality 0, GLL V, GNS N, GSA mode 1) yields a
`NoFix` even when it carries coordinates, and that is counted.

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

from trackerscan.model import Fix, FixMode, NoFix

# --- Thresholds -------------------------------------------------------------
MAX_SPEED_MPS = 300.0  # m/s; issue #3: faster than an airliner (~250 m/s cruise) means a bad fix
RESYNC_FIXES = 10  # fixes; this many self-consistent fixes after a break are believed (10 s at 1 Hz)
SAME_TIME_S = 0.005  # s; NMEA times have 0.01 s resolution at best (gpsd's GPS_TIME_EQUAL)
UERE_M = 5.0  # m, 1 sigma; typical single-frequency GPS range error (Kaplan, "Understanding GPS", ch. 7)
MAX_LINE = 512  # bytes; NMEA 0183 caps sentences at 82 characters, proprietary ones run longer
MAX_PENDING_EPOCHS = 3600  # epochs held while waiting for a date (one hour at 1 Hz)
HALF_DAY_S = 43200.0  # s; a time of day jumping back more than this is taken as midnight rollover
MIN_YEAR = 1990  # GPS was not in civilian use before; earlier dates are broken clocks (e.g. 1901)
MAX_YEAR = 2100
KNOT_MPS = 1852.0 / 3600.0  # m/s per knot (exact)
EARTH_RADIUS_M = 6371008.8  # m, IUGG mean radius

# Rejection reasons: key -> words for the one-line summary.
REASONS: dict[str, str] = {
    "checksum": "checksum errors",
    "unterminated": "cut-off sentences",
    "garbage": "garbage lines",
    "bad_value": "malformed fields",
    "invalid_with_position": "positions marked invalid by the receiver (status V / quality 0)",
    "not_measured": "estimated, manual or simulated positions",
    "zero_position": "positions at 0, 0",
    "no_time": "positions without a time",
    "no_date": "fixes without a date (give --date YYYY-MM-DD)",
    "absurd_time": f"impossible dates (before {MIN_YEAR} or after {MAX_YEAR})",
    "time_backwards": "fixes with time going backwards",
    "repeated_time": "fixes repeating the previous time",
    "implausible_jump": f"jumps faster than {MAX_SPEED_MPS:.0f} m/s",
    "truncated": "files cut off mid-way",
}

_UNIX_EPOCH_ORDINAL = 719163  # date(1970, 1, 1).toordinal()
_MIN_DAY = Date(MIN_YEAR, 1, 1).toordinal()
_MAX_DAY = Date(MAX_YEAR, 1, 1).toordinal()


class _Bad(ValueError):
    """A malformed field inside a sentence whose checksum was right."""


def haversine_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


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
        if haversine_m(a.lat, a.lon, b.lat, b.lon) > self.max_speed_mps * dt:
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

    def status(self, pos: tuple[float, float] | None, status: bytes, mode: bytes, invalid: bool) -> bool:
        """Take an RMC's or GLL's word on this cycle: status A/V, FAA mode (N no fix; E, M, S estimated,
        manual, simulated), ``invalid`` for anything else that says no.  True when the position is good."""
        self.npos += 1
        if pos is not None:
            self.has_pos = True
        if invalid or status == b"V" or mode == b"N":
            self.bad = True
        elif mode in (b"E", b"M", b"S"):
            self.estimated = True
        elif status == b"A" and pos is not None:
            self.good = True
            self.lat, self.lon = pos
            return True
        return False


def _tod(v: bytes) -> float | None:
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
    return _coord(lat, ns, b"N", b"S", 90.0), _coord(lon, ew, b"E", b"W", 180.0)


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
    """Incremental NMEA reader.  ``rejected`` counts rejections by reason (keys of `REASONS`).

    ``date`` is the UTC date of the first fix for logs that carry none
    (GGA-only); later midnights are followed.  Dates in RMC/ZDA take
    precedence.  ``sentences`` counts sentences with a good checksum;
    ``last_fix_received`` is the ``received`` stamp passed to `feed` with the
    first sentence of the most recent accepted fix (for clock checks).
    """

    def __init__(self, *, date: Date | None = None, source: str = "nmea",
                 max_speed_mps: float = MAX_SPEED_MPS) -> None:
        self.source = source
        self.rejected: Counter[str] = Counter()
        self.sentences = 0
        self.continuity = Continuity(max_speed_mps)
        self.last_fix_received: float | None = None
        self._buf = b""
        self._discarding = False
        self._ep = _Epoch()
        self._anchor_day: int | None = date.toordinal() if date is not None else None
        self._anchor_tod: float | None = None
        self._pending: list[_Epoch] = []
        self._out: list[Fix | NoFix] = []
        self._received: float | None = None

    # --- bytes in ------------------------------------------------------------
    def feed(self, data: bytes, received: float | None = None) -> list[Fix | NoFix]:
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

    def flush(self) -> list[Fix | NoFix]:
        """Close the current epoch now (e.g. the receiver went quiet after its cycle)."""
        self._close()
        self._ep = _Epoch()
        return self._take()

    def finish(self) -> list[Fix | NoFix]:
        """End of input: read a last line without newline, close the epoch, give up on undated fixes."""
        if self._buf and not self._discarding:
            self._line(self._buf)
        self._buf = b""
        self._discarding = False
        self._close()
        self._ep = _Epoch()
        for ep in self._pending:
            if ep.good:
                self.rejected["no_date"] += 1
        self._pending.clear()
        return self._take()

    def _take(self) -> list[Fix | NoFix]:
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
            self.rejected["unterminated"] += 1
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
        nav = f[13][:1] if len(f) > 13 else b""  # NMEA 4.1 navigational status: V = not valid
        ep = self._at(tod, True)
        if day is not None and tod is not None:
            ep.day = day
        if ep.status(pos, status, mode, nav == b"V"):
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
            return  # unknown quality: neither for nor against
        if q == b"0" or sats == 0:  # a fix from zero satellites is no fix (haicom-305N's first GGA)
            ep.bad = True
        elif q in (b"6", b"7", b"8"):
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
        self._at(tod, True).status(pos, status, mode, False)

    def _gns(self, f: list[bytes]) -> None:
        ep, pos, _sats, alt = self._gga_fields(f)
        mode = f[6]
        if any(c in b"ADPRF" for c in mode):
            if pos is not None:
                ep.good = True
                ep.lat, ep.lon = pos
                if alt is not None:
                    ep.alt = alt
        elif any(c in b"EMS" for c in mode):
            ep.estimated = True
        elif mode:
            ep.bad = True

    def _gsa(self, f: list[bytes]) -> None:
        if len(f) < 3:
            raise _Bad
        mode = f[2]
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
        elif self._anchor_day is not None:
            day = self._anchor_day
            at = self._anchor_tod
            if at is not None:
                if tod < at - HALF_DAY_S:
                    day += 1
                elif tod > at + HALF_DAY_S:
                    day -= 1
        else:
            if len(self._pending) >= MAX_PENDING_EPOCHS and self._pending.pop(0).good:
                self.rejected["no_date"] += 1
            self._pending.append(ep)
            return
        if self._pending:
            self._release(day, tod)
        self._anchor_day, self._anchor_tod = day, tod
        self._emit(ep, day)

    def _release(self, day: int, tod: float) -> None:
        """Date the epochs held back, walking backwards from the first dated one."""
        dated: list[tuple[_Epoch, int]] = []
        for ep in reversed(self._pending):
            assert ep.tod is not None
            if ep.tod - tod > HALF_DAY_S:
                day -= 1
            elif tod - ep.tod > HALF_DAY_S:
                day += 1
            tod = ep.tod
            dated.append((ep, day))
        self._pending.clear()
        for ep, d in reversed(dated):
            self._emit(ep, d)

    def _emit(self, ep: _Epoch, day: int) -> None:
        assert ep.tod is not None
        if not _MIN_DAY <= day < _MAX_DAY:
            if ep.good or ep.has_pos:
                self.rejected["absurd_time"] += 1
            return
        t = (day - _UNIX_EPOCH_ORDINAL) * 86400.0 + ep.tod
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
        mode = FixMode.FIX_3D if ep.alt is not None or ep.gsa_mode == 3 else FixMode.FIX_2D
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


def summary(rejected: Counter[str]) -> str:
    """'rejected: 23 checksum errors, 1 garbage lines' or 'rejected nothing'."""
    parts = [f"{n} {REASONS.get(k, k)}" for k, n in sorted(rejected.items(), key=lambda kv: -kv[1]) if n]
    return "rejected: " + ", ".join(parts) if parts else "rejected nothing"
