"""Soak: 30 simulated minutes of a busy street through the live pipeline, memory sampled every minute.

    .venv/bin/python bench/soak.py [--minutes 30] [--rate 1000] [--new-per-hour 20000] [--target-mb 200]
                                   [--engine-only] [--trace]

Synthetic time runs at full speed (the 30 minutes take a minute or two of
wall time): 1,000 advertisements a second from a changing crowd, 20,000 new
addresses an hour (each stays an exponential while, mean 2 minutes), one in
ten a tracker of some kind, one separated AirTag with the user all along, and a
1 Hz walking route.  Everything goes through `trackerscan.pipeline.Pipeline`
with the real engine and the real session store (SQLite on disk), as on the
kit.  The resident set size (RSS, from /proc/self/statm) is sampled every
simulated minute; the script prints the curve, the peak and the growth over
the last two thirds, and says whether the peak is within the target.  The
source never runs more than 2 s of events ahead of the pipeline (a live source
cannot outrun real time), and the session's buffer is committed every 0.5 s
of simulated time, as the pipeline's flusher does in real time.  --engine-only
feeds the engine without the pipeline and the store, to tell the engine's share
apart.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import platform
import random
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from types import SimpleNamespace

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from advmix import non_tracker, random_address, tracker  # noqa: E402

from trackerscan.engine import Engine  # noqa: E402
from trackerscan.model import AddressType, Event, Fix, FixMode, LevelChange, Sighting  # noqa: E402
from trackerscan.pipeline import FLUSH_INTERVAL_S, Pipeline, make_engine  # noqa: E402
from trackerscan.sessions.writer import SessionWriter  # noqa: E402
from trackerscan.sim import busy_city  # noqa: E402

START = busy_city.DEFAULT_START
# A separated AirTag (trackers.md, test vector T1)
FOLLOWER_ADV = bytes.fromhex("1EFF4C001219102807CE0B3C33332ED37B5D9D8291B1D99D0B8615189700E0")
STAY_MEAN_S = 120.0  # how long a new address stays in range, mean (assumed: people passing, a bus stop)
TRACKER_SHARE = 0.10  # share of new addresses that are trackers of some kind (assumed, a busy city)


def rss_mb() -> float:
    with open("/proc/self/statm") as f:
        pages = int(f.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 1e6


class Crowd:
    """The synthetic street, as one source (fixes and sightings in time order), sampling RSS each minute."""

    def __init__(self, minutes: float, rate: float, new_per_hour: float, seed: int = 7) -> None:
        self.minutes, self.rate, self.new_per_s = minutes, rate, new_per_hour / 3600.0
        self.rng = random.Random(seed)
        self.samples: list[tuple[int, float, int]] = []  # (minute, RSS MB, addresses so far)
        self.addresses = 0
        self.engine: object | None = None
        self.backlog: Callable[[], int] = lambda: 0  # events waiting in the pipeline's queue
        self.backlogs: list[int] = []
        # Commits the session's buffer (Pipeline._flush): called every FLUSH_INTERVAL_S of simulated
        # time, as the pipeline's own flusher does in real time.  Without it, at ~80x real time, the
        # 0.5 s wall-clock flusher lets 40,000-110,000 sightings (6-15 MB) wait in the buffer.
        self.flush: Callable[[], None] = lambda: None

    def __aiter__(self) -> AsyncIterator[Event]:
        return self._gen()

    def _newcomer(self, t: float) -> list[object]:
        rng = self.rng
        self.addresses += 1
        adv = tracker(rng) if rng.random() < TRACKER_SHARE else non_tracker(rng)
        return [random_address(rng), adv, t + rng.expovariate(1.0 / STAY_MEAN_S)]

    async def _gen(self) -> AsyncIterator[Event]:
        rng = self.rng
        t_route, lat, lon, speed, course = busy_city.route(self.minutes)
        seconds = len(t_route)
        crowd = [self._newcomer(START) for _ in range(round(self.new_per_s * STAY_MEAN_S))]
        follower = "FB:6D:08:3D:25:A4"
        per_s = int(self.rate)
        flush_every = max(1, round(per_s * FLUSH_INTERVAL_S))
        for s in range(seconds):
            t = START + s
            if s % 60 == 0:
                self.samples.append((s // 60, rss_mb(), self.addresses))
                self.backlogs.append(self.backlog())
            yield Fix(t, float(lat[s]), float(lon[s]), speed_mps=float(speed[s]), course=float(course[s]),
                      hdop=0.9, accuracy_m=4.0, mode=FixMode.FIX_3D, satellites=9, source="route")
            # arrivals (Poisson) and departures
            arrivals = 0
            acc = rng.expovariate(self.new_per_s)
            while acc < 1.0:
                arrivals += 1
                acc += rng.expovariate(self.new_per_s)
            crowd = [d for d in crowd if d[2] > t]
            crowd += [self._newcomer(t) for _ in range(arrivals)]
            n = len(crowd)
            for i in range(per_s):
                ts = t + i / per_s
                if i % flush_every == 0:
                    self.flush()
                if i == 0 and s % 2 == 0:  # the follower, every 2 s
                    yield Sighting(ts, follower, AddressType.RANDOM, -60, FOLLOWER_ADV, "soak")
                    continue
                d = crowd[rng.randrange(n)]
                yield Sighting(ts, d[0], AddressType.RANDOM, -60 - rng.randrange(35), d[1], "soak")
            await asyncio.sleep(0)  # let the pipeline's flusher commit, as with a live source
            # A live source cannot run ahead of the pipeline by more than real time allows; this one
            # runs many times faster than real time, so it waits while more than 2 s of events are
            # queued (without it the unbounded queue grows ~20,000 events, ~4 MB, per minute).
            while self.backlog() > 2 * per_s:
                await asyncio.sleep(0.001)
        self.samples.append((seconds // 60, rss_mb(), self.addresses))
        self.backlogs.append(self.backlog())

    async def start(self) -> None:
        pass

    async def aclose(self) -> None:
        pass


class _EngineOnly:
    """What the report needs of a Pipeline, for --engine-only: the engine fed directly, no store."""

    def __init__(self, crowd: Crowd, engine: Engine) -> None:
        self.crowd, self.engine = crowd, engine
        self.status = SimpleNamespace(sightings=0, fixes=0)
        self.changes: list[LevelChange] = []

    async def run(self) -> None:
        feed, st = self.engine.feed, self.status
        async for e in self.crowd:
            if type(e) is Sighting:
                st.sightings += 1
            else:
                st.fixes += 1
            self.changes.extend(feed(e))

    def finish(self) -> None:
        self.changes.extend(self.engine.finish())


async def soak(args: argparse.Namespace, directory: Path) -> tuple[Crowd, Pipeline, float, float]:
    crowd = Crowd(args.minutes, args.rate, args.new_per_hour)
    engine = make_engine("medium")
    if args.engine_only:
        only = _EngineOnly(crowd, engine)
        cpu0, wall0 = time.process_time(), time.perf_counter()
        await only.run()
        only.finish()
        return crowd, only, time.process_time() - cpu0, time.perf_counter() - wall0  # type: ignore[return-value]
    writer = SessionWriter.create(directory, START)
    pipe = Pipeline(crowd, None, engine, writer, ble_name="soak")
    crowd.backlog = pipe._queue.qsize  # the source runs faster than real time: how far ahead it is
    crowd.flush = pipe._flush  # ... so it also commits in simulated time, as a live run would
    cpu0, wall0 = time.process_time(), time.perf_counter()
    await pipe.run()
    pipe.finish()
    writer.close(START + args.minutes * 60)
    return crowd, pipe, time.process_time() - cpu0, time.perf_counter() - wall0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--minutes", type=float, default=30.0)
    ap.add_argument("--rate", type=float, default=1000.0, help="advertisements per simulated second")
    ap.add_argument("--new-per-hour", type=float, default=20_000.0)
    ap.add_argument("--target-mb", type=float, default=200.0)
    ap.add_argument("--engine-only", action="store_true",
                    help="feed the engine directly, without the pipeline and the session store")
    ap.add_argument("--trace", action="store_true",
                    help="list where the memory held at the end was allocated (tracemalloc; slower)")
    args = ap.parse_args()
    if args.trace:
        import tracemalloc

        tracemalloc.start()
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    print(f"start RSS: {rss_mb():.0f} MB (interpreter, numpy and the project's modules)")
    with tempfile.TemporaryDirectory(prefix="soak-") as tmp:
        crowd, pipe, cpu, wall = asyncio.run(soak(args, Path(tmp)))
        size = sum(p.stat().st_size for p in Path(tmp).iterdir())
    print(f"simulated {args.minutes:g} min: {pipe.status.sightings:,} advertisements, {crowd.addresses:,} "
          f"addresses, {pipe.status.fixes:,} fixes; wall {wall:.0f} s, CPU {cpu:.0f} s; "
          f"session {size / 1e6:.0f} MB")
    print("\nminute  RSS MB  addresses so far  events queued")
    for (minute, mb, addrs), queued in zip(crowd.samples, crowd.backlogs, strict=True):
        print(f"{minute:6d}  {mb:6.1f}  {addrs:16,}  {queued:13,}")
    peak = max(mb for _, mb, _ in crowd.samples)
    third = max(1, math.floor(len(crowd.samples) / 3))
    a, b = crowd.samples[third], crowd.samples[-1]
    slope = (b[1] - a[1]) / max(1, b[0] - a[0])
    verdict = "met" if peak <= args.target_mb else "NOT met"
    print(f"\npeak RSS {peak:.1f} MB (target <= {args.target_mb:g} MB: {verdict}); "
          f"from minute {a[0]} to {b[0]}: {b[1] - a[1]:+.1f} MB ({slope:+.2f} MB per simulated minute)")
    with open("/proc/self/status") as f:
        parts = [ln.split(":")[0] + " " + ln.split(":")[1].strip() for ln in f if ln.startswith("Rss")]
    print("at the end: " + ", ".join(parts) + " (anonymous: Python and SQLite heaps; file, shmem: mappings)")
    if args.trace:
        import tracemalloc

        print("\nmemory held at the end, by allocation site (top 8):")
        for stat in tracemalloc.take_snapshot().statistics("lineno")[:8]:
            print(f"  {stat.size / 1e6:6.1f} MB  {stat.count:8,} blocks  {stat.traceback[0]}")
    changes = pipe.changes
    print(f"level changes: {len(changes)} ({sum(c.level.value == 'alert' for c in changes)} alerts)")


if __name__ == "__main__":
    main()
