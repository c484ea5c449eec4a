"""`trackerscan place`: tell a running scan "I am somewhere else now" (for scans without GPS)."""

from __future__ import annotations

import argparse
import os
import signal

from trackerscan.errors import InputError
from trackerscan.safetext import is_digits

ORDER = 25


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("place", help="tell a running scan you are somewhere else now",
                       description="Mark a new place in the scan running on this computer: without GPS, "
                       "this is how trackerscan knows a device followed you from one place to another.")
    p.add_argument("--data-dir", metavar="DIR", help="where sessions are kept")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    usr1 = getattr(signal, "SIGUSR1", None)  # Windows has none
    if usr1 is None:
        raise InputError("A running scan cannot be told from another window on this system: press Enter "
                         "in the scan's own window each time you are somewhere else.")
    from trackerscan.formats.session import Session, is_recording
    from trackerscan.sessions import paths

    directory = paths.sessions_dir(args.data_dir)
    recording = [p for p in sorted(directory.glob(f"*{paths.SESSION_SUFFIX}")) if is_recording(p)]
    pids: list[tuple[str, int]] = []
    for path in recording:
        with Session.open(path) as s:
            pid = s.meta().get("pid", "")
        if is_digits(pid) and 0 < int(pid) < 2**31:  # a process id, as the scan wrote it
            pids.append((path.stem, int(pid)))
    if not pids:
        raise InputError("No scan is recording on this computer: start one with `trackerscan scan`.")
    for name, number in pids:
        try:
            os.kill(number, usr1)
        except (ProcessLookupError, PermissionError):  # gone, or not a scan of this user's
            continue
        print(f"Marked a new place in session {name}.")
    return 0
