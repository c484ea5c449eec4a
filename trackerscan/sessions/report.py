"""The evidence report: PDF (reportlab) or one self-contained HTML file.

For each device that reached `watch` or `alert` (live or when the engine is
run again over the session): what it is, its addresses and identifiers, when
it was first and last seen, places, distance, the plain-language
explanation, a map of the user's track with the places it was heard, and its
signal strength over time.  Then how the decision was made (every threshold,
read from `trackerscan.engine.thresholds`), the tool version, the time zone,
and the SHA-256 of the session database.

Maps and charts are reportlab Drawings, drawn offline (no tiles, no network)
and readable in black and white: the track is a line, places are shapes,
first and last sightings have their own symbols.  The HTML report inlines
the same drawings as SVG.
"""

from __future__ import annotations

import ast
import html
import inspect
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from pathlib import Path
from typing import Any, BinaryIO
from xml.sax.saxutils import escape

from reportlab.graphics.shapes import Circle, Drawing, Line, Polygon, PolyLine, Rect, String
from reportlab.lib.colors import HexColor, black, white

from trackerscan import __version__
from trackerscan.engine.explain import duration_short, kind_name
from trackerscan.engine.flood import floods_in
from trackerscan.errors import InputError
from trackerscan.geo import EARTH_RADIUS_M
from trackerscan.model import Fix, HeardPoint, Level
from trackerscan.safetext import xml_text
from trackerscan.sessions.export import track_segments
from trackerscan.sessions.findings import DeviceFinding, SessionAnalysis

CELLULAR_TITLE = "Cellular GPS trackers (radio sweep)"
CELLULAR_COLUMNS = ("band", "MHz", "every", "bursts", "first seen", "last seen", "confidence")

SAFETY_NOTE = (
    "Keep the tracker as evidence: the police may need the device or its serial number. "
    "Removing it, switching it off or taking out its battery may alert whoever placed it, and they "
    "may notice that its location stopped updating. If you can, talk to a domestic-abuse advocate or "
    "helpline before you do anything with it, and plan the next step together. If you are in danger "
    "now, go to a safe public place and call the police or someone you trust."
)
_INDICATION = (
    "A tracker near its owner is normal and is not reported. An alert is an indication, not proof: a "
    "borrowed item, a companion's tag, or people travelling the same way can also travel with you."
)
LIMITS_NOTE = (
    "What this tool cannot see: GPS trackers with a mobile connection, tracking through a phone or its "
    "apps, and trackers that are switched off or out of Bluetooth range. " + _INDICATION
)
# The same when the session holds a radio sweep for cellular trackers (trackerscan rf sweep).
LIMITS_NOTE_SWEPT = (
    "What this tool cannot see: tracking through a phone or its apps, trackers that are switched off or "
    "out of Bluetooth range, and GPS trackers with a mobile connection that did not transmit in the "
    "bands and the minutes the radio sweep covered (see its section: a parked tracker may sleep for "
    "hours). " + _INDICATION
)

MAP_W, MAP_H = 460.0, 300.0  # points (1/72 in): the map drawing
CHART_W, CHART_H = 460.0, 150.0  # the RSSI chart
MAP_DOT_SPACING_PT = 9.0  # places closer than this on the map share one dot
# Steps of the time axis (seconds): whole minutes and hours, at most 8 ticks.
# A device's addresses and identifiers listed in full up to this many; beyond, the first ones and a
# count (a tag rotating its address every 15 minutes for two days has ~200): a table cell taller than
# a page cannot be laid out.  Every address is in `trackerscan export --format json`.
LISTED_MAX = 24
# Longest text put in one table cell (characters): the rest is cut with a note, for the same reason.
CELL_CHARS_MAX = 2000
TIME_TICKS_S = (10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400)
GREY = HexColor("#555555")
LIGHT = HexColor("#bbbbbb")


def _fmt_local(t: float | None, tz: tzinfo) -> str:
    if t is None:
        return "-"
    return datetime.fromtimestamp(t, tz).strftime("%Y-%m-%d %H:%M:%S %Z")


def _distance(m: float) -> str:
    return f"{m / 1000:.2f} km" if m >= 1000 else f"{m:.0f} m"


# --------------------------------------------------------------------------- thresholds


@dataclass(frozen=True, slots=True)
class Threshold:
    name: str
    value: str
    comment: str


