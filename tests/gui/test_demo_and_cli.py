"""The demo scenario (core, no Qt) and the `trackerscan gui` command."""

import asyncio
import subprocess
import sys

import pytest

from trackerscan.cli import build_parser
from trackerscan.cli.gui import gui_argv
from trackerscan.demo import build_demo, play
from trackerscan.model import Fix, Sighting


def test_demo_is_a_walk_a_tracker_joins_and_alerts_on_time():
    demo = build_demo(alert_after_s=20.0)
    assert demo.name == "walk_late_smarttag"
    assert any(isinstance(e, Fix) for e in demo.events) and any(isinstance(e, Sighting) for e in demo.events)
    assert demo.first_alert is not None
    # the first alert comes 20 s of wall-clock time into the demo
    assert abs((demo.first_alert - demo.start) / demo.speed - 20.0) < 0.01
    times = [e.time for e in demo.events]
    assert times == sorted(times)  # the engine's contract: time order


def test_play_paces_events_by_their_own_times():
    demo = build_demo(alert_after_s=20.0)
    events = demo.events[:400]
    now = [0.0]
    slept = []

    async def sleep(s):
        slept.append(s)
        now[0] += s

    async def collect():
        return [e async for e in play(events, demo.speed, clock=lambda: now[0], sleep=sleep)]

    out = asyncio.run(collect())
    assert out == list(events)
    expected = (events[-1].time - events[0].time) / demo.speed
    assert abs(now[0] - expected) < 0.06  # within one pacing step of the scaled span
    assert all(s > 0 for s in slept)


def test_gui_command_passes_its_options_through():
    args = build_parser().parse_args(["gui", "--demo", "--screenshot", "x.png", "--size", "800x480"])
    assert gui_argv(args) == ["--demo", "--screenshot", "x.png", "--size", "800x480"]
    args = build_parser().parse_args(["gui", "--open", "s.sqlite", "--gps-file", "t.nmea"])
    assert gui_argv(args) == ["--open", "s.sqlite", "--gps-file", "t.nmea"]


def test_gui_help_does_not_load_qt():
    code = ("import sys\nfrom trackerscan.cli import build_parser\nbuild_parser()\n"
            "print(any(m.startswith(('PyQt6', 'trackerscan_gui')) for m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.stdout.strip() == "False", out.stderr


def _gui_env(tmp_path):
    return {"QT_QPA_PLATFORM": "offscreen", "PATH": "/usr/bin:/bin", "HOME": str(tmp_path),
            "XDG_DATA_HOME": str(tmp_path / "data"), "XDG_CONFIG_HOME": str(tmp_path / "config")}


def test_gui_screenshot_from_the_command_line(tmp_path):
    png = tmp_path / "demo.png"
    out = subprocess.run(
        [sys.executable, "-m", "trackerscan", "gui", "--demo", "--screenshot", str(png), "--size", "800x480",
         "--config", str(tmp_path / "gui.json")],
        capture_output=True, text=True, timeout=120,
        env=_gui_env(tmp_path),
    )
    assert out.returncode == 0, out.stderr
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    from PyQt6.QtGui import QImage

    img = QImage(str(png))
    assert (img.width(), img.height()) == (800, 480)


@pytest.mark.parametrize("size", ["²x480", "800x", "wide"])
def test_a_bad_size_is_one_line(tmp_path, size):
    out = subprocess.run(
        [sys.executable, "-m", "trackerscan", "gui", "--demo", "--size", size,
         "--config", str(tmp_path / "gui.json")],
        capture_output=True, text=True, timeout=120,
        env=_gui_env(tmp_path),
    )
    assert out.returncode == 2, out.stderr
    assert out.stderr.count("\n") == 1 and "is not a size: write it like 800x480" in out.stderr
