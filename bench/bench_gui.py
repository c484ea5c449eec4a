"""How quickly the desktop application shows 2,000 devices, and how smooth it stays while scanning.

    .venv/bin/python bench/bench_gui.py [--devices 2600] [--reports 150000] [--seconds 8]

A busy-city capture (`trackerscan.sim.busy_city`) is run through the real engine until it holds about
2,000 devices.  Then, offscreen:
  1. one model update: `DeviceTableModel.set_devices` with the same devices (refresh in place, what
     happens every 500 ms) and with a changed set (model reset); target <= 50 ms;
  2. one whole refresh of the window (engine snapshot + model update + alert panel + status line) and
     one repaint of the window;
  3. frame time while scanning: the capture is fed by the worker thread (as live scanning does) at
     1,000 advertisements a second and then as fast as it can, while a 16 ms timer in the GUI thread
     records how late it fires (the time the GUI thread could not draw), and each refresh is timed.
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

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "gui"))

from PyQt6.QtCore import QElapsedTimer, QEventLoop, QTimer  # noqa: E402
from PyQt6.QtWidgets import QApplication  # noqa: E402

from trackerscan.engine import Engine  # noqa: E402
from trackerscan.model import Event  # noqa: E402


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def pct(values: Sequence[float], p: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, int(p / 100 * len(s)))]


def capture(devices: int, reports: int, minutes: float) -> list[Event]:
    from trackerscan.formats.nmea import read_nmea
    from trackerscan.sim.busy_city import generate
    from trackerscan.sources.ble_replay import read_recording

    out = Path(tempfile.mkdtemp(prefix="bench-gui-"))
    generate(out, minutes=minutes, devices=devices, reports=reports, seed=1)
    ble = list(read_recording(out / "busy-city.btsnoop"))
    with (out / "busy-city.nmea").open("rb") as f:
        fixes, _ = read_nmea(f, source="nmea")
    return sorted([*ble, *fixes], key=lambda e: e.time)


def wait(ms_: int) -> None:
    loop = QEventLoop()
    QTimer.singleShot(ms_, loop.quit)
    loop.exec()


async def paced(events: Sequence[Event], per_second: float | None) -> AsyncIterator[Event]:
    start = time.monotonic()
    for i, e in enumerate(events):
        if per_second is not None and i % 50 == 0:
            due = start + i / per_second
            delay = due - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
        elif i % 500 == 0:
            await asyncio.sleep(0)
        yield e


def frame_times(window, runner, events: Sequence[Event], per_second: float | None, seconds: float) -> dict:  # type: ignore[no-untyped-def]
    """Feed events through the worker while the GUI thread ticks every 16 ms; measure lateness."""
    late: list[float] = []
    refreshes: list[float] = []
    clock = QElapsedTimer()
    clock.start()
    last = [clock.nsecsElapsed()]

    def tick() -> None:
        now = clock.nsecsElapsed()
        late.append(max(0.0, (now - last[0]) / 1e9 - 0.016))
        last[0] = now

    original = window.refresh

    def timed_refresh() -> None:
        t = time.perf_counter()
        original()
        refreshes.append(time.perf_counter() - t)

    window.timer.timeout.disconnect()
    window.timer.timeout.connect(timed_refresh)
    timer = QTimer()
    timer.setInterval(16)
    timer.timeout.connect(tick)
    start_events = runner.status.events
    runner.add_source(paced(events, per_second), "ble")
    timer.start()
    wait(int(seconds * 1000))
    timer.stop()
    fed = runner.status.events - start_events
    runner.stop()
    return {"late": late, "refresh": refreshes, "fed": fed}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--devices", type=int, default=2600)
    ap.add_argument("--reports", type=int, default=150_000)
    ap.add_argument("--minutes", type=float, default=30.0)
    ap.add_argument("--seconds", type=float, default=8.0, help="length of each frame-time run")
    args = ap.parse_args()
    app = QApplication([sys.argv[0]])
    from trackerscan_gui.main_window import MainWindow
    from trackerscan_gui.models import DeviceTableModel
    from trackerscan_gui.runner import Runner, Status
    from trackerscan_gui.settings import Settings

    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"Qt offscreen"
    )
    t = time.perf_counter()
    events = capture(args.devices, args.reports, args.minutes)
    print(f"busy-city capture: {len(events)} events in {time.perf_counter() - t:.1f} s")
    engine = Engine()
    t = time.perf_counter()
    for e in events:
        engine.feed(e)
    devices = engine.devices()
    print(f"engine: {len(devices)} devices after {len(events)} events ({time.perf_counter() - t:.1f} s)")

    t = time.perf_counter()
    for _ in range(20):
        devices = engine.devices()
    snapshot_s = (time.perf_counter() - t) / 20
    runner = Runner(engine, Status(ble_name="bench", ble_state="scanning"))
    runner.start()  # a worker thread: the window reads the device list it publishes
    runner.publish()
    window = MainWindow(runner, Settings())
    window.resize(1100, 700)
    window.show()
    window.timer.stop()
    window.refresh()
    app.processEvents()
    attached = window.model  # behind the trackers-only filter and the table, as in use
    alone = DeviceTableModel()
    res: dict[str, list[float]] = {"alone": [], "in place": [], "reset": []}
    for i in range(20):
        t = time.perf_counter()
        alone.set_devices(devices, devices[0].last_seen + i)
        res["alone"].append(time.perf_counter() - t)
        t = time.perf_counter()
        attached.set_devices(devices, devices[0].last_seen + i)
        res["in place"].append(time.perf_counter() - t)
        shuffled = devices[1:] + devices[:1]
        t = time.perf_counter()
        attached.set_devices(shuffled, devices[0].last_seen + i)
        res["reset"].append(time.perf_counter() - t)
        attached.set_devices(devices, devices[0].last_seen + i)
    print(
        f"1. one model update, {len(devices)} devices (model behind the filter and the table): "
        f"same devices, in place: median {ms(statistics.median(res['in place']))}; changed set, reset: "
        f"median {ms(statistics.median(res['reset']))} (target <= 50 ms)"
    )
    print(f"   engine.devices(), computed by the worker, off the GUI thread: median {ms(snapshot_s)}")
    refresh, paint = [], []
    for _ in range(10):
        t = time.perf_counter()
        window.refresh()
        refresh.append(time.perf_counter() - t)
        t = time.perf_counter()
        window.grab()
        paint.append(time.perf_counter() - t)
    print(
        f"2. whole window refresh (published list to model, panel, status line): median "
        f"{ms(statistics.median(refresh))}; repaint of the whole window: "
        f"median {ms(statistics.median(paint))}"
    )
    runner.stop()

    for label, rate in (("1,000 adverts/s", 1000.0), ("as fast as possible", None)):
        runner = Runner(Engine(), Status(ble_name="bench", ble_state="scanning"))
        window.set_runner(runner, review=False)
        window.timer.start()
        r = frame_times(window, runner, events, rate, args.seconds)
        late = r["late"]
        print(
            f"3. scanning at {label}: {r['fed'] / args.seconds:,.0f} events/s fed; GUI tick lateness "
            f"median {ms(statistics.median(late))}, p95 {ms(pct(late, 95))}, max {ms(max(late))}; "
            f"refresh median {ms(statistics.median(r['refresh']))}, max {ms(max(r['refresh']))} "
            f"({len(r['refresh'])} refreshes)"
        )
        window.timer.timeout.disconnect()
        window.timer.timeout.connect(window.refresh)
    window.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
