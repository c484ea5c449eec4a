"""Score the engine on the scenario suite, beside a plain AirGuard-like rule.

Prints a Markdown table: followers alerted, false alerts (alerts from devices that do not follow;
the user's undeclared companions' devices, which really stay with her, are counted apart), and time
from the start of following to the alert (median and maximum, trackers on the move).
When the engine asks "Is this yours?" (a device of unknown kind at watch), the simulated user answers
(trackerscan.sim.answers); the questions are counted.
Run: .venv/bin/python bench/score_scenarios.py [--seeds N] [--first-seed S] [--only a,b]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

from trackerscan.engine import Engine
from trackerscan.engine.baseline import Baseline
from trackerscan.model import Level
from trackerscan.sim import build_scenario, scenario_names
from trackerscan.sim.answers import answer
from trackerscan.sim.scenarios import Scenario


def score(sc: Scenario) -> dict[str, object]:
    eng = Engine(known=sc.known_devices(), homes=sc.homes)
    base = Baseline()
    alerts: dict[str, float] = {}
    base_alerts: dict[str, float] = {}
    false_alerts: list[str] = []
    base_false: list[str] = []
    watches_false = 0
    companion_alerts: list[str] = []
    questions = 0
    for e in sc.events:
        for ch in eng.feed(e):
            truth = sc.truth_for(ch.addresses)
            name = truth.name if truth else "?"
            questions += answer(eng, ch, truth)
            if ch.level is Level.ALERT:
                if truth is not None and truth.follower:
                    alerts.setdefault(name, ch.time)
                elif truth is not None and truth.companion:
                    companion_alerts.append(name)
                else:
                    false_alerts.append(name)
            elif truth is None or not (truth.follower or truth.companion):
                watches_false += 1
        a = base.feed(e)
        if a is not None:
            truth = sc.truth_for([a])
            if truth is not None and truth.companion:
                pass
            elif truth is not None and truth.follower:
                base_alerts.setdefault(truth.name, base.alerts[a])
            else:
                base_false.append(truth.name if truth else a)
    eng.finish()
    followers = [d for d in sc.truth if d.follower]
    timed = [d for d in followers if d.timed and d.follows_from]
    delays = [alerts[d.name] - d.follows_from for d in timed if d.name in alerts]
    bdelays = [
        base_alerts[d.name] - d.follows_from
        for d in followers
        if d.timed and d.name in base_alerts and d.follows_from
    ]
    return {
        "followers": len(followers),
        "alerted": sum(1 for d in followers if d.name in alerts),
        "false": false_alerts,
        "false_watch": watches_false,
        "companion_alerts": companion_alerts,
        "delays": delays,
        "base_alerted": sum(1 for d in followers if d.name in base_alerts),
        "base_false": base_false,
        "base_delays": bdelays,
        "events": len(sc.events),
        "questions": questions,
        # Each timed follower: its name and minutes to alert (None: missed), for --dump.
        "each": [
            (d.name, (alerts[d.name] - d.follows_from) / 60 if d.name in alerts else None) for d in timed
        ],
    }


def fmt_min(values: list[float], f: object = statistics.median) -> str:
    if not values:
        return "–"
    return f"{f(values) / 60:.1f}"  # type: ignore[operator]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--first-seed", type=int, default=0, help="first seed (a fresh set to confirm on)")
    ap.add_argument("--only", default="")
    ap.add_argument("--dump", default="", help="JSON file: each follower's minutes to alert, false alerts")
    args = ap.parse_args()
    names = [n for n in scenario_names() if not args.only or n in args.only.split(",")]
    print(
        "| scenario | followers alerted | false alerts | false watches | median / max min to alert "
        "| \"Is this yours?\" | AirGuard-like: alerted | false | median / max min |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    all_d: list[float] = []
    all_b: list[float] = []
    tot = [0, 0, 0, 0, 0, 0, 0]
    t0 = time.perf_counter()
    n_events = 0
    companions: list[str] = []
    dump: list[dict[str, object]] = []
    for name in names:
        seeds = range(args.first_seed, args.first_seed + args.seeds)
        rows = [score(build_scenario(name, seed)) for seed in seeds]
        dump += [
            {"scenario": name, "seed": seed, "each": r["each"], "false": r["false"]}
            for seed, r in zip(seeds, rows, strict=True)
        ]
        fol = sum(int(r["followers"]) for r in rows)  # type: ignore[call-overload]
        al = sum(int(r["alerted"]) for r in rows)  # type: ignore[call-overload]
        fa = sum(len(r["false"]) for r in rows)  # type: ignore[arg-type]
        fw = sum(int(r["false_watch"]) for r in rows)  # type: ignore[call-overload]
        bal = sum(int(r["base_alerted"]) for r in rows)  # type: ignore[call-overload]
        bfa = sum(len(r["base_false"]) for r in rows)  # type: ignore[arg-type]
        qs = sum(int(r["questions"]) for r in rows)  # type: ignore[call-overload]
        d = [x for r in rows for x in r["delays"]]  # type: ignore[attr-defined]
        bd = [x for r in rows for x in r["base_delays"]]  # type: ignore[attr-defined]
        n_events += sum(int(r["events"]) for r in rows)  # type: ignore[call-overload]
        all_d += d
        all_b += bd
        for i, v in enumerate((fol, al, fa, fw, bal, bfa, qs)):
            tot[i] += v
        companions += [f"{name}: {x}" for r in rows for x in r["companion_alerts"]]  # type: ignore[attr-defined]
        falses = sorted({x for r in rows for x in r["false"]})  # type: ignore[attr-defined]
        note = f" ({', '.join(falses)})" if falses else ""
        print(
            f"| {name} | {al}/{fol} | {fa}{note} | {fw} | {fmt_min(d)} / {fmt_min(d, max)} | {qs} "
            f"| {bal}/{fol} | {bfa} | {fmt_min(bd)} / {fmt_min(bd, max)} |"
        )
    seeds_note = f"{args.seeds} seeds" + (f" from {args.first_seed}" if args.first_seed else "")
    print(
        f"| **all ({seeds_note})** | {tot[1]}/{tot[0]} | {tot[2]} | {tot[3]} | "
        f"{fmt_min(all_d)} / {fmt_min(all_d, max)} | {tot[6]} | {tot[4]}/{tot[0]} | {tot[5]} | "
        f"{fmt_min(all_b)} / {fmt_min(all_b, max)} |"
    )
    if companions:
        print(
            f"\nAlerts for the user's undeclared companions' devices (correct, not counted as false): "
            f"{len(companions)} ({', '.join(sorted(set(companions)))})."
        )
    if args.dump:
        with open(args.dump, "w", encoding="utf-8") as f:
            json.dump(dump, f)
    print(f"\n{n_events} events scored in {time.perf_counter() - t0:.1f} s (scenario building included).")


if __name__ == "__main__":
    main()
