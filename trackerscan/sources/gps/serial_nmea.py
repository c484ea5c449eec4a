"""An NMEA receiver on a serial port (pyserial, baud rate detected), and serial ports that look like one."""

from __future__ import annotations

import asyncio
import contextlib
import errno
import os
import time
from datetime import date as Date
from typing import Any

from trackerscan.errors import SourceError
from trackerscan.formats.nmea import NmeaReader, Record
from trackerscan.model import Fix, NoFix, SourceEventKind
from trackerscan.sources.gps.base import NO_FIX_EVERY_S, RETRY_MAX_S, RETRY_MIN_S, GpsSource
from trackerscan.sources.gps.clock import ClockCorrector

BAUD_RATES = (4800, 9600, 38400, 115200)  # NMEA 0183 default, u-blox/SiRF defaults, fast USB receivers
# The fastest baud rate taken: Linux's top standard rate (B4000000); receivers use at most 921,600.  A larger
# number reached the serial driver and raised OverflowError there.
MAX_BAUD = 4_000_000
PROBE_S = 2.5  # s listened at each baud rate (receivers send at least one sentence a second)
PROBE_SENTENCES = 2  # sentences with good checksums that confirm a baud rate
IDLE_FLUSH_S = 0.3  # s of silence after which the receiver's cycle is taken as complete
SILENT_S = 5.0  # s without a byte from an open receiver before it is reported lost


def open_error(path: str, exc: BaseException) -> SourceError:
    code = getattr(exc, "errno", None)
    if code in (errno.EACCES, errno.EPERM):
        return SourceError(f"Cannot open the GPS receiver at {path}: permission denied "
                           "(add your user to the dialout group).")
    if code in (errno.ENOENT, errno.ENODEV, errno.ENXIO):
        return SourceError(f"No GPS receiver at {path}: check that it is plugged in "
                           "('trackerscan sources' lists serial ports).")
    return SourceError(f"Cannot open the GPS receiver at {path}: {exc}.")


def open_serial(path: str, baud: int | None, probe_s: float = PROBE_S) -> tuple[Any, int, bytes]:
    """Open ``path``; when ``baud`` is None try `BAUD_RATES` until NMEA is heard.

    Blocking (run it in an executor).  Returns the open pyserial port, the
    baud rate and the bytes read while probing at that rate (not to be lost).
    """
    import serial

    try:
        port = serial.Serial(path, baud or BAUD_RATES[0], timeout=0.1)
    except (OSError, serial.SerialException) as exc:
        cause = exc.__context__ if exc.__context__ is not None else exc
        raise open_error(path, cause if isinstance(cause, OSError) else exc) from None
    if baud is not None:
        return port, baud, b""
    try:
        for rate in BAUD_RATES:
            if rate != port.baudrate:
                port.baudrate = rate
                port.reset_input_buffer()
            probe = NmeaReader()
            heard = bytearray()
            deadline = time.monotonic() + probe_s
            while time.monotonic() < deadline:
                data = port.read(256)
                heard += data
                probe.feed(data)
                if probe.sentences >= PROBE_SENTENCES:
                    return port, rate, bytes(heard)
    except (OSError, serial.SerialException) as exc:
        port.close()
        raise open_error(path, exc) from None
    port.close()
    rates = ", ".join(str(r) for r in BAUD_RATES)
    raise SourceError(f"No NMEA sentences from {path} at {rates} baud: is it a GPS receiver?")


