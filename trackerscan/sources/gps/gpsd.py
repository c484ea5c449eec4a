"""A client of gpsd's JSON protocol on localhost (the only network the program talks to)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
from typing import Any

from trackerscan.formats.nmea import Continuity
from trackerscan.geo import UERE_M
from trackerscan.model import Fix, FixMode, NoFix, SourceEventKind
from trackerscan.sources.gps.base import NO_FIX_EVERY_S, RETRY_MAX_S, RETRY_MIN_S, GpsSource
from trackerscan.sources.gps.clock import ClockCorrector

GPSD_HOST, GPSD_PORT = "127.0.0.1", 2947
GPSD_WATCH = b'?WATCH={"enable":true,"json":true}\n'
GPSD_LINE_LIMIT = 1 << 20  # bytes; SKY reports with many satellites are long


def _finite(value: object) -> float | None:
    """A JSON number as a finite float, else None (a bool, a string, NaN, an integer too big for a float)."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        try:
            number = float(value)
        except OverflowError:
            return None
        if math.isfinite(number):
            return number
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
        except (ValueError, RecursionError):  # RecursionError: nesting deeper than Python's stack
            self.rejected["garbage"] += 1
            return
        if not isinstance(msg, dict):  # gpsd sends objects only
            self.rejected["garbage"] += 1
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
