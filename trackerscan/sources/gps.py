"""GPS sources chosen by short strings, and the clock correction for computers without a real-time clock.

`open_gps(spec)` accepts:

- ``nmea:/dev/ttyACM0[,BAUD]``: a receiver on a serial port (baud detected when omitted:
  4800, 9600, 38400, 115200); unplugging is reported and the port reopened when it is back;
- ``gpsd`` or ``gpsd:HOST:PORT``: gpsd's JSON protocol (``?WATCH``), 127.0.0.1:2947 by default;
  reconnects when gpsd restarts;
- ``replay:FILE[,speed=N]``: an NMEA log or GPX track, in real time or N times faster (0: at once);
- ``fixed:LAT,LON``: a stationary sweep without a receiver (a fix every second, stamped now);
- ``none``: no positions at all (places then come from the user's place marks).

Every source is an async iterator of `Fix`, `NoFix` and `SourceEvent`, stopped
with ``await source.aclose()``.  No fix is explicit (`NoFix`), never 0, 0.

**Clock.**  A Raspberry Pi without a real-time clock boots with a wrong
clock.  Live sources (serial NMEA, gpsd) stamp fixes with GPS time and
compare it with the system clock through the source's `ClockCorrector`
(``source.clock``): when they differ by more than `CLOCK_OFFSET_THRESHOLD_S`
the offset is recorded (a ``SourceEvent`` of kind ``CLOCK_OFFSET`` whose
``value`` is GPS minus system time, in seconds) and ``clock.correct(t)`` /
``clock.now()`` give GPS-based times.  Pass one corrector to `open_gps` and
use the same object to stamp Bluetooth sightings, so both agree.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import json
import math
import os
import time
from collections import Counter
from collections.abc import Callable
from datetime import date as Date
from pathlib import Path
from typing import Any

from trackerscan.errors import InputError, SourceError, TrackerscanError
from trackerscan.formats.fixfile import read_fix_file
from trackerscan.formats.nmea import Continuity, NmeaReader, Record, summary
from trackerscan.geo import UERE_M
from trackerscan.model import Fix, FixMode, NoFix, SourceEvent, SourceEventKind
from trackerscan.release import RELEASE_DATE
from trackerscan.sources.base import Source
from trackerscan.timeutil import iso_utc

GpsEvent = Fix | NoFix | SourceEvent

GPS_SPEC_FORMS = (
    "nmea:/dev/ttyACM0[,BAUD], gpsd, gpsd:HOST:PORT, replay:FILE[,speed=N], fixed:LAT,LON or none"
)
BAUD_RATES = (4800, 9600, 38400, 115200)  # NMEA 0183 default, u-blox/SiRF defaults, fast USB receivers
CLOCK_OFFSET_THRESHOLD_S = 2.0  # s; issue #3: a system clock further than this from GPS time is corrected
# s; issue #11: GPS time more than a day ahead of the system clock (a Pi without a real-time clock boots
# at its last shutdown, or 1970) is adopted only when this many GPS epochs give the same offset, so that
# one corrupt date cannot move every sighting
CLOCK_FUTURE_S = 86400.0
CLOCK_CONFIRM_EPOCHS = 2
PROBE_S = 2.5  # s listened at each baud rate (receivers send at least one sentence a second)
PROBE_SENTENCES = 2  # sentences with good checksums that confirm a baud rate
IDLE_FLUSH_S = 0.3  # s of silence after which the receiver's cycle is taken as complete
SILENT_S = 5.0  # s without a byte from an open receiver before it is reported lost
NO_FIX_EVERY_S = 5.0  # s between NoFix reports while there is no fix
RETRY_MIN_S = 0.5  # s before reconnecting to gpsd or reopening a serial port; doubles up to RETRY_MAX_S
RETRY_MAX_S = 5.0
FIXED_EVERY_S = 1.0  # s between fixes of a fixed position
GPSD_HOST, GPSD_PORT = "127.0.0.1", 2947
GPSD_WATCH = b'?WATCH={"enable":true,"json":true}\n'
GPSD_LINE_LIMIT = 1 << 20  # bytes; SKY reports with many satellites are long
_RELEASE_T = float((RELEASE_DATE.toordinal() - 719163) * 86400)  # RELEASE_DATE 00:00 UTC, Unix time


class ClockCorrector:
    """GPS time minus system time, once they differ by more than ``threshold_s``; else 0.

    ``correct(t)`` turns a system-clock stamp into GPS-based time; ``now()`` is
    the corrected current time.  The offset changes only when the measured one
    moves by more than the threshold (receiver latency is not a clock error).
    A GPS time before `RELEASE_DATE` is never adopted (a receiver's week
    rollover, not the present), and one more than `CLOCK_FUTURE_S` ahead of the
    system clock only once `CLOCK_CONFIRM_EPOCHS` GPS epochs agree on the
    offset.  Both what is adopted and what is refused come back as events.
    """

    def __init__(self, threshold_s: float = CLOCK_OFFSET_THRESHOLD_S,
                 clock: Callable[[], float] = time.time) -> None:
        self.threshold_s = threshold_s
        self.offset_s = 0.0
        self._clock = clock
        self._pending: list[float] = []  # offsets of GPS epochs far ahead, waiting for agreement
        self._refused = False  # an early GPS time was reported: say it once until one is adopted

    def system_time(self) -> float:
        return self._clock()

    def now(self) -> float:
        return self._clock() + self.offset_s

    def correct(self, t: float) -> float:
        return t + self.offset_s

    def observe(self, gps_time: float, system_time: float, source: str) -> SourceEvent | None:
        """Compare one GPS time with the system clock at its arrival; an event when the offset changes."""
        measured = gps_time - system_time
        if abs(measured) <= self.threshold_s:
            if self.offset_s == 0.0:
                return None
            self.offset_s = 0.0
            return SourceEvent(gps_time, source, SourceEventKind.CLOCK_OFFSET,
                               "the system clock agrees with GPS time again", 0.0)
        if abs(measured - self.offset_s) <= self.threshold_s:
            return None
        if gps_time < _RELEASE_T:
            if self._refused:
                return None
            self._refused = True
            return SourceEvent(gps_time, source, SourceEventKind.CLOCK_OFFSET,
                               f"GPS time {iso_utc(gps_time)} is before this trackerscan's release "
                               f"({RELEASE_DATE}): the system clock is not corrected from it", None)
        confirm = ""
        if measured > CLOCK_FUTURE_S:
            pending = [m for m in self._pending if abs(m - measured) <= self.threshold_s]
            self._pending = [*pending, measured]
            if len(self._pending) < CLOCK_CONFIRM_EPOCHS:
                return None
            confirm = f" ({CLOCK_CONFIRM_EPOCHS} GPS epochs agree)"
        self._pending = []
        self._refused = False
        self.offset_s = measured
        way = "behind" if measured > 0 else "ahead of"
        return SourceEvent(gps_time, source, SourceEventKind.CLOCK_OFFSET,
                           f"the system clock is {abs(measured):.1f} s {way} GPS time{confirm}: using GPS "
                           f"time from {iso_utc(gps_time)}", measured)


class GpsSource(Source[GpsEvent]):
    """Base of the GPS sources: an async iterator of events, stopped with `aclose`.

    ``await source.start()`` opens it (a `SourceError` surfaces there; the
    first ``async for`` step starts it otherwise).  Subclasses implement
    ``_open`` (optional) and ``_run``, and hand events to ``_put``; a
    `TrackerscanError` raised by ``_run`` reaches the consumer from its
    ``async for``.
    """

    def __init__(self, name: str, clock: ClockCorrector | None = None) -> None:
        self.name = name
        self.clock = clock if clock is not None else ClockCorrector()
        self.rejected: Counter[str] = Counter()
        self._queue: asyncio.Queue[GpsEvent | None] | None = None
        self._task: asyncio.Task[None] | None = None
        self._error: BaseException | None = None
        self._finished = False

    async def _open(self) -> None:
        """Open the receiver or connection; raise a `SourceError` the user can act on."""

    async def _run(self) -> None:
        raise NotImplementedError

    def _put(self, event: GpsEvent) -> None:
        assert self._queue is not None
        self._queue.put_nowait(event)

    def _event(self, kind: SourceEventKind, detail: str, value: float | None = None) -> None:
        self._put(SourceEvent(self.clock.now(), self.name, kind, detail, value))

    async def _main(self) -> None:
        try:
            await self._run()
        except asyncio.CancelledError:
            raise
        except TrackerscanError as exc:
            self._error = exc
        finally:
            if self._queue is not None:
                self._queue.put_nowait(None)

    async def start(self) -> None:
        """Open the source (errors surface here) and start producing events."""
        if self._task is not None or self._finished:
            return
        self._queue = asyncio.Queue()
        try:
            await self._open()
        except BaseException:
            self._finished = True
            self._close()
            raise
        self._task = asyncio.get_running_loop().create_task(self._main(), name=f"gps {self.name}")

    def __aiter__(self) -> GpsSource:
        return self

    async def __anext__(self) -> GpsEvent:
        await self.start()
        if self._queue is None or self._task is None:
            raise StopAsyncIteration
        item = await self._queue.get()
        if item is None:
            self._queue.put_nowait(None)  # wake any other waiter too
            self._finished = True
            if self._error is not None:
                error, self._error = self._error, None
                raise error
            raise StopAsyncIteration
        return item

    async def aclose(self) -> None:
        self._finished = True
        task = self._task
        if task is not None and not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self._queue is not None:
            self._queue.put_nowait(None)
        self._close()

    def _close(self) -> None:
        """Release resources (subclasses)."""

    async def __aenter__(self) -> GpsSource:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()


# --- serial NMEA ------------------------------------------------------------------------------


def _open_error(path: str, exc: BaseException) -> SourceError:
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
        raise _open_error(path, cause if isinstance(cause, OSError) else exc) from None
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
        raise _open_error(path, exc) from None
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


# --- gpsd --------------------------------------------------------------------------------------


def _finite(value: object) -> float | None:
    if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value):
        return float(value)
    return None


class GpsdSource(GpsSource):
    """A client of gpsd's JSON protocol: ``?WATCH``, then TPV (fixes) and SKY (DOPs, satellites)."""

    def __init__(self, host: str = GPSD_HOST, port: int = GPSD_PORT,
                 clock: ClockCorrector | None = None) -> None:
        super().__init__("gpsd" if (host, port) == (GPSD_HOST, GPSD_PORT) else f"gpsd:{host}:{port}", clock)
        self.host = host
        self.port = port
        self.continuity = Continuity()
        self._hdop: float | None = None
        self._used: int | None = None
        self._last_nofix = -math.inf

    async def _run(self) -> None:
        delay = RETRY_MIN_S
        down = False  # a GPS_LOST was reported and not yet followed by GPS_BACK
        while True:
            try:
                reader, writer = await asyncio.wait_for(
                    asyncio.open_connection(self.host, self.port, limit=GPSD_LINE_LIMIT), 5.0)
            except (OSError, TimeoutError) as exc:
                if not down:
                    down = True
                    self._event(SourceEventKind.GPS_LOST,
                                f"cannot reach gpsd at {self.host}:{self.port}: {exc}")
                await asyncio.sleep(delay)
                delay = min(delay * 2, RETRY_MAX_S)
                continue
            delay = RETRY_MIN_S
            if down:
                down = False
                self._event(SourceEventKind.GPS_BACK, f"connected to gpsd at {self.host}:{self.port}")
            try:
                writer.write(GPSD_WATCH)
                await writer.drain()
                while line := await reader.readline():
                    self._message(line)
            except (OSError, ValueError):
                pass
            finally:
                writer.close()
                with contextlib.suppress(OSError):
                    await writer.wait_closed()
            down = True
            self._event(SourceEventKind.GPS_LOST, f"gpsd at {self.host}:{self.port} closed the connection")
            await asyncio.sleep(delay)

    def _message(self, line: bytes) -> None:
        try:
            msg = json.loads(line)
        except ValueError:
            self.rejected["garbage"] += 1
            return
        if not isinstance(msg, dict):
            return
        kind = msg.get("class")
        if kind == "SKY":
            hdop = _finite(msg.get("hdop"))
            if hdop is not None:
                self._hdop = hdop
            sats = msg.get("satellites")
            if isinstance(sats, list):
                self._used = sum(1 for s in sats if isinstance(s, dict) and s.get("used"))
        elif kind == "TPV":
            self._tpv(msg)

    def _tpv(self, msg: dict[str, Any]) -> None:
        received = self.clock.system_time()
        t: float | None = None
        text = msg.get("time")
        if isinstance(text, str):
            from trackerscan.timeutil import parse_iso

            with contextlib.suppress(ValueError):
                t = parse_iso(text)
        mode = msg.get("mode")
        lat, lon = _finite(msg.get("lat")), _finite(msg.get("lon"))
        if mode in (2, 3) and lat is not None and lon is not None and -90 <= lat <= 90 and -180 <= lon <= 180:
            if lat == 0.0 and lon == 0.0:
                self.rejected["zero_position"] += 1
                return
            if t is None:
                t = self.clock.now()
            else:
                event = self.clock.observe(t, received, self.name)
                if event is not None:
                    self._put(event)
            alt = _finite(msg.get("altMSL", msg.get("alt"))) if mode == 3 else None
            eph = _finite(msg.get("eph"))
            hdop = self._hdop
            fix = Fix(
                t, lat, lon, alt, _finite(msg.get("speed")), _finite(msg.get("track")), hdop,
                hdop * UERE_M if hdop is not None else eph, FixMode(mode), self._used, self.name,
            )
            reason = self.continuity.check(fix)
            if reason is None:
                self._put(fix)
            elif reason != "repeated_time":  # gpsd reports a cycle several times: not a rejection
                self.rejected[reason] += 1
            return
        now = self.clock.now()
        if now - self._last_nofix >= NO_FIX_EVERY_S:
            self._last_nofix = now
            self._put(NoFix(t if t is not None else now, self.name, "gpsd reports no fix"))


