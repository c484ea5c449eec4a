"""Window icons drawn in code: the app's own, and a neutral notepad for discreet mode."""

from __future__ import annotations

from PyQt6.QtCore import QPointF, QRectF, Qt
from PyQt6.QtGui import QColor, QIcon, QPainter, QPen, QPixmap


def app_icon(discreet: bool) -> QIcon:
    size = 64
    pm = QPixmap(size, size)
    pm.fill(Qt.GlobalColor.transparent)
    p = QPainter(pm)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    if discreet:  # a plain notepad: says nothing about what the app is
        p.setPen(QPen(QColor("#555555"), 3))
        p.setBrush(QColor("#fdf6c9"))
        p.drawRoundedRect(QRectF(12, 6, 40, 52), 4, 4)
        for y in (20, 30, 40, 50):
            p.drawLine(QPointF(18, y), QPointF(46, y))
    else:  # a magnifier over radio waves
        p.setPen(QPen(QColor("#1d4f91"), 5))
        p.setBrush(QColor("#ffffff"))
        p.drawEllipse(QPointF(26, 26), 16, 16)
        p.drawLine(QPointF(38, 38), QPointF(56, 56))
        p.setPen(QPen(QColor("#111111"), 3))
        p.drawArc(QRectF(18, 18, 16, 16), 30 * 16, 120 * 16)
        p.drawArc(QRectF(22, 22, 8, 8), 30 * 16, 120 * 16)
    p.end()
    return QIcon(pm)
