"""The following-detection engine on one core: microseconds per sighting, events per second, memory.

    .venv/bin/python bench/bench_engine.py [--devices 20000] [--per-device 50] [--busy-city]

Figures (CPU time of this process, best of --repeat runs, events built beforehand):

- common case: every device already seen, at the same place, no history point or evaluation due
  (the path that decides the engine's throughput); 300 of the 20,000 known devices are in range;
- realistic mix: --devices devices with bench/advmix.py payloads (70 % non-trackers), each heard
  once a second for --per-device seconds at a random moment of a 2-hour walk with one GPS fix per
  second; through `Engine.feed(Sighting)`, `Engine.feed_sighting(*fields)` and
  `Engine.feed_sightings(columns)`;
- peak memory of the engine's own state for that run (tracemalloc, a separate run), and the
  process's peak RSS;
- with --busy-city: the 1,000,000-report busy-city capture (trackerscan.sim.busy_city), parsed
  beforehand, engine only.
"""

from __future__ import annotations

import argparse
import gc
import math
import os
import platform
import random
import resource
import sys
import tempfile
import time
import tracemalloc
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from advmix import non_tracker, random_address, tracker

from trackerscan.engine import Engine
from trackerscan.geo import offset
from trackerscan.model import AddressType, Event, Fix, Sighting

T0 = 1_777_881_600.0
WALK_S = 7200


def walk_fixes() -> list[Fix]:
    """Two hours north-east at 1.3 m/s, one fix a second."""
    return [Fix(T0 + i, *offset(52.52, 13.405, 0.9 * i, 0.9 * i), accuracy_m=5.0) for i in range(WALK_S)]


def mix_events(devices: int, per_device: int, seed: int = 1) -> list[Event]:
    rng = random.Random(seed)
    sightings: list[Sighting] = []
    for i in range(devices):
        adv = tracker(rng) if i % 10 < 3 else non_tracker(rng)
        addr = random_address(rng)
        start = T0 + rng.uniform(0, WALK_S - per_device)
        for k in range(per_device):
            sightings.append(
                Sighting(
                    start + k + rng.random() * 0.5,
                    addr,
                    AddressType.RANDOM,
                    rng.randrange(-95, -40),
                    adv,
                    "b",
                )
            )
    events: list[Event] = [*sightings, *walk_fixes()]
    events.sort(key=lambda e: e.time)
    return events


def run_feed(events: list[Event]) -> tuple[float, Engine]:
    eng = Engine()
    feed = eng.feed
    gc.collect()
    t0 = time.process_time()
    for e in events:
        feed(e)
    eng.finish()
    return time.process_time() - t0, eng


def run_fields(events: list[Event]) -> float:
    eng = Engine()
    feed = eng.feed
    fs = eng.feed_sighting
    gc.collect()
    t0 = time.process_time()
    for e in events:
        if type(e) is Sighting:
            fs(*e)
        else:
            feed(e)
    eng.finish()
    return time.process_time() - t0


def as_columns(events: list[Event]) -> list[object]:
    """Runs of sightings as columns (for feed_sightings), with the other events between them."""
    out: list[object] = []
    run: list[Sighting] = []
    for e in [*events, None]:
        if type(e) is Sighting:
            run.append(e)
            continue
        if run:
            out.append([list(col) for col in zip(*run, strict=True)][:5])
            run = []
        if e is not None:
            out.append(e)
    return out


def run_columns(items: list[object]) -> float:
    eng = Engine()
    feed = eng.feed
    fss = eng.feed_sightings
    gc.collect()
    t0 = time.process_time()
    for x in items:
        if type(x) is list:
            fss(*x)
        else:
            feed(x)  # type: ignore[arg-type]
    eng.finish()
    return time.process_time() - t0


def common_case(devices: int, n: int, in_range: int = 300) -> float:
    """µs per sighting when nothing but the per-device counters change (``in_range`` devices heard)."""
    rng = random.Random(2)
    devs = [(random_address(rng), tracker(rng) if i % 10 < 3 else non_tracker(rng)) for i in range(devices)]
    eng = Engine()
    eng.feed(Fix(T0, 52.52, 13.405, accuracy_m=5.0))
    for a, adv in devs:  # first sightings: classified, placed, evaluated (not timed)
        eng.feed(Sighting(T0 + 0.5, a, AddressType.RANDOM, -60, adv, "b"))
    near = rng.sample(devs, in_range)
    picks = [near[rng.randrange(in_range)] for _ in range(n)]
    # All within 4 s: no history point (5 s) or evaluation (20 s) falls due, no context roll (60 s).
    times = [T0 + 0.6 + 3.9 * i / n for i in range(n)]
    feed = eng.feed
    rt = AddressType.RANDOM
    sightings = [Sighting(t, a, rt, -61, adv, "b") for t, (a, adv) in zip(times, picks, strict=True)]
    gc.collect()
    t0 = time.process_time()
    for s in sightings:
        feed(s)
    return (time.process_time() - t0) / n * 1e6