def thresholds() -> list[Threshold]:
    """Every named number in trackerscan/engine/thresholds.py, with the comment above or beside it."""
    from trackerscan.engine import thresholds as th

    source = inspect.getsource(th)
    lines = source.splitlines()
    out: list[Threshold] = []
    for node in ast.parse(source).body:
        if not (
            isinstance(node, ast.Assign)
            and len(node.targets) == 1
            and isinstance(node.targets[0], ast.Name)
            and node.targets[0].id.isupper()
        ):
            continue
        name = node.targets[0].id
        value = getattr(th, name, None)
        if not isinstance(value, int | float | dict):
            continue
        comment: list[str] = []
        row = node.lineno - 2
        while (
            row >= 0 and lines[row].lstrip().startswith("#") and not lines[row].lstrip().startswith("# ---")
        ):
            comment.insert(0, lines[row].strip().lstrip("#").strip())
            row -= 1
        line = lines[node.lineno - 1]
        if "#" in line:
            comment.append(line.split("#", 1)[1].strip())
        if not comment and row >= 0 and lines[row].strip() and out:
            comment.append(f"(goes with {out[-1].name})")
        shown = ", ".join(f"{k}: {v}" for k, v in value.items()) if isinstance(value, dict) else f"{value:g}"
        out.append(Threshold(name, shown, " ".join(comment)))
    return out


# --------------------------------------------------------------------------- drawings


def _nice(x: float) -> float:
    """1, 2 or 5 times a power of ten, at most ``x``."""
    if x <= 0:
        return 1.0
    p = 10.0 ** math.floor(math.log10(x))
    for m in (5.0, 2.0, 1.0):
        if m * p <= x:
            return m * p
    return p


def _projector(lat0: float, lon0: float) -> Any:
    k = math.cos(math.radians(lat0))

    def project(lat: float, lon: float) -> tuple[float, float]:
        return (
            float(math.radians(lon - lon0) * k * EARTH_RADIUS_M),
            float(math.radians(lat - lat0) * EARTH_RADIUS_M),
        )

    return project


def _marker(shape: str, x: float, y: float, size: float, filled: bool = True) -> Any:
    fill = black if filled else white
    if shape == "square":
        return Rect(x - size, y - size, 2 * size, 2 * size, fillColor=fill, strokeColor=black, strokeWidth=1)
    if shape == "triangle":
        return Polygon(
            [x, y + 1.3 * size, x - 1.2 * size, y - size, x + 1.2 * size, y - size],
            fillColor=fill,
            strokeColor=black,
            strokeWidth=1,
        )
    return Circle(x, y, size, fillColor=fill, strokeColor=black, strokeWidth=0.8)


