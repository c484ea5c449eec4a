"""The self-contained application: `scripts/build-bundle.sh` builds it, and it runs with no Python on PATH.

The bundle is built once per session (about a minute here), into a temporary
folder; in CI's bundle job, ``TRACKERSCAN_BUNDLE_DIR`` names the folder that
job has already built, and nothing is rebuilt.  Every program is started from
a clean environment: a fresh HOME, and a PATH without this virtual environment
or any Python.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

import trackerscan
from trackerscan.adv import classify
from trackerscan.model import AddressType

ROOT = Path(__file__).resolve().parents[2]
EXE = ".exe" if sys.platform == "win32" else ""
AIRTAG = "1EFF4C001219102807CE0B3C33332ED37B5D9D8291B1D99D0B8615189700E0"
AIRTAG_ADDRESS = "FB:6D:08:3D:25:A4"
BUILD_TIMEOUT_S = 900  # about 50-100 s on this 2-core machine; CI runners are slower


@pytest.fixture(scope="session")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    given = os.environ.get("TRACKERSCAN_BUNDLE_DIR")
    if given:
        return Path(given)
    out = tmp_path_factory.mktemp("dist")
    env = dict(os.environ, PYTHON=sys.executable, DIST_DIR=str(out), BUILD_DIR=str(out / "work"))
    r = subprocess.run(
        ["bash", "scripts/build-bundle.sh"], cwd=ROOT, env=env, capture_output=True, text=True,
        timeout=BUILD_TIMEOUT_S,
    )
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    (folder,) = [p for p in out.iterdir() if p.is_dir() and p.name.startswith("trackerscan-")]
    return folder


def clean_env(home: Path) -> dict[str, str]:
    """No virtual environment on PATH, no PYTHON* variables, a fresh home: a new account's double-click."""
    venv_bins = {Path(sys.executable).parent.resolve(), (Path(sys.prefix) / "bin").resolve(),
                 (Path(sys.prefix) / "Scripts").resolve()}
    entries = os.environ.get("PATH", "").split(os.pathsep)
    path = [p for p in entries if p and Path(p).resolve() not in venv_bins]
    env = {k: v for k, v in os.environ.items() if k in ("SYSTEMROOT", "WINDIR", "TEMP", "TMP", "LANG")}
    env.update(PATH=os.pathsep.join(path), HOME=str(home), USERPROFILE=str(home),
               XDG_DATA_HOME=str(home / "data"), XDG_CONFIG_HOME=str(home / "config"))
    return env


def run(
    bundle: Path, program: str, *args: str, home: Path, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    exe = bundle / f"{program}{EXE}"
    assert exe.is_file(), sorted(p.name for p in bundle.iterdir())
    return subprocess.run([str(exe), *args], env=clean_env(home), cwd=home, capture_output=True, text=True,
                          timeout=timeout)


def test_the_bundle_is_named_by_version_system_and_machine_and_archived(bundle):
    system = {"linux": "linux", "win32": "windows", "darwin": "macos"}[sys.platform]
    assert bundle.name.startswith(f"trackerscan-{trackerscan.__version__}-{system}-")
    if os.environ.get("TRACKERSCAN_BUNDLE_DIR") or sys.platform != "linux":
        return  # the archive of another system is checked by the workflow's upload step
    with tarfile.open(bundle.parent / f"{bundle.name}.tar.gz") as tar:
        names = set(tar.getnames())
    assert {f"{bundle.name}/trackerscan", f"{bundle.name}/trackerscan-gui"} <= names


def test_the_command_line_starts_without_python(bundle, tmp_path):
    r = run(bundle, "trackerscan", "--version", home=tmp_path)
    assert (r.returncode, r.stdout) == (0, f"trackerscan {trackerscan.__version__}\n"), r.stderr
    r = run(bundle, "trackerscan", "decode", AIRTAG, "--address", AIRTAG_ADDRESS, home=tmp_path)
    assert r.returncode == 0, r.stderr
    got = json.loads(r.stdout)
    want = classify(bytes.fromhex(AIRTAG), AIRTAG_ADDRESS, AddressType.RANDOM)
    assert got["kind"] == "airtag" and got["separated"] is True
    assert got["identifier"] == want.identifier.hex()  # the same decoding as this checkout's
    # hostile input: one line, exit 2, no traceback, from the frozen program too
    r = run(bundle, "trackerscan", "decode", "zz\x1b[2J", home=tmp_path)
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and "Traceback" not in r.stderr
    assert "\x1b" not in r.stderr
    r = run(bundle, "trackerscan", "sources", "--json", home=tmp_path)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["system"] == {"linux": "bluez", "win32": "winrt", "darwin": "corebluetooth"}[
        sys.platform
    ]


def test_the_desktop_application_plays_the_demo_and_saves_a_picture(bundle, tmp_path):
    png = tmp_path / "out.png"
    r = run(bundle, "trackerscan-gui", "--demo", "--demo-seconds", "2", "--screenshot", str(png),
            home=tmp_path, timeout=180)
    assert r.returncode == 0, r.stdout + r.stderr
    from PyQt6.QtGui import QImage

    image = QImage(str(png))
    assert not image.isNull() and image.width() >= 800 and image.height() >= 480
    colours = {image.pixel(x, y) for x in range(0, image.width(), 7) for y in range(0, image.height(), 7)}
    assert len(colours) > 20  # a drawn window, not a blank one
    assert not (tmp_path / "data" / "trackerscan").exists()  # the demo records nothing
