"""`trackerscan scan`: record a session live and show what is going on."""

from __future__ import annotations

import argparse
import contextlib
import errno
import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from trackerscan.cli._common import add_ble_argument, add_recording_arguments
from trackerscan.errors import InputError, SessionError
from trackerscan.model import DeviceState, Level, LevelChange
from trackerscan.safetext import printable

if TYPE_CHECKING:  # imported when the command runs, not when the parser is built
    import asyncio

    from trackerscan.live import LiveSession
    from trackerscan.status import LiveStatus

ORDER = 20

# Plain output (stdout not a terminal): a summary line this often (seconds, wall clock).
PLAIN_SUMMARY_EVERY_S = 60.0
# The live table redraws this often (per second).
LIVE_REFRESH_PER_S = 2.0
# Devices listed in the live table at most (trackers and raised levels first).
LIVE_MAX_ROWS = 12
# OSError numbers that mean the session cannot grow: disk full, file-size limit, quota.
DISK_FULL_ERRNOS = frozenset({errno.ENOSPC, errno.EFBIG, errno.EDQUOT})


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "scan",
        help="record a session: Bluetooth sightings, your track, and alerts",
        description="Scan for Bluetooth trackers and record everything in a session on this computer "
        "(nothing is sent anywhere).  Ctrl-C ends the session.",
    )
    add_ble_argument(p)
    p.add_argument("--gps", default="none", metavar="SOURCE",
                   help="GPS source: nmea:/dev/ttyACM0, gpsd, replay:FILE[,speed=N], fixed:LAT,LON or none "
                   "(default: none)")
    add_recording_arguments(p)
    p.add_argument("--duration", type=float, metavar="S", help="stop by itself after S seconds")
    p.add_argument("--plain", action="store_true", help="plain lines even on a terminal")
    p.set_defaults(func=run)


def _local(t: float) -> str:
    return datetime.fromtimestamp(t).astimezone().strftime("%H:%M:%S")


def alert_line(c: LevelChange) -> str:
    from trackerscan.engine.explain import kind_name

    word = "ALERT" if c.level is Level.ALERT else "watch"
    kind = kind_name(c.kind, "device")
    addr = ", ".join(c.addresses[:3])
    return printable(f"{_local(c.time)} {word}: {kind} {addr}: {c.explanation}")


# The GPS states of `trackerscan.status` as the summary line says them.
GPS_WORDS = {"waiting": "no fix", "nofix": "no fix", "marks": "none", "fixed": "fixed"}


def summary_line(st: LiveStatus, devices: list[DeviceState]) -> str:
    trackers = [d for d in devices if d.tracker]
    raised = [d for d in devices if d.level is not Level.NONE]
    gps = GPS_WORDS.get(st.gps_state, st.gps_state)
    if st.last_fix is not None and st.gps_state == "fix":
        gps = f"fix {st.last_fix.lat:.5f},{st.last_fix.lon:.5f}"
    if st.ble_state in ("scanning", "starting", "finished"):
        ble = "ok"
    else:
        ble = printable(f"adapter {st.ble_state}: {st.ble_detail}".rstrip(": "))
    flood = f"; {printable(st.flood)} (it cannot hide a tracker that stays with you)" if st.flood else ""
    return (f"{_local(st.last_time) if st.last_time else '--:--:--'} bluetooth {ble}; gps {gps}; "
            f"{st.sightings} sightings, {st.fixes} fixes; {len(devices)} devices, {len(trackers)} trackers, "
            f"{len(raised)} watch/alert{flood}")


def _renderable(live: LiveSession, session: Path) -> Any:
    from rich.console import Group
    from rich.table import Table
    from rich.text import Text

    from trackerscan.engine.explain import kind_name
    from trackerscan.safetext import markup

    st = live.status
    devices = live.engine.devices()
    head = Text(f"Recording {session.name}   ({summary_line(st, devices)})\n")
    table = Table(title="Trackers and devices with you", expand=True)
    for col in ("level", "kind", "address", "last heard", "RSSI", "places", "with you"):
        table.add_column(col)
    order = {Level.ALERT: 0, Level.WATCH: 1, Level.NONE: 2}
    shown = sorted((d for d in devices if d.tracker or d.level is not Level.NONE),
                   key=lambda d: (order[d.level], -d.last_seen))[:LIVE_MAX_ROWS]
    for d in shown:
        table.add_row(d.level.value.upper() if d.level is Level.ALERT else d.level.value,
                      kind_name(d.kind, "device"), markup(d.addresses[-1]) if d.addresses else "",
                      _local(d.last_seen), "" if d.rssi is None else str(d.rssi), str(d.places),
                      f"{d.duration_s / 60:.0f} min")
    alerts = Text("\n".join(alert_line(c) for c in live.changes[-5:]) or "No alerts so far.")
    return Group(head, table, alerts)


