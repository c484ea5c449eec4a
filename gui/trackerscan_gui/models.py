"""Qt models over the core's records: the device list and the alert log."""

from __future__ import annotations

from collections.abc import Sequence

from PyQt6.QtCore import (
    QAbstractListModel,
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSortFilterProxyModel,
    Qt,
)
from PyQt6.QtGui import QFont
from PyQt6.QtWidgets import QStyledItemDelegate, QStyleOptionViewItem

from trackerscan.model import DeviceState, Level, LevelChange

from . import wording

_Index = QModelIndex | QPersistentModelIndex
DEVICE_ROLE = Qt.ItemDataRole.UserRole + 1  # the DeviceState of a row


class DeviceTableModel(QAbstractTableModel):
    """The engine's device snapshot as rows, in the engine's order (trackers first)."""

    COLUMNS = ("Status", "Kind", "With you", "Signal", "Last heard")

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list[DeviceState] = []
        self._ids: list[str] = []
        self._now = 0.0  # time of the newest record, for "last heard"

    def set_devices(self, devices: Sequence[DeviceState], now: float) -> None:
        """Apply a snapshot: refresh in place when the rows are the same devices, else reset."""
        ids = [d.device_id for d in devices]
        self._now = now
        if ids == self._ids:
            self._rows = list(devices)
            if self._rows:
                last = self.index(len(self._rows) - 1, len(self.COLUMNS) - 1)
                self.dataChanged.emit(self.index(0, 0), last)
            return
        self.beginResetModel()
        self._rows = list(devices)
        self._ids = ids
        self.endResetModel()

    def device(self, row: int) -> DeviceState | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def row_of(self, device_id: str) -> int:
        try:
            return self._ids.index(device_id)
        except ValueError:
            return -1

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> object:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.COLUMNS[section]
        return None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid() or index.row() >= len(self._rows):
            return None
        d = self._rows[index.row()]
        col = index.column()
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            if col == 0:
                return wording.status_words(d)
            if col == 1:
                return wording.kind_name(d.kind)
            if col == 2:
                return wording.with_you_short(d)
            if col == 3:
                return wording.signal_words(rssi_of(d))
            return wording.ago_words(self._now - d.last_seen)
        if role == Qt.ItemDataRole.FontRole and col == 0 and d.level is Level.ALERT and not d.known:
            font = QFont()
            font.setBold(True)
            return font
        if role == Qt.ItemDataRole.ToolTipRole:
            return d.explanation or None
        if role == DEVICE_ROLE:
            return d
        return None


def rssi_of(d: DeviceState) -> float | None:
    return d.rssi_smoothed if d.rssi_smoothed is not None else d.rssi


class DeviceDelegate(QStyledItemDelegate):
    """Draws the device list; with ``compact`` set (a narrow window) the cells show shorter words.

    Only the drawing changes: the model's text (what screen readers and tests read) stays whole.
    """

    compact = False

    def initStyleOption(self, option: QStyleOptionViewItem | None, index: QModelIndex) -> None:
        super().initStyleOption(option, index)
        if not self.compact or option is None:
            return
        d = index.data(DEVICE_ROLE)
        if not isinstance(d, DeviceState):
            return
        col = index.column()
        if col == 0:
            option.text = wording.status_compact(d)
        elif col == 2:
            option.text = wording.with_you_compact(d)
        elif col == 3:
            option.text = wording.signal_compact(rssi_of(d))


class DeviceFilter(QSortFilterProxyModel):
    """ "Trackers only" or "all devices"; keeps the engine's order."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._trackers_only = True

    @property
    def trackers_only(self) -> bool:
        return self._trackers_only

    def set_trackers_only(self, on: bool) -> None:
        self.beginFilterChange()
        self._trackers_only = on
        self.endFilterChange(QSortFilterProxyModel.Direction.Rows)

    def filterAcceptsRow(self, source_row: int, source_parent: _Index) -> bool:
        if not self._trackers_only:
            return True
        model = self.sourceModel()
        if not isinstance(model, DeviceTableModel):
            return True
        d = model.device(source_row)
        return d is not None and (d.tracker or d.level is not Level.NONE)


class AlertLogModel(QAbstractListModel):
    """Every level change the engine raised, newest first; marking a device as yours keeps its entries."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._changes: list[LevelChange] = []
        self._mine: set[str] = set()

    def add(self, changes: Sequence[LevelChange]) -> None:
        if not changes:
            return
        self.beginInsertRows(QModelIndex(), 0, len(changes) - 1)
        self._changes[:0] = reversed(changes)
        self.endInsertRows()

    def mark_mine(self, device_id: str) -> None:
        self._mine.add(device_id)
        rows = [i for i, c in enumerate(self._changes) if c.device_id == device_id]
        for r in rows:
            self.dataChanged.emit(self.index(r), self.index(r))

    def changes(self) -> list[LevelChange]:
        return list(self._changes)

    def clear(self) -> None:
        self.beginResetModel()
        self._changes = []
        self.endResetModel()

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._changes)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid() or index.row() >= len(self._changes):
            return None
        c = self._changes[index.row()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            what = "Possible tracker with you" if c.level is Level.ALERT else "Seen at 2+ places"
            text = (
                f"{wording.clock_words(c.time)}  {what}: {wording.kind_name(c.kind)}, "
                f"{wording.duration_words(c.duration_s)} at {wording.places_words(c.places)}, "
                f"{wording.distance_words(c.span_m)} apart"
            )
            if c.device_id in self._mine:
                text += " (since marked as yours)"
            return text
        if role == Qt.ItemDataRole.ToolTipRole:
            return c.explanation
        return None
