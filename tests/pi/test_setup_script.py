"""hardware/setup-pi.sh run for real into a temporary root: files written, commands listed, idempotent."""

import getpass
import os
import shutil
import subprocess
import sys

from paths import REPO

SCRIPT = REPO / "hardware" / "setup-pi.sh"
USER = getpass.getuser()


def setup(*args, root):
    env = {**os.environ, "TRACKERSCAN_PYTHON": sys.executable}
    argv = ["bash", str(SCRIPT), *args] + (["--root", str(root)] if root else [])
    return subprocess.run(argv, capture_output=True, text=True, env=env, timeout=120, check=False)


def files(root):
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_script_parses_and_passes_shellcheck_when_present():
    assert subprocess.run(["bash", "-n", str(SCRIPT)], check=False).returncode == 0
    if shutil.which("shellcheck"):
        done = subprocess.run(["shellcheck", str(SCRIPT)], capture_output=True, text=True, check=False)
        assert done.returncode == 0, done.stdout


def test_setup_into_a_root_writes_gpsd_and_the_unit(tmp_path):
    done = setup("--user", USER, "--gps-device", "/dev/ttyACM0", "--pins", "buzzer=none", root=tmp_path)
    assert done.returncode == 0, done.stderr
    gpsd = (tmp_path / "etc/default/gpsd").read_text()
    assert 'DEVICES="/dev/ttyACM0"' in gpsd and 'GPSD_OPTIONS="-n"' in gpsd and 'START_DAEMON="true"' in gpsd
    unit = (tmp_path / "etc/systemd/system/trackerscan.service").read_text()
    assert ("ExecStart=/opt/trackerscan/venv/bin/python -m trackerscan run --headless --ble bleak --gps gpsd "
            "--pins led=GPIO17,buzzer=none,button=GPIO26") in unit
    assert "Restart=always" in unit and f"User={USER}" in unit
    out = done.stdout
    # What would change this computer is listed, not run.
    for line in ("+ apt-get install -y --no-install-recommends bluez gpsd",
                 "+ usermod -aG bluetooth,gpio,dialout",
                 "/opt/trackerscan/venv/bin/pip install --quiet --upgrade",
                 "+ systemctl enable gpsd.socket", "sudo systemctl enable --now trackerscan.service",
                 "trackerscan sources"):
        assert line in out, line


def test_running_it_twice_changes_nothing_and_keeps_the_original_gpsd_file_once(tmp_path):
    original = b'START_DAEMON="true"\nDEVICES=""\nGPSD_OPTIONS=""\n'
    (tmp_path / "etc/default").mkdir(parents=True)
    (tmp_path / "etc/default/gpsd").write_bytes(original)
    first = setup("--user", USER, "--gps-device", "/dev/ttyUSB0", root=tmp_path)
    after_first = files(tmp_path)
    second = setup("--user", USER, "--gps-device", "/dev/ttyUSB0", root=tmp_path)
    assert first.returncode == second.returncode == 0
    assert files(tmp_path) == after_first
    assert after_first["etc/default/gpsd.before-trackerscan"] == original
    assert "unchanged: " in second.stdout and "kept the original" not in second.stdout


def test_dry_run_writes_nothing(tmp_path):
    done = setup("--user", USER, "--dry-run", root=tmp_path)
    assert done.returncode == 0, done.stderr
    assert files(tmp_path) == {}
    assert "+ write " in done.stdout and 'GPSD_OPTIONS="-n"' in done.stdout


def test_unknown_option_is_one_line_and_status_2():
    done = setup("--colour", root=None)
    assert done.returncode == 2 and done.stderr.count("\n") == 1 and "--colour" in done.stderr