def _listen(
    loop: asyncio.AbstractEventLoop, stop: Callable[[], None], mark: Callable[[str], None], interactive: bool
) -> tuple[list[Callable[[], object]], bool]:
    """Ctrl-C and TERM stop the scan; SIGUSR1 (`trackerscan place`) and Enter mark a place.

    Returns what undoes it, and whether `trackerscan place` can reach this scan.  Windows' event
    loops take neither signal handlers nor readers, and Windows has no SIGUSR1: there Ctrl-C is
    caught with signal.signal and Enter read by a thread (chosen by what the loop refuses).
    """
    import functools
    import signal
    import threading

    undo: list[Callable[[], object]] = []
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(sig, stop)
            undo.append(functools.partial(loop.remove_signal_handler, sig))
        except NotImplementedError:
            old = signal.signal(sig, lambda _n, _f: loop.call_soon_threadsafe(stop))
            if old is not None:
                undo.append(functools.partial(signal.signal, sig, old))
    usr1 = getattr(signal, "SIGUSR1", None)
    by_signal = False
    if usr1 is not None:
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(usr1, mark, "")
            undo.append(lambda: loop.remove_signal_handler(usr1))
            by_signal = True
    if interactive:
        def on_stdin() -> None:
            line = sys.stdin.readline()
            if line:
                mark(line.strip()[:80])
            else:
                loop.remove_reader(sys.stdin.fileno())

        try:
            loop.add_reader(sys.stdin.fileno(), on_stdin)
            undo.append(lambda: loop.remove_reader(sys.stdin.fileno()))
        except NotImplementedError:
            def read_lines() -> None:  # a daemon thread, left waiting for a line when the scan ends
                with contextlib.suppress(RuntimeError, OSError, ValueError):  # the loop closed, stdin gone
                    for line in sys.stdin:
                        loop.call_soon_threadsafe(mark, line.strip()[:80])

            threading.Thread(target=read_lines, name="enter-marks-a-place", daemon=True).start()
    return undo, by_signal


async def record(args: argparse.Namespace, out: Any = None) -> int:
    """Open the sources, record until Ctrl-C / the end of a replay, print as we go."""
    import asyncio

    from trackerscan.engine.build import make_engine
    from trackerscan.live import LiveSession, LiveSettings

    out = out or sys.stdout
    plain = args.plain or not out.isatty()

    def on_change(c: LevelChange) -> None:
        if plain:
            print(alert_line(c), file=out, flush=True)

    engine = make_engine(args.sensitivity, args.known)  # the engine itself: its floods are told at the end
    # Someone watches the terminal: a session that cannot be written ends the run with one line.
    live = LiveSession(
        LiveSettings("cli", ble=args.ble, gps=args.gps or "none", sensitivity=args.sensitivity,
                     known_path=args.known, data_dir=args.data_dir, keep_hours=args.keep_hours,
                     keep_scanning_when_storage_fails=False),
        engine=engine,
        on_change=on_change,
    )
    await live.open()  # NoAdapterError surfaces here, before any session file exists
    path = live.path
    assert path is not None  # without keep_scanning_when_storage_fails, no file is an error

    def mark(label: str = "") -> None:
        m = live.mark_place(label)
        if plain and m is not None:
            where = f" ({printable(label)})" if label else ""
            print(f"{_local(m.time)} marked: somewhere else now{where}", file=out, flush=True)

    loop = asyncio.get_running_loop()
    interactive = sys.stdin is not None and sys.stdin.isatty()
    undo, by_signal = _listen(loop, live.stop, mark, interactive)
    if args.duration is not None:
        loop.call_later(args.duration, live.stop)
    print(f"Recording session {path.stem} to {path}", file=out, flush=True)
    if live.gps is None:
        how = ("press Enter" if interactive else "run `trackerscan place`" if by_signal
               else "start the scan in a terminal window and press Enter there")
        print(f"No GPS: {how} each time you are somewhere else, so places can be counted.", file=out,
              flush=True)
    try:
        if plain:
            async def periodic() -> None:
                while True:
                    await asyncio.sleep(PLAIN_SUMMARY_EVERY_S)
                    print(summary_line(live.status, engine.devices()), file=out, flush=True)

            ticker = asyncio.create_task(periodic())
            try:
                await live.run()  # closes the session and applies retention, whatever happens
            finally:
                ticker.cancel()
        else:
            from rich.live import Live

            with Live(get_renderable=lambda: _renderable(live, path),
                      refresh_per_second=LIVE_REFRESH_PER_S, transient=False):
                await live.run()
    finally:
        for step in undo:
            step()
    st = live.status
    print(summary_line(st, engine.devices()), file=out, flush=True)
    for flood in engine.floods():
        print(flood.sentence(_local), file=out, flush=True)
    raised = {c.device_id: c for c in live.changes}
    print(f"Session {path.stem} saved: {st.sightings} sightings, {st.fixes} fixes, "
          f"{sum(c.level is Level.ALERT for c in raised.values())} alert(s).  "
          f"`trackerscan report {path.stem} --out report.pdf` writes an evidence report.",
          file=out, flush=True)
    return 0


def run(args: argparse.Namespace) -> int:
    if args.duration is not None and not args.duration > 0:
        raise InputError("--duration must be a number of seconds above 0.")
    import asyncio
    import sqlite3

    try:
        return asyncio.run(record(args))
    except (OSError, sqlite3.Error) as exc:
        # The writer turns its own failures into SessionError; this catches a full disk met anywhere
        # else (a side file, a checkpoint), so it still ends in one line and exit status 2.
        if isinstance(exc, OSError) and exc.errno not in DISK_FULL_ERRNOS:
            raise
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise SessionError(f"Cannot write to the session: {reason}; what was already saved is kept.") from exc
