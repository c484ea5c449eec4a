"""`trackerscan simulate`: write labelled scenarios (btsnoop + NMEA + truth) or a big busy-city capture."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from trackerscan.errors import InputError
from trackerscan.formats.btsnoop.records import DATALINK_H4, DATALINK_MONITOR
from trackerscan.model import Fix, NoFix, Sighting
from trackerscan.privatefile import open_private

ORDER = 90


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "simulate",
        help="write simulated captures (btsnoop + NMEA + truth) for testing and demos",
        description="Write labelled scenarios from the scenario generator, each as NAME.btsnoop, NAME.nmea, "
        "NAME.truth.json and NAME.known, or (--busy-city) one big capture for the speed benchmark.  "
        "Files are written with mode 0600.",
    )
    which = p.add_mutually_exclusive_group(required=True)
    which.add_argument("--scenario", action="append", metavar="NAME", help="a scenario (repeatable)")
    which.add_argument("--all", action="store_true", help="every scenario")
    which.add_argument("--list", action="store_true", help="list the scenario names and exit")
    which.add_argument("--busy-city", action="store_true",
                       help="a long capture of a walk and bus rides among many devices, with one follower")
    p.add_argument("--out", metavar="DIR", help="where to write (created, mode 0700)")
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0): same seed, same bytes")
    p.add_argument("--datalink", type=int, choices=(DATALINK_MONITOR, DATALINK_H4), default=DATALINK_H4,
                   help="btsnoop datalink: 1002 as Android writes it (default) or 2001 as btmon -w does")
    p.add_argument("--minutes", type=float, default=120.0, help="busy city: length (default 120)")
    p.add_argument("--devices", type=int, default=20_000, help="busy city: devices (default 20000)")
    p.add_argument("--reports", type=int, default=1_000_000,
                   help="busy city: advertising reports (default 1000000)")
    p.set_defaults(func=run)


def write_scenario(name: str, seed: int, out: Path, datalink: int = DATALINK_H4) -> list[Path]:
    """Write one scenario's capture, GPS log, truth and known-devices list; return the paths."""
    from trackerscan.formats.btsnoop.writer import write_btsnoop
    from trackerscan.sim import build_scenario
    from trackerscan.sim.busy_city import write_nmea

    sc = build_scenario(name, seed)
    base = out / name
    paths = [base.with_suffix(s) for s in (".btsnoop", ".nmea", ".truth.json", ".known")]
    sightings = [e for e in sc.events if isinstance(e, Sighting)]
    write_btsnoop(paths[0], sightings, datalink=datalink)
    gps = [e for e in sc.events if isinstance(e, (Fix, NoFix))]
    write_nmea(paths[1], gps)
    left_out = sorted({type(e).__name__ for e in sc.events if not isinstance(e, (Sighting, Fix, NoFix))})
    truth = {
        "scenario": sc.name,
        "description": sc.description,
        "seed": seed,
        "sightings": len(sightings),
        "gps_records": len(gps),
        "not_in_files": left_out,  # events a btsnoop or NMEA file cannot hold (place marks, source events)
        "homes": [{"lat": h.lat, "lon": h.lon, "radius_m": h.radius_m, "label": h.label} for h in sc.homes],
        "known": list(sc.known),
        "devices": [
            {
                "name": d.name,
                "kind": d.kind.value if d.kind else None,
                "follower": d.follower,
                "follows_from": d.follows_from,
                "timed": d.timed,
                "known": d.known,
                "companion": d.companion,  # undeclared but really with the user: an alert is not false
                "addresses": sorted(d.addresses),
            }
            for d in sc.truth
        ],
    }
    _write_private(paths[2], json.dumps(truth, indent=1) + "\n")
    _write_private(paths[3], "".join(f"{a}\n" for a in sc.known))
    return paths


def _write_private(path: Path, text: str) -> None:
    fd = open_private(path)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)


def run(args: argparse.Namespace) -> int:
    from trackerscan.sim import scenario_names

    if args.list:
        print("\n".join(scenario_names()))
        return 0
    if not args.out:
        raise InputError("Say where to write the files with --out DIR.")
    out = Path(args.out)
    try:
        out.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError as exc:
        raise InputError(f"{out} cannot be created: {exc.strerror or exc}.") from None
    if args.busy_city:
        from trackerscan.sim.busy_city import generate

        if args.devices < 2 or args.reports < args.devices + 10 or args.minutes <= 0:
            raise InputError("--busy-city needs 2 or more devices, more reports than devices, minutes > 0.")
        bc = generate(out, args.minutes, args.devices, args.reports, args.seed, datalink=args.datalink)
        for path in (bc.btsnoop, bc.nmea, bc.truth):
            print(path)
        print(f"trackerscan: {bc.reports:,} reports from {bc.devices:,} devices; the follower is "
              f"{bc.follower_address}", file=sys.stderr)
        return 0
    names = scenario_names() if args.all else args.scenario
    for name in names:
        for path in write_scenario(name, args.seed, out, args.datalink):
            print(path)
    return 0
