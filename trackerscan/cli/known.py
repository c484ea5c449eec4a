"""`trackerscan known`: learn her own devices from a session recorded at home (no screen needed)."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

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
    p.add_argument(
        "--asked", action="store_true",
        help='list instead the devices the session asked "Is this yours?" about (the Pi kit cannot ask '
        "on a screen); with --add-to, --pick says which are yours",
    )
    p.add_argument("--pick", metavar="N[,N...]", help="with --asked --add-to: the numbers of yours")
    p.add_argument("--data-dir", metavar="DIR", help="where sessions are kept")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from trackerscan.engine.explain import kind_name
    from trackerscan.engine.own import learn_own
    from trackerscan.formats.session import read_events
    from trackerscan.safetext import printable
    from trackerscan.sessions.listing import resolve_session

    path = resolve_session(args.session, args.data_dir)
    if args.asked:
        return _asked(path, args.add_to, args.pick)
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
        _append(args.add_to, lines)
    return 0


def _append(add_to: str, lines: list[str]) -> None:
    from trackerscan.errors import InputError
    from trackerscan.safetext import printable

    try:
        fd = os.open(add_to, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        with os.fdopen(fd, "a", encoding="utf-8") as f:
            f.write("".join(line + "\n" for line in lines))
    except OSError as exc:
        raise InputError(f"Cannot add to {printable(add_to)}: {exc.strerror}.") from None
    print(f"Added {len(lines)} to {printable(add_to)}.")


def _asked(path: Path, add_to: str | None, pick: str | None) -> int:
    """List the "Is this yours?" questions of a session, numbered; add the picked ones to ``add_to``."""
    from trackerscan.engine.explain import kind_name
    from trackerscan.engine.own import asked_mine
    from trackerscan.errors import InputError
    from trackerscan.formats.session import Session, read_events
    from trackerscan.safetext import printable
    from trackerscan.sessions.known import known_from_meta
    from trackerscan.timeutil import iso_utc

    with Session.open(path) as s:  # her own devices as the session was recorded with them: not asked
        known = known_from_meta(s.meta())
    asked = asked_mine(read_events(path), known)
    if not asked:
        print('No "Is this yours?" question in that session.')
        return 0
    print('Asked "Is this yours?" (a device of unknown kind that stayed with you; most often your own '
          "band, earbuds, laptop or car):")
    for i, a in enumerate(asked, 1):
        print(printable(f"{i}. {a.address}  {kind_name(a.kind)}, with you {a.minutes} min at {a.places} "
                        f"places, asked {iso_utc(a.asked_at)}"))
    if add_to is None:
        print("Those that are yours: add them with --add-to FILE --pick N,N; the others stay unanswered.")
        return 0
    if not pick:
        raise InputError("Say which are yours with --pick N,N (numbers from the list); nothing was added.")
    try:
        numbers = sorted({int(n) for n in pick.split(",") if n.strip()})
    except ValueError:
        raise InputError(f"--pick takes numbers from the list, like 1,3, not {printable(pick)!r}.") from None
    if not numbers or numbers[0] < 1 or numbers[-1] > len(asked):
        raise InputError(f"--pick takes numbers from 1 to {len(asked)}; nothing was added.")
    lines = [f"{asked[n - 1].address}  # {kind_name(asked[n - 1].kind)}, yours (asked in {path.stem})"
             for n in numbers]
    _append(add_to, lines)
    return 0
