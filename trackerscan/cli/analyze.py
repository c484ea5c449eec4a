"""`trackerscan analyze`: look for devices that travelled with you in a capture or recorded sessions."""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING

from trackerscan.engine.thresholds import SENSITIVITY  # the presets, named once
from trackerscan.errors import InputError
from trackerscan.model import Level
from trackerscan.timeutil import iso_utc

if TYPE_CHECKING:  # the engine is imported when the command runs, not when the parser is built
    from trackerscan.analysis import Analysis
    from trackerscan.engine import Home

ORDER = 40
PROGRESS_MIN_BYTES = 8 << 20  # show a progress bar for captures of 8 MB and more (about 150 000 reports)


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "analyze",
        help="look for devices that travelled with you in a Bluetooth capture or recorded sessions",
        description="Analyse a btsnoop HCI log (Android's HCI snoop log or `btmon -w`) with an optional GPS "
        "log (NMEA or GPX), and/or recorded sessions (paths or names), as one history.  Prints the "
        "devices that reached `watch` or `alert`, with the reasons.",
    )
    p.add_argument("sessions", nargs="*", metavar="SESSION",
                   help="recorded sessions (paths, names or 'latest')")
    p.add_argument("--ble", action="append", default=[], metavar="FILE",
                   help="a btsnoop HCI log (repeat for several)")
    p.add_argument("--gps", metavar="FILE", help="an NMEA log or GPX track of where you were")
    p.add_argument("--known", metavar="FILE", help="a list of your own devices (addresses), never reported")
    p.add_argument("--home", action="append", default=[], metavar="LAT,LON[,RADIUS_M]",
                   help="a place where devices are expected (your home); not counted as a place "
                   "they followed you to")
    p.add_argument("--sensitivity", choices=list(SENSITIVITY), default="medium",
                   help="how much evidence is needed before a level is raised (default: medium)")
    p.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
    p.set_defaults(func=run)


def _home(text: str) -> Home:
    from trackerscan.engine import Home

    parts = text.split(",")
    try:
        values = [float(x) for x in parts]
    except ValueError:
        values = []
    if len(values) not in (2, 3) or not (-90 <= values[0] <= 90 and -180 <= values[1] <= 180):
        raise InputError(f"--home {text!r} is not LAT,LON or LAT,LON,RADIUS_M in degrees and metres.")
    return Home(values[0], values[1], values[2] if len(values) == 3 else 100.0, "home")


def run(args: argparse.Namespace) -> int:
    from trackerscan.analysis import analyze
    from trackerscan.safetext import printable

    homes = [_home(h) for h in args.home]
    progress = None
    bar = None
    if sys.stderr.isatty() and args.ble:
        import os

        size = sum(os.path.getsize(p) for p in args.ble if os.path.isfile(p))
        if size >= PROGRESS_MIN_BYTES:
            from rich.console import Console
            from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

            bar = Progress(TextColumn("reading"), BarColumn(), TextColumn("{task.percentage:>3.0f}%"),
                           TimeRemainingColumn(), console=Console(stderr=True), transient=True)
            task = bar.add_task("read", total=size)

            def progress(done: int, total: int) -> None:
                bar.update(task, completed=done, total=total)

            bar.start()
    try:
        result = analyze(args.ble, args.gps, args.sessions, args.known, args.sensitivity, homes, progress)
    finally:
        if bar is not None:
            bar.stop()
    for note in result.notes:
        print(f"trackerscan: {printable(note)}", file=sys.stderr)
    if args.json:
        json.dump(result.to_json(), sys.stdout, indent=1)
        sys.stdout.write("\n")
    else:
        print_table(result)
    return 0


def print_table(result: Analysis) -> None:
    """The alerts as a readable table, each with its explanation."""
    from rich import box
    from rich.console import Console
    from rich.table import Table

    from trackerscan.engine.explain import duration_short
    from trackerscan.safetext import markup

    console = Console(highlight=False)
    st = result.stats
    span = ""
    if st.first is not None and st.last is not None:
        span = f" from {iso_utc(st.first)} to {iso_utc(st.last)}"
    console.print(
        f"Analysed {st.adverts:,} advertisements from {st.devices:,} devices{span}, "
        f"{st.fixes:,} GPS fixes, in {st.seconds:.1f} s."
    )
    if not result.alerts:
        console.print("No device was found travelling with you.")
        return
    # one row per device, at its highest level
    top: dict[str, int] = {}
    for i, c in enumerate(result.alerts):
        j = top.get(c.device_id)
        if j is None or c.level is Level.ALERT:
            top[c.device_id] = i
    table = Table(box=box.SIMPLE_HEAD, pad_edge=False, padding=(0, 1))
    table.add_column("#", justify="right", no_wrap=True)
    table.add_column("Level", no_wrap=True, min_width=5)
    table.add_column("Kind", overflow="fold", min_width=8)
    table.add_column("Address", no_wrap=True)
    table.add_column("Raised", no_wrap=True)
    table.add_column("Places", justify="right", no_wrap=True)
    table.add_column("Time", justify="right", no_wrap=True)
    rows = sorted(top.values(), key=lambda k: result.alerts[k].time)
    for n, i in enumerate(rows, 1):
        c = result.alerts[i]
        watch = next(
            (w for w in result.alerts if w.device_id == c.device_id and w.level is Level.WATCH), None
        )
        raised = iso_utc(c.time)[11:19]
        if c.level is Level.ALERT and watch is not None:
            raised = f"{iso_utc(watch.time)[11:19]} watch\n{raised} alert"
        more = f"\n(+{len(c.addresses) - 1} more)" if len(c.addresses) > 1 else ""
        table.add_row(
            str(n),
            c.level.value,
            c.kind.value if c.kind else "unknown",
            markup(c.addresses[0]) + more,
            raised,
            str(c.places),
            duration_short(c.duration_s),
        )
    console.print(table)
    for n, i in enumerate(rows, 1):
        c = result.alerts[i]
        first = iso_utc(c.first_seen)[:19].replace("T", " ")
        last = iso_utc(c.last_seen)[:19].replace("T", " ")
        console.print(f"{n}. First seen {first} UTC, last seen {last} UTC.  {markup(c.explanation)}")
        if len(c.addresses) > 1:
            console.print(f"   Addresses it used: {markup(', '.join(c.addresses))}.", soft_wrap=True)
    alerts = sum(1 for i in rows if result.alerts[i].level is Level.ALERT)
    console.print(f"{alerts} device(s) at alert, {len(rows) - alerts} at watch.")
