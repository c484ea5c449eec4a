"""NMEA reader throughput: sentences per second on one core, against pynmea2 for scale.

Run: .venv/bin/python bench/bench_nmea.py   (figures are per CPU-second of one core: process time)
Input: the real receiver logs in tests/data/nmea/ (gpsd regression logs, BSD-2-Clause),
repeated to about 1.2 million sentences (a mix of RMC, GGA, GSA, GSV, VTG, GLL, ZDA and
the boat's HDG/MWV/DPT... sentences, as a receiver sends them).
"""

from __future__ import annotations

import contextlib
import time
from pathlib import Path

from trackerscan.formats.nmea import NmeaReader

DATA = Path(__file__).resolve().parent.parent / "tests" / "data" / "nmea"
TARGET = 200_000  # sentences/s on one core (issue #3)


def corpus(skip: str = "") -> tuple[bytes, int]:
    lines: list[bytes] = []
    for log in sorted(DATA.glob("*.log")):
        if skip and log.name == skip:
            continue
        lines += [ln for ln in log.read_bytes().splitlines() if ln.startswith(b"$")]
    block = b"\r\n".join(lines) + b"\r\n"
    reps = max(1, 1_200_000 // len(lines))
    return block * reps, len(lines) * reps


def bench_ours(data: bytes, n: int, label: str) -> float:
    best = 0.0
    for _ in range(3):
        reader = NmeaReader(max_speed_mps=1e12)  # the logs repeat: don't let continuity reject
        start = time.process_time()  # CPU time of this process: other load on the machine does not count
        chunk = 65536
        fixes = 0
        for i in range(0, len(data), chunk):
            fixes += len(reader.feed(data[i : i + chunk]))
        fixes += len(reader.finish())
        elapsed = time.process_time() - start
        best = max(best, n / elapsed)
    print(f"trackerscan NmeaReader, {label}: {best:,.0f} sentences/s ({n:,} sentences, "
          f"{len(data) / 1e6:.1f} MB, {reader.sentences:,} with good checksums, {fixes:,} records)")
    return best


def bench_pynmea2(data: bytes) -> None:
    import pynmea2

    lines = data.decode("ascii", "replace").splitlines()[:100_000]
    start = time.process_time()
    for line in lines:
        with contextlib.suppress(pynmea2.ParseError):
            pynmea2.parse(line, check=True)
    rate = len(lines) / (time.process_time() - start)
    print(f"pynmea2.parse (parse only, no fix assembly): {rate:,.0f} sentences/s")


def main() -> None:
    data, n = corpus()
    rate = bench_ours(data, n, "all logs")
    gps_data, gps_n = corpus(skip="bundg_zeus_9.log")
    rate = min(rate, bench_ours(gps_data, gps_n, "GPS receivers only (no boat instruments)"))
    bench_pynmea2(gps_data)
    print(f"target {TARGET:,}/s: {'met' if rate >= TARGET else 'NOT met'}")


if __name__ == "__main__":
    main()
