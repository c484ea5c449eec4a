"""`trackerscan sweep`: walk around a car, bag or room and see which trackers get stronger."""

from __future__ import annotations

import argparse
import json
import sys
import time
from typing import TYPE_CHECKING, Any, TextIO

from trackerscan.cli._common import add_ble_argument
from trackerscan.errors import InputError
from trackerscan.model import Kind, Sighting
from trackerscan.safetext import markup, printable

if TYPE_CHECKING:  # trackerscan.find (and its asyncio) is imported when the command runs
    from trackerscan.find.sweep import SweepRow, SweepState

ORDER = 55

# The live view redraws this often (per second): fast enough to follow a walk, light on a Pi.
REFRESH_PER_S = 4.0
# Plain output (not a terminal): one table this often (seconds, wall clock), and one at the end.
PLAIN_EVERY_S = 5.0
# Rows shown at most in the live table.
MAX_ROWS = 15
# Width of the hot/cold bar in --follow (characters): fits an 80-column terminal inside the panel.
FOLLOW_BAR_WIDTH = 50

# Keyed by the names of trackerscan.smoothing.Trend and Heat members.
TREND_WORDS = {"CLOSER": "getting closer", "FURTHER": "getting further", "STEADY": "steady", "UNKNOWN": ""}
SHORT_TREND = {"CLOSER": "closer", "FURTHER": "further", "STEADY": "steady", "UNKNOWN": ""}
HEAT_STYLE = {"VERY_HOT": "bold red", "HOT": "red", "WARM": "yellow", "COOL": "cyan", "COLD": "blue"}


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "sweep",
        help="hot/cold finder: which trackers are near, and are you getting closer",
        description="Show every tracker heard in the last seconds, trackers away from their owner first, "
        "with a smoothed signal strength and whether it is rising (getting closer) or falling.  Move "
        "slowly around the car, bag or room.  Nothing is recorded and nothing is sent to the trackers.",
    )
    add_ble_argument(p)
    p.add_argument("--follow", metavar="ADDRESS", help="show only this device, with a large hot/cold readout")
    p.add_argument("--all", action="store_true", help="list every Bluetooth device, not only trackers")
    p.add_argument("--duration", type=float, metavar="S", help="stop by itself after S seconds")
    p.add_argument("--plain", action="store_true", help="plain text tables even on a terminal")
    p.add_argument("--json", action="store_true", help="at the end, print the rows as JSON lines")
    p.set_defaults(func=run)


def _kind(row: SweepRow) -> str:
    return row.kind.value if row.kind else ("tracker" if row.tracker else "device")


def _state(row: SweepRow) -> str:
    return {True: "away from owner", False: "near owner", None: "unknown"}[row.separated]


def _ring(row: SweepRow) -> str:
    if row.can_ring:
        return "yes"
    if row.kind in (Kind.TILE, Kind.SMARTTAG, Kind.CHIPOLO):
        return "owner only"
    return "no"


def _dbm(v: float | None) -> str:
    return "–" if v is None else f"{v:.0f}"


def plain_table(rows: list[SweepRow]) -> str:
    """The sweep as fixed-width text (logs, pipes, screen readers)."""
    if not rows:
        return "No trackers heard in the last seconds."
    head = f"{'address':17}  {'kind':17}  {'state':15}  {'signal':>6}  {'trend':15}  {'heard':>6}  ring"
    lines = [head]
    for r in rows:
        trend = f"{r.trend.arrow} {TREND_WORDS[r.trend.name]}".rstrip()
        lines.append(f"{printable(r.address):17}  {_kind(r):17}  {_state(r):15}  {_dbm(r.rssi_smoothed):>6}  "
                     f"{trend:15}  {r.seconds_ago:5.0f}s  {_ring(r)}")
    return "\n".join(lines)


