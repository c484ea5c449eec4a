"""The kit's radio sweep for cellular GPS trackers (three presses), with the RF add-on.

`find_radio` looks for an RF device on the USB bus (tinySA or tinySA Ultra, RTL-SDR, HackRF, by their
USB ids in sysfs) and names its source as `trackerscan rf sweep --source` takes it.  `RadioSweep` runs
one sweep in a worker thread, as `trackerscan rf sweep` does: the source feeds a `LiveRf`, the meter's
reading on the strongest candidate is handed to the kit (the LED blinks faster the stronger its last
burst), and when the sweep ends (three presses again, the kit stopping, or a replay ending) the result
is recorded in a session of its own (sessions/radio.py), which `trackerscan sessions` and the report
show.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from trackerscan.find.rf_sweep import LiveRf
from trackerscan.rf.bands import region_bands
from trackerscan.rf.detect import analyze
from trackerscan.rf.records import Transmitter
from trackerscan.sessions.paths import sessions_dir
from trackerscan.sessions.radio import record_sweep
from trackerscan.sources.rf import open_rf

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


@dataclass(frozen=True, slots=True)
class RadioResult:
    """How a sweep ended: the session it was recorded in (None when nothing was swept)."""

    session: Path | None
    transmitters: list[Transmitter]
    seconds: float


class RadioSweep:
    """One radio sweep; `run` blocks (call it in a thread), `stop` ends it from any thread."""

    def __init__(self, spec: str, region: str, data_dir: str | None, *,
                 wall: Callable[[], float] = time.time) -> None:
        self.spec = spec
        self.region = region
        self.data_dir = data_dir
        self.wall = wall
        self._stop = threading.Event()
        self._updates: queue.SimpleQueue[int | None] = queue.SimpleQueue()

    def stop(self) -> None:
        self._stop.set()

    def take_meter(self) -> list[int | None]:
        """The meter's readings since the last call, oldest first (None: no regular transmitter yet)."""
        out = []
        while True:
            try:
                out.append(self._updates.get_nowait())
            except queue.Empty:
                return out

    def run(self) -> RadioResult:
        """Sweep until stopped or the source ends; a `TrackerscanError` if the device cannot be used."""
        bands = region_bands(self.region)
        started = self.wall()
        source = open_rf(self.spec, bands, clock=self.wall)
        live = LiveRf(bands)
        shown: int | None = None
        try:
            for hop in source.hops():
                if self._stop.is_set():
                    break
                live.add(hop)
                m = live.meter()
                gauge = None if m is None else m.gauge
                if gauge != shown:
                    shown = gauge
                    self._updates.put(gauge)
        finally:
            source.close()
        result = analyze(list(live.hops), bands, source.damaged)
        if live.last_time is None:
            return RadioResult(None, [], 0.0)
        path = record_sweep(sessions_dir(self.data_dir, create=True), source=source.name, region=self.region,
                            result=result, started=started, first=live.first_time, last=live.last_time)
        return RadioResult(path, result.transmitters, result.seconds)
