"""Session storage: bytes per sighting, the size of 8 hours at 500 advertisements a second, and speed.

    .venv/bin/python bench/bench_storage.py [--minutes 10] [--rate 500] [--dir DIR]

Writes ``--minutes`` of simulated scanning at ``--rate`` advertisements a second
through `SessionWriter` exactly as the live pipeline does (a commit every
0.5 s of scan time, WAL, synchronous=FULL: one fsync per commit), then reports:

- bytes per sighting (database file after close) and the projected size of
  8 h at 500/s (the issue's budget: 500 MB);
- CPU time per sighting written, commit (fsync) latency p50/p99;
- read-back speed (`read_events`).

Two populations are measured:
  realistic: ~150 devices in range, a passer-by replaced every 2 s; phones
    change their payload about once a minute and rotate their address every
    15 min, trackers rotate address and payload every 15 min (trackers.md),
    other devices keep theirs (bench/advmix.py supplies the frames);
  worst case: every advertisement carries a payload never seen before.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from advmix import non_tracker, random_address, tracker

from trackerscan.formats.session import Session, read_events
from trackerscan.model import AddressType, Fix, Sighting
from trackerscan.sessions.writer import SessionWriter

T0 = 1_763_900_000.0
IN_RANGE = 150
PASSER_BY_EVERY_S = 2.0
PHONE_PAYLOAD_S = 60.0
ROTATION_S = 900.0


class Device:
    def __init__(self, rng: random.Random, t: float) -> None:
        self.rng = rng
        self.kind = rng.choices(["phone", "tracker", "other"], [0.6, 0.15, 0.25])[0]
        self.address = random_address(rng)
        self.adv = self._frame()
        self.next_payload = t + rng.expovariate(1 / PHONE_PAYLOAD_S) if self.kind == "phone" else 1e18
        self.next_rotation = t + rng.uniform(0, ROTATION_S) if self.kind != "other" else 1e18
        self.rssi = rng.randrange(-95, -45)

    def _frame(self) -> bytes:
        return tracker(self.rng) if self.kind == "tracker" else non_tracker(self.rng)

    def advance(self, t: float) -> None:
        if t >= self.next_rotation:
            self.address, self.adv = random_address(self.rng), self._frame()
            self.next_rotation = t + ROTATION_S
        elif t >= self.next_payload:
            self.adv = self._frame()
            self.next_payload = t + self.rng.expovariate(1 / PHONE_PAYLOAD_S)


def simulate(seconds: float, rate: float, unique: bool, seed: int = 7) -> list[Sighting | Fix]:
    rng = random.Random(seed)
    devices = [Device(rng, T0) for _ in range(IN_RANGE)]
    out: list[Sighting | Fix] = []
    dt = 1.0 / rate
    t = T0
    next_passer = T0 + PASSER_BY_EVERY_S
    next_fix = T0
    n = int(seconds * rate)
    for i in range(n):
        if t >= next_fix:
            out.append(Fix(t, 51.5 + (t - T0) * 1e-5, -0.12, accuracy_m=5.0, source="nmea"))
            next_fix += 1.0
        if t >= next_passer:
            devices[rng.randrange(IN_RANGE)] = Device(rng, t)
            next_passer += PASSER_BY_EVERY_S
        d = devices[rng.randrange(IN_RANGE)]
        d.advance(t)
        adv = d.adv if not unique else d.adv[:-4] + i.to_bytes(4, "little")
        rssi = max(-100, min(-30, d.rssi + rng.randrange(-6, 7)))
        out.append(Sighting(t, d.address, AddressType.RANDOM, rssi, adv, "hci0", True))
        t += dt * rng.uniform(0.5, 1.5)
    return out


def run(label: str, events: list[Sighting | Fix], directory: Path, rate: float) -> None:
    sightings = sum(1 for e in events if type(e) is Sighting)
    w = SessionWriter.create(directory, T0 + hash(label) % 1000)
    commits: list[float] = []
    cpu0 = time.process_time()
    wall0 = time.perf_counter()
    next_flush = events[0].time + 0.5
    for e in events:
        if e.time >= next_flush:
            c0 = time.perf_counter()
            w.flush()
            commits.append(time.perf_counter() - c0)
            next_flush += 0.5
        w.add(e)
    w.close(events[-1].time)
    cpu = time.process_time() - cpu0
    wall = time.perf_counter() - wall0
    size = sum(p.stat().st_size for p in directory.glob(w.path.name + "*"))
    with Session.open(w.path) as s:
        counts = s.counts()
    r0 = time.perf_counter()
    n_read = sum(1 for _ in read_events(w.path))
    read_s = time.perf_counter() - r0
    per = size / sightings
    projected = per * 500 * 8 * 3600
    commits.sort()
    print(f"\n== {label}: {sightings:,} sightings ({len(events) - sightings:,} fixes), "
          f"{counts['emitter']:,} addresses, {counts['payload']:,} distinct payloads")
    print(f"   file {size / 1e6:.1f} MB = {per:.1f} bytes per sighting (all tables, indexes, free pages)")
    print(f"   8 h at 500/s: {500 * 8 * 3600:,} sightings -> {projected / 1e6:.0f} MB (budget 500 MB)")
    print(f"   write: {cpu / sightings * 1e6:.1f} us CPU per sighting ({sightings / wall:,.0f}/s wall); "
          f"at {rate:.0f}/s that is {cpu / sightings * rate * 100:.1f} % of one core")
    print(f"   commit (fsync): p50 {statistics.median(commits) * 1e3:.2f} ms, "
          f"p99 {commits[int(len(commits) * 0.99)] * 1e3:.2f} ms over {len(commits)} commits")
    print(f"   read back: {n_read:,} events in {read_s:.2f} s ({n_read / read_s:,.0f}/s)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--minutes", type=float, default=10.0)
    ap.add_argument("--rate", type=float, default=500.0)
    ap.add_argument("--dir", help="where to write (default: a temporary folder on the system disk)")
    args = ap.parse_args()
    print(f"Python {platform.python_version()}, {platform.machine()}, {os.cpu_count()} cores, "
          f"{args.minutes:g} min at {args.rate:g}/s per population")
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        for label, unique in (("realistic", False), ("worst case, every payload new", True)):
            events = simulate(args.minutes * 60, args.rate, unique)
            d = Path(tmp) / label.split()[0].strip(",")
            run(label, events, d, args.rate)


if __name__ == "__main__":
    main()
