"""The pip/pipx path: a wheel and an sdist build, and pipx installs the wheel with the gui extra
into an environment of its own, where both commands start and `pip check` is clean."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import trackerscan

ROOT = Path(__file__).resolve().parents[2]
AIRTAG = "1EFF4C001219102807CE0B3C33332ED37B5D9D8291B1D99D0B8615189700E0"


def test_pipx_installs_the_wheel_and_both_commands_start(tmp_path):
    out = tmp_path / "dist"
    r = subprocess.run([sys.executable, "-m", "build", "--outdir", str(out), str(ROOT)],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:]
    version = trackerscan.__version__
    wheel = out / f"trackerscan-{version}-py3-none-any.whl"
    assert wheel.is_file() and (out / f"trackerscan-{version}.tar.gz").is_file()

    home, bin_dir = tmp_path / "home", tmp_path / "bin"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PIP_", "VIRTUAL_ENV", "PYTHON"))}
    env.update(HOME=str(home), PIPX_HOME=str(tmp_path / "pipx"), PIPX_BIN_DIR=str(bin_dir))
    r = subprocess.run([sys.executable, "-m", "pipx", "install", "--python", sys.executable, f"{wheel}[gui]"],
                       env=env, capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-2000:]
    scripts = "Scripts" if os.name == "nt" else "bin"
    venv_python = tmp_path / "pipx" / "venvs" / "trackerscan" / scripts / "python"
    r = subprocess.run([str(venv_python), "-m", "pip", "check"], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr

    clean = {"PATH": os.defpath, "HOME": str(home), "LANG": "C.UTF-8"}
    exe = ".exe" if os.name == "nt" else ""
    r = subprocess.run([str(bin_dir / f"trackerscan{exe}"), "decode", AIRTAG], env=clean, capture_output=True,
                       text=True, timeout=60)
    assert r.returncode == 0 and '"kind": "airtag"' in r.stdout, r.stderr
    png = tmp_path / "shot.png"
    gui = [str(bin_dir / f"trackerscan-gui{exe}"), "--demo", "--demo-seconds", "1", "--screenshot", str(png)]
    r = subprocess.run(gui, env=clean, capture_output=True, text=True, timeout=180)
    assert r.returncode == 0, r.stdout + r.stderr
    assert png.stat().st_size > 10_000 and png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
