"""replay:, fixed:, none, the clock corrector and the serial-port listing."""

import asyncio
import contextlib
import time
from datetime import UTC, datetime

import pytest
from gps_helpers import GPX, NMEA
from serial.tools.list_ports_common import ListPortInfo

from trackerscan.errors import InputError
from trackerscan.formats.nmea import read_nmea
from trackerscan.model import Fix, NoFix, SourceEvent, SourceEventKind
from trackerscan.release import RELEASE_DATE
from trackerscan.sources.gps import open_gps
from trackerscan.sources.gps.clock import ClockCorrector
from trackerscan.sources.gps.serial_nmea import describe_gps_port, list_serial_gps


async def drain(source, limit=10_000, timeout=30.0):
    events = []

    async def run():
        async for event in source:
            events.append(event)
            if len(events) >= limit:
                return

    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(run(), timeout)
    await source.aclose()
    return events


async def test_replay_nmea_as_fast_as_possible():
    events = await drain(open_gps(f"replay:{NMEA / 'haicom-305N.log'},speed=0"))
    with (NMEA / "haicom-305N.log").open("rb") as f:
        want = read_nmea(f)[0]
    want = [f._replace(source="replay:haicom-305N.log") for f in want]
    assert [e for e in events if isinstance(e, Fix)] == want
    assert sum(isinstance(e, NoFix) for e in events) == 7
    assert events[-1].kind is SourceEventKind.INFO and "67 fixes" in events[-1].detail


async def test_replay_paces_by_speed():
    # ublox-lea-4h.log spans 03:08:51 (first no-fix) .. 03:15:18 = 387 s of GPS time
    start = time.monotonic()
    events = await drain(open_gps(f"replay:{NMEA / 'ublox-lea-4h.log'},speed=200"))
    elapsed = time.monotonic() - start
    fixes = [e for e in events if isinstance(e, Fix)]
    assert len(fixes) == 9
    span = events[-2].time - events[0].time
    assert span / 200 - 0.05 <= elapsed <= span / 200 + 2.0


async def test_replay_gpx_points_without_times_are_skipped():
    events = await drain(open_gps(f"replay:{GPX / 'korita-zbevnica.gpx'},speed=0"))
    assert sum(isinstance(e, Fix) for e in events) == 513
    assert "358 positions without a time" in events[-1].detail


async def test_fixed_position_stamped_with_corrected_clock():
    clock = ClockCorrector()
    clock.observe(time.time() + 3600, time.time(), "test")  # GPS said the clock is an hour slow
    source = open_gps("fixed:48.1,8.2", clock=clock)
    events = await drain(source, limit=2, timeout=5)
    assert [(e.lat, e.lon) for e in events] == [(48.1, 8.2), (48.1, 8.2)]
    assert abs(events[0].time - (time.time() + 3600)) < 5
    assert 0.8 < events[1].time - events[0].time < 1.5


async def test_none_yields_one_info_then_waits():
    events = await drain(open_gps("none"), timeout=1.0)
    assert len(events) == 1 and isinstance(events[0], SourceEvent) and events[0].kind is SourceEventKind.INFO


def test_clock_corrector():
    start = datetime(2027, 1, 10, tzinfo=UTC).timestamp()  # a system clock set right, after the release
    now = [start]
    clock = ClockCorrector(clock=lambda: now[0])
    assert clock.observe(start + 1.5, now[0], "gps") is None  # within 2 s: latency, not a clock error
    assert clock.offset_s == 0 and clock.now() == now[0]
    event = clock.observe(start + 3600, now[0], "gps")  # an hour: adopted at once
    assert event.kind is SourceEventKind.CLOCK_OFFSET and event.value == 3600
    assert clock.correct(now[0]) == now[0] + 3600 == clock.now()
    assert clock.observe(start + 3601.0, now[0], "gps") is None  # same offset: no new event
    event = clock.observe(now[0] + 0.5, now[0], "gps")  # someone set the clock right
    assert event.value == 0.0 and clock.offset_s == 0.0


