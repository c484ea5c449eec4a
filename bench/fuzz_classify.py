"""A long fuzz run of identification: at least 1,000,000 inputs, none may raise or hang.

    .venv/bin/python bench/fuzz_classify.py [--examples 1000000] [--seed 1]

Inputs: random bytes up to 1650 (extended advertising), AD-shaped structures
with lying lengths and tracker UUIDs, and mutations (bit flips, truncations,
length corruption, splices) of every reference test vector.  Each input goes
through the memoised `classify` and the full parser, which must agree.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests" / "adv"))

import test_vectors as tv

from trackerscan.adv import classify, classify_full
from trackerscan.model import AddressType

SEEDS = [
    bytes.fromhex(h)
    for h in (tv.T1, tv.T2, tv.T3, tv.T4, tv.T7, tv.T8, tv.T10, tv.T11, tv.T12, tv.T13, tv.T14)
] + [tv.mfr_ad(tv.T5_MFR), tv.mfr_ad(tv.T6_MFR), tv.sd_ad(0xFD5A, tv.T9_SD)]
UUIDS = [
    b"\xb2\xfc",
    b"\xaa\xfe",
    b"\x5a\xfd",
    b"\x69\xfd",
    b"\xed\xfe",
    b"\x33\xfe",
    b"\x25\xfa",
    b"\x4c\x00\x12",
]


def mutate(rng: random.Random, data: bytes) -> bytes:
    b = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        op = rng.randrange(6)
        if op == 0 and b:
            i = rng.randrange(len(b))
            b[i] ^= 1 << rng.randrange(8)
        elif op == 1 and b:
            del b[rng.randrange(len(b)) :]
        elif op == 2 and b:
            b[rng.randrange(len(b))] = rng.choice([0, 1, 2, 0x19, 0x1E, 0xFF, rng.randrange(256)])
        elif op == 3:
            b += rng.choice(SEEDS)
        elif op == 4:
            i = rng.randrange(len(b) + 1)
            b[i:i] = rng.choice(UUIDS)
        else:
            b += rng.randbytes(rng.randrange(40))
    return bytes(b[:1650])


def example(rng: random.Random) -> bytes:
    kind = rng.randrange(4)
    if kind == 0:
        return rng.randbytes(rng.choice([rng.randrange(32), rng.randrange(256), rng.randrange(1651)]))
    if kind == 1:
        out = bytearray()
        for _ in range(rng.randrange(1, 12)):
            out += bytes([rng.randrange(256), rng.choice([1, 2, 3, 6, 7, 9, 0x16, 0x21, 0xFF])])
            out += rng.choice(UUIDS) + rng.randbytes(rng.randrange(30))
        return bytes(out[:1650])
    return mutate(rng, rng.choice(SEEDS))


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--examples", type=int, default=1_000_000)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    types = list(AddressType)
    failures = 0
    trackers = 0
    slowest = 0.0
    t_start = time.perf_counter()
    for i in range(args.examples):
        data = example(rng)
        address = rng.randbytes(6).hex(":").upper() if rng.random() < 0.8 else None
        address_type = rng.choice(types)
        t0 = time.perf_counter()
        try:
            r = classify(data, address, address_type)
            if r != classify_full(data, address, address_type):
                raise AssertionError("memoised and full results differ")
            r.to_json()
        except Exception as exc:  # report every failure with its input
            failures += 1
            print(f"FAIL #{i}: {exc!r} on {data.hex()} address={address} type={address_type}")
        slowest = max(slowest, time.perf_counter() - t0)
        trackers += r.tracker
    elapsed = time.perf_counter() - t_start
    print(
        f"{args.examples:,} inputs (seed {args.seed}) in {elapsed:.0f} s: {failures} failures, "
        f"{trackers:,} classified as trackers, slowest input {slowest * 1e3:.2f} ms"
    )
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
