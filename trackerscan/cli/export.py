"""`trackerscan export`: a session as CSV/JSON/GPX/KML/GeoJSON, or every session onto a stick."""

from __future__ import annotations

import argparse
import io
import sys
from pathlib import Path

from trackerscan.errors import InputError

ORDER = 50
# trackerscan.sessions.export.FORMATS, spelt out so that building the parser imports no session code
# (tests/sessions/test_export.py checks the two agree)
FORMATS = ("csv", "json", "gpx", "kml", "geojson")


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "export", help="export a session, or copy all sessions to a folder (USB stick)",
        description="Export a session's sightings (csv, json) or your track and the places devices were "
        "heard (gpx, kml, geojson).  With --to, copy every finished session and report to a folder, "
        "checking each copy with SHA-256.",
    )
    p.add_argument("session", nargs="?", help="session name, path, or 'latest'")
    p.add_argument("--format", choices=FORMATS, default="csv", help="what to write (default: csv)")
    p.add_argument("--out", metavar="FILE", help="write here instead of to standard output")
    p.add_argument("--to", metavar="FOLDER", help="copy all finished sessions and reports to FOLDER")
    p.add_argument("--data-dir", metavar="DIR", help="where sessions are kept")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from trackerscan.safetext import printable
    from trackerscan.sessions.export import copy_sessions_to, export
    from trackerscan.sessions.findings import settle
    from trackerscan.sessions.listing import in_data_folder, resolve_session
    from trackerscan.sessions.safewrite import atomic_output

    if args.to:
        if args.session:
            raise InputError("Give either a session to export or --to FOLDER, not both.")
        copied = copy_sessions_to(args.to, args.data_dir)
        for p in copied:
            print(printable(p))
        print(f"{len(copied)} files copied to {printable(args.to)} and checked (SHA-256, listed in "
              "SHA256SUMS).", file=sys.stderr)
        return 0
    if not args.session:
        raise InputError("Name a session to export (see `trackerscan sessions`), or use --to FOLDER.")
    path = resolve_session(args.session, args.data_dir)
    if in_data_folder(path, args.data_dir):
        settle(path)  # a cut recording of ours: its -wal folded in (a copy elsewhere is only read)
    if args.out:
        out_path = Path(args.out)
        with atomic_output(out_path, inputs=[path]) as raw:
            f = io.TextIOWrapper(raw, encoding="utf-8", newline="")
            n = export(path, args.format, f)
            f.flush()
            f.detach()
        print(f"Wrote {n} {'rows' if args.format in ('csv', 'json') else 'points'} to {printable(out_path)}.",
              file=sys.stderr)
    else:
        export(path, args.format, sys.stdout)
    return 0
