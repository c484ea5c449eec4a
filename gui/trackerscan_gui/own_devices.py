"""First-run step: declare her own devices while at home, so they never raise a level (issue #17)."""

from __future__ import annotations

from collections.abc import Sequence

from PyQt6.QtCore import Qt
from PyQt6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

from trackerscan.model import DeviceState

from . import wording

LISTED_MAX = 30  # the strongest devices heard: hers are within a few metres
HEARD_WITHIN_S = 120.0  # only devices heard in the last two minutes (not a neighbour heard once)
FIRST_RUN_LISTEN_MS = 90_000  # the first live scan listens this long before the step is offered


def candidates(devices: Sequence[DeviceState], now: float) -> list[DeviceState]:
    """Devices heard lately and not yet known, strongest signal first."""
    heard = [d for d in devices if not d.known and now - d.last_seen <= HEARD_WITHIN_S]
    heard.sort(key=lambda d: -(d.rssi_smoothed if d.rssi_smoothed is not None else -200.0))
    return heard[:LISTED_MAX]


class OwnDevicesDialog(QDialog):
    """Lists the devices heard now, strongest first, with a box to tick for each of hers."""

    def __init__(self, devices: Sequence[DeviceState], now: float, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(wording.OWN_DEVICES_TITLE)
        self.devices = candidates(devices, now)
        intro = QLabel(wording.OWN_DEVICES_INTRO if self.devices else wording.OWN_DEVICES_NONE)
        intro.setWordWrap(True)
        self.list = QListWidget()
        self.list.setAccessibleName("Devices heard now")
        for d in self.devices:
            item = QListWidgetItem(wording.own_device_line(d))
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
            self.list.addItem(item)
        buttons = QDialogButtonBox()
        self.save_btn = buttons.addButton("&These are mine", QDialogButtonBox.ButtonRole.AcceptRole)
        self.later_btn = buttons.addButton("&Not now", QDialogButtonBox.ButtonRole.RejectRole)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        col = QVBoxLayout(self)
        col.addWidget(intro)
        col.addWidget(self.list, 1)
        col.addWidget(buttons)
        self.resize(560, 460)

    def chosen(self) -> list[DeviceState]:
        """The devices she ticked."""
        out = []
        for i, d in enumerate(self.devices):
            item = self.list.item(i)
            if item is not None and item.checkState() == Qt.CheckState.Checked:
                out.append(d)
        return out