def map_drawing(track: Sequence[Fix], points: Sequence[HeardPoint], title: str = "") -> Drawing:
    """The user's track (grey line) and where the device was heard (black dots), with scale and north."""
    d = Drawing(MAP_W, MAP_H + 40)
    d.add(Rect(0, 40, MAP_W, MAP_H, fillColor=None, strokeColor=black, strokeWidth=0.8))
    pos = [p for p in points if p.lat is not None and p.lon is not None]
    coords = [(f.lat, f.lon) for f in track] + [
        (p.lat, p.lon) for p in pos if p.lat is not None and p.lon is not None
    ]
    if not coords:
        d.add(
            String(
                MAP_W / 2,
                40 + MAP_H / 2,
                "No GPS positions were recorded: no map.",
                textAnchor="middle",
                fontSize=10,
            )
        )
        return d
    lat0 = sum(c[0] for c in coords) / len(coords)
    lon0 = sum(c[1] for c in coords) / len(coords)
    project = _projector(lat0, lon0)
    xy = [project(la, lo) for la, lo in coords]
    xmin, xmax = min(x for x, _ in xy), max(x for x, _ in xy)
    ymin, ymax = min(y for _, y in xy), max(y for _, y in xy)
    pad = 24.0
    # never zoom in beyond 50 m across: a still user's jitter is not a journey
    scale = min((MAP_W - 2 * pad) / max(xmax - xmin, 50.0), (MAP_H - 2 * pad) / max(ymax - ymin, 50.0))
    cx, cy = (xmin + xmax) / 2, (ymin + ymax) / 2

    def to_page(lat: float, lon: float) -> tuple[float, float]:
        x, y = project(lat, lon)
        return MAP_W / 2 + (x - cx) * scale, 40 + MAP_H / 2 + (y - cy) * scale

    for seg in track_segments(track):
        pts: list[float] = []
        for f in seg:
            pts.extend(to_page(f.lat, f.lon))
        if len(pts) >= 4:
            d.add(PolyLine(pts, strokeColor=GREY, strokeWidth=1.6))
    if track:
        sx, sy = to_page(track[0].lat, track[0].lon)
        ex, ey = to_page(track[-1].lat, track[-1].lon)
        d.add(String(sx + 5, sy - 10, "start", fontSize=7, fillColor=GREY))
        d.add(String(ex - 5, ey + 4, "end", fontSize=7, fillColor=GREY, textAnchor="end"))
    drawn: list[tuple[float, float]] = []
    for p in pos:
        assert p.lat is not None and p.lon is not None
        x, y = to_page(p.lat, p.lon)
        # one dot per spot on the page: thousands of overlapping dots would hide the track
        if all((x - a) ** 2 + (y - b) ** 2 >= MAP_DOT_SPACING_PT**2 for a, b in drawn[-50:]):
            d.add(_marker("circle", x, y, 2.0))
            drawn.append((x, y))
    if pos:
        first, last = pos[0], pos[-1]
        assert (
            first.lat is not None and first.lon is not None and last.lat is not None and last.lon is not None
        )
        d.add(_marker("square", *to_page(first.lat, first.lon), 4.5, filled=False))
        d.add(_marker("triangle", *to_page(last.lat, last.lon), 4.5, filled=False))
    # scale bar (bottom left)
    metres = _nice((MAP_W * 0.25) / scale)
    bar = metres * scale
    x0, y0 = 12.0, 52.0
    d.add(Rect(x0 - 4, y0 - 5, bar + 60, 18, fillColor=white, strokeColor=None))
    d.add(Line(x0, y0, x0 + bar, y0, strokeColor=black, strokeWidth=2))
    for xt in (x0, x0 + bar):
        d.add(Line(xt, y0 - 4, xt, y0 + 4, strokeColor=black, strokeWidth=1))
    d.add(String(x0 + bar + 6, y0 - 3, _distance(metres), fontSize=8))
    # north arrow (top right)
    nx, ny = MAP_W - 20, 40 + MAP_H - 16
    d.add(
        Polygon(
            [nx, ny + 10, nx - 6, ny - 8, nx, ny - 3, nx + 6, ny - 8],
            fillColor=black,
            strokeColor=black,
            strokeWidth=0.5,
        )
    )
    d.add(String(nx, ny - 20, "N", fontSize=9, textAnchor="middle"))
    # legend (under the map)
    ly = 24.0
    d.add(Line(6, ly, 30, ly, strokeColor=GREY, strokeWidth=1.6))
    d.add(String(34, ly - 3, "your track", fontSize=8))
    d.add(_marker("circle", 100, ly, 2.6))
    d.add(String(106, ly - 3, "device heard here", fontSize=8))
    d.add(_marker("square", 196, ly, 4.5, filled=False))
    d.add(String(204, ly - 3, "first heard", fontSize=8))
    d.add(_marker("triangle", 262, ly, 4.5, filled=False))
    d.add(String(270, ly - 3, "last heard", fontSize=8))
    d.add(
        String(
            6, 6, "Drawn from GPS positions only (no background map). " + title, fontSize=7, fillColor=GREY
        )
    )
    return d


