"""`trackerscan fixes FILE`: the valid GPS fixes of an NMEA or GPX file, as JSON Lines."""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from collections.abc import Iterator
from datetime import date as Date
from pathlib import Path
from typing import BinaryIO

from trackerscan.errors import InputError
from trackerscan.formats.fixfile import is_gpx
from trackerscan.formats.nmea import NmeaReader, Record, ascii_chunks, noted, summary
from trackerscan.model import Fix, SourceEvent
from trackerscan.safetext import printable
from trackerscan.timeutil import iso_utc

ORDER = 20


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "fixes",
        help="print the valid GPS fixes of an NMEA or GPX file",
        description="Read an NMEA log (UTF-8 or UTF-16) or a GPX track and print one JSON object per valid "
        "fix, in file order; a summary of what was rejected, by reason, goes to standard error.",
    )
    p.add_argument("file", help="an NMEA log or a GPX file")
    p.add_argument("--date", type=_date, help="UTC date (YYYY-MM-DD) of the first fix, for NMEA logs without "
                   "dates (GGA only); later midnights are followed")
    p.set_defaults(func=run)


def _date(text: str) -> Date:
    try:
        return Date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date: give it as YYYY-MM-DD") from None


def fix_json(fix: Fix) -> dict[str, object]:
    """The `trackerscan fixes` contract: time, lat, lon, alt, speed_mps, hdop, then extras."""
    return {
        "time": iso_utc(fix.time),
        "lat": fix.lat,
        "lon": fix.lon,
        "alt": fix.alt,
        "speed_mps": round(fix.speed_mps, 3) if fix.speed_mps is not None else None,
        "hdop": fix.hdop,
        "course": fix.course,
        "mode": int(fix.mode),
        "satellites": fix.satellites,
        "accuracy_m": round(fix.accuracy_m, 1) if fix.accuracy_m is not None else None,
    }


def _nmea_fixes(stream: BinaryIO, reader: NmeaReader, notes: list[str]) -> Iterator[Fix]:
    """The fixes of an NMEA stream; what the reader says about the receiver (rollovers) goes to ``notes``."""
    def sort(records: list[Record]) -> Iterator[Fix]:
        for r in records:
            if isinstance(r, Fix):
                yield r
            elif isinstance(r, SourceEvent) and r.detail not in notes:
                notes.append(r.detail)

    for chunk in ascii_chunks(stream):
        yield from sort(reader.feed(chunk))
    yield from sort(reader.finish())


def run(args: argparse.Namespace) -> int:
    path = Path(args.file)
    try:
        stream = path.open("rb")
    except OSError as exc:
        raise InputError(f"Cannot read {path}: {exc.strerror or exc}.") from None
    out = sys.stdout
    count = 0
    rejected: Counter[str]
    accepted: Counter[str] = Counter()
    notes: list[str] = []
    with stream:
        try:
            if is_gpx(stream):
                from trackerscan.formats.gpx import read_gpx  # XML parsing only when needed

                fixes, rejected = read_gpx(stream, source=f"gpx:{path.name}", name=str(path))
                for fix in fixes:
                    out.write(json.dumps(fix_json(fix)) + "\n")
                    count += 1
            else:
                reader = NmeaReader(date=args.date, source=f"nmea:{path.name}")
                for fix in _nmea_fixes(stream, reader, notes):
                    out.write(json.dumps(fix_json(fix)) + "\n")
                    count += 1
                rejected, accepted = reader.rejected, reader.accepted
        except BrokenPipeError:
            raise
        except OSError as exc:
            raise InputError(f"Cannot read {path}: {exc.strerror or exc}.") from None
    out.flush()
    for note in notes:
        print(f"trackerscan: {printable(note)}", file=sys.stderr)
    print(f"trackerscan: {count} fixes from {printable(path.name)}; {summary(rejected)}{noted(accepted)}",
          file=sys.stderr)
    return 0