# --- replay, fixed, none ---------------------------------------------------------------------------


class ReplaySource(GpsSource):
    """Fixes of a recorded file, in real time (speed=1), N times faster, or at once (speed=0)."""

    def __init__(self, path: Path, speed: float, clock: ClockCorrector | None = None,
                 date: Date | None = None) -> None:
        super().__init__(f"replay:{path.name}", clock)
        self.path = path
        self.speed = speed
        self._date = date
        self._records: list[Record] = []

    async def _open(self) -> None:
        loop = asyncio.get_running_loop()
        self._records, self.rejected = await loop.run_in_executor(None, read_fix_file, self.path, self._date,
                                                                    f"replay:{self.path.name}")

    async def _run(self) -> None:
        records = self._records
        start = time.monotonic()
        t0 = records[0].time if records else 0.0
        for record in records:
            if self.speed > 0:
                wait = start + (record.time - t0) / self.speed - time.monotonic()
                if wait > 0:
                    await asyncio.sleep(wait)
            else:
                await asyncio.sleep(0)
            self._put(record)
        fixes = sum(1 for r in records if isinstance(r, Fix))
        end = records[-1].time if records else self.clock.now()
        self._put(SourceEvent(end, self.name, SourceEventKind.INFO,
                              f"replay finished: {fixes} fixes; {summary(self.rejected)}"))