def rssi_drawing(points: Sequence[HeardPoint], tz: tzinfo, gap_s: float = 300.0) -> Drawing:
    """Signal strength (dBm) over time: dots, joined while the device was heard without a long gap."""
    d = Drawing(CHART_W, CHART_H)
    left, bottom, right, top = 44.0, 28.0, CHART_W - 8, CHART_H - 10
    d.add(Rect(left, bottom, right - left, top - bottom, fillColor=None, strokeColor=black, strokeWidth=0.8))
    pts = [p for p in points if p.rssi is not None]
    if not pts:
        d.add(
            String(CHART_W / 2, CHART_H / 2, "No signal strength recorded.", textAnchor="middle", fontSize=9)
        )
        return d
    t0, t1 = pts[0].time, max(pts[-1].time, pts[0].time + 60)
    lo = min(-100, min(p.rssi for p in pts if p.rssi is not None) - 5)
    hi = max(-30, max(p.rssi for p in pts if p.rssi is not None) + 5)

    def px(t: float) -> float:
        return left + (t - t0) / (t1 - t0) * (right - left)

    def py(r: float) -> float:
        return bottom + (r - lo) / (hi - lo) * (top - bottom)

    step = 10 if hi - lo <= 80 else 20
    for r in range(int(math.ceil(lo / step) * step), int(hi) + 1, step):
        d.add(Line(left, py(r), right, py(r), strokeColor=LIGHT, strokeWidth=0.4, strokeDashArray=[2, 2]))
        d.add(String(left - 4, py(r) - 3, str(r), fontSize=7, textAnchor="end"))
    d.add(String(4, top - 2, "dBm", fontSize=7))
    tick = next((c for c in TIME_TICKS_S if (t1 - t0) / c <= 8), TIME_TICKS_S[-1])
    k = math.ceil(t0 / tick) * tick
    while k <= t1:
        d.add(Line(px(k), bottom, px(k), bottom - 3, strokeColor=black, strokeWidth=0.6))
        label = datetime.fromtimestamp(k, tz).strftime("%H:%M" if tick >= 60 else "%H:%M:%S")
        d.add(String(px(k), bottom - 12, label, fontSize=7, textAnchor="middle"))
        k += tick
    run: list[float] = []
    last_t: float | None = None
    for p in pts:
        assert p.rssi is not None
        if last_t is not None and p.time - last_t > gap_s and len(run) >= 4:
            d.add(PolyLine(run, strokeColor=GREY, strokeWidth=0.7))
            run = []
        elif last_t is not None and p.time - last_t > gap_s:
            run = []
        run.extend((px(p.time), py(p.rssi)))
        last_t = p.time
    if len(run) >= 4:
        d.add(PolyLine(run, strokeColor=GREY, strokeWidth=0.7))
    for p in pts:
        assert p.rssi is not None
        d.add(Circle(px(p.time), py(p.rssi), 1.6, fillColor=black, strokeColor=None))
    d.add(
        String(
            (left + right) / 2,
            2,
            f"time ({datetime.fromtimestamp(t0, tz).strftime('%Z')}); higher = closer to you",
            fontSize=7,
            textAnchor="middle",
            fillColor=GREY,
        )
    )
    return d


# --------------------------------------------------------------------------- content


@dataclass
class DeviceSection:
    title: str
    rows: list[tuple[str, str]]
    explanation: str
    changes: list[str]
    map: Drawing
    chart: Drawing


@dataclass
class ReportContent:
    title: str
    header: list[tuple[str, str]]
    summary: str
    devices: list[DeviceSection]
    other_trackers: list[tuple[str, str, str, str, str]]
    method: list[str]
    thresholds: list[Threshold]
    source_events: list[str]
    integrity: list[tuple[str, str]]
    # RF sweep for cellular trackers (trackerscan.rf.summary.report_section): rows and words; empty
    # when the session holds no sweep
    cellular: list[tuple[str, ...]] = field(default_factory=list)
    cellular_notes: list[str] = field(default_factory=list)




def _listed(values: Sequence[str]) -> str:
    """Up to `LISTED_MAX` values, then how many more there are."""
    if not values:
        return "-"
    shown = ", ".join(values[:LISTED_MAX])
    more = len(values) - LISTED_MAX
    return shown if more <= 0 else f"{shown} and {more} more (all in `trackerscan export --format json`)"


def _cell(text: str) -> str:
    """``text`` safe for a table cell: XML-clean and at most `CELL_CHARS_MAX` characters."""
    text = xml_text(text)
    if len(text) <= CELL_CHARS_MAX:
        return text
    return text[:CELL_CHARS_MAX] + f"… ({len(text) - CELL_CHARS_MAX:,} more characters not shown)"


def _kind(f: DeviceFinding) -> str:
    kind = f.state.kind if f.state is not None else next((c.kind for c in f.changes if c.kind), None)
    return kind_name(kind, "device of unknown kind")


