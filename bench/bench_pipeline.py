"""CPU cost of the whole live pipeline, and what it means for a Raspberry Pi 4.

    .venv/bin/python bench/bench_pipeline.py [--reports 300000] [--devices 6000] [--minutes 60] [--runs 3]

A busy-city capture (`trackerscan.sim.busy_city`: btsnoop with every tracker
kind among thousands of rotating phones, and the user's route at 1 Hz) is
replayed at full speed through the same `trackerscan.pipeline.Pipeline` the kit
runs: replay source -> engine -> session store (SQLite, synchronous=FULL,
commits every 0.5 s).  Fixes from the route are interleaved in time order.

Reported, in CPU seconds (all threads of this process) per million advertisements:
  1. the whole pipeline: btsnoop replay + engine + recording;
  2. the same events already in memory: engine + recording, no file reading;
  3. engine alone (no recording).
From (1) it estimates the load on a Pi 4 at 500 advertisements a second,
assuming a Pi 4 core (Cortex-A72, 1.5-1.8 GHz) is 3-4x slower than one core of
this machine for this single-threaded Python code.  That ratio is an
assumption (typical of published Python benchmarks), not a measurement.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from trackerscan.model import Event, Fix, FixMode  # noqa: E402
from trackerscan.pipeline import Pipeline, make_engine  # noqa: E402
from trackerscan.sessions.writer import SessionWriter  # noqa: E402
from trackerscan.sim import busy_city  # noqa: E402
from trackerscan.sources.ble_replay import ReplaySource, read_recording  # noqa: E402

PI4_SLOWER = (3.0, 4.0)  # assumed Pi 4 core vs this machine's core, for single-threaded CPython
KIT_RATE = 500.0  # advertisements per second on a busy street (issue #8)


class WithFixes:
    """A BLE source with the route's fixes interleaved in time order (one source, so order is exact)."""

    def __init__(self, ble: Any, fixes: Sequence[Fix]) -> None:
        self.ble, self.fixes = ble, fixes

    async def start(self) -> None:
        start = getattr(self.ble, "start", None)
        if start is not None:
            await start()

    def __aiter__(self) -> AsyncIterator[Event]:
        return self._gen()

    async def _gen(self) -> AsyncIterator[Event]:
        fixes, i, n = self.fixes, 0, len(self.fixes)
        async for ev in self.ble:
            while i < n and fixes[i].time <= ev.time:
                yield fixes[i]
                i += 1
            yield ev

    async def aclose(self) -> None:
        close = getattr(self.ble, "aclose", None)
        if close is not None:
            await close()


class InMemory:
    """Events already read: the pipeline without any file reading."""

    def __init__(self, events: Sequence[Event]) -> None:
        self.events = events

    def __aiter__(self) -> AsyncIterator[Event]:
        return self._gen()

    async def _gen(self) -> AsyncIterator[Event]:
        for i, ev in enumerate(self.events):
            yield ev
            if i % 2000 == 0:
                await asyncio.sleep(0)  # as a live source does: the flusher gets its turn

    async def start(self) -> None:
        pass

    async def aclose(self) -> None:
        pass


def route_fixes(minutes: float) -> list[Fix]:
    t, lat, lon, speed, course = busy_city.route(minutes)
    return [Fix(float(t[i]), float(lat[i]), float(lon[i]), speed_mps=float(speed[i]),
                course=float(course[i]), hdop=0.9, accuracy_m=4.0, mode=FixMode.FIX_3D, satellites=9,
                source="route")
            for i in range(len(t))]


async def run_once(source: Any, record: Path | None) -> tuple[float, float, int]:
    """(cpu seconds, wall seconds, sightings) for one pass through the pipeline."""
    engine = make_engine("medium")
    writer = SessionWriter.create(record, busy_city.DEFAULT_START) if record is not None else None
    pipe = Pipeline(source, None, engine, writer, ble_name="bench")
    cpu0, wall0 = time.process_time(), time.perf_counter()
    await pipe.run()
    pipe.finish()
    if writer is not None:
        writer.close(time.time())
    return time.process_time() - cpu0, time.perf_counter() - wall0, pipe.status.sightings


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--reports", type=int, default=300_000)
    ap.add_argument("--devices", type=int, default=6_000)
    ap.add_argument("--minutes", type=float, default=60.0)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench-pipeline-") as tmp:
        d = Path(tmp)
        city = busy_city.generate(d, minutes=args.minutes, devices=args.devices, reports=args.reports)
        fixes = route_fixes(args.minutes)
        events: list[Event] = []
        fi = 0
        for ev in read_recording(city.btsnoop, "bench"):
            while fi < len(fixes) and fixes[fi].time <= ev.time:
                events.append(fixes[fi])
                fi += 1
            events.append(ev)
        print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
        print(f"input: {city.reports:,} advertisements from {city.devices:,} devices over "
              f"{args.minutes:g} min ({city.reports / (args.minutes * 60):.0f}/s recorded), "
              f"{len(fixes):,} fixes")

        results: dict[str, list[float]] = {"whole": [], "memory": [], "engine": []}
        walls: list[float] = []
        for r in range(args.runs):
            src = WithFixes(ReplaySource(city.btsnoop, 0.0, source="bench"), fixes)
            cpu, wall, n = asyncio.run(run_once(src, d / f"rec-whole-{r}"))
            results["whole"].append(cpu / n * 1e6)
            walls.append(n / wall)
            cpu, _, n = asyncio.run(run_once(InMemory(events), d / f"rec-mem-{r}"))
            results["memory"].append(cpu / n * 1e6)
            cpu, _, n = asyncio.run(run_once(InMemory(events), None))
            results["engine"].append(cpu / n * 1e6)

        def med(k: str) -> float:
            return statistics.median(results[k])

        print(f"\nCPU seconds per million advertisements (median of {args.runs} runs):")
        print(f"  1. replay -> engine -> recording (whole pipeline): {med('whole'):6.1f}")
        print(f"  2. in memory -> engine -> recording:               {med('memory'):6.1f}")
        print(f"  3. in memory -> engine only:                       {med('engine'):6.1f}")
        print(f"  whole pipeline throughput here: {statistics.median(walls):,.0f} advertisements/s (wall)")
        here = med("whole") / 1e6 * KIT_RATE
        lo, hi = (here * k for k in PI4_SLOWER)
        print(f"\nAt {KIT_RATE:.0f} advertisements/s: {here * 100:.1f} % of one core here; on a Pi 4, "
              f"assuming its core is {PI4_SLOWER[0]:g}-{PI4_SLOWER[1]:g}x slower: "
              f"{lo * 100:.1f}-{hi * 100:.1f} % of one core (the Pi 4 has four).")
        print("Live scanning adds the BLE source's own cost (bleak's D-Bus messages or bumble's HCI "
              "parsing), not measured here.")


if __name__ == "__main__":
    main()
