"""`trackerscan known`: learn her own devices from a session recorded at home (no screen needed)."""

from __future__ import annotations

import argparse
import os

ORDER = 32


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "known",
        help="list (and add to your known devices) the devices close to you in a session recorded at home",
        description="Record a few minutes at home with no visitors and your own things around you (the kit: "
        "switch it on at home), then run this on that session: it lists the devices that stayed close to "
        "you (your watch, band, earbuds, laptop, your own tags), which `--add-to` appends to a "
        "known-devices file so they never raise a warning.  Phones that change their address cannot be "
        "listed (and need not be).",
    )
    p.add_argument("session", metavar="SESSION", help="a recorded session (path, name or 'latest')")
    p.add_argument("--add-to", metavar="FILE", help="append them to this known-devices file (made 0600)")
    p.add_argument("--data-dir", metavar="DIR", help="where sessions are kept")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from trackerscan.engine.explain import kind_name
    from trackerscan.engine.own import learn_own
    from trackerscan.errors import InputError
    from trackerscan.formats.session import read_events
    from trackerscan.safetext import printable
    from trackerscan.sessions.listing import resolve_session

    path = resolve_session(args.session, args.data_dir)
    own = learn_own(read_events(path))
    if not own:
        print("No device stayed close to you in that session.")
        return 0
    lines = []
    for o in own:
        what = f"{kind_name(o.kind)}, close to you in {o.close_minutes} of {o.minutes} minutes"
        lines.append(f"{o.address}  # {what}, learnt from {path.stem}")
        print(printable(f"{o.address}  {what}"))
    if args.add_to:
        try:
            fd = os.open(args.add_to, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            with os.fdopen(fd, "a", encoding="utf-8") as f:
                f.write("".join(line + "\n" for line in lines))
        except OSError as exc:
            raise InputError(f"Cannot add to {printable(args.add_to)}: {exc.strerror}.") from None
        print(f"Added {len(lines)} to {printable(args.add_to)}.")
    return 0