def build(analysis: SessionAnalysis, tz: tzinfo, generated: float) -> ReportContent:
    """Everything the report says, independent of PDF or HTML."""
    a = analysis
    s = a.summary
    zone = datetime.fromtimestamp(s.started or generated, tz).strftime("%Z (UTC%z)")
    header = [
        ("Session", a.path.stem),
        (
            "Recorded",
            f"{_fmt_local(s.started, tz)} to {_fmt_local(s.ended, tz)}"
            + ("" if s.finished else " (recording was cut short)"),
        ),
        ("Duration", duration_short(s.duration_s or 0.0)),
        ("Distance travelled", _distance(s.distance_m) if a.track else "no GPS positions"),
        ("Sightings recorded", f"{a.counts['sighting']:,} (and {a.counts['reduced']:,} kept only as counts)"),
        ("GPS fixes", f"{a.counts['fix']:,}"),
        ("Time zone used", zone + "; times in the data are UTC"),
        ("Report made", f"{_fmt_local(generated, tz)} with trackerscan {__version__}"),
    ]
    n_alert = sum(f.level is Level.ALERT for f in a.flagged)
    n_watch = sum(f.level is Level.WATCH for f in a.flagged)
    if a.flagged:
        summary = (
            f"{n_alert} device(s) reached alert and {n_watch} reached watch in this session. "
            "Each is described below with the places it was heard."
        )
    else:
        summary = "No device travelled with you long enough to reach watch or alert in this session."
    for flood in floods_in(a.source_events):
        summary += " " + flood.sentence(lambda t: _fmt_local(t, tz))
    devices: list[DeviceSection] = []
    for i, f in enumerate(a.flagged, 1):
        st = f.state
        places = max([c.places for c in f.changes] + ([st.places] if st else []))
        span = max([c.span_m for c in f.changes] + ([st.span_m] if st else []))
        first = min([c.first_seen for c in f.changes] + ([st.first_seen] if st else []))
        last = max([c.last_seen for c in f.changes] + ([st.last_seen] if st else []))
        together = max([c.duration_s for c in f.changes] + ([st.duration_s] if st else []))
        rows = [
            (
                "Kind",
                _kind(f)
                + (
                    ""
                    if st is None or st.separated is None
                    else ", away from its owner"
                    if st.separated
                    else ", near its owner"
                ),
            ),
            ("Level reached", f.level.value),
            ("Addresses", _listed(f.addresses)),
            ("Identifiers", _listed(f.identifiers)),
            ("First seen", _fmt_local(first, tz)),
            ("Last seen", _fmt_local(last, tz)),
            ("Time with you", duration_short(together)),
            ("Places", str(places)),
            ("Distance (span of places)", _distance(span)),
            ("Sightings", str(st.sightings) if st else "-"),
            ("Confidence", f"{max((c.confidence for c in f.changes), default=1.0):.2f}"),
        ]
        live_ids = {id(c) for c in a.recorded_changes}
        changes = [
            f"{_fmt_local(c.time, tz)}: {c.level.value} "
            f"({'raised while recording' if id(c) in live_ids else 'found on review'}), "
            f"{c.places} places over {_distance(c.span_m)}"
            for c in f.changes
        ]
        devices.append(
            DeviceSection(
                title=f"Device {i}: {_kind(f)} ({f.level.value})",
                rows=rows,
                explanation=f.explanation,
                changes=changes,
                map=map_drawing(a.track, f.history, f"Device {i}."),
                chart=rssi_drawing(f.history, tz),
            )
        )
    flagged = {f.device_id for f in a.flagged}
    others = [
        (
            _kind(t),
            ", ".join(t.addresses[:2]),
            _fmt_local(t.state.first_seen if t.state else None, tz),
            _fmt_local(t.state.last_seen if t.state else None, tz),
            str(t.state.sightings if t.state else 0),
        )
        for t in a.trackers
        if t.device_id not in flagged
    ]
    retention = a.meta.get("retention_hours", "24")
    try:
        hours = float(retention)
    except ValueError:
        hours = 24.0
    cellular, cellular_notes = _cellular(a.path, tz)
    method = [
        "What was measured: every Bluetooth Low Energy advertisement the scanner heard (time, address, "
        "signal strength, the raw bytes), and the user's own position from GPS when there was a fix. "
        "Trackers are identified from the bytes they advertise (Apple Find My and AirTag, Google Find My "
        "Device, Samsung SmartTag, Tile, Chipolo, Pebblebee and others following the DULT specification).",
        "How the decision was made: each sighting is placed on the user's track. A device is counted at a "
        "new place when the user has moved more than the place spacing and the device is still heard. A "
        "device reaches watch when it has been with the user at more than one place, and alert when it has "
        "travelled with the user for long enough, over enough places and distance; trackers that can say "
        "they are away from their owner need less evidence than devices that cannot. In a crowd or on public "
        "transport more evidence is asked for. The thresholds are listed below.",
        f"The session was analysed again for this report with the '{a.sensitivity}' sensitivity preset; "
        "levels raised while recording are shown as such, levels found on review as 'found on review'.",
        (
            "Privacy: raw data of other people's devices (not trackers, never at watch or alert) is "
            f"reduced to counts after {hours:g} hours. Data of the devices in this report is never reduced."
            if hours >= 0
            else "Privacy: retention is switched off; all raw data is kept."
        ),
        LIMITS_NOTE_SWEPT if cellular_notes else LIMITS_NOTE,
    ]
    source_events = [
        f"{_fmt_local(e.time, tz)}: {e.source}: {e.kind.value.replace('_', ' ')}"
        + (f" ({e.detail})" if e.detail else "")
        for e in a.source_events
    ]
    size = a.path.stat().st_size if a.path.exists() else 0
    integrity = [
        ("Session file", a.path.name),
        ("Size", f"{size:,} bytes"),
        ("SHA-256", a.sha256),
        ("How to check", f"sha256sum {a.path.name}  (must print the value above)"),
        (
            "Note",
            "The session database changes if bystanders' data is later reduced to counts "
            "(see Privacy); keep the copy this report was made from, e.g. with "
            "`trackerscan export --to FOLDER`.",
        ),
    ]
    return ReportContent(
        cellular=cellular,
        cellular_notes=cellular_notes,
        title="Bluetooth tracker report",
        header=header,
        summary=summary,
        devices=devices,
        other_trackers=others,
        method=method,
        thresholds=thresholds(),
        source_events=source_events,
        integrity=integrity,
    )


