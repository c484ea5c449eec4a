"""`trackerscan report SESSION --out FILE.pdf|FILE.html`: the evidence report."""

from __future__ import annotations

import argparse
import sys
import time
from datetime import tzinfo
from pathlib import Path

from trackerscan.engine.thresholds import SENSITIVITY  # the presets, named once
from trackerscan.errors import InputError

ORDER = 45


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "report",
        help="write an evidence report (PDF or HTML) for a session",
        description="Write a report of the devices that travelled with you in a session, with maps, signal "
        "strength, how the decision was made, and the SHA-256 of the session so anyone can check it.",
    )
    p.add_argument("session", help="session name, path, or 'latest'")
    p.add_argument(
        "--out",
        metavar="FILE",
        help="FILE.pdf or FILE.html (default: SESSION.pdf in the "
        "reports folder, which `trackerscan export --to` copies)",
    )
    p.add_argument(
        "--tz",
        metavar="ZONE",
        help="time zone for times shown, e.g. Europe/London (default: this computer's)",
    )
    p.add_argument(
        "--sensitivity",
        choices=list(SENSITIVITY),
        help="preset for the re-analysis (default: the one used when recording)",
    )
    p.add_argument("--known", metavar="FILE", help="your own devices, left out of the report")
    p.add_argument("--data-dir", metavar="DIR", help="where sessions are kept")
    p.set_defaults(func=run)


def zone(name: str | None) -> tzinfo:
    from datetime import datetime
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    if not name:
        local = datetime.now().astimezone().tzinfo
        assert local is not None
        return local
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise InputError(f"Unknown time zone {name!r}: give one like Europe/London or UTC.") from None


def run(args: argparse.Namespace) -> int:
    # imported here, not at the top: the CLI imports every subcommand module at start, and the report's
    # PDF library (reportlab) alone would cost every command about 0.2 s
    from trackerscan.safetext import printable
    from trackerscan.sessions.findings import analyse, settle
    from trackerscan.sessions.listing import in_data_folder, resolve_session
    from trackerscan.sessions.paths import reports_dir
    from trackerscan.sessions.report import write_report
    from trackerscan.sessions.report.content import build
    from trackerscan.sessions.safewrite import check_target

    path = resolve_session(args.session, args.data_dir)
    out = Path(args.out) if args.out else reports_dir(args.data_dir, create=True) / f"{path.stem}.pdf"
    if out.suffix.lower() not in (".pdf", ".html", ".htm"):
        raise InputError(f"The report file must end in .pdf or .html, not {printable(repr(out.name))}.")
    check_target(out, [path])  # before the analysis: a wrong --out is said at once
    tz = zone(args.tz)
    now = time.time()
    if in_data_folder(path, args.data_dir):
        settle(path)  # a cut recording of ours: its -wal folded in (a copy elsewhere is only read)
    analysis = analyse(path, args.sensitivity, args.known)
    content = build(analysis, tz, now)
    write_report(content, out, [path])
    found = []  # what was scanned: Bluetooth, a radio sweep, or both
    if content.thresholds:  # the Bluetooth part (a sweep-only session has no engine thresholds)
        found.append(f"{len(analysis.flagged)} device(s) at watch or alert")
    if content.cellular_notes:
        found.append(f"{len(content.cellular)} regular transmitter(s) from the radio sweep")
    print(f"Wrote {printable(out)}: {'; '.join(found)}; session SHA-256 {analysis.sha256}.", file=sys.stderr)
    return 0
