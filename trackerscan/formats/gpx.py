"""GPX 1.0 / 1.1 track reader: track points become `Fix` records, rejections counted by reason.

Points without a time are skipped (a time is never invented), as are points
with impossible times (before 1990, e.g. the 1901 of a broken clock) and
points that break the track (time going backwards or repeating, jumps faster
than 300 m/s: see `trackerscan.formats.nmea.Continuity`).  Waypoints and
routes are not travelled positions and are ignored.  A file cut off mid-way
keeps the points read before the cut.
"""

from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET
from calendar import monthrange, timegm
from collections import Counter
from typing import BinaryIO

from trackerscan.errors import InputError
from trackerscan.formats.nmea import MAX_YEAR, MIN_YEAR, Continuity
from trackerscan.geo import UERE_M
from trackerscan.model import Fix, FixMode

_TIME = re.compile(
    r"\s*(\d{4})-(\d\d)-(\d\d)[T ](\d\d):(\d\d):(\d\d)(\.\d+)?\s*(Z|[+-]\d\d(?::?\d\d)?)?\s*\Z", re.ASCII
)


def parse_gpx_time(text: str) -> float | None:
    """UTC seconds for an xsd:dateTime (any number of decimals; no zone = UTC); None if malformed."""
    m = _TIME.match(text)
    if m is None:
        return None
    year, month, day, hour, minute, second = (int(g) for g in m.groups()[:6])
    if not (1 <= month <= 12 and hour <= 24 and minute <= 59 and second <= 60):
        return None
    if year < 1 or not 1 <= day <= monthrange(year, month)[1]:
        return None
    t = float(timegm((year, month, day, hour, minute, second, 0, 0, 0)))
    if m.group(7):
        t += float(m.group(7))
    zone = m.group(8)
    if zone and zone != "Z":
        sign = -1 if zone[0] == "-" else 1
        digits = zone[1:].replace(":", "")
        offset = int(digits[:2]) * 3600 + (int(digits[2:4]) * 60 if len(digits) > 2 else 0)
        t -= sign * offset
    return t


_MIN_T = float(timegm((MIN_YEAR, 1, 1, 0, 0, 0, 0, 0, 0)))
_MAX_T = float(timegm((MAX_YEAR, 1, 1, 0, 0, 0, 0, 0, 0)))


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _num(text: str | None) -> float | None:
    if text is None:
        return None
    try:
        x = float(text)
    except ValueError:
        return None
    return x if math.isfinite(x) else None


def _point(pt: ET.Element, source: str, rejected: Counter[str]) -> Fix | None:
    try:
        lat = float(pt.attrib["lat"])
        lon = float(pt.attrib["lon"])
    except (KeyError, ValueError):
        rejected["bad_value"] += 1
        return None
    if not (-90.0 <= lat <= 90.0 and -180.0 <= lon <= 180.0):
        rejected["bad_value"] += 1
        return None
    values: dict[str, str] = {}
    for child in pt.iter():
        if child is not pt and child.text:
            values.setdefault(_local(child.tag), child.text.strip())
    text = values.get("time")
    if text is None:
        rejected["no_time"] += 1
        return None
    t = parse_gpx_time(text)
    if t is None:
        rejected["bad_value"] += 1
        return None
    if not _MIN_T <= t < _MAX_T:
        rejected["absurd_time"] += 1
        return None
    fix_kind = values.get("fix", "")
    if fix_kind == "none":
        rejected["invalid_with_position"] += 1
        return None
    if lat == 0.0 and lon == 0.0:
        rejected["zero_position"] += 1
        return None
    alt = _num(values.get("ele"))
    hdop = _num(values.get("hdop"))
    sat = _num(values.get("sat"))
    mode = FixMode.FIX_2D if fix_kind == "2d" or (alt is None and fix_kind != "3d") else FixMode.FIX_3D
    return Fix(
        time=t, lat=lat, lon=lon, alt=alt, speed_mps=_num(values.get("speed")),
        course=_num(values.get("course")), hdop=hdop,
        accuracy_m=hdop * UERE_M if hdop is not None else None, mode=mode,
        satellites=int(sat) if sat is not None and 0 <= sat < 1000 else None, source=source,
    )


def read_gpx(
    stream: BinaryIO, *, source: str = "gpx", name: str = "the file"
) -> tuple[list[Fix], Counter[str]]:
    """The fixes of every track point in file order, and the rejections by reason.

    Raises `InputError` only when nothing at all can be read (not XML from the start).
    """
    rejected: Counter[str] = Counter()
    fixes: list[Fix] = []
    continuity = Continuity()
    seen = 0
    try:
        for _event, elem in ET.iterparse(stream, events=("end",)):
            tag = _local(elem.tag)
            if tag == "trkpt":
                seen += 1
                fix = _point(elem, source, rejected)
                elem.clear()
                if fix is None:
                    continue
                reason = continuity.check(fix)
                if reason is not None:
                    rejected[reason] += 1
                else:
                    fixes.append(fix)
            elif tag in ("wpt", "rtept", "trkseg", "trk", "rte"):
                elem.clear()
    except ET.ParseError as exc:
        if seen == 0:
            line = exc.position[0] if exc.position else 0
            raise InputError(f"{name} is not a GPX file that can be read (XML error at line {line}).") \
                from None
        rejected["truncated"] += 1
    except (LookupError, ValueError):  # expat: an unknown or multi-byte encoding named in the declaration
        raise InputError(f"{name} is not a GPX file that can be read (it declares an encoding that is not "
                         "supported; save it as UTF-8).") from None
    return fixes, rejected