def _cellular(path: Path, tz: tzinfo) -> tuple[list[tuple[str, ...]], list[str]]:
    """The RF sweep's section (trackerscan rf sweep), if the session holds one."""
    from trackerscan.formats.session import Session
    from trackerscan.rf.summary import report_section

    if not path.exists():
        return [], []
    with Session.open(path) as session:
        found, covered = session.rf_results()
        notes = session.meta().get("rf_notes")
    return report_section(found, covered, notes, lambda t: _fmt_local(t, tz))


# --------------------------------------------------------------------------- PDF


def _fonts() -> tuple[str, str]:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    candidates = [
        (
            "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
            "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
        ),
        ("Vera.ttf", "VeraBd.ttf"),
    ]
    for regular, bold in candidates:
        try:
            pdfmetrics.registerFont(TTFont("ReportSans", regular))
            pdfmetrics.registerFont(TTFont("ReportSans-Bold", bold))
            pdfmetrics.registerFontFamily(
                "ReportSans",
                normal="ReportSans",
                bold="ReportSans-Bold",
                italic="ReportSans",
                boldItalic="ReportSans-Bold",
            )
            return "ReportSans", "ReportSans-Bold"
        except Exception:
            continue
    return "Helvetica", "Helvetica-Bold"


def write_pdf(content: ReportContent, out: Path | BinaryIO) -> None:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import (
        CondPageBreak,
        KeepTogether,
        Paragraph,
        SimpleDocTemplate,
        Spacer,
        Table,
        TableStyle,
    )

    regular, bold = _fonts()
    body = ParagraphStyle("body", fontName=regular, fontSize=9.5, leading=12.5, spaceAfter=4)
    small = ParagraphStyle("small", parent=body, fontSize=7.5, leading=9.5, spaceAfter=1)
    h1 = ParagraphStyle("h1", parent=body, fontName=bold, fontSize=16, leading=20, spaceAfter=8)
    h2 = ParagraphStyle(
        "h2", parent=body, fontName=bold, fontSize=12, leading=15, spaceBefore=8, spaceAfter=5
    )
    box = ParagraphStyle(
        "box",
        parent=body,
        fontSize=9.5,
        leading=12.5,
        borderWidth=1.2,
        borderColor=colors.black,
        borderPadding=6,
        spaceBefore=6,
        spaceAfter=10,
    )

    def p(text: str, style: ParagraphStyle = body) -> Paragraph:
        return Paragraph(escape(_cell(text)), style)

    def kv(rows: Sequence[tuple[str, str]], widths: tuple[float, float] = (45 * mm, 125 * mm)) -> Table:
        t = Table([[p(k, small), p(v, body)] for k, v in rows], colWidths=list(widths), hAlign="LEFT")
        t.setStyle(
            TableStyle(
                [
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("LINEBELOW", (0, 0), (-1, -1), 0.3, colors.grey),
                    ("TOPPADDING", (0, 0), (-1, -1), 1.5),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
                ]
            )
        )
        return t

    story: list[Any] = [
        p(content.title, h1),
        kv(content.header),
        Spacer(1, 4),
        Paragraph("<b>Safety.</b> " + escape(SAFETY_NOTE), box),
        p(content.summary),
    ]
    for dev in content.devices:
        story.append(CondPageBreak(120 * mm))
        story.append(p(dev.title, h2))
        story.append(kv(dev.rows))
        story.append(Spacer(1, 4))
        story.append(Paragraph("<b>Why:</b> " + escape(_cell(dev.explanation)), body))
        for line in dev.changes:
            story.append(p(line, small))
        story.append(KeepTogether([p("Where it was heard", h2), dev.map]))
        story.append(KeepTogether([p("Signal strength over time", h2), dev.chart]))
    if content.other_trackers:
        story.append(p("Other trackers heard (not travelling with you)", h2))
        t = Table(
            [[p(h, small) for h in ("kind", "addresses", "first seen", "last seen", "sightings")]]
            + [[p(c, small) for c in row] for row in content.other_trackers],
            colWidths=[30 * mm, 50 * mm, 37 * mm, 37 * mm, 16 * mm],
            hAlign="LEFT",
            repeatRows=1,
        )
        t.setStyle(
            TableStyle(
                [
                    ("LINEBELOW", (0, 0), (-1, -1), 0.3, colors.grey),
                    ("LINEBELOW", (0, 0), (-1, 0), 1, colors.black),
                ]
            )
        )
        story.append(t)
    if content.cellular_notes:
        story.append(CondPageBreak(60 * mm))
        story.append(p(CELLULAR_TITLE, h2))
        story.extend(p(n, small) for n in content.cellular_notes)
        if content.cellular:
            t = Table([[p(h, small) for h in CELLULAR_COLUMNS]]
                      + [[p(c, small) for c in row] for row in content.cellular],
                      colWidths=[28 * mm, 26 * mm, 14 * mm, 13 * mm, 35 * mm, 35 * mm, 19 * mm],
                      hAlign="LEFT", repeatRows=1)
            t.setStyle(TableStyle([("LINEBELOW", (0, 0), (-1, -1), 0.3, colors.grey),
                                   ("LINEBELOW", (0, 0), (-1, 0), 1, colors.black)]))
            story.append(t)
    story.append(CondPageBreak(60 * mm))
    story.append(p("Method", h2))
    story.extend(p(m) for m in content.method)
    story.append(
        p(
            "Thresholds (trackerscan/engine/thresholds.py, medium preset; the sensitivity preset "
            "scales times and places)",
            h2,
        )
    )
    t = Table(
        [[p("name", small), p("value", small), p("unit and origin", small)]]
        + [[p(th.name, small), p(th.value, small), p(th.comment, small)] for th in content.thresholds],
        colWidths=[52 * mm, 22 * mm, 96 * mm],
        hAlign="LEFT",
        repeatRows=1,
    )
    t.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.grey),
                ("LINEBELOW", (0, 0), (-1, 0), 1, colors.black),
                ("TOPPADDING", (0, 0), (-1, -1), 1),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 1),
            ]
        )
    )
    story.append(t)
    if content.source_events:
        story.append(p("What happened to the receivers", h2))
        story.extend(p(e, small) for e in content.source_events)
    story.append(p("Checking this report against the data", h2))
    story.append(kv(content.integrity))

    def footer(canvas: Any, doc: Any) -> None:
        canvas.saveState()
        canvas.setFont(regular, 7.5)
        canvas.drawString(18 * mm, 10 * mm, f"{content.title}: {content.integrity[0][1]}")
        canvas.drawRightString(A4[0] - 18 * mm, 10 * mm, f"page {doc.page}")
        canvas.restoreState()

    doc = SimpleDocTemplate(
        str(out) if isinstance(out, Path) else out,
        pagesize=A4,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=16 * mm,
        bottomMargin=18 * mm,
        title=content.title,
        author=f"trackerscan {__version__}",
        subject=content.integrity[0][1],
        invariant=1,
    )
    doc.build(story, onFirstPage=footer, onLaterPages=footer)