class FixedSource(GpsSource):
    """A position given by the user, repeated every `FIXED_EVERY_S` and stamped with the (corrected) clock."""

    def __init__(self, lat: float, lon: float, clock: ClockCorrector | None = None,
                 every_s: float = FIXED_EVERY_S) -> None:
        super().__init__("fixed", clock)
        self.lat = lat
        self.lon = lon
        self.every_s = every_s

    async def _run(self) -> None:
        while True:
            self._put(Fix(self.clock.now(), self.lat, self.lon, mode=FixMode.FIX_2D, source=self.name))
            await asyncio.sleep(self.every_s)


class NoGpsSource(GpsSource):
    """No positions: one INFO event, then nothing until closed."""

    def __init__(self, clock: ClockCorrector | None = None) -> None:
        super().__init__("none", clock)

    async def _run(self) -> None:
        self._event(SourceEventKind.INFO, "no GPS: places come from place marks")
        await asyncio.Event().wait()


# --- specs ---------------------------------------------------------------------------------------


def _bad_spec(spec: str, why: str = "") -> InputError:
    return InputError(f"'{spec}' is not a GPS source{why}: use {GPS_SPEC_FORMS}.")


def open_gps(spec: str, *, clock: ClockCorrector | None = None, date: Date | None = None) -> GpsSource:
    """A GPS source for ``spec``; `InputError` names the accepted forms when it is not one.

    ``clock`` is shared with other sources so they stamp in GPS time;
    ``date`` is for NMEA logs without dates (replay of GGA-only logs).
    A serial device that does not exist raises `SourceError` at once.
    """
    kind, _, rest = spec.strip().partition(":")
    if kind == "none" and not rest:
        return NoGpsSource(clock)
    if kind == "gpsd":
        if not rest:
            return GpsdSource(clock=clock)
        host, _, port_text = rest.rpartition(":")
        if not host or not port_text.isdigit() or not 0 < int(port_text) < 65536:
            raise _bad_spec(spec, " (give gpsd:HOST:PORT)")
        return GpsdSource(host.strip("[]"), int(port_text), clock)
    if kind == "nmea" and rest:
        path, _, baud_text = rest.partition(",")
        baud = None
        if baud_text:
            if not baud_text.strip().isdigit() or int(baud_text) <= 0:
                raise _bad_spec(spec, f" ({baud_text!r} is not a baud rate)")
            baud = int(baud_text)
        if not os.path.exists(path):
            raise _open_error(path, FileNotFoundError(errno.ENOENT, "not found"))
        return SerialNmeaSource(path, baud, clock, date)
    if kind == "replay" and rest:
        path_text, _, option = rest.partition(",")
        speed = 1.0
        if option:
            name, _, value = option.partition("=")
            try:
                speed = float(value)
            except ValueError:
                speed = -1.0
            if name.strip() != "speed" or not (speed >= 0 and math.isfinite(speed)):
                raise _bad_spec(spec, " (give speed=N, N >= 0)")
        replay_path = Path(path_text)
        if not replay_path.is_file():
            raise InputError(f"Cannot read {replay_path}: no such file.")
        return ReplaySource(replay_path, speed, clock, date)
    if kind == "fixed" and rest:
        try:
            lat_text, lon_text = rest.split(",")
            lat, lon = float(lat_text), float(lon_text)
        except ValueError:
            raise _bad_spec(spec, " (give fixed:LAT,LON in decimal degrees)") from None
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise _bad_spec(spec, " (latitude -90..90, longitude -180..180)")
        if lat == 0 and lon == 0:
            raise InputError("fixed:0,0 is not where a sweep happens: give the real latitude and longitude.")
        return FixedSource(lat, lon, clock)
    raise _bad_spec(spec)


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