class SerialNmeaSource(GpsSource):
    """An NMEA receiver on a serial port (pyserial), read without threads through the event loop."""

    def __init__(self, path: str, baud: int | None, clock: ClockCorrector | None = None,
                 date: Date | None = None, probe_s: float = PROBE_S) -> None:
        super().__init__(f"nmea:{path}", clock)
        self.path = path
        self.baud = baud
        self.probe_s = probe_s
        self._date = date
        self._port: Any = None
        self._first = b""
        self.reader = NmeaReader(date=date, source=self.name)

    async def _open(self) -> None:
        loop = asyncio.get_running_loop()
        self._port, self.baud, self._first = await loop.run_in_executor(
            None, open_serial, self.path, self.baud, self.probe_s)

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        port, first = self._port, self._first
        delay = RETRY_MIN_S
        while True:
            detail = await self._read(port, first)
            first = b""
            port.close()
            self._port = None
            self._deliver(self.reader.flush())
            self._event(SourceEventKind.GPS_LOST, f"GPS receiver at {self.path} lost: {detail}")
            while True:
                await asyncio.sleep(delay)
                try:
                    port, _, _ = await loop.run_in_executor(None, open_serial, self.path, self.baud)
                except SourceError:
                    delay = min(delay * 2, RETRY_MAX_S)
                    continue
                break
            self._port = port
            delay = RETRY_MIN_S
            self._event(SourceEventKind.GPS_BACK, f"GPS receiver at {self.path} is back")

    async def _read(self, port: Any, first: bytes) -> str:
        """Read until the port fails; returns why."""
        import serial

        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[bytes | BaseException] = asyncio.Queue()
        fd = port.fileno()
        port.timeout = 0  # non-blocking: read what is there when the loop says the port is readable

        def readable() -> None:
            try:
                data = port.read(65536)
            except (OSError, serial.SerialException) as exc:
                loop.remove_reader(fd)
                queue.put_nowait(exc)
                return
            queue.put_nowait(data)

        loop.add_reader(fd, readable)
        if first:
            queue.put_nowait(first)
        last_data = last_record = time.monotonic()
        silent = False
        try:
            while True:
                try:
                    item = await asyncio.wait_for(queue.get(), IDLE_FLUSH_S)
                except TimeoutError:
                    self._deliver(self.reader.flush())
                    now = time.monotonic()
                    if not silent and now - last_data > SILENT_S:
                        silent = True
                        self._event(SourceEventKind.GPS_LOST, f"GPS receiver at {self.path} is silent")
                    if now - last_record > NO_FIX_EVERY_S:
                        last_record = now
                        self._put(NoFix(self.clock.now(), self.name, "no data" if silent else "no fix yet"))
                    continue
                if isinstance(item, BaseException):
                    return str(item)
                last_data = time.monotonic()
                if silent:
                    silent = False
                    self._event(SourceEventKind.GPS_BACK, f"GPS receiver at {self.path} is sending again")
                if self._deliver(self.reader.feed(item, received=self.clock.system_time())):
                    last_record = last_data
                elif last_data - last_record > NO_FIX_EVERY_S:
                    last_record = last_data
                    self._put(NoFix(self.clock.now(), self.name, "no fix yet"))
        finally:
            loop.remove_reader(fd)

    def _deliver(self, records: list[Record]) -> int:
        self.rejected = self.reader.rejected
        fixes = [r for r in records if isinstance(r, Fix)]
        if fixes and self.reader.last_fix_received is not None:
            event = self.clock.observe(fixes[-1].time, self.reader.last_fix_received, self.name)
            if event is not None:
                self._put(event)
        for record in records:
            self._put(record)
        return len(records)

    def _close(self) -> None:
        if self._port is not None:
            with contextlib.suppress(Exception):
                self._port.close()
            self._port = None


# --- serial ports that look like GPS receivers ----------------------------------------------------------

GPS_USB_VIDS = {
    0x1546: "u-blox",
    0x067B: "Prolific PL2303 (e.g. GlobalSat BU-353)",
    0x10C4: "Silicon Labs CP210x",
}
GPS_WORDS = ("gps", "gnss", "u-blox", "ublox", "sirf", "globalsat", "navilock", "garmin", "mtk", "quectel")


def describe_gps_port(port: Any) -> tuple[int, str] | None:
    """(rank, description) if a pyserial ListPortInfo may be a GPS receiver (0: likeliest), else None."""
    text = " ".join(str(x) for x in (port.description, port.manufacturer, port.product) if x and x != "n/a")
    name = os.path.basename(str(port.device))
    if any(word in text.lower() for word in GPS_WORDS):
        return 0, text or name
    vid = getattr(port, "vid", None)
    if vid in GPS_USB_VIDS:
        return 1, f"{GPS_USB_VIDS[vid]}: {text}" if text else GPS_USB_VIDS[vid]
    if name.startswith(("ttyACM", "ttyUSB")):
        return 2, text or "USB serial port"
    return None


def list_serial_gps() -> list[tuple[str, str]]:
    """Serial ports that look like GPS receivers, likeliest first: (device path, description)."""
    from serial.tools import list_ports

    found = []
    for port in list_ports.comports():
        described = describe_gps_port(port)
        if described is not None:
            found.append((described[0], port.device, described[1]))
    return [(device, text) for _, device, text in sorted(found)]
