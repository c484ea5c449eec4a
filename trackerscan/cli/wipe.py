"""`trackerscan wipe`: delete sessions for good."""

from __future__ import annotations

import argparse
import sys

from trackerscan.errors import InputError, SessionError

ORDER = 90


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("wipe", help="delete sessions for good",
                       description="Delete a session, or all of them, for good: the files are overwritten "
                       "and then removed.  Only sessions kept in the data folder are deleted, recognised by "
                       "their own header; links and other files are left alone.  Copies elsewhere (a USB "
                       "stick, a report) are not touched.  On SSDs, SD cards and copy-on-write file "
                       "systems (APFS, Btrfs) old blocks may survive the overwrite: full-disk encryption "
                       "is what protects them.")
    p.add_argument("session", nargs="?", help="session name, path, or 'latest'")
    p.add_argument("--all", action="store_true", help="every session in the data folder")
    p.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    p.add_argument("--data-dir", metavar="DIR", help="where sessions are kept")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from trackerscan.safetext import printable
    from trackerscan.sessions import paths
    from trackerscan.sessions.listing import resolve_own_session
    from trackerscan.sessions.wipe import check_wipeable, overwrite_limits, wipe_candidates, wipe_session

    if bool(args.session) == bool(args.all):
        raise InputError("Name one session to wipe, or use --all.")
    if args.all:
        targets, left = wipe_candidates(paths.sessions_dir(args.data_dir))
        for note in left:
            print(f"Left alone: {printable(note)}")
    else:
        target = resolve_own_session(args.session, args.data_dir)
        check_wipeable(target)
        targets = [target]
    if not targets:
        print("There are no sessions to wipe.")
        return 0
    print("This deletes for good:")
    for t in targets:
        print(f"  {printable(t)}")
    if not args.yes:
        if not sys.stdin.isatty():
            raise InputError("Not wiping without confirmation: run it in a terminal, or add --yes.")
        answer = input(f"Delete {len(targets)} session(s)? Type yes to confirm: ")
        if answer.strip().lower() != "yes":
            print("Nothing was deleted.")
            return 1
    for t in targets:
        try:
            wipe_session(t)
        except SessionError as exc:
            print(f"trackerscan: {printable(exc)}", file=sys.stderr)
            return 2
    print(f"Deleted {len(targets)} session(s): overwritten with zeros, then removed.")
    print(overwrite_limits())
    return 0
