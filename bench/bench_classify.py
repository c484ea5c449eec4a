"""Classified advertisements per second on one core, on a realistic mix.

    .venv/bin/python bench/bench_classify.py [--adverts 2000000] [--devices 2000]

Prints two figures: the steady state (devices repeat their frames, so tracker
frames hit the memo after their first sighting, as in a real capture), and a
worst case where every advertisement is a new payload (no memo hits).
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from advmix import build_mix

from trackerscan.adv import classify


def run(mix: list, repeat: int = 3) -> float:
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        for adv, address, address_type in mix:
            classify(adv, address, address_type)
        best = min(best, time.perf_counter() - t0)
    return len(mix) / best


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--adverts", type=int, default=2_000_000)
    ap.add_argument("--devices", type=int, default=2_000)
    args = ap.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core
    steady = build_mix(args.devices, args.adverts)
    trackers = sum(classify(a, b, c).tracker for a, b, c in steady[:100_000]) / 100_000
    rate = run(steady)
    distinct = {m[0]: m for m in build_mix(200_000, 200_000, seed=7)}
    cold = run(list(distinct.values()), repeat=1)  # every payload new: no memo hits
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    print(
        f"mix: {args.adverts:,} advertisements from {args.devices:,} devices, {trackers:.0%} tracker frames"
    )
    print(f"steady state: {rate:,.0f} advertisements/s on one core")
    print(f"every payload new (no memo hits): {cold:,.0f} advertisements/s")


if __name__ == "__main__":
    main()
