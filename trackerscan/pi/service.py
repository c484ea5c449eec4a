"""The systemd unit that starts the kit at boot and restarts it when it dies, and its polkit rule.

`install` writes ``/etc/systemd/system/trackerscan.service`` (and a polkit
rule letting the kit's user power the Pi off from the button and mount a USB
stick for export), then asks systemctl to reload and enable it.  `remove`
undoes both.  ``root`` lets everything be written under another directory
(a disk image, a test); the caller then passes no systemctl and gets the
commands to run instead.

Power cuts.  The unit keeps the session store's promise (at most the last
second lost): the data stay on the SD card in the user's data folder (no
tmpfs, no PrivateTmp), the runner gets SIGTERM and closes the session on
``systemctl stop``, and `TIMEOUT_STOP_S` leaves it time to do so.
"""

from __future__ import annotations

import os
import shlex
import subprocess
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from trackerscan.errors import InputError, TrackerscanError

if TYPE_CHECKING:
    import pwd

UNIT_NAME = "trackerscan.service"
UNIT_DIR = Path("etc/systemd/system")
POLKIT_RULE = Path("etc/polkit-1/rules.d/50-trackerscan.rules")
# Seconds systemd waits before restarting a scanner that died: long enough that
# a crash loop does not heat the Pi, short enough to miss little of a journey.
RESTART_S = 5
# Seconds systemd waits after SIGTERM before SIGKILL: closing a session is one
# flush and a WAL checkpoint, well under a second even on a slow SD card.
TIMEOUT_STOP_S = 20
ENV_ROOT = "TRACKERSCAN_SERVICE_ROOT"

# systemctl's runner: takes the arguments after "systemctl", returns (status, output).
Systemctl = Callable[[Sequence[str]], tuple[int, str]]


class ServiceError(TrackerscanError):
    """The systemd unit cannot be installed or removed."""


def systemd_running() -> bool:
    """True when systemd is the init system (sd_booted(3): /run/systemd/system exists)."""
    return Path("/run/systemd/system").is_dir()


def run_systemctl(args: Sequence[str]) -> tuple[int, str]:
    """Run the real systemctl."""
    try:
        done = subprocess.run(["systemctl", *args], capture_output=True, text=True, check=False, timeout=60)
    except FileNotFoundError:
        return 127, "systemctl is not installed"
    return done.returncode, (done.stdout + done.stderr).strip()


def unit_text(user: str, command: Sequence[str], home: str | None = None) -> str:
    """The unit file for ``user`` running ``command`` (argv)."""
    exec_start = shlex.join(command)
    env_home = f"Environment=HOME={home}\n" if home else ""
    return f"""\
# Written by `trackerscan install-service`; remove it with `trackerscan install-service --remove`.
[Unit]
Description=trackerscan: Bluetooth tracker scanner of the portable kit (headless)
Wants=bluetooth.service
After=bluetooth.service gpsd.socket time-sync.target
# Never give up restarting: a kit in a bag has nobody to press "start" again.
StartLimitIntervalSec=0

[Service]
Type=simple
User={user}
{env_home}Environment=PYTHONUNBUFFERED=1
ExecStart={exec_start}
Restart=always
RestartSec={RESTART_S}
# SIGTERM: the runner closes its session, then exits.
TimeoutStopSec={TIMEOUT_STOP_S}
# Recorded data: files 0600, folders 0700.
UMask=0077

[Install]
WantedBy=multi-user.target
"""


def polkit_text(user: str) -> str:
    """A polkit rule letting ``user`` power off (the button) and mount/unmount USB sticks (export)."""
    return f"""\
// Written by `trackerscan install-service`: lets the kit's user ({user}) shut the Pi down with
// the button and mount or unmount a USB stick to copy sessions to.  Removed with --remove.
polkit.addRule(function(action, subject) {{
    var allowed = [
        "org.freedesktop.login1.power-off",
        "org.freedesktop.login1.power-off-multiple-sessions",
        "org.freedesktop.udisks2.filesystem-mount",
        "org.freedesktop.udisks2.filesystem-mount-other-seat",
        "org.freedesktop.udisks2.filesystem-unmount-others",
        "org.freedesktop.udisks2.power-off-drive",
        "org.freedesktop.udisks2.power-off-drive-other-seat"
    ];
    if (subject.user == "{user}" && allowed.indexOf(action.id) >= 0) {{
        return polkit.Result.YES;
    }}
}});
"""


