"""install-service: the unit and polkit rule written into a temporary root, and the systemctl calls made."""

import configparser
import getpass
import stat

import pytest

from trackerscan.cli import main
from trackerscan.pi import service
from trackerscan.pi.service import POLKIT_RULE, UNIT_DIR, UNIT_NAME, ServiceError

USER = getpass.getuser()
COMMAND = ["/opt/trackerscan/venv/bin/python", "-m", "trackerscan", "run", "--headless",
           "--gps", "nmea:/dev/ttyACM0"]


class Recorder:
    """Stands in for the systemctl binary (absent as a running system here): records the argument lists."""

    def __init__(self, status=0, text=""):
        self.calls, self.status, self.text = [], status, text

    def __call__(self, args):
        self.calls.append(list(args))
        return self.status, self.text


def parse_unit(path):
    cp = configparser.ConfigParser(strict=False, interpolation=None, comment_prefixes=("#", ";"))
    cp.optionxform = str
    cp.read_string(path.read_text())
    return cp


def test_install_writes_a_restarting_unit_and_enables_it(tmp_path):
    rec = Recorder()
    out = service.install(USER, COMMAND, tmp_path, rec)
    unit = tmp_path / UNIT_DIR / UNIT_NAME
    cp = parse_unit(unit)
    svc = cp["Service"]
    assert svc["Restart"] == "always"
    assert int(svc["RestartSec"]) == service.RESTART_S > 0
    assert svc["User"] == USER
    assert svc["ExecStart"] == " ".join(COMMAND)
    assert svc["UMask"] == "0077"
    assert cp["Unit"]["StartLimitIntervalSec"] == "0"
    assert cp["Install"]["WantedBy"] == "multi-user.target"
    assert "PrivateTmp" not in svc and "tmpfs" not in unit.read_text().lower()
    assert stat.S_IMODE(unit.stat().st_mode) == 0o644
    rule = (tmp_path / POLKIT_RULE).read_text()
    assert f'subject.user == "{USER}"' in rule and "org.freedesktop.login1.power-off" in rule
    assert rec.calls == [["daemon-reload"], ["enable", "--now", UNIT_NAME]]
    assert out.to_run == []


def test_install_twice_gives_the_same_files(tmp_path):
    service.install(USER, COMMAND, tmp_path, Recorder())
    first = sorted((p.relative_to(tmp_path), p.read_bytes()) for p in tmp_path.rglob("*") if p.is_file())
    service.install(USER, COMMAND, tmp_path, Recorder())
    second = sorted((p.relative_to(tmp_path), p.read_bytes()) for p in tmp_path.rglob("*") if p.is_file())
    assert first == second and len(first) == 2


def test_remove_disables_deletes_and_keeps_sessions(tmp_path):
    service.install(USER, COMMAND, tmp_path, Recorder())
    sessions = tmp_path / "home" / "kit" / ".local" / "share" / "trackerscan" / "sessions"
    sessions.mkdir(parents=True)
    (sessions / "20261123T145300Z.sqlite").write_bytes(b"x")
    rec = Recorder()
    out = service.remove(tmp_path, rec)
    assert rec.calls == [["disable", "--now", UNIT_NAME], ["daemon-reload"]]
    assert not (tmp_path / UNIT_DIR / UNIT_NAME).exists() and not (tmp_path / POLKIT_RULE).exists()
    assert (sessions / "20261123T145300Z.sqlite").read_bytes() == b"x"
    assert any("left where they are" in line for line in out.done)
    again = service.remove(tmp_path, Recorder())
    assert sum("was not there" in line for line in again.done) == 2


def test_a_failing_systemctl_is_one_clear_sentence(tmp_path):
    def systemctl(args):
        return (0, "") if args == ["daemon-reload"] else (1, "no unit")

    with pytest.raises(ServiceError, match=r"^'systemctl enable --now trackerscan.service' failed: no unit"):
        service.install(USER, COMMAND, tmp_path, systemctl)


def test_without_systemd_the_commands_are_printed(tmp_path):
    out = service.install(USER, COMMAND, tmp_path, None, "systemd is not running here")
    assert out.to_run == ["sudo systemctl daemon-reload", f"sudo systemctl enable --now {UNIT_NAME}"]
    assert (tmp_path / UNIT_DIR / UNIT_NAME).exists()


def test_cli_into_a_temporary_root(tmp_path, capsys):
    assert main(["install-service", "--root", str(tmp_path), "--user", USER, "--pins", "buzzer=none",
                 "--silent"]) == 0
    text = capsys.readouterr().out
    assert "written under" in text and f"sudo systemctl enable --now {UNIT_NAME}" in text
    exec_start = parse_unit(tmp_path / UNIT_DIR / UNIT_NAME)["Service"]["ExecStart"]
    assert exec_start.endswith("run --headless --ble bleak --gps gpsd --pins "
                               "led=GPIO17,buzzer=none,button=GPIO26 --silent")
    assert main(["install-service", "--root", str(tmp_path), "--remove"]) == 0
    assert not (tmp_path / UNIT_DIR / UNIT_NAME).exists()


def test_cli_unknown_user_is_one_line_and_status_2(tmp_path, capsys):
    assert main(["install-service", "--root", str(tmp_path), "--user", "no-such-user-xyz"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no user 'no-such-user-xyz'" in err
    assert not (tmp_path / UNIT_DIR / UNIT_NAME).exists()


def test_systemd_itself_accepts_the_unit(tmp_path):
    """systemd-analyze verify: unknown keys or bad values would be reported against the file."""
    import shutil
    import subprocess
    import sys

    if shutil.which("systemd-analyze") is None:
        pytest.skip("systemd-analyze is not installed here")
    service.install(USER, [sys.executable, "-m", "trackerscan", "run", "--headless"], tmp_path, Recorder())
    unit = tmp_path / UNIT_DIR / UNIT_NAME
    done = subprocess.run(["systemd-analyze", "verify", str(unit)], capture_output=True, text=True,
                          timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    assert UNIT_NAME not in done.stderr, done.stderr  # no "Unknown key" / "Failed to parse" lines


def test_cli_passes_her_known_devices_to_the_unit(tmp_path):
    known = tmp_path / "known.txt"
    assert main(["install-service", "--root", str(tmp_path), "--user", USER, "--known", str(known)]) == 0
    exec_start = parse_unit(tmp_path / UNIT_DIR / UNIT_NAME)["Service"]["ExecStart"]
    assert exec_start.endswith(f"--known {known}")
