"""Speed of `trackerscan analyze` on a two-hour busy-city capture, against tshark reading the same file.

    .venv/bin/python bench/bench_analyze.py [--reports 1000000] [--devices 20000] [--minutes 120]
                                            [--runs 3] [--forms legacy,extended] [--keep DIR]
                                            [--against DIR]

Writes the capture (btsnoop 1002 + NMEA) with `trackerscan.sim.busy_city`, and the same adverts as a
Bluetooth 5 controller reports them (each in an LE Extended Advertising Report, as Android and BlueZ log
a scan on such a controller).  For each form, --runs rounds of: `python -m trackerscan analyze --ble F
--gps N --json` as a subprocess (wall time; peak RSS of the child from getrusage(RUSAGE_CHILDREN), each
child timed from its own small parent), `tshark -r F -T fields -e bthci_evt.bd_addr` on the same file,
and with --against the same analyze from the previous code, in an order that turns round each round;
each ratio is taken within a round (the machine is shared: the load moves between rounds).  Then the
btsnoop reader alone in this process (as columns, what analyze feeds the engine, and as Sightings).
Both forms, and the previous code, must give the same alerts.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from trackerscan.analysis import read_gps  # noqa: E402
from trackerscan.formats.btsnoop.reader import read_sightings  # noqa: E402
from trackerscan.sim.busy_city import generate  # noqa: E402

TARGET_S = 2.0  # issue #4: 1M reports end to end within 2 s on one core
TARGET_MB = 200.0  # issue #13: peak memory
TARGET_TSHARK = 4.0  # issue #13: analyze at least this many times faster than tshark reading the capture


# Runs analyze from a small parent, so that getrusage(RUSAGE_CHILDREN) sees analyze's peak alone (a child
# forked from this process would count this process's pages until it execs).
_TIMER = """
import json, resource, subprocess, sys, time
cmd = json.loads(sys.argv[1])
out = subprocess.DEVNULL if sys.argv[2:] == ["discard"] else subprocess.PIPE
t = time.perf_counter()
p = subprocess.run(cmd, stdout=out, stderr=subprocess.PIPE, text=True)
wall = time.perf_counter() - t
sys.stderr.write(p.stderr)
ru = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps([wall, ru.ru_maxrss, ru.ru_utime + ru.ru_stime]))
sys.stdout.write(p.stdout or "")
sys.exit(p.returncode)
"""

# Legacy event type -> the extended report's event type for the same legacy PDU (Core v5.4, Vol 4, Part E,
# 7.7.65.13): ADV_IND, ADV_DIRECT_IND, ADV_SCAN_IND, ADV_NONCONN_IND, SCAN_RSP to an ADV_IND.
_EXT_OF_LEGACY = np.array([0x13, 0x15, 0x12, 0x10, 0x1B], dtype=np.uint8)


def extended_copy(src: Path, dst: Path) -> int:
    """Write the H4 capture ``src`` (one legacy report per record) with each report as an LE Extended
    Advertising Report, as a Bluetooth 5 controller logs the same adverts; return the record count."""
    raw = np.fromfile(src, dtype=np.uint8)
    data = raw.tobytes()
    offsets = []
    o, n = 16, len(data)
    while o < n:
        offsets.append(o)
        o += 24 + int.from_bytes(data[o + 4 : o + 8], "big")
    offs = np.array(offsets, dtype=np.int64)
    if not (raw[offs + 24] == 0x04).all() or not (raw[offs + 27] == 0x02).all():
        raise SystemExit("extended_copy takes an H4 capture of legacy advertising reports")
    # legacy H4 record: header (24), 04, 3E, length, 02, 01, event type, address type, address (6), data
    # length, data, RSSI.  Extended: header, 04, 3E, length, 0D, 01, event type (2), address type,
    # address (6), primary PHY, secondary PHY, SID, TX power, RSSI, interval (2), direct address type and
    # address (7), data length, data.
    dlen = raw[offs + 37].astype(np.int64)
    size = 24 + 1 + 2 + 2 + 24 + dlen
    new = 16 + np.concatenate(([0], np.cumsum(size)[:-1]))
    out = np.zeros(16 + int(size.sum()), dtype=np.uint8)
    out[:16] = raw[:16]
    incl = (size - 24).astype(">u4").view(np.uint8).reshape(-1, 4)
    for k in range(4):
        out[new + k] = incl[:, k]
        out[new + 4 + k] = incl[:, k]
    for k in range(8, 24):  # flags, drops, time
        out[new + k] = raw[offs + k]
    out[new + 24] = 0x04
    out[new + 25] = 0x3E
    out[new + 26] = (2 + 24 + dlen).astype(np.uint8)
    out[new + 27] = 0x0D
    out[new + 28] = 1
    out[new + 29] = _EXT_OF_LEGACY[raw[offs + 29]]
    for k in range(7):  # address type, address
        out[new + 31 + k] = raw[offs + 30 + k]
    out[new + 38] = 1  # LE 1M
    out[new + 40] = 0xFF  # no ADI
    out[new + 41] = 127  # TX power not available
    out[new + 42] = raw[offs + 38 + dlen]  # RSSI
    out[new + 52] = dlen.astype(np.uint8)
    for j in range(int(dlen.max())):
        sel = dlen > j
        out[new[sel] + 53 + j] = raw[offs[sel] + 38 + j]
    fd = os.open(dst, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(out.tobytes())
    return len(offsets)


# Runs `python -m trackerscan` from the trackerscan package under a given folder (this checkout, or the
# previous code's with --against): both sides start the same way.  The editable install's finder is
# set aside so that the folder's package is the one imported.
_LAUNCH = """
import runpy, sys
root = sys.argv.pop(1)
sys.meta_path[:] = [f for f in sys.meta_path if "editable" not in getattr(f, "__module__", "")]
sys.path.insert(0, root)
sys.argv[0] = "trackerscan"
runpy.run_module("trackerscan", run_name="__main__", alter_sys=True)
"""


def _timed(cmd: list[str], discard: bool = False) -> tuple[float, float, float, str]:
    """Wall time, peak RSS (MB) and CPU time of ``cmd`` run from the small timer parent, and its output."""
    proc = subprocess.run([sys.executable, "-c", _TIMER, json.dumps(cmd), *(["discard"] if discard else [])],
                          capture_output=True, text=True, cwd=REPO)
    if proc.returncode != 0:
        print(proc.stderr, file=sys.stderr)
        raise SystemExit(1)
    timing, _, stdout = proc.stdout.partition("\n")
    wall, maxrss_kb, cpu = json.loads(timing)
    return wall, maxrss_kb / 1024, cpu, stdout


def _spread(xs: list[float], fmt: str = "{:.2f}") -> str:
    return ", ".join(fmt.format(x) for x in xs)


def measure(
    label: str, btsnoop: Path, nmea: Path, reports: int, follower: str, runs: int, against: Path | None
) -> dict[str, object]:
    """Rounds of: analyze --json from this checkout, tshark on the same file and (with ``against``) analyze
    from the previous code, in an order that turns round each round; then the reader alone (best of 3).
    Each ratio is taken within one round, so the machine's load is about the same for both sides."""
    print(f"--- {label}: {btsnoop.stat().st_size / 1e6:.1f} MB btsnoop")
    args = ["analyze", "--ble", str(btsnoop), "--gps", str(nmea), "--json"]
    sides: dict[str, list[str]] = {"new": [sys.executable, "-c", _LAUNCH, str(REPO), *args]}
    if against is not None:
        sides["old"] = [sys.executable, "-c", _LAUNCH, str(against), *args]
    tshark = shutil.which("tshark")
    if tshark is None:
        print("tshark: not installed (apt install tshark)")
    else:
        sides["tshark"] = [tshark, "-r", str(btsnoop), "-T", "fields", "-e", "bthci_evt.bd_addr"]
    walls: dict[str, list[float]] = {k: [] for k in sides}
    cpus: dict[str, list[float]] = {k: [] for k in sides}
    peaks: dict[str, list[float]] = {k: [] for k in sides}
    loads: list[float] = []
    outputs: dict[str, dict[str, object]] = {}
    names = list(sides)
    for r in range(runs):
        loads.append(os.getloadavg()[0])
        for k in names[r % len(names):] + names[: r % len(names)]:
            wall, peak, cpu, stdout = _timed(sides[k], discard=k == "tshark")
            walls[k].append(wall)
            cpus[k].append(cpu)
            peaks[k].append(peak)
            if k != "tshark":
                outputs[k] = json.loads(stdout)
    result = outputs["new"]
    alerts = result["alerts"]
    assert isinstance(alerts, list)
    found = any(a["level"] == "alert" and follower in a["addresses"] for a in alerts)
    levels = {lv: sum(1 for a in alerts if a["level"] == lv) for lv in ("watch", "alert")}
    best = min(walls["new"])
    print(f"analyze --json: best {best:.2f} s of {runs} ({_spread(walls['new'])}), "
          f"{reports / best:,.0f} reports/s end to end, peak RSS {max(peaks['new']):.0f} MB; "
          f"CPU time {_spread(cpus['new'])} s; load average before each round: {_spread(loads)}")
    print(f"  follower {follower} at alert: {'yes' if found else 'NO'}; "
          f"entries: {levels['watch']} watch, {levels['alert']} alert; stats: {result['stats']}")
    out: dict[str, object] = {"best": best, "peak": max(peaks["new"]), "tshark": None, "alerts": alerts,
                              "found": found}
    if "old" in sides:
        same = outputs["old"]["alerts"] == alerts
        wr = [o / n for o, n in zip(walls["old"], walls["new"], strict=True)]
        cr = [o / n for o, n in zip(cpus["old"], cpus["new"], strict=True)]
        print(f"previous code ({against}): wall {_spread(walls['old'])} s, "
              f"CPU time {_spread(cpus['old'])} s, peak RSS {max(peaks['old']):.0f} MB; "
              f"this code is {min(wr):.2f}-{max(wr):.2f}x as fast "
              f"round by round (CPU time {min(cr):.2f}-{max(cr):.2f}x); "
              f"same alerts: {'yes' if same else 'NO'}")
        out["same_as_old"] = same

    col_all = []
    sig_s = float("inf")
    n = 0
    for _ in range(3):
        t = time.perf_counter()
        reader = read_sightings(btsnoop)
        n = sum(len(b.times) if isinstance(b, tuple) else len(b) for b in reader.batches())
        col_all.append(time.perf_counter() - t)
        reader.close()
        t = time.perf_counter()
        reader = read_sightings(btsnoop)
        sum(1 for _ in reader)
        sig_s = min(sig_s, time.perf_counter() - t)
        reader.close()
    col_s = min(col_all)
    print(f"btsnoop reader alone: {col_s:.3f} s for {n:,} reports as columns ({n / col_s:,.0f}/s; runs "
          f"{_spread(col_all, '{:.3f}')}), {sig_s:.3f} s as Sightings")

    if "tshark" in sides:
        ts = walls["tshark"]
        wr = [t / a for t, a in zip(ts, walls["new"], strict=True)]
        cr = [t / a for t, a in zip(cpus["tshark"], cpus["new"], strict=True)]
        print(f"tshark -T fields -e bthci_evt.bd_addr: {_spread(ts)} s, "
              f"CPU time {_spread(cpus['tshark'])} s; analyze is {min(wr):.1f}-{max(wr):.1f}x faster "
              f"round by round (best against best "
              f"{min(ts) / best:.1f}x; CPU time {min(cr):.1f}-{max(cr):.1f}x), the reader alone "
              f"{min(ts) / col_s:.0f}x")
        out["tshark"] = min(ts)
        out["tshark_ratios"] = wr
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--reports", type=int, default=1_000_000)
    ap.add_argument("--devices", type=int, default=20_000)
    ap.add_argument("--minutes", type=float, default=120.0)
    ap.add_argument("--runs", type=int, default=3,
                    help="rounds of analyze and tshark (and the previous code); default 3")
    ap.add_argument("--forms", default="legacy,extended",
                    help="capture forms to measure: legacy (LE Advertising Reports), extended (the same "
                         "adverts in LE Extended Advertising Reports); default both")
    ap.add_argument("--keep", metavar="DIR", help="write the capture here and keep it")
    ap.add_argument("--against", metavar="DIR",
                    help="also run analyze from the trackerscan package in DIR (a checkout of the previous "
                         "code, e.g. `git worktree add DIR main`), alternated with this one round by round")
    args = ap.parse_args()
    forms = [f for f in args.forms.split(",") if f]
    if not forms or set(forms) - {"legacy", "extended"}:
        ap.error("--forms takes legacy, extended or both")

    tmp = None
    if args.keep:
        out = Path(args.keep)
    else:
        tmp = tempfile.TemporaryDirectory(prefix="bench-analyze-")
        out = Path(tmp.name)
    print(f"machine: {os.cpu_count()} cores, {platform.processor() or platform.machine()}, "
          f"Python {platform.python_version()}")
    t = time.perf_counter()
    bc = generate(out, args.minutes, args.devices, args.reports)
    gen_s = time.perf_counter() - t
    print(f"capture: {bc.reports:,} reports from {bc.devices:,} devices over {args.minutes:.0f} min, "
          f"{bc.btsnoop.stat().st_size / 1e6:.1f} MB btsnoop; written in {gen_s:.2f} s")
    t = time.perf_counter()
    fixes = read_gps(bc.nmea).fixes
    print(f"NMEA log alone: {time.perf_counter() - t:.2f} s for {len(fixes):,} fixes")
    print(f"load average: {os.getloadavg()[0]:.2f} (other work on the machine slows every figure)")

    results = {}
    for form in forms:
        path = bc.btsnoop
        if form == "extended":
            path = out / "busy-city-extended.btsnoop"
            extended_copy(bc.btsnoop, path)
        results[form] = measure(form, path, bc.nmea, bc.reports, bc.follower_address, args.runs,
                                Path(args.against).resolve() if args.against else None)
    if len(results) == 2:
        same = results["legacy"]["alerts"] == results["extended"]["alerts"]
        print(f"same alerts from both forms: {'yes' if same else 'NO'}")
    for form, r in results.items():
        best, peak, tshark_s = r["best"], r["peak"], r["tshark"]
        assert isinstance(best, float) and isinstance(peak, float)
        ok_t = "met" if best <= TARGET_S else "MISSED"
        ok_m = "met" if peak <= TARGET_MB else "MISSED"
        line = (f"targets ({form}): time <= {TARGET_S:.0f} s {ok_t} ({best:.2f} s); "
                f"memory <= {TARGET_MB:.0f} MB {ok_m} ({peak:.0f} MB)")
        ratios = r.get("tshark_ratios")
        if isinstance(tshark_s, float) and isinstance(ratios, list):
            ok_r = "met" if min(ratios) >= TARGET_TSHARK else "MISSED"
            line += (f"; >= {TARGET_TSHARK:.0f}x tshark in every round {ok_r} "
                     f"({min(ratios):.1f}-{max(ratios):.1f}x)")
        print(line)
    if tmp is not None:
        tmp.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