def busy_city(repeat: int) -> None:
    import heapq
    from operator import attrgetter

    from trackerscan.formats.btsnoop.reader import read_sightings
    from trackerscan.formats.nmea import NmeaReader
    from trackerscan.sim.busy_city import generate

    with tempfile.TemporaryDirectory() as d:
        bc = generate(d)
        sightings = list(read_sightings(bc.btsnoop, source="b"))
        r = NmeaReader(source="n")
        fixes = [f for f in r.feed(bc.nmea.read_bytes()) + r.finish() if isinstance(f, Fix)]
    events: list[Event] = list(heapq.merge(sightings, fixes, key=attrgetter("time")))
    del sightings
    best = min(run_feed(events)[0] for _ in range(repeat))
    print(
        f"busy city ({bc.reports:,} reports from {bc.devices:,} devices, {len(fixes):,} fixes): "
        f"feed {best:.2f} s, {best / len(events) * 1e6:.2f} µs per event, {len(events) / best:,.0f} events/s"
    )
    eng = Engine()
    changes = [c for e in events for c in eng.feed(e)] + eng.finish()
    alerts = [c for c in changes if c.level.value == "alert"]
    others = [c.kind.value if c.kind else "unknown" for c in alerts if bc.follower_address not in c.addresses]
    print(
        f"  alerts: {len(alerts)} ({len(alerts) - len(others)} the follower, others: "
        f"{dict(Counter(others))}); watches: {sum(c.level.value == 'watch' for c in changes)}; "
        f"public transport rides recognised: {len(eng._ctx.ride_starts)}"
    )
    cols = as_columns(events)
    best_c = min(run_columns(cols) for _ in range(repeat))
    del cols
    print(
        f"  feed_sightings(columns): {best_c:.2f} s, {best_c / len(events) * 1e6:.2f} µs per event, "
        f"{len(events) / best_c:,.0f} events/s"
    )
    gc.collect()
    tracemalloc.start()
    eng = Engine()
    for e in events:
        eng.feed(e)
    cur, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"  engine memory: {cur / 2**20:.1f} MiB held, {peak / 2**20:.1f} MiB peak")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--devices", type=int, default=20_000)
    ap.add_argument("--per-device", type=int, default=50)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--busy-city", action="store_true")
    args = ap.parse_args()
    print(f"Python {platform.python_version()}, {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}")

    us = min(common_case(args.devices, 1_000_000) for _ in range(args.repeat))
    print(
        f"common case ({args.devices:,} devices known, 300 in range): {us:.3f} µs per sighting, "
        f"{1e6 / us:,.0f} sightings/s"
    )

    events = mix_events(args.devices, args.per_device)
    n_s = sum(1 for e in events if type(e) is Sighting)
    runs = [run_feed(events) for _ in range(args.repeat)]
    best = min(r[0] for r in runs)
    eng = runs[0][1]
    st = eng.stats
    print(
        f"realistic mix ({n_s:,} sightings from {st.devices:,} devices, {st.fixes:,} fixes, "
        f"{st.trackers:,} trackers, {st.places:,} places): feed(Sighting) {best:.2f} s, "
        f"{best / len(events) * 1e6:.3f} µs per event, {len(events) / best:,.0f} events/s"
    )
    best_f = min(run_fields(events) for _ in range(args.repeat))
    print(
        f"  feed_sighting(*fields): {best_f:.2f} s, {best_f / len(events) * 1e6:.3f} µs per event, "
        f"{len(events) / best_f:,.0f} events/s"
    )
    cols = as_columns(events)
    best_c = min(run_columns(cols) for _ in range(args.repeat))
    del cols
    print(
        f"  feed_sightings(columns): {best_c:.2f} s, {best_c / len(events) * 1e6:.3f} µs per event, "
        f"{len(events) / best_c:,.0f} events/s"
    )
    del runs, eng
    gc.collect()
    tracemalloc.start()
    eng2 = Engine()
    for e in events:
        eng2.feed(e)
    cur, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(
        f"engine memory for {eng2.stats.devices:,} devices: {cur / 2**20:.1f} MiB held, "
        f"{peak / 2**20:.1f} MiB peak ({cur / max(1, eng2.stats.devices):,.0f} bytes per device, "
        f"history points included)"
    )
    if args.busy_city:
        busy_city(args.repeat)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"process peak RSS {rss:.0f} MiB (events held in memory included)")
    if math.isnan(us):
        raise SystemExit(1)


if __name__ == "__main__":
    main()
