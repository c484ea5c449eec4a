"""`trackerscan decode HEX`: identify one advertisement and print it as JSON."""

from __future__ import annotations

import argparse
import json

from trackerscan.adv import classify, normalise_address, parse_hex
from trackerscan.errors import InputError
from trackerscan.model import AddressType

ORDER = 10


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "decode",
        help="identify one advertisement given as hex",
        description="Identify one advertisement (raw advertising data, optionally followed by scan-response "
        "data) given as hex, as nRF Connect or btmon show it, and print one JSON object.",
    )
    p.add_argument(
        "hex", nargs="+", help="the advertising data, e.g. 07FF4C0012025402 (spaces and colons are fine)"
    )
    p.add_argument(
        "--address", help="the advertiser's address, AA:BB:CC:DD:EE:FF (needed for Apple key bytes)"
    )
    p.add_argument(
        "--address-type",
        choices=[t.value for t in AddressType],
        default=AddressType.RANDOM.value,
        help="how the address was advertised (default: random)",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    adv = parse_hex(" ".join(args.hex))
    address = None
    if args.address is not None:
        address = normalise_address(args.address)
        if address is None:
            raise InputError(f"{args.address!r} is not a Bluetooth address: give it as AA:BB:CC:DD:EE:FF.")
    identity = classify(adv, address, AddressType(args.address_type))
    print(json.dumps(identity.to_json(), sort_keys=False))
    return 0
