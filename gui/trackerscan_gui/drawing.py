"""Offline drawings with QPainter: the map of a device's places and its signal timeline.

No tiles, no network: the map is the user's own track, the places a device was
heard, a scale bar and a north arrow, on a plain light background.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from PyQt6.QtCore import QPointF, QRectF, QSize, Qt
from PyQt6.QtGui import QBrush, QColor, QPainter, QPainterPath, QPaintEvent, QPen, QPolygonF
from PyQt6.QtWidgets import QSizePolicy, QWidget

from trackerscan.geo import EARTH_RADIUS_M
from trackerscan.model import Fix, HeardPoint

from . import wording

INK = QColor("#111111")
PAPER = QColor("#ffffff")
TRACK = QColor("#3060a0")  # the user's track: a thin blue line
HEARD = QColor("#c05000")  # where the device was heard: large outlined circles (shape carries meaning)
GRID = QColor("#c8c8c8")
SCALE_STEPS_M = (10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000, 50000)


def nice_scale(metres_per_px: float, max_px: float) -> float:
    """The largest round distance whose bar fits in max_px."""
    best = float(SCALE_STEPS_M[0])
    for step in SCALE_STEPS_M:
        if step / metres_per_px <= max_px:
            best = float(step)
    return best



def _framed_painter(widget: QWidget) -> QPainter:
    """A painter on ``widget`` with its paper background and frame already drawn."""
    p = QPainter(widget)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    p.fillRect(widget.rect(), PAPER)
    p.setPen(QPen(GRID, 1))
    p.drawRect(widget.rect().adjusted(0, 0, -1, -1))
    return p

class MapView(QWidget):
    """The user's track and the places one device was heard."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._track: list[tuple[float, float]] = []
        self._heard: list[tuple[float, float]] = []
        self._unplaced = 0
        self.setMinimumSize(240, 180)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setAccessibleName("Map of your track and where the device was heard")

    def sizeHint(self) -> QSize:
        return QSize(420, 320)

    def set_data(self, track: Sequence[Fix], heard: Sequence[HeardPoint]) -> None:
        self._track = [(f.lat, f.lon) for f in track]
        self._heard = [(p.lat, p.lon) for p in heard if p.lat is not None and p.lon is not None]
        self._unplaced = sum(1 for p in heard if p.lat is None or p.lon is None)
        self.setAccessibleDescription(
            f"{len(self._heard)} positioned sightings, {self._unplaced} without a position, "
            f"{len(self._track)} points on your track"
        )
        self.update()

    def paintEvent(self, event: QPaintEvent | None) -> None:
        p = _framed_painter(self)
        pts = self._track + self._heard
        if not pts:
            p.setPen(INK)
            p.drawText(
                QRectF(self.rect()).adjusted(12, 12, -12, -12),
                Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap,
                "No positions to draw: without GPS, places come from your “I'm somewhere else now” marks."
                if self._unplaced
                else "Nothing to draw yet.",
            )
            p.end()
            return
        lat0 = sum(a for a, _ in pts) / len(pts)
        kx = math.radians(1) * EARTH_RADIUS_M * math.cos(math.radians(lat0))
        ky = math.radians(1) * EARTH_RADIUS_M
        xs = [lon * kx for _, lon in pts]
        ys = [lat * ky for lat, _ in pts]
        w_m = max(max(xs) - min(xs), 50.0)
        h_m = max(max(ys) - min(ys), 50.0)
        fm = p.fontMetrics()
        margin = fm.height() * 2.5
        avail_w = max(self.width() - 2 * margin, 10)
        avail_h = max(self.height() - 2 * margin, 10)
        m_per_px = max(w_m / avail_w, h_m / avail_h)
        cx = (max(xs) + min(xs)) / 2
        cy = (max(ys) + min(ys)) / 2

        def to_px(lat: float, lon: float) -> QPointF:
            return QPointF(
                self.width() / 2 + (lon * kx - cx) / m_per_px, self.height() / 2 - (lat * ky - cy) / m_per_px
            )

        if len(self._track) >= 2:
            path = QPainterPath(to_px(*self._track[0]))
            for lat, lon in self._track[1:]:
                path.lineTo(to_px(lat, lon))
            p.setPen(QPen(TRACK, 2))
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.drawPath(path)
        r = max(3.5, fm.height() * 0.25)
        p.setPen(QPen(INK, 1))
        p.setBrush(QBrush(HEARD))
        drawn: set[tuple[int, int]] = set()
        for lat, lon in self._heard:  # one mark per spot: overlapping marks would merge into a blot
            pt = to_px(lat, lon)
            cell = (int(pt.x() // (1.5 * r)), int(pt.y() // (1.5 * r)))
            if cell not in drawn:
                drawn.add(cell)
                p.drawEllipse(pt, r, r)
        self._draw_scale(p, m_per_px, margin)
        self._draw_north(p, margin)
        self._draw_legend(p, r)
        p.end()

    def _draw_scale(self, p: QPainter, m_per_px: float, margin: float) -> None:
        metres = nice_scale(m_per_px, self.width() / 3)
        length = metres / m_per_px
        x0, y0 = margin * 0.5, self.height() - margin * 0.5
        p.setPen(QPen(INK, 2))
        p.drawLine(QPointF(x0, y0), QPointF(x0 + length, y0))
        p.drawLine(QPointF(x0, y0 - 5), QPointF(x0, y0 + 1))
        p.drawLine(QPointF(x0 + length, y0 - 5), QPointF(x0 + length, y0 + 1))
        p.drawText(QPointF(x0, y0 - 7), wording.distance_words(metres))

    def _draw_north(self, p: QPainter, margin: float) -> None:
        fm = p.fontMetrics()
        x = self.width() - margin * 0.6
        top = margin * 0.3 + fm.height()
        h = fm.height() * 1.4
        p.setPen(QPen(INK, 1.5))
        p.setBrush(QBrush(INK))
        p.drawPolygon(QPolygonF([QPointF(x, top), QPointF(x - h / 4, top + h), QPointF(x + h / 4, top + h)]))
        p.drawText(
            QRectF(x - fm.height(), top - fm.height() - 2, 2 * fm.height(), fm.height()),
            Qt.AlignmentFlag.AlignCenter,
            "N",
        )

    def _draw_legend(self, p: QPainter, r: float) -> None:
        fm = p.fontMetrics()
        x, y = 8.0, 8.0 + fm.ascent()
        p.setPen(QPen(TRACK, 2))
        p.drawLine(QPointF(x, y - fm.ascent() / 3), QPointF(x + 2 * r, y - fm.ascent() / 3))
        p.setPen(INK)
        p.drawText(QPointF(x + 3 * r, y), "your track")
        y += fm.height() + 2
        p.setPen(QPen(INK, 1.5))
        p.setBrush(QBrush(HEARD))
        p.drawEllipse(QPointF(x + r, y - fm.ascent() / 3), r * 0.8, r * 0.8)
        label = f"device heard ({len(self._heard)})"
        if self._unplaced:
            label += f"; {self._unplaced} without a position"
        p.drawText(QPointF(x + 3 * r, y), label)


class SignalTimeline(QWidget):
    """Signal strength (dBm) over time, one dot per sighting, with labelled axes."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._points: list[tuple[float, int]] = []
        self.setMinimumSize(240, 120)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.setAccessibleName("Signal strength over time")

    def sizeHint(self) -> QSize:
        return QSize(420, 160)

    def set_points(self, heard: Sequence[HeardPoint]) -> None:
        self._points = [(h.time, h.rssi) for h in heard if h.rssi is not None]
        if self._points:
            rs = [r for _, r in self._points]
            self.setAccessibleDescription(
                f"{len(rs)} readings from {min(rs)} to {max(rs)} dBm between "
                f"{wording.clock_words(self._points[0][0])} and {wording.clock_words(self._points[-1][0])}"
            )
        self.update()

    def paintEvent(self, event: QPaintEvent | None) -> None:
        p = _framed_painter(self)
        fm = p.fontMetrics()
        left = fm.horizontalAdvance("-100 dBm") + 10
        bottom = fm.height() + 8
        plot = QRectF(left, 8, self.width() - left - 12, self.height() - bottom - 16)
        lo, hi = -100.0, -30.0  # dBm range shown: the usable BLE range
        p.setPen(INK)
        for level in (-100, -80, -60, -40):
            y = plot.bottom() - (level - lo) / (hi - lo) * plot.height()
            p.setPen(QPen(GRID, 1))
            p.drawLine(QPointF(plot.left(), y), QPointF(plot.right(), y))
            p.setPen(INK)
            p.drawText(
                QRectF(0, y - fm.height() / 2, left - 6, fm.height()),
                Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                f"{level} dBm",
            )
        if not self._points:
            p.drawText(plot, Qt.AlignmentFlag.AlignCenter, "No signal readings yet.")
            p.end()
            return
        t0, t1 = self._points[0][0], self._points[-1][0]
        span = max(t1 - t0, 1.0)
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(QBrush(TRACK))
        step = max(1, len(self._points) // 2000)  # at most ~2000 dots
        for t, r in self._points[::step]:
            x = plot.left() + (t - t0) / span * plot.width()
            y = plot.bottom() - (min(max(r, lo), hi) - lo) / (hi - lo) * plot.height()
            p.drawEllipse(QPointF(x, y), 2.5, 2.5)
        p.setPen(INK)
        ty = plot.bottom() + 4
        p.drawText(
            QRectF(plot.left(), ty, plot.width(), fm.height()),
            Qt.AlignmentFlag.AlignLeft,
            wording.clock_words(t0),
        )
        p.drawText(
            QRectF(plot.left(), ty, plot.width(), fm.height()),
            Qt.AlignmentFlag.AlignRight,
            wording.clock_words(t1),
        )
        p.drawText(
            QRectF(plot.left(), ty, plot.width(), fm.height()),
            Qt.AlignmentFlag.AlignHCenter,
            f"{len(self._points)} readings over {wording.duration_words(t1 - t0)}",
        )
        p.end()
