"""Score cellular-tracker detection on the simulated RF suite (fixed seeds).

For each scenario and seed: the trackers found (period within 10 %), the false alarms (anything
reported that is not a tracker), and how many of a tracker's bursts had been seen (and sent) when it
was first reported (the recording cut after each burst and analysed again, as a live sweep would);
of those seen, how many were clear of other traffic (no phone or interference on the same or the
next bins within 3 s: sim.rf.MASK_GAP_*; a burst under a phone's is, in power alone, part of it).
Prints a Markdown table; ``--dump`` also prints (to stderr), per tracker missed or found after more than
BURSTS_TO_FIND bursts, and per false alarm, what was seen.
Run: .venv/bin/python bench/score_rf.py [--seeds N] [--first-seed S] [--only a,b] [--dump]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time

from trackerscan.rf.bands import region_bands
from trackerscan.rf.detect import analyze
from trackerscan.rf.records import Hop, Transmitter
from trackerscan.rf.thresholds import BURSTS_TO_FIND, HOP_SPAN_HZ
from trackerscan.sim.rf import RfScenario, SimTracker, TrackerTruth, build, expected_found, scenario_names

PERIOD_TOLERANCE = 0.10  # the done-when target: period within 10 %


def matches(t: Transmitter, tr: SimTracker) -> bool:
    center = (t.low_hz + t.high_hz) / 2
    return (abs(center - tr.center_hz) <= HOP_SPAN_HZ
            and abs(t.period_s - tr.period_s) <= PERIOD_TOLERANCE * tr.period_s)


def _found(hops: list[Hop], sc: RfScenario, truth: TrackerTruth) -> bool:
    return any(matches(t, truth.tracker) for t in analyze(hops, region_bands(sc.region)).transmitters)


def bursts_to_detect(sc: RfScenario, truth: TrackerTruth) -> tuple[int, int, float, int] | None:
    """(bursts seen, bursts sent, minutes since its first, bursts seen clear of other traffic) when first
    reported, cutting the recording after each of its bursts that a sweep saw (a burst no sweep passed
    cannot be detected)."""
    seen, sent = truth.seen, truth.reports
    cut_after = truth.tracker.burst_s + 2.5  # the burst, then the sweeps that see its end
    for k in range(3, len(seen) + 1):
        cutoff = seen[k - 1] + cut_after
        if _found([h for h in sc.hops if h.time <= cutoff], sc, truth):
            clear = sum(1 for t in seen[:k] if t not in truth.masked)
            return k, sum(1 for t in sent if t <= seen[k - 1]), (seen[k - 1] - sent[0]) / 60, clear
    return None


def _dump(sc: RfScenario, truth: TrackerTruth, detect: tuple[int, int, float, int] | None) -> None:
    """One line per tracker found late or missed: its bursts seen, from its first sent (s), ``*`` when
    another emission covered it, ``|`` after the one it was found by."""
    tr, t0 = truth.tracker, truth.reports[0]
    marks = [f"{t - t0:.1f}{'*' if t in truth.masked else ''}{'|' if detect and i + 1 == detect[0] else ''}"
             for i, t in enumerate(truth.seen)]
    what = f"found by seen {detect[0]} (clear {detect[3]})" if detect else "MISSED"
    print(f"  {sc.name} seed {sc.seed}: {tr.period_s:.0f} s {tr.above_db:.0f} dB at "
          f"{tr.center_hz / 1e6:.1f} MHz {what}; seen {' '.join(marks)}", file=sys.stderr)


def _dump_false(sc: RfScenario, t: Transmitter) -> None:
    print(f"  {sc.name} seed {sc.seed}: FALSE {t.band} {t.low_hz / 1e6:.1f}-{t.high_hz / 1e6:.1f} MHz "
          f"{t.period_s} s, {t.bursts} bursts from {t.first_seen - sc.hops[0].time:.1f} s, "
          f"jitter {t.jitter_s}, confidence {t.confidence}", file=sys.stderr)


def score(sc: RfScenario, dump: bool = False) -> dict[str, object]:
    result = analyze(sc.hops, region_bands(sc.region))
    found, missed, period_err = [], [], []
    used: set[int] = set()
    for tr in sc.truth:
        hit = next((i for i, t in enumerate(result.transmitters)
                    if i not in used and matches(t, tr.tracker)), None)
        if hit is None:
            missed.append(tr)
            continue
        used.add(hit)
        found.append(tr)
        period_err.append(abs(result.transmitters[hit].period_s - tr.tracker.period_s) / tr.tracker.period_s)
    false = [t for i, t in enumerate(result.transmitters) if i not in used]
    detect = [bursts_to_detect(sc, tr) for tr in found]
    if dump:
        for tr in missed:
            if expected_found(tr.tracker):
                _dump(sc, tr, None)
        for tr, d in zip(found, detect, strict=True):
            if d is None or d[0] > BURSTS_TO_FIND:
                _dump(sc, tr, d)
        for t in false:
            _dump_false(sc, t)
    return {"trackers": len(sc.truth), "targets": sum(expected_found(t.tracker) for t in sc.truth),
            "found": len(found), "targets_found": sum(expected_found(t.tracker) for t in found),
            "false": len(false), "period_err": period_err, "detect": [d for d in detect if d is not None]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--seeds", type=int, default=10)
    ap.add_argument("--first-seed", type=int, default=0)
    ap.add_argument("--only", default="")
    ap.add_argument("--dump", action="store_true", help="what was seen of late, missed and false findings")
    args = ap.parse_args()
    names = [n for n in scenario_names() if not args.only or n in args.only.split(",")]
    t0 = time.perf_counter()
    print("| scenario | trackers found | false alarms | worst period error | bursts seen when found "
          "(median / max) | of them clear of other traffic (median / max) | bursts sent | minutes from "
          "first burst (median / max) |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    totals = {"trackers": 0, "found": 0, "false": 0, "err": [0.0], "k": [], "s": [], "m": [], "c": []}
    for name in names:
        seeds = range(args.first_seed, args.first_seed + args.seeds)
        rows = [score(build(name, seed), args.dump) for seed in seeds]
        trackers = sum(int(r["trackers"]) for r in rows)  # type: ignore[call-overload]
        found = sum(int(r["found"]) for r in rows)  # type: ignore[call-overload]
        false = sum(int(r["false"]) for r in rows)  # type: ignore[call-overload]
        errs = [e for r in rows for e in r["period_err"]]  # type: ignore[attr-defined]
        ks = [d[0] for r in rows for d in r["detect"]]  # type: ignore[attr-defined]
        ss = [d[1] for r in rows for d in r["detect"]]  # type: ignore[attr-defined]
        ms = [d[2] for r in rows for d in r["detect"]]  # type: ignore[attr-defined]
        cs = [d[3] for r in rows for d in r["detect"]]  # type: ignore[attr-defined]
        for key, v in (("trackers", trackers), ("found", found), ("false", false)):
            totals[key] += v  # type: ignore[operator]
        totals["err"] += errs  # type: ignore[operator]
        totals["k"] += ks  # type: ignore[operator]
        totals["s"] += ss  # type: ignore[operator]
        totals["m"] += ms  # type: ignore[operator]
        totals["c"] += cs  # type: ignore[operator]
        print(_row(name, trackers, found, false, errs, ks, ss, ms, cs))
    print(_row(f"**all ({args.seeds} seeds)**", totals["trackers"], totals["found"], totals["false"],  # type: ignore[arg-type]
               totals["err"], totals["k"], totals["s"], totals["m"], totals["c"]))  # type: ignore[arg-type]
    print(f"\n{time.perf_counter() - t0:.0f} s")


def _row(name: str, trackers: int, found: int, false: int, errs: list[float], ks: list[int],
         ss: list[int], ms: list[float], cs: list[int]) -> str:
    err = f"{max(errs) * 100:.1f} %" if errs else "–"
    k = f"{statistics.median(ks):.0f} / {max(ks)}" if ks else "– / –"
    s = f"{statistics.median(ss):.0f} / {max(ss)}" if ss else "– / –"
    m = f"{statistics.median(ms):.1f} / {max(ms):.1f}" if ms else "– / –"
    c = f"{statistics.median(cs):.0f} / {max(cs)}" if cs else "– / –"
    return f"| {name} | {found}/{trackers} | {false} | {err} | {k} | {c} | {s} | {m} |"


if __name__ == "__main__":
    main()
