"""The kit's radio sweep for cellular GPS trackers (three presses), with the RF add-on.

`find_radio` looks for an RF device on the USB bus (tinySA or tinySA Ultra, RTL-SDR, HackRF, by their
USB ids in sysfs) and names its source as `trackerscan rf sweep --source` takes it.  `KitRadioSweep`
is the core's `live_radio.RadioSweep` (run in a worker thread) with the meter's readings on the strongest
candidate handed to the kit (the LED blinks faster the stronger its last burst); when the sweep ends
(three presses again, the kit stopping, or a replay ending) it is recorded in a session of its own,
which `trackerscan sessions` and the report show.
"""

from __future__ import annotations

import queue
import time
from collections.abc import Callable
from pathlib import Path

from trackerscan.find.rf_sweep import LiveRf
from trackerscan.live_radio import RadioSweep

USB_DEVICES = Path("/sys/bus/usb/devices")
# USB ids (vendor, product) of the RF devices the kit can sweep with, in the order they are preferred
# (hardware/BOM.md, "Add-on: RF sweep"): the tinySA and tinySA Ultra enumerate as an STM32 virtual
# serial port; RTL-SDR dongles (RTL2832U, as the RTL-SDR Blog V3/V4) and the HackRF One by their own.
TINYSA_IDS = {("0483", "5740")}
RTLSDR_IDS = {("0bda", "2838"), ("0bda", "2832")}
HACKRF_IDS = {("1d50", "6089")}


def _usb_id(device: Path) -> tuple[str, str] | None:
    try:
        return ((device / "idVendor").read_text().strip().lower(),
                (device / "idProduct").read_text().strip().lower())
    except OSError:
        return None


def find_radio(usb_devices: Path = USB_DEVICES) -> str | None:
    """The source spec of the first RF device plugged in (``tinysa:/dev/ttyACM0``, ``rtlsdr``,
    ``hackrf``), or None when there is none."""
    try:
        devices = sorted(usb_devices.iterdir())
    except OSError:
        return None
    ids = {d: _usb_id(d) for d in devices}
    for d, usb in ids.items():
        if usb in TINYSA_IDS:
            ttys = sorted(p.name for p in d.glob("*/tty/tty*"))
            if ttys:
                return f"tinysa:/dev/{ttys[0]}"
    if any(usb in RTLSDR_IDS for usb in ids.values()):
        return "rtlsdr"
    if any(usb in HACKRF_IDS for usb in ids.values()):
        return "hackrf"
    return None


class KitRadioSweep(RadioSweep):
    """The core radio sweep with its meter readings queued for the kit's LED (`take_meter`)."""

    def __init__(self, spec: str, region: str, data_dir: str | None, *,
                 wall: Callable[[], float] = time.time) -> None:
        self._updates: queue.SimpleQueue[int | None] = queue.SimpleQueue()
        self._shown: int | None = None
        super().__init__(spec, region, data_dir, on_hop=self._read_meter, wall=wall)

    def _read_meter(self, live: LiveRf, _analysed: bool) -> None:
        m = live.meter()
        gauge = None if m is None else m.gauge
        if gauge != self._shown:
            self._shown = gauge
            self._updates.put(gauge)

    def take_meter(self) -> list[int | None]:
        """The meter's readings since the last call, oldest first (None: no regular transmitter yet)."""
        out = []
        while True:
            try:
                out.append(self._updates.get_nowait())
            except queue.Empty:
                return out
