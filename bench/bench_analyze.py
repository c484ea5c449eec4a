"""Speed of `trackerscan analyze` on a two-hour busy-city capture, against tshark reading the same file.

    .venv/bin/python bench/bench_analyze.py [--reports 1000000] [--devices 20000] [--minutes 120]
                                            [--runs 3] [--forms legacy,extended] [--keep DIR]

Writes the capture (btsnoop 1002 + NMEA) with `trackerscan.sim.busy_city`, and the same adverts as a
Bluetooth 5 controller reports them (each in an LE Extended Advertising Report, as Android and BlueZ log
a scan on such a controller).  For each form: runs `python -m trackerscan analyze --ble F --gps N --json`
as a subprocess (wall time; peak RSS of the child from getrusage(RUSAGE_CHILDREN), measured before any
other child runs), times the btsnoop reader alone in this process (as columns, what analyze feeds the
engine, and as Sightings), then `tshark -r F -T fields -e bthci_evt.bd_addr` on the same file, and
prints each as a ratio to tshark measured in the same run.  Both forms must give the same alerts.
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


def measure(
    label: str, btsnoop: Path, nmea: Path, reports: int, follower: str, runs: int
) -> dict[str, object]:
    """analyze --json (best of ``runs``), the reader alone (best of 3), tshark (once): print, return them."""
    print(f"--- {label}: {btsnoop.stat().st_size / 1e6:.1f} MB btsnoop")
    cmd = [sys.executable, "-m", "trackerscan", "analyze", "--ble", str(btsnoop), "--gps", str(nmea),
           "--json"]
    walls, cpus, peaks, loads = [], [], [], []
    result: dict[str, object] = {}
    for _ in range(runs):
        loads.append(os.getloadavg()[0])
        proc = subprocess.run([sys.executable, "-c", _TIMER, json.dumps(cmd)], capture_output=True, text=True,
                              cwd=REPO)
        if proc.returncode != 0:
            print(proc.stderr, file=sys.stderr)
            raise SystemExit(1)
        timing, _, stdout = proc.stdout.partition("\n")
        wall, maxrss_kb, cpu = json.loads(timing)
        walls.append(wall)
        cpus.append(cpu)
        peaks.append(maxrss_kb / 1024)
        result = json.loads(stdout)
    best = min(walls)
    alerts = result["alerts"]
    assert isinstance(alerts, list)
    found = any(a["level"] == "alert" and follower in a["addresses"] for a in alerts)
    levels = {lv: sum(1 for a in alerts if a["level"] == lv) for lv in ("watch", "alert")}
    print(f"analyze --json: best {best:.2f} s of {runs} ({', '.join(f'{w:.2f}' for w in walls)}), "
          f"{reports / best:,.0f} reports/s end to end, peak RSS {max(peaks):.0f} MB; "
          f"CPU time best {min(cpus):.2f} s ({', '.join(f'{c:.2f}' for c in cpus)}); "
          f"load average before each run: {', '.join(f'{x:.2f}' for x in loads)}")
    print(f"  follower {follower} at alert: {'yes' if found else 'NO'}; "
          f"entries: {levels['watch']} watch, {levels['alert']} alert; stats: {result['stats']}")

    col_s = sig_s = float("inf")
    col_all = []
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
          f"{', '.join(f'{c:.3f}' for c in col_all)}), {sig_s:.3f} s as Sightings")

    tshark = shutil.which("tshark")
    tshark_s = None
    if tshark is None:
        print("tshark: not installed (apt install tshark)")
    else:
        load = os.getloadavg()[0]
        tshark_cmd = [tshark, "-r", str(btsnoop), "-T", "fields", "-e", "bthci_evt.bd_addr"]
        proc = subprocess.run([sys.executable, "-c", _TIMER, json.dumps(tshark_cmd), "discard"],
                              capture_output=True, text=True, check=True)
        tshark_s, _, tshark_cpu = json.loads(proc.stdout.partition("\n")[0])
        print(f"tshark -T fields -e bthci_evt.bd_addr: {tshark_s:.2f} s, CPU time {tshark_cpu:.2f} s "
              f"(load average before: {load:.2f}); analyze is {tshark_s / best:.1f}x faster "
              f"({tshark_s / max(walls):.1f}x for its slowest run; CPU time {tshark_cpu / min(cpus):.1f}x), "
              f"the reader alone {tshark_s / col_s:.0f}x")
    return {"best": best, "peak": max(peaks), "tshark": tshark_s, "alerts": alerts, "found": found}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--reports", type=int, default=1_000_000)
    ap.add_argument("--devices", type=int, default=20_000)
    ap.add_argument("--minutes", type=float, default=120.0)
    ap.add_argument("--runs", type=int, default=3, help="analyze runs; the best is reported (default 3)")
    ap.add_argument("--forms", default="legacy,extended",
                    help="capture forms to measure: legacy (LE Advertising Reports), extended (the same "
                         "adverts in LE Extended Advertising Reports); default both")
    ap.add_argument("--keep", metavar="DIR", help="write the capture here and keep it")
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
        results[form] = measure(form, path, bc.nmea, bc.reports, bc.follower_address, args.runs)
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
        if isinstance(tshark_s, float):
            ok_r = "met" if tshark_s / best >= TARGET_TSHARK else "MISSED"
            line += f"; >= {TARGET_TSHARK:.0f}x tshark {ok_r} ({tshark_s / best:.1f}x)"
        print(line)
    if tmp is not None:
        tmp.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
