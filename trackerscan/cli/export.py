"""`trackerscan export`: a session as CSV/JSON/GPX/KML/GeoJSON, or every session onto a stick."""

from __future__ import annotations

import argparse
import os
import sys
import time
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
    from trackerscan.sessions import paths
    from trackerscan.sessions.export import copy_sessions_to, export
    from trackerscan.sessions.retention import apply_retention
    from trackerscan.sessions.store import resolve_session

    if args.to:
        if args.session:
            raise InputError("Give either a session to export or --to FOLDER, not both.")
        copied = copy_sessions_to(args.to, args.data_dir)
        for p in copied:
            print(p)
        print(f"{len(copied)} files copied to {args.to} and checked (SHA-256, listed in SHA256SUMS).",
              file=sys.stderr)
        return 0
    if not args.session:
        raise InputError("Name a session to export (see `trackerscan sessions`), or use --to FOLDER.")
    path = resolve_session(args.session, args.data_dir)
    apply_retention(path, time.time())
    if args.out:
        out_path = Path(args.out)
        tmp = out_path.with_name(f".{out_path.name}.part")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, paths.FILE_MODE)
        try:
            with open(fd, "w", encoding="utf-8", newline="") as f:
                n = export(path, args.format, f)
            os.replace(tmp, out_path)
        finally:
            if tmp.exists():
                tmp.unlink()
        print(f"Wrote {n} {'rows' if args.format in ('csv', 'json') else 'points'} to {out_path}.",
              file=sys.stderr)
    else:
        export(path, args.format, sys.stdout)
    return 0