# --------------------------------------------------------------------------- HTML


def _svg(drawing: Drawing, key: str) -> str:
    """The drawing as inline SVG, its ids made unique by ``key`` (several SVGs share one page)."""
    from reportlab.graphics import renderSVG

    text: str = renderSVG.drawToString(drawing)
    start = text.find("<svg")
    text = text[start:] if start >= 0 else text
    text = text.replace("fill: None", "fill: none")  # reportlab 5.1 writes Python's None: filled black
    # The drawing stays inside its box: drop the clip path (SVG Tiny renderers draw it as a black box).
    text = re.sub(r"\s*<clipPath.*?</clipPath>", "", text, flags=re.S)
    text = text.replace(' style="clip-path: url(#clip)"', "")
    return text.replace('id="group"', f'id="group-{key}"')


_CSS = """
body{font-family:sans-serif;max-width:820px;margin:2em auto;padding:0 1em;color:#000;line-height:1.4}
h1{font-size:1.6em}h2{font-size:1.2em;margin-top:1.6em;border-bottom:1px solid #000}
table{border-collapse:collapse;margin:.4em 0}td,th{border-bottom:1px solid #999;padding:2px 8px 2px 0;
vertical-align:top;text-align:left}th{border-bottom:2px solid #000}td.k{color:#333;width:13em}
.safety{border:2px solid #000;padding:.6em .9em;margin:1em 0}.small{font-size:.85em}
code{font-size:.95em;word-break:break-all}svg{max-width:100%;height:auto}
"""


