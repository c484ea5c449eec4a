"""`trackerscan scan`: record a session live and show what is going on."""

from __future__ import annotations

import argparse
import errno
import os
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from trackerscan import __version__
from trackerscan.cli._common import add_ble_argument, add_recording_arguments
from trackerscan.errors import InputError, SessionError
from trackerscan.model import DeviceState, Level, LevelChange
from trackerscan.safetext import printable

if TYPE_CHECKING:  # imported when the command runs, not when the parser is built
    from trackerscan.pipeline import Pipeline, PipelineStatus

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
    from trackerscan.sessions.wording import kind_name

    word = "ALERT" if c.level is Level.ALERT else "watch"
    kind = kind_name(c.kind)
    addr = ", ".join(c.addresses[:3])
    return printable(f"{_local(c.time)} {word}: {kind} {addr}: {c.explanation}")


def summary_line(st: PipelineStatus, devices: list[DeviceState]) -> str:
    trackers = [d for d in devices if d.tracker]
    raised = [d for d in devices if d.level is not Level.NONE]
    gps = st.gps_state
    if st.last_fix is not None and gps == "fix":
        gps = f"fix {st.last_fix.lat:.5f},{st.last_fix.lon:.5f}"
    ble = "ok" if st.ble_ok else printable(st.ble_note)
    return (f"{_local(st.last_time) if st.last_time else '--:--:--'} bluetooth {ble}; gps {gps}; "
            f"{st.sightings} sightings, {st.fixes} fixes; {len(devices)} devices, {len(trackers)} trackers, "
            f"{len(raised)} watch/alert")


def _renderable(pipe: Pipeline, session: Path) -> Any:
    from rich.console import Group
    from rich.table import Table
    from rich.text import Text

    from trackerscan.safetext import markup
    from trackerscan.sessions.wording import kind_name

    st = pipe.status
    devices = pipe.engine.devices()
    head = Text(f"Recording {session.name}   ({summary_line(st, devices)})\n")
    table = Table(title="Trackers and devices with you", expand=True)
    for col in ("level", "kind", "address", "last heard", "RSSI", "places", "with you"):
        table.add_column(col)
    order = {Level.ALERT: 0, Level.WATCH: 1, Level.NONE: 2}
    shown = sorted((d for d in devices if d.tracker or d.level is not Level.NONE),
                   key=lambda d: (order[d.level], -d.last_seen))[:LIVE_MAX_ROWS]
    for d in shown:
        table.add_row(d.level.value.upper() if d.level is Level.ALERT else d.level.value,
                      kind_name(d.kind), markup(d.addresses[-1]) if d.addresses else "",
                      _local(d.last_seen), "" if d.rssi is None else str(d.rssi), str(d.places),
                      f"{d.duration_s / 60:.0f} min")
    alerts = Text("\n".join(alert_line(c) for c in st.changes[-5:]) or "No alerts so far.")
    return Group(head, table, alerts)


async def record(args: argparse.Namespace, out: Any = None) -> int:
    """Open the sources, record until Ctrl-C / the end of a replay, print as we go."""
    import asyncio
    import contextlib
    import signal

    from trackerscan.pipeline import Pipeline, make_engine
    from trackerscan.sessions import paths
    from trackerscan.sessions.retention import apply_retention, keep_hours
    from trackerscan.sessions.store import SessionWriter
    from trackerscan.sources import open_ble
    from trackerscan.sources.gps import ClockCorrector, open_gps

    out = out or sys.stdout
    # A computer without a real-time clock (a Pi) may boot with a wrong clock: the GPS source measures
    # the offset and both sources stamp with the same corrected clock (trackerscan.sources.gps).
    corrector = ClockCorrector()
    ble = open_ble(args.ble, clock=corrector.now)
    await ble.start()  # NoAdapterError surfaces here, before any session file exists
    gps = None
    try:
        if args.gps and args.gps != "none":
            gps = open_gps(args.gps, clock=corrector)
            start = getattr(gps, "start", None)
            if start is not None:
                await start()
        engine = make_engine(args.sensitivity, args.known)
    except BaseException:
        await ble.aclose()
        if gps is not None:
            await gps.aclose()
        raise
    started = time.time()
    hours = keep_hours(args.keep_hours)
    writer = SessionWriter.create(
        paths.sessions_dir(args.data_dir, create=True), started,
        {"tool_version": __version__, "ble": args.ble, "gps": args.gps, "sensitivity": args.sensitivity,
         "timezone": datetime.now().astimezone().tzname() or "", "retention_hours": repr(hours),
         "pid": str(os.getpid())},
    )
    plain = args.plain or not out.isatty()

    def on_change(c: LevelChange) -> None:
        if plain:
            print(alert_line(c), file=out, flush=True)

    both_recorded = args.ble.startswith("replay:") and args.gps.startswith("replay:")
    pipe = Pipeline(ble, gps, engine, writer, ble_name=args.ble, gps_name=args.gps, on_change=on_change,
                    clock=corrector.now, merge_in_time_order=both_recorded)

    def mark(label: str = "") -> None:
        m = pipe.mark_place(label)
        if plain:
            where = f" ({printable(label)})" if label else ""
            print(f"{_local(m.time)} marked: somewhere else now{where}", file=out, flush=True)

    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, pipe.stop)
    loop.add_signal_handler(signal.SIGUSR1, mark)  # `trackerscan place`
    interactive = sys.stdin is not None and sys.stdin.isatty()
    if interactive:
        def on_stdin() -> None:
            line = sys.stdin.readline()
            if line:
                mark(line.strip()[:80])
            else:
                loop.remove_reader(sys.stdin.fileno())

        loop.add_reader(sys.stdin.fileno(), on_stdin)
    if args.duration is not None:
        loop.call_later(args.duration, pipe.stop)
    print(f"Recording session {writer.path.stem} to {writer.path}", file=out, flush=True)
    if gps is None:
        print("No GPS: " + ("press Enter" if interactive else "run `trackerscan place`")
              + " each time you are somewhere else, so places can be counted.", file=out, flush=True)
    try:
        if plain:
            async def periodic() -> None:
                while True:
                    await asyncio.sleep(PLAIN_SUMMARY_EVERY_S)
                    print(summary_line(pipe.status, engine.devices()), file=out, flush=True)

            ticker = asyncio.create_task(periodic())
            try:
                await pipe.run()
            finally:
                ticker.cancel()
        else:
            from rich.live import Live

            with Live(get_renderable=lambda: _renderable(pipe, writer.path),
                      refresh_per_second=LIVE_REFRESH_PER_S, transient=False):
                await pipe.run()
        pipe.finish()
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGUSR1):
            loop.remove_signal_handler(sig)
        if interactive:
            loop.remove_reader(sys.stdin.fileno())
        ended = time.time()
        devices = engine.devices()
        writer.close(ended, {"devices": str(len(devices))})
    with contextlib.suppress(Exception):  # retention never stops a session from being kept
        apply_retention(writer.path, ended, hours)
    print(summary_line(pipe.status, devices), file=out, flush=True)
    raised = {c.device_id: c for c in pipe.status.changes}
    print(f"Session {writer.path.stem} saved: {pipe.status.sightings} sightings, {pipe.status.fixes} fixes, "
          f"{sum(c.level is Level.ALERT for c in raised.values())} alert(s).  "
          f"`trackerscan report {writer.path.stem} --out report.pdf` writes an evidence report.",
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