def test_clock_corrector_on_a_pi_booted_at_its_last_shutdown():
    """A GPS time more than a day ahead needs two GPS epochs in a row that agree; one before the release is
    never adopted (a week-rollover victim), and that is said once."""
    gps = datetime(2027, 1, 10, tzinfo=UTC).timestamp()
    now = [gps - 86400 * 30]  # the clock stopped a month ago
    clock = ClockCorrector(clock=lambda: now[0])
    assert clock.observe(gps, now[0], "gps") is None and clock.offset_s == 0  # one epoch: not yet
    now[0] += 1.0
    assert clock.observe(gps + 86400 * 365, now[0], "gps") is None  # a corrupt date disagrees: not yet
    now[0] += 1.0
    assert clock.observe(gps + 2.0, now[0], "gps") is None  # agrees with the first, not with the last
    now[0] += 1.0
    event = clock.observe(gps + 3.0, now[0], "gps")  # two in a row
    assert event.value == 86400 * 30 and clock.offset_s == 86400 * 30 and "2 GPS epochs agree" in event.detail
    early = datetime(2007, 3, 1, tzinfo=UTC).timestamp()  # a receiver after a week rollover
    late = ClockCorrector(clock=lambda: early - 86400 * 400)
    event = late.observe(early, early - 86400 * 400, "gps")
    assert event.value is None and f"before this trackerscan's release ({RELEASE_DATE})" in event.detail
    assert late.observe(early + 1, early - 86400 * 400 + 1, "gps") is None and late.offset_s == 0.0


def port(device, vid=None, description="n/a", manufacturer=None, product=None):
    info = ListPortInfo(device, skip_link_detection=True)
    info.vid, info.description, info.manufacturer, info.product = vid, description, manufacturer, product
    return info


@pytest.mark.parametrize("info,rank", [
    (port("/dev/ttyACM0", 0x1546, "u-blox 7 - GPS/GNSS Receiver", "u-blox AG"), 0),
    (port("/dev/ttyUSB0", 0x067B, "USB-Serial Controller", "Prolific Technology Inc."), 1),
    (port("/dev/ttyUSB1", 0x10C4, "CP2102 USB to UART Bridge Controller"), 1),
    (port("/dev/ttyACM1", 0x2341, "Arduino Uno"), 2),
    (port("/dev/ttyS0"), None),
    (port("/dev/ttyAMA0", None, "SiRF Star IV"), 0),
])
def test_gps_looking_ports(info, rank):
    described = describe_gps_port(info)
    assert (described[0] if described else None) == rank
    if described:
        assert described[1]


def test_list_serial_gps_runs_on_this_machine():
    found = list_serial_gps()
    assert all(isinstance(d, str) and isinstance(t, str) and t for d, t in found)
    assert not any(d.startswith("/dev/ttyS") and "n/a" in t for d, t in found)


async def test_replay_of_an_unreadable_file_fails_at_start(tmp_path):
    from trackerscan.errors import InputError

    path = tmp_path / "broken.gpx"
    path.write_bytes(b"<?xml version='1.0'?><gpx><trk")
    source = open_gps(f"replay:{path}")
    with pytest.raises(InputError, match="not a GPX file"):
        await source.start()
    assert await drain(source, timeout=1) == []


async def test_reexported_from_trackerscan_sources():
    from trackerscan.sources import open_gps as reexported
    from trackerscan.sources.gps.base import GpsSource

    source = reexported(f"replay:{NMEA / 'tcp-test.log'},speed=0")
    assert isinstance(source, GpsSource)
    await source.start()  # the CLI, GUI and Pi runner await start() before reading
    events = await drain(source)
    assert sum(isinstance(e, Fix) for e in events) == 1


async def test_sources_open_gps_passes_the_clock_through():
    from trackerscan import sources

    clock = ClockCorrector()
    clock.observe(time.time() - 7200, time.time(), "test")  # GPS said the clock is two hours fast
    events = await drain(sources.open_gps("fixed:48.1,8.2", clock=clock), limit=1, timeout=5)
    assert abs(events[0].time - (time.time() - 7200)) < 5


@pytest.mark.parametrize(
    ("spec", "why"),
    [
        ("gpsd:localhost:²", "(give gpsd:HOST:PORT)"),  # str.isdigit takes '²'; int() raised on it
        ("gpsd:localhost:70000", "(give gpsd:HOST:PORT)"),
        ("gpsd:localhost:" + "9" * 5000, "(give gpsd:HOST:PORT)"),  # int() raised on over 4,300 digits
        ("nmea:/dev/null,²", "is not a baud rate"),
        ("nmea:/dev/null,-9600", "is not a baud rate"),
        ("nmea:/dev/null,99999999999999", "is not a baud rate"),  # OverflowError in the serial driver
        (f"replay:{NMEA / 'haicom-305N.log'},speed=1e-300", "is not a replay speed"),
        (f"replay:{NMEA / 'haicom-305N.log'},speed=nan", "is not a replay speed"),
        (f"replay:{NMEA / 'haicom-305N.log'},pace=2", "(give speed=N, N >= 0)"),
    ],
)
def test_a_bad_port_baud_rate_or_speed_is_one_sentence(spec, why):
    with pytest.raises(InputError) as err:
        open_gps(spec)
    assert why in str(err.value) and "\n" not in str(err.value)