def write_html(content: ReportContent, out: Path | BinaryIO) -> None:
    """One self-contained file: inline CSS and SVG, no script, no external resource."""
    def e(text: str) -> str:
        return html.escape(xml_text(text))

    def kv(rows: Sequence[tuple[str, str]]) -> str:
        return (
            "<table>"
            + "".join(f"<tr><td class=k>{e(k)}</td><td>{e(v)}</td></tr>" for k, v in rows)
            + "</table>"
        )

    parts = [
        "<!DOCTYPE html><html lang=en><head><meta charset=utf-8>",
        "<meta http-equiv=Content-Security-Policy content=\"default-src 'none'; style-src 'unsafe-inline'\">",
        f"<title>{e(content.title)}: {e(content.integrity[0][1])}</title><style>{_CSS}</style></head><body>",
        f"<h1>{e(content.title)}</h1>",
        kv(content.header),
        f"<div class=safety><b>Safety.</b> {e(SAFETY_NOTE)}</div>",
        f"<p>{e(content.summary)}</p>",
    ]
    for i, dev in enumerate(content.devices, 1):
        parts += [
            f"<h2>{e(dev.title)}</h2>",
            kv(dev.rows),
            f"<p><b>Why:</b> {e(dev.explanation)}</p>",
            "<ul class=small>" + "".join(f"<li>{e(c)}</li>" for c in dev.changes) + "</ul>",
            "<h3>Where it was heard</h3>",
            _svg(dev.map, f"map{i}"),
            "<h3>Signal strength over time</h3>",
            _svg(dev.chart, f"rssi{i}"),
        ]
    if content.other_trackers:
        parts.append(
            "<h2>Other trackers heard (not travelling with you)</h2><table class=small><tr>"
            + "".join(f"<th>{h}</th>" for h in ("kind", "addresses", "first seen", "last seen", "sightings"))
            + "</tr>"
        )
        parts += [
            "<tr>" + "".join(f"<td>{e(c)}</td>" for c in row) + "</tr>" for row in content.other_trackers
        ]
        parts.append("</table>")
    if content.cellular_notes:
        parts.append(f"<h2>{e(CELLULAR_TITLE)}</h2>")
        parts += [f"<p class=small>{e(n)}</p>" for n in content.cellular_notes]
        if content.cellular:
            parts.append("<table class=small><tr>" + "".join(f"<th>{e(h)}</th>" for h in CELLULAR_COLUMNS)
                         + "</tr>" + "".join("<tr>" + "".join(f"<td>{e(c)}</td>" for c in row) + "</tr>"
                                             for row in content.cellular) + "</table>")
    parts.append("<h2>Method</h2>")
    parts += [f"<p>{e(m)}</p>" for m in content.method]
    parts.append(
        "<h3>Thresholds (trackerscan/engine/thresholds.py)</h3><table class=small>"
        "<tr><th>name</th><th>value</th><th>unit and origin</th></tr>"
    )
    parts += [
        f"<tr><td><code>{e(t.name)}</code></td><td>{e(t.value)}</td><td>{e(t.comment)}</td></tr>"
        for t in content.thresholds
    ]
    parts.append("</table>")
    if content.source_events:
        parts.append(
            "<h2>What happened to the receivers</h2><ul class=small>"
            + "".join(f"<li>{e(s)}</li>" for s in content.source_events)
            + "</ul>"
        )
    parts += ["<h2>Checking this report against the data</h2>", kv(content.integrity), "</body></html>\n"]
    data = "".join(parts).encode("utf-8")
    if isinstance(out, Path):
        out.write_bytes(data)
    else:
        out.write(data)


def write_report(content: ReportContent, out: Path, inputs: Iterable[Path] = ()) -> None:
    """PDF or HTML by the file's extension; written 0600, complete or not at all, never over an input."""
    from trackerscan.sessions.safewrite import atomic_output

    suffix = out.suffix.lower()
    if suffix not in (".pdf", ".html", ".htm"):
        raise InputError(f"The report file must end in .pdf or .html, not {out.name!r}.")
    with atomic_output(out, inputs) as f:
        if suffix == ".pdf":
            write_pdf(content, f)
        else:
            write_html(content, f)
