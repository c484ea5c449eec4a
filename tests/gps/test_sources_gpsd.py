"""The gpsd client against a real gpsd (Debian's 3.22) reading NMEA from a pty."""

import os
import threading
import time
from datetime import UTC, datetime

import pynmea2
from gps_helpers import NMEA, collect, fixes_in, kinds, log_lines

from trackerscan.formats.nmea import read_nmea
from trackerscan.model import FixMode, SourceEventKind
from trackerscan.sources.gps import open_gps
from trackerscan.sources.gps.gpsd import GpsdSource


def tod(t):
    d = datetime.fromtimestamp(t, UTC)
    return round(d.hour * 3600 + d.minute * 60 + d.second + d.microsecond / 1e6, 2)


async def test_ublox_log_through_gpsd(pty, gpsd):
    # gpsd's own test harness paces logs; 50 ms a line lets it sync (reference/testing-real-components.md §3)
    pty.write_lines(log_lines("ublox-lea-4h.log"), pace_s=0.05, delay_s=0.5)
    source = open_gps(f"gpsd:127.0.0.1:{gpsd.port}")
    assert isinstance(source, GpsdSource)
    events = await collect(source, lambda ev: tod(fixes_in(ev)[-1].time) >= 11718 if fixes_in(ev) else False)
    await source.aclose()
    got = fixes_in(events)
    with (NMEA / "ublox-lea-4h.log").open("rb") as f:
        ours = {tod(x.time): x for x in read_nmea(f)[0]}
    assert len(got) >= 7  # gpsd may swallow the first cycle while it syncs
    for fix in got:
        mine = ours[tod(fix.time)]  # gpsd moves 2006 dates on by 1024 weeks: compare times of day
        assert abs(fix.lat - mine.lat) < 1e-6 and abs(fix.lon - mine.lon) < 1e-6
        assert fix.mode is FixMode.FIX_3D and fix.alt == mine.alt
        assert abs(fix.speed_mps - mine.speed_mps) < 0.01
    assert (datetime.fromtimestamp(got[0].time, UTC).date() - datetime(2006, 8, 10).date()).days == 7168
    assert SourceEventKind.CLOCK_OFFSET in kinds(events)


class Feeder:
    """An endless receiver: RMC + GGA + GSA every 0.1 s, GPS time going up 1 s each (rendered by pynmea2)."""

    def __init__(self, pty):
        self.pty = pty
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)

    def run(self):
        i = 0
        while not self.stop.is_set():
            t = time.gmtime(1748779200 + i)  # 2025-06-01T12:00:00Z onwards
            hms, dmy = time.strftime("%H%M%S.00", t), time.strftime("%d%m%y", t)
            lat = f"4807.{i % 1000:03d}"
            for msg in (
                pynmea2.RMC("GP", "RMC", (hms, "A", lat, "N", "01131.000", "E", "0.5", "90.0", dmy, "", "",
                                          "A")),
                pynmea2.GGA("GP", "GGA", (hms, lat, "N", "01131.000", "E", "1", "08", "0.9", "545.4", "M",
                                          "46.9", "M", "", "")),
                pynmea2.GSA("GP", "GSA", ("A", "3", "04", "05", "09", "12", "", "", "", "", "", "", "", "",
                                          "1.5", "0.9", "1.2")),
            ):
                try:
                    os.write(self.pty.master, (str(msg) + "\r\n").encode())
                except OSError:
                    return
            i += 1
            time.sleep(0.1)


async def test_reconnects_when_gpsd_restarts(pty, gpsd):
    feeder = Feeder(pty)
    feeder.thread.start()
    source = open_gps(f"gpsd:127.0.0.1:{gpsd.port}")
    try:
        events = await collect(source, lambda ev: len(fixes_in(ev)) >= 3)
        before = fixes_in(events)
        assert len(before) >= 3
        gpsd.stop()  # killed
        events = await collect(source, lambda ev: SourceEventKind.GPS_LOST in kinds(ev), timeout=10)
        assert SourceEventKind.GPS_LOST in kinds(events)
        gpsd.start()  # restarted on the same port
        events = await collect(source, lambda ev: len(fixes_in(ev)) >= 3)
        assert SourceEventKind.GPS_BACK in kinds(events)
        after = fixes_in(events)
        assert len(after) >= 3 and after[0].time > before[-1].time
        assert all(abs(f.lon - (11 + 31 / 60)) < 1e-9 for f in before + after)
    finally:
        feeder.stop.set()
        await source.aclose()
        feeder.thread.join(timeout=5)


async def test_gpsd_not_running_is_an_event_not_a_crash():
    from gps_helpers import free_port

    source = open_gps(f"gpsd:127.0.0.1:{free_port()}")
    events = await collect(source, lambda ev: bool(ev), timeout=5)
    await source.aclose()
    assert kinds(events) == [SourceEventKind.GPS_LOST]
    assert "cannot reach gpsd" in events[0].detail


async def test_a_hostile_gpsd_peer_costs_its_lines_and_nothing_else():
    """gpsd:HOST:PORT may be any host: lines crafted to break a JSON reader are counted and skipped, and
    the fix after them still arrives.  A deep nesting raised RecursionError and a 400-digit number
    OverflowError, both out of the source's task, which then ended."""
    import asyncio
    import json

    from gps_helpers import free_port

    from trackerscan.model import Fix

    good = {"class": "TPV", "mode": 2, "time": "2026-05-04T08:00:00.000Z", "lat": 51.5, "lon": -0.12}
    hostile = [
        b"[" * 100_000 + b"\n",  # deeper than Python's recursion limit
        b'{"class": "TPV", "mode": 2, "lat": ' + b"9" * 400 + b', "lon": 1.0}\n',
        b'{"class": "SKY", "hdop": ' + b"9" * 400 + b', "satellites": 7}\n',
        b'{"class": "TPV", "mode": 3, "lat": 51.5, "lon": -0.12, "time": ["x"], "alt": {"a": 1}}\n',
        b'"just a string"\n',
        b"\xff\xfe not text\n",
    ]

    async def peer(reader, writer):
        await reader.readline()  # ?WATCH
        for line in hostile:
            writer.write(line)
        writer.write(json.dumps(good).encode() + b"\n")
        await writer.drain()
        await asyncio.sleep(30)

    port = free_port()
    server = await asyncio.start_server(peer, "127.0.0.1", port)
    try:
        source = GpsdSource("127.0.0.1", port)
        events = await collect(source, lambda evs: any(isinstance(e, Fix) for e in evs), timeout=20)
        await source.aclose()
    finally:
        server.close()
        await server.wait_closed()
    fixes = [e for e in events if isinstance(e, Fix)]
    assert [(f.lat, f.lon) for f in fixes] == [(51.5, -0.12)], events
    assert source.rejected["garbage"] == 3  # the nesting, the string and the bytes that are not text