@dataclass
class Outcome:
    """What install/remove did, in plain sentences, and the commands still to run by hand."""

    done: list[str] = field(default_factory=list)
    to_run: list[str] = field(default_factory=list)


def _check_user(user: str) -> pwd.struct_passwd:
    import pwd  # here, not at the top: Windows has no pwd, and `trackerscan` must start there too

    if not user or any(c in user for c in '"\\\n :/'):
        raise InputError(f"{user!r} is not a user name.")
    try:
        return pwd.getpwnam(user)
    except KeyError:
        msg = f"There is no user {user!r} on this computer: create it or name another with --user."
        raise InputError(msg) from None


def _write(path: Path, text: str, mode: int) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(text, encoding="utf-8")
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except OSError as exc:
        hint = " (run it with sudo)" if isinstance(exc, PermissionError) else ""
        raise ServiceError(f"Cannot write {path}: {exc.strerror}{hint}.") from exc


def _systemctl_or_note(
    systemctl: Systemctl | None, calls: list[list[str]], out: Outcome, why_not: str
) -> None:
    if not calls:
        return
    if systemctl is None:
        out.done.append(f"Not done: {why_not}; on the kit, run:")
        out.to_run += ["sudo systemctl " + shlex.join(c) for c in calls]
        return
    for call in calls:
        status, text = systemctl(call)
        if status != 0:
            raise ServiceError(f"'systemctl {shlex.join(call)}' failed: {text or f'status {status}'}.")
        out.done.append(f"systemctl {shlex.join(call)}: ok")


def install(
    user: str,
    command: Sequence[str],
    root: Path = Path("/"),
    systemctl: Systemctl | None = run_systemctl,
    why_not: str = "systemd is not running here",
) -> Outcome:
    """Write the unit and the polkit rule under ``root``, then reload systemd and enable --now the unit.

    ``systemctl`` None (systemd not running, or files written under another
    root): the commands are returned in `Outcome.to_run`, ``why_not`` saying why.
    Running it twice gives the same files and the same state.
    """
    entry = _check_user(user)
    out = Outcome()
    unit = root / UNIT_DIR / UNIT_NAME
    _write(unit, unit_text(user, command, entry.pw_dir), 0o644)
    out.done.append(f"wrote {unit}")
    rule = root / POLKIT_RULE
    _write(rule, polkit_text(user), 0o644)
    out.done.append(f"wrote {rule}")
    _systemctl_or_note(systemctl, [["daemon-reload"], ["enable", "--now", UNIT_NAME]], out, why_not)
    return out


def remove(
    root: Path = Path("/"),
    systemctl: Systemctl | None = run_systemctl,
    why_not: str = "systemd is not running here",
) -> Outcome:
    """Stop and disable the unit, delete it and the polkit rule.  Recorded sessions are not touched."""
    out = Outcome()
    unit = root / UNIT_DIR / UNIT_NAME
    disable = [["disable", "--now", UNIT_NAME]] if unit.exists() else []
    if systemctl is not None:
        _systemctl_or_note(systemctl, disable, out, why_not)
    for path in (unit, root / POLKIT_RULE):
        try:
            path.unlink()
            out.done.append(f"removed {path}")
        except FileNotFoundError:
            out.done.append(f"{path} was not there")
        except OSError as exc:
            raise ServiceError(f"Cannot remove {path}: {exc.strerror}.") from exc
    later = ([] if systemctl is not None else disable) + [["daemon-reload"]]
    _systemctl_or_note(systemctl, later, out, why_not)
    out.done.append("Recorded sessions were left where they are.")
    return out