def plain_follow(row: SweepRow | None, address: str) -> str:
    if row is None:
        return f"{printable(address)}: not heard yet."
    heat = row.heat.value.upper() if row.heat else "NO SIGNAL"
    bar = "#" * ((row.gauge or 0) // 5)
    return (f"{printable(row.address)} {_kind(row)}: {heat}  [{bar:20}] {_dbm(row.rssi_smoothed)} dBm  "
            f"{row.trend.arrow} {TREND_WORDS[row.trend.name] or 'measuring'}  "
            f"heard {row.seconds_ago:.0f} s ago")


def _table(rows: list[SweepRow], title: str) -> Any:
    from rich import box
    from rich.table import Table
    from rich.text import Text

    table = Table(title=title, expand=True, box=box.SIMPLE_HEAD)
    table.add_column("address", no_wrap=True)
    table.add_column("kind", min_width=7, overflow="fold")  # may wrap on a narrow terminal
    table.add_column("state", min_width=9)
    table.add_column("dBm", justify="right", no_wrap=True)
    table.add_column("trend", no_wrap=True)
    table.add_column("heard", justify="right", no_wrap=True)
    table.add_column("can ring", no_wrap=True)
    for r in rows[:MAX_ROWS]:
        signal_text = Text(_dbm(r.rssi_smoothed), style=HEAT_STYLE[r.heat.name] if r.heat else "")
        trend = f"{r.trend.arrow} {SHORT_TREND[r.trend.name]}"
        table.add_row(markup(r.address), _kind(r), _state(r), signal_text, trend, f"{r.seconds_ago:.0f} s",
                      _ring(r))
    return table


def _follow_panel(row: SweepRow | None, address: str) -> Any:
    from rich.align import Align
    from rich.console import Group
    from rich.panel import Panel
    from rich.text import Text

    if row is None:
        return Panel(Text(f"Waiting to hear {printable(address)}…", justify="center"), title="follow")
    word = row.heat.value.upper() if row.heat else "NO SIGNAL"
    style = HEAT_STYLE[row.heat.name] if row.heat else ""
    filled = (row.gauge or 0) * FOLLOW_BAR_WIDTH // 100
    bar = Text("\n".join(["█" * filled + "░" * (FOLLOW_BAR_WIDTH - filled)] * 3), style=style)
    big = Text(" ".join(word), style=f"bold {style}")  # spaced capitals: the largest a terminal offers
    trend = TREND_WORDS[row.trend.name] or "measuring…"
    lines = Text(
        f"{row.trend.arrow}  {trend}\n{_dbm(row.rssi_smoothed)} dBm smoothed (last {row.rssi} dBm), "
        f"heard {row.seconds_ago:.0f} s ago\n{_kind(row)}, {_state(row)}, can ring: {_ring(row)}",
        justify="center",
    )
    body = Group(Text(""), Align.center(big), Text(""), Align.center(bar), Text(""), Align.center(lines))
    return Panel(body, title=f"follow {markup(row.address)}", padding=(1, 2))


class SweepView:
    """Feeds the state from a source and draws it."""

    def __init__(self, state: SweepState, replay: bool) -> None:
        self.state = state
        import asyncio

        self.replay = replay
        self.stopped = asyncio.Event()

    def now(self) -> float:
        # A replay's clock is its own: the newest sighting.  Live: the wall clock (so rows age out).
        return self.state.latest if self.replay else time.time()

    def rows(self) -> list[SweepRow]:
        return self.state.rows(self.now())

    def renderable(self) -> Any:
        if self.state.follow:
            return _follow_panel(self.state.row(self.state.follow, self.now()), self.state.follow)
        return _table(self.rows(), "Trackers heard now: move slowly; ↑ closer = signal rising")

    def text(self) -> str:
        if self.state.follow:
            return plain_follow(self.state.row(self.state.follow, self.now()), self.state.follow)
        return plain_table(self.rows())

    async def feed(self, source: Any) -> None:
        async for event in source:
            if isinstance(event, Sighting):
                self.state.add(event)
            if self.stopped.is_set():
                break


async def sweep_command(args: argparse.Namespace, out: TextIO) -> int:
    import asyncio
    import contextlib
    import signal

    from trackerscan.find.ring import normalise_address
    from trackerscan.find.sweep import SweepState
    from trackerscan.sources import open_ble

    follow = normalise_address(args.follow) if args.follow else None
    if args.duration is not None and not args.duration > 0:
        raise InputError("--duration must be a number of seconds above 0.")
    source = open_ble(args.ble)
    await source.start()
    view = SweepView(SweepState(trackers_only=not args.all, follow=follow),
                     replay=args.ble.strip().startswith("replay"))
    loop = asyncio.get_running_loop()
    feeder = asyncio.create_task(view.feed(source))
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, feeder.cancel)
    if args.duration is not None:
        loop.call_later(args.duration, feeder.cancel)
    plain = args.plain or args.json or not out.isatty()
    try:
        if plain:
            async def periodic() -> None:
                while True:
                    await asyncio.sleep(PLAIN_EVERY_S)
                    print(view.text() + "\n", file=out, flush=True)

            ticker = asyncio.create_task(periodic()) if not args.json else None
            try:
                with contextlib.suppress(asyncio.CancelledError):
                    await feeder
            finally:
                if ticker is not None:
                    ticker.cancel()
        else:
            from rich.console import Console
            from rich.live import Live

            live = Live(get_renderable=view.renderable, console=Console(file=out),
                        refresh_per_second=REFRESH_PER_S, screen=False)
            with live, contextlib.suppress(asyncio.CancelledError):
                await feeder
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)
        feeder.cancel()
        await source.aclose()
    if args.json:
        rows = ([r] if (r := view.state.row(follow, view.now())) else []) if follow else view.rows()
        for r in rows:
            print(json.dumps(r.to_json()), file=out)
    elif plain:
        print(view.text(), file=out, flush=True)
    return 0


def run(args: argparse.Namespace) -> int:
    import asyncio

    return asyncio.run(sweep_command(args, sys.stdout))
