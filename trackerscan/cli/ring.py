"""`trackerscan ring ADDRESS`: make a tracker near you play its sound (or stop it)."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any, TextIO

from trackerscan.errors import InputError
from trackerscan.model import AddressType, Identity, Kind, RingProcedure, Sighting

ORDER = 60

# How long to listen for the tracker before ringing when --kind is not given (seconds): trackers
# advertise at least every 4 s (DULT, trackers.md 2.2), so 10 s hears two or more advertisements.
IDENTIFY_SCAN_S = 10.0

KIND_CHOICES = [k.value for k in Kind]


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "ring",
        help="make a tracker near you play its sound, to find it",
        description="Connect to a tracker and ask it to play its sound, the way Apple's, Google's and "
        "AirGuard's finders do for people who are not its owner.  Works for AirTags, Find My accessories, "
        "AirPods, Google Find My Device tags (and other DULT trackers) and Pebblebee, and only while the "
        "tracker is away from its owner.  A ringing tracker can be heard by others nearby.",
    )
    p.add_argument("address", metavar="ADDRESS", help="the tracker's Bluetooth address, as `sweep` shows it")
    p.add_argument("--kind", choices=KIND_CHOICES, metavar="KIND",
                   help="the kind of tracker, if known (skips the short scan): " + ", ".join(KIND_CHOICES))
    p.add_argument("--stop", action="store_true", help="ask it to stop its sound instead")
    p.add_argument("--ble", default="bleak", metavar="SOURCE",
                   help="bleak, bleak:hci1 or hci:TRANSPORT (e.g. hci:usb:0, hci:tcp-client:127.0.0.1:9001); "
                   "default: bleak")
    p.add_argument("--timeout", type=float, default=None, metavar="S",
                   help="give up connecting after S seconds (default 20)")
    p.add_argument("--json", action="store_true", help="print the result as one JSON object")
    p.set_defaults(func=run)


def _live_spec(spec: str) -> tuple[str | None, str | None]:
    """(adapter, transport) from a --ble spec; InputError for a replay or unknown spec."""
    kind, _, rest = spec.strip().partition(":")
    if kind == "bleak":
        adapter = rest.split(",")[0] or None
        return adapter, None
    if kind == "hci" and rest:
        return None, rest
    raise InputError(f"Ringing needs a live Bluetooth adapter: use --ble bleak, bleak:hci1 or hci:TRANSPORT, "
                     f"not {spec!r}.")


async def identify(spec: str, address: str, seconds: float = IDENTIFY_SCAN_S) -> Sighting | None:
    """Listen on ``spec`` until ``address`` is heard (or ``seconds`` pass); the source is closed after."""
    import asyncio

    from trackerscan.sources import open_ble

    source = open_ble(spec)
    found: Sighting | None = None
    try:
        async with asyncio.timeout(seconds):
            async for event in source:
                if isinstance(event, Sighting) and event.address.upper() == address:
                    found = event
                    break
    except TimeoutError:
        pass
    finally:
        await source.aclose()
    return found


def choose(kind: Kind | None, identity: Identity | None) -> tuple[RingProcedure | None, str]:
    """The procedure to use and, when there is none, the plain-words reason."""
    from trackerscan.find.procedures import CANNOT_RING, procedure_for

    if identity is not None:
        kind = identity.kind
    if kind in CANNOT_RING:
        return None, CANNOT_RING[kind]
    if identity is not None:
        if identity.ring is not None:
            return identity.ring, ""
        if not identity.tracker or kind is None:
            return None, ("This device does not look like a tracker trackerscan can ring. "
                          "If you know what it is, name it with --kind.")
        if identity.separated is False and procedure_for(kind) is not None:
            return None, ("This tracker says it is near its owner, so it will refuse to ring for anyone "
                          f"else. If you still want to try, add --kind {kind.value}.")
    proc = procedure_for(kind)
    if proc is None:
        return None, "trackerscan knows no way for a non-owner to ring this kind of device."
    return proc, ""


def _say(out: TextIO, text: str) -> None:
    print(text, file=out, flush=True)


async def ring_command(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from trackerscan.find.ring import SAFETY_CAUTION, normalise_address, ring

    address = normalise_address(args.address)
    adapter, transport = _live_spec(args.ble)
    if args.timeout is not None and not args.timeout > 0:
        raise InputError("--timeout must be a number of seconds above 0.")
    progress = err if args.json else out
    kind = Kind(args.kind) if args.kind else None
    identity: Identity | None = None
    address_type = AddressType.RANDOM
    if kind is None:
        _say(progress, f"Listening for {address} for up to {IDENTIFY_SCAN_S:g} s to see what it is…")
        seen = await identify(args.ble, address)
        if seen is None:
            _say(out, f"{address} was not heard in {IDENTIFY_SCAN_S:g} s: it is out of range, switched "
                      "off, or has changed its address. Move closer, or check the address with "
                      "`trackerscan sweep`.")
            return 1
        from trackerscan.adv import classify

        address_type = seen.address_type
        identity = classify(seen.adv, address, seen.address_type)
        _say(progress, f"Heard it: {identity.kind.value if identity.kind else 'unknown kind'}, "
                       f"{_separation(identity)}.")
    procedure, reason = choose(kind, identity)
    if procedure is None:
        _say(out, reason)
        return 1
    if not args.stop:
        _say(progress, SAFETY_CAUTION)
    kwargs: dict[str, Any] = {}
    if args.timeout is not None:
        kwargs["connect_timeout_s"] = args.timeout
    result = await ring(address, procedure, transport=transport, adapter=adapter, address_type=address_type,
                        stop=args.stop, on_progress=lambda m: _say(progress, m), **kwargs)
    if args.json:
        _say(out, json.dumps(result.to_json()))
    else:
        _say(out, result.message)
    return 0 if result.outcome.ok else 1


def _separation(identity: Identity) -> str:
    if identity.separated is True:
        return "away from its owner"
    if identity.separated is False:
        return "near its owner"
    return "owner nearby or not: unknown"


def run(args: argparse.Namespace) -> int:
    import asyncio

    return asyncio.run(ring_command(args, sys.stdout, sys.stderr))
