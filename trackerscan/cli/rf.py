"""`trackerscan rf`: cellular GPS trackers by their uplink bursts (listening only, power levels only)."""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from typing import IO, TYPE_CHECKING

from trackerscan.errors import InputError

if TYPE_CHECKING:
    from trackerscan.find.rf_sweep import LiveRf

ORDER = 58

# Plain live output: a table this often (seconds of wall clock).
PRINT_EVERY_S = 10.0


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "rf",
        help="find cellular GPS trackers (which send no Bluetooth) by their regular uplink bursts",
        description="Cheap GPS trackers report over the mobile network every 10-120 s while the car moves. "
        "With a tinySA, an RTL-SDR or a HackRF, trackerscan sweeps the mobile uplink bands and looks for "
        "a transmitter that repeats like clockwork.  It only listens: nothing is transmitted and nothing "
        "is decoded, only power levels are measured.",
    )
    rsub = p.add_subparsers(dest="rf_command", metavar="COMMAND", required=True)
    a = rsub.add_parser("analyze", help="analyse a recorded sweep (rtl_power / hackrf_sweep CSV)")
    a.add_argument("file", metavar="FILE")
    a.add_argument("--region", default="all", help="uk, eu, us, ca or all (default: all)")
    a.add_argument("--json", action="store_true", help="print the result as JSON")
    a.set_defaults(func=run_analyze)
    s = rsub.add_parser("sweep", help="sweep live, with candidates and a hot/cold meter on the strongest")
    s.add_argument("--source", required=True, metavar="SPEC",
                   help="tinysa:/dev/ttyACM0, rtlsdr, rtlsdr:INDEX, hackrf or replay:FILE[,speed=N]")
    s.add_argument("--region", default="uk", help="uk, eu, us, ca or all (default: uk)")
    s.add_argument("--minutes", type=float, help="stop by itself after N minutes of sweeping")
    s.add_argument("--record", metavar="FILE",
                   help="also write the sweep to FILE, a new file (rtl_power CSV, mode 0600)")
    s.add_argument("--json", action="store_true", help="at the end, print the result as JSON")
    s.add_argument("--data-dir", metavar="DIR", help="where sessions are kept (default: your data folder, "
                   "or $TRACKERSCAN_DATA_DIR)")
    s.add_argument("--no-session", action="store_true", help="do not record the result in a session")
    s.set_defaults(func=run_sweep)
    m = rsub.add_parser("simulate", help="write a simulated sweep (rtl_power CSV) from the test suite")
    m.add_argument("--scenario", default="tracker_60s_strong", help="scenario name (--list lists them)")
    m.add_argument("--seed", type=int, default=0)
    m.add_argument("--list", action="store_true", help="list the scenarios and exit")
    m.add_argument("--out", metavar="FILE", help="where to write (mode 0600; default: standard output)")
    m.set_defaults(func=run_simulate)


def _open_new(path: str) -> IO[str]:
    """A new file for ``--record`` (mode 0600), written as the sweep goes so a cut sweep keeps what it had.

    Never an existing file (an earlier recording is not overwritten) and never through a link planted
    under the name (``O_EXCL`` refuses both)."""
    from trackerscan.safetext import printable

    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags, 0o600)
    except FileExistsError:
        raise InputError(f"{printable(path)} already exists: give the recording a new file name "
                         "(an earlier recording is never overwritten).") from None
    except OSError as exc:
        raise InputError(f"Cannot write {printable(path)}: {exc.strerror or exc}.") from None
    return os.fdopen(fd, "w", encoding="ascii")


def run_analyze(args: argparse.Namespace) -> int:
    from trackerscan.rf.bands import region_bands
    from trackerscan.rf.detect import analyze
    from trackerscan.rf.summary import text, to_json
    from trackerscan.sources.rf_replay import read_levels

    bands = region_bands(args.region)
    levels, damaged = read_levels(args.file)
    result = analyze(levels, bands, damaged, list_unswept=args.region != "all")
    print(json.dumps(to_json(result)) if args.json else text(result))
    return 0


def _meter_line(live: LiveRf) -> str:
    from trackerscan.rf.summary import mhz

    m = live.meter()
    if m is None:
        return "No regular transmitter yet."
    t = m.target
    where = f"{t.band} {mhz(t.low_hz)}-{mhz(t.high_hz)} MHz, every {t.period_s:.0f} s"
    if m.last_db is None:
        return f"Following {where}: waiting for its next burst."
    bar = "#" * (m.gauge // 4)
    return f"Following {where}: last burst {m.last_db:.0f} dB over the floor [{bar:<25}] {m.trend.value}"


def run_sweep(args: argparse.Namespace) -> int:
    from trackerscan.live_radio import RadioSweep
    from trackerscan.rf.summary import PROCEDURE, text, to_json

    if args.minutes is not None and not args.minutes > 0:  # NaN too: it swept on without end
        raise InputError("--minutes must be a number more than 0.")
    out = sys.stderr if args.json else sys.stdout
    last_print = time.monotonic()

    def show(live: LiveRf, _analysed: bool) -> None:
        nonlocal last_print
        if time.monotonic() - last_print < PRINT_EVERY_S:
            return
        last_print = time.monotonic()
        if record is not None:
            record.flush()
        if live.analysis is not None:
            print(text(live.analysis).split("\nSwept:")[0], file=out)
        print(_meter_line(live), file=out, flush=True)

    sweep = RadioSweep(args.source, args.region, args.data_dir, session=not args.no_session,
                       minutes=args.minutes, on_hop=show)
    name = sweep.open()  # the device first: a file named by --record is not touched if it cannot be used
    record: IO[str] | None = None
    try:
        record = sweep.record = _open_new(args.record) if args.record else None
        print(PROCEDURE, file=out)
        print(f"Sweeping with {name}; Ctrl-C ends the sweep.", file=out, flush=True)
        result = sweep.run()
    finally:
        sweep.close()
        if record is not None:
            record.close()
    if result.session is not None:
        print(f"Recorded in the session {result.session.name}.", file=out)
    print(json.dumps(to_json(result.analysis)) if args.json else text(result.analysis))
    return 0


def run_simulate(args: argparse.Namespace) -> int:
    from pathlib import Path

    from trackerscan.rf.sweep_csv import write
    from trackerscan.sessions.safewrite import atomic_output
    from trackerscan.sim.rf import build, scenario_names

    if args.list:
        print("\n".join(scenario_names()))
        return 0
    if args.scenario not in scenario_names():
        raise InputError(f"Unknown scenario {args.scenario!r}: see trackerscan rf simulate --list.")
    sc = build(args.scenario, args.seed)
    if not args.out:
        sys.stdout.writelines(write(sc.hops))
        return 0
    with atomic_output(Path(args.out)) as f:  # whole or not at all, never through a planted link
        f.write("".join(write(sc.hops)).encode("ascii"))
    return 0
