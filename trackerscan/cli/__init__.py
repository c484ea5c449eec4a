"""The `trackerscan` command.

Each subcommand lives in its own module in this package and exposes
``register(subparsers)``, which adds its parser and sets ``func`` to a
callable taking the parsed arguments and returning an exit status.  Modules
are discovered, so adding a subcommand touches no other file.  ``ORDER``
(an int, default 100) sorts the help listing.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
from collections.abc import Callable, Sequence
from typing import cast

from trackerscan import __version__
from trackerscan.errors import TrackerscanError

Handler = Callable[[argparse.Namespace], int]


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The whole command line; with ``command`` (a subcommand's name), only that subcommand's module is
    imported and registered (when there is one by that name), which is all parsing it needs: the
    others cost about 60 ms to import and register, a few per cent of an `analyze` run."""
    parser = argparse.ArgumentParser(
        prog="trackerscan",
        description="Find Bluetooth location trackers that travel with you.",
    )
    parser.add_argument("--version", action="version", version=f"trackerscan {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    names = [info.name for info in pkgutil.iter_modules(__path__) if not info.name.startswith("_")]
    if command is not None and "_" not in command and command.replace("-", "_") in names:
        names = [command.replace("-", "_")]
    modules = [importlib.import_module(f"{__name__}.{name}") for name in names]
    modules.sort(key=lambda m: (getattr(m, "ORDER", 100), m.__name__))
    for module in modules:
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser(argv[0] if argv and not argv[0].startswith("-") else None)
    args = parser.parse_args(argv)
    func = cast("Handler | None", getattr(args, "func", None))
    if func is None:
        parser.print_help()
        return 0
    try:
        return func(args)
    except TrackerscanError as exc:
        from trackerscan.safetext import printable

        print(f"trackerscan: {printable(exc)}", file=sys.stderr)
        return exc.exit_status
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
