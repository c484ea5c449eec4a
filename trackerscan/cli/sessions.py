"""`trackerscan sessions`: list the recorded sessions."""

from __future__ import annotations

import argparse
import json
from datetime import datetime
from typing import TYPE_CHECKING

from trackerscan.safetext import printable

if TYPE_CHECKING:
    from trackerscan.formats.session import SessionSummary

ORDER = 30


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("sessions", help="list recorded sessions",
                       description="List the recorded sessions: start, end, duration, distance travelled, "
                       "devices and alerts.")
    p.add_argument("--json", action="store_true", help="one JSON array (times in UTC)")
    p.add_argument("--data-dir", metavar="DIR", help="where sessions are kept")
    p.set_defaults(func=run)


def _local(t: float | None) -> str:
    return "-" if t is None else datetime.fromtimestamp(t).astimezone().strftime("%Y-%m-%d %H:%M")


def _duration(s: float | None) -> str:
    if s is None:
        return "-"
    h, rem = divmod(round(s), 3600)
    return f"{h}h{rem // 60:02d}" if h else f"{rem // 60}m{rem % 60:02d}s"


def _distance(m: float) -> str:
    return f"{m / 1000:.1f} km" if m >= 1000 else f"{m:.0f} m"


def line(s: SessionSummary) -> str:
    state = " (recording)" if s.recording else ("" if s.finished else " (cut short)")
    return (f"{printable(s.name):<18} {_local(s.started):<16} {_local(s.ended):<16} "
            f"{_duration(s.duration_s):>8} "
            f"{_distance(s.distance_m):>9} {s.devices:>7} {s.alerts:>6} {s.watch:>5}{state}")


def run(args: argparse.Namespace) -> int:
    from trackerscan.formats.session import SessionSummary
    from trackerscan.sessions import paths
    from trackerscan.sessions.listing import list_sessions

    directory = paths.sessions_dir(args.data_dir)
    found = list_sessions(args.data_dir)  # read only: listing never changes a session
    if args.json:
        print(json.dumps([s.to_json() if isinstance(s, SessionSummary) else {"error": str(s)} for s in found],
                         indent=1))
        return 0
    if not found:
        print(f"No sessions yet in {printable(directory)}.  `trackerscan scan` records one.")
        return 0
    print(f"{'session':<18} {'start':<16} {'end':<16} {'duration':>8} {'distance':>9} {'devices':>7} "
          f"{'alerts':>6} {'watch':>5}")
    for s in found:
        print(line(s) if isinstance(s, SessionSummary) else f"unreadable: {printable(s)}")
    return 0
