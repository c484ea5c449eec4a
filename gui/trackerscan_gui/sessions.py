"""Where the window's events come from: live sources through the pipeline, the demo, or a recording.

Each function here starts work on a `Runner` and returns at once; the window reads the results
from the runner's snapshots.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Callable, Iterable
from pathlib import Path

from trackerscan import __version__
from trackerscan.engine import Engine, Home, KnownDevices
from trackerscan.engine.build import make_engine as make_core_engine
from trackerscan.errors import InputError, TrackerscanError
from trackerscan.model import Event, Fix
from trackerscan.status import initial_gps_state

from . import wording
from .runner import Runner, Status
from .settings import Settings

YIELD_EVERY = 500  # events fed between yields to the worker's loop, so stopping stays quick


def make_engine(settings: Settings, extra_known: Iterable[str] = ()) -> Engine:
    """The engine for the user's settings: sensitivity, their known devices and home places.

    ``extra_known``: more known-device lines (the demo user's own watch)."""
    extra = KnownDevices.from_lines(extra_known)
    addresses = frozenset(a.upper() for k in settings.known for a in k.addresses) | extra.addresses
    identifiers = frozenset(i.lower() for k in settings.known for i in k.identifiers) | extra.identifiers
    homes = [Home(h.lat, h.lon, h.radius_m, h.label) for h in settings.homes]
    return make_core_engine(settings.sensitivity, known=KnownDevices(addresses, identifiers), homes=homes)


async def events_of(items: Iterable[Event] | Callable[[], Iterable[Event]]) -> AsyncGenerator[Event, None]:
    """A plain iterable as a source, yielding to the loop now and then.

    A callable is called in the worker thread first (a session file must be read in the thread
    that opened it).
    """
    if callable(items):
        items = items()
    for n, event in enumerate(items, 1):
        yield event
        if n % YIELD_EVERY == 0:
            await asyncio.sleep(0)


def start_live(settings: Settings, data_dir: str | None = None) -> Runner:
    """Scan with the configured sources and record a session (`trackerscan.live.LiveSession`, as
    ``trackerscan scan`` and the kit do); a missing adapter is shown, not raised."""
    gps_spec = settings.gps_source.strip() or "none"
    runner = Runner(
        make_engine(settings),
        Status(ble_name=settings.ble_source, ble_state="starting", gps_name=gps_spec,
               gps_state=initial_gps_state(gps_spec)),
    )
    runner.tracks_status = False  # the live session keeps the status, from its pipeline
    runner.spawn(_live(runner, settings, gps_spec, data_dir))
    return runner


async def _live(runner: Runner, settings: Settings, gps_spec: str, data_dir: str | None) -> None:
    from trackerscan.live import LiveSession, LiveSettings

    said: list[str] = []  # what was said about the storage, taken back once recording resumes

    def recording(path: Path | None, reason: str) -> None:
        if path is None:  # a full disk ends the record, not the protection: the scan and its alerts go on
            name = f" {live.path.stem}" if live.path is not None else ""
            said.append(f"Cannot write to the session{name} ({reason}). {wording.NOT_RECORDING}")
            runner.problem("session", said[-1])
        elif said:  # recording again, in a new session: the status line says where
            runner.set_status(problems=tuple(p for p in runner.status.problems if p not in said))
            said.clear()

    try:
        live = LiveSession(
            LiveSettings("gui", ble=settings.ble_source, gps=gps_spec, sensitivity=settings.sensitivity,
                         data_dir=data_dir or settings.session_dir or None, gps_optional=True),
            engine=runner, tracker=runner.tracker, on_recording=recording,
        )
        await live.open()
    except TrackerscanError as exc:
        runner.problem("ble", str(exc))
        return
    except Exception as exc:  # an adapter that fails in an unexpected way still leaves the window usable
        runner.problem("ble", f"The Bluetooth adapter could not be opened ({exc}).")
        return
    for problem in live.status.problems:  # a GPS that could not be opened: scanning goes on without it
        runner.errors.append(problem)
    runner.on_stop(live.stop, live.mark_place)
    runner.ble_source = live.ble
    try:
        await live.run()  # closes the session and applies retention, as every front end does
    except TrackerscanError as exc:
        runner.problem("ble", str(exc))
    finally:
        runner.ble_source = None
        runner.publish()


def start_review(settings: Settings, path: Path) -> Runner:
    """Replay a recorded session or btsnoop capture into a fresh engine, as fast as possible."""
    from trackerscan.formats.session import check_session_file, read_events
    from trackerscan.sources.ble_replay import read_recording

    head = _head(path)
    if head.startswith(b"SQLite format 3"):
        check_session_file(path)  # a damaged file is reported here, at once
        events: Callable[[], Iterable[Event]] = lambda: read_events(path)  # noqa: E731
    else:
        events = lambda: read_recording(path)  # noqa: E731
    runner = Runner(
        make_engine(settings),
        Status(ble_name=path.name, ble_state="review", gps_name="recording", gps_state="none"),
    )
    runner.add_source(events_of(events), "review")
    return runner


def import_capture(capture: Path, gps_file: Path | None, data_dir: str | None) -> Path:
    """Merge a btsnoop capture and its NMEA or GPX track (in time order) into a new session file.

    The session is kept with the user's other sessions (0600), so it can be reviewed and reported
    like any recording; the files imported are left as they are.
    """
    from trackerscan.sessions import paths
    from trackerscan.sessions.writer import SessionWriter
    from trackerscan.sources.ble_replay import read_recording

    ble_events = list(read_recording(capture))
    if not ble_events:
        raise InputError(f"{capture} holds no Bluetooth advertisements.")
    fixes = read_gps_file(gps_file) if gps_file is not None else []
    merged: list[Event] = sorted([*ble_events, *fixes], key=lambda e: e.time)
    meta = {
        "tool_version": __version__,
        "ble": f"import:{capture.name}",
        "gps": f"import:{gps_file.name}" if gps_file is not None else "none",
        "front_end": "gui",
    }
    writer = SessionWriter.create(paths.sessions_dir(data_dir, create=True), merged[0].time, meta)
    try:
        for event in merged:
            writer.add(event)
        writer.flush()
    finally:
        writer.close(merged[-1].time, {})
    return writer.path


def read_gps_file(path: Path) -> list[Fix]:
    """Fixes from an NMEA log or a GPX file (told apart by their first bytes)."""
    from trackerscan.formats.fixfile import read_fixes

    _head(path)  # a missing or unreadable file is said in words first
    fixes, _rejected = read_fixes(path)
    if not fixes:
        raise InputError(f"{path} holds no usable GPS positions.")
    return fixes


def _head(path: Path) -> bytes:
    try:
        with path.open("rb") as f:
            return f.read(64)
    except FileNotFoundError:
        raise InputError(f"The file {path} does not exist.") from None
    except OSError as exc:
        raise InputError(f"The file {path} cannot be read ({exc.strerror or exc}).") from None
