"""The report's drawings: the user's track with where a device was heard, and its signal over time.

reportlab Drawings, drawn offline (no tiles, no network) and readable in black and white: the track is a
line, places are shapes, first and last sightings have their own symbols.  The PDF draws them; the HTML
report inlines them as SVG.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime, tzinfo
from typing import Any

from reportlab.graphics.shapes import Circle, Drawing, Line, Polygon, PolyLine, Rect, String
from reportlab.lib.colors import HexColor, black, white

from trackerscan.geo import EARTH_RADIUS_M
from trackerscan.model import Fix, HeardPoint
from trackerscan.sessions.export import track_segments

MAP_W, MAP_H = 460.0, 300.0  # points (1/72 in): the map drawing
CHART_W, CHART_H = 460.0, 150.0  # the RSSI chart
MAP_DOT_SPACING_PT = 9.0  # places closer than this on the map share one dot
# Steps of the time axis (seconds): whole minutes and hours, at most 8 ticks.
TIME_TICKS_S = (10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400)
GREY = HexColor("#555555")
LIGHT = HexColor("#bbbbbb")


def distance_label(m: float) -> str:
    """A distance as the report shows it: metres, or km to 10 m."""
    return f"{m / 1000:.2f} km" if m >= 1000 else f"{m:.0f} m"


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
    d.add(String(x0 + bar + 6, y0 - 3, distance_label(metres), fontSize=8))
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
