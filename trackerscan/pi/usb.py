"""Finding, mounting and releasing the USB stick the kit copies its sessions to.

A Raspberry Pi OS desktop mounts a stick by itself under /media/USER; the Lite
image does not, so the kit mounts it with udisks2 (``udisksctl``, allowed by
the polkit rule `trackerscan install-service` writes).  After the copy the
stick is synced and unmounted: only then does the LED say it is safe to pull.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from trackerscan.errors import SessionError

# Where desktops and udisks2 mount removable media.
USB_ROOTS = ("/media", "/run/media", "/mnt")

# A command runner: argv in, (status, output) out.
Run = Callable[[Sequence[str]], tuple[int, str]]


def run_command(argv: Sequence[str]) -> tuple[int, str]:
    try:
        done = subprocess.run(list(argv), capture_output=True, text=True, check=False, timeout=60)
    except (FileNotFoundError, subprocess.TimeoutExpired) as exc:
        return 127, str(exc)
    return done.returncode, (done.stdout + done.stderr).strip()


def _unescape(field: str) -> str:
    """/proc/mounts writes space, tab, newline and backslash as octal escapes (\\040 ...)."""
    out, i = [], 0
    while i < len(field):
        code = field[i + 1 : i + 4]
        if field[i] == "\\" and len(code) == 3 and all(c in "01234567" for c in code):
            out.append(chr(int(code, 8)))
            i += 4
        else:
            out.append(field[i])
            i += 1
    return "".join(out)


@dataclass(frozen=True, slots=True)
class Stick:
    device: str  # /dev/sda1
    mountpoint: Path


def usb_mounts(mounts: str, roots: Sequence[str] = USB_ROOTS) -> list[Stick]:
    """Writable USB-disk mounts (``/dev/sd*``) under ``roots``, from the text of /proc/mounts."""
    found = []
    for line in mounts.splitlines():
        parts = line.split()
        if len(parts) < 4 or not parts[0].startswith("/dev/sd"):
            continue
        point = _unescape(parts[1])
        if "ro" in parts[3].split(","):
            continue
        if any(point == r or point.startswith(r.rstrip("/") + "/") for r in roots):
            found.append(Stick(parts[0], Path(point)))
    return found


def usb_partitions(sys_block: Path = Path("/sys/block")) -> list[str]:
    """Partitions (or whole unpartitioned disks) of USB disks, from sysfs: ``/dev/sda1`` ..."""
    out: list[str] = []
    try:
        disks = sorted(p for p in sys_block.iterdir() if p.name.startswith("sd"))
    except OSError:
        return out
    for disk in disks:
        try:
            if "/usb" not in os.path.realpath(disk / "device"):
                continue
            parts = sorted(p.name for p in disk.iterdir() if p.name.startswith(disk.name))
        except OSError:
            continue
        out += [f"/dev/{name}" for name in (parts or [disk.name])]
    return out


@dataclass
class UsbExporter:
    """Copies finished sessions and reports to a stick and makes it safe to pull.

    ``target`` fixes the folder (no mounting, no unmounting); otherwise a
    mounted stick is used, or the first USB partition is mounted with udisksctl.
    ``copy`` is `trackerscan.sessions.export.copy_sessions_to`.
    """

    copy: Callable[[Path], Sequence[Path]]
    target: Path | None = None
    run: Run = run_command
    mounts_file: Path = Path("/proc/mounts")
    sys_block: Path = Path("/sys/block")
    roots: Sequence[str] = USB_ROOTS

    def _find(self) -> tuple[Stick | None, bool]:
        try:
            mounted = usb_mounts(self.mounts_file.read_text(encoding="utf-8", errors="replace"), self.roots)
        except OSError:
            mounted = []
        if mounted:
            return mounted[0], False
        for device in usb_partitions(self.sys_block):
            status, text = self.run(["udisksctl", "mount", "--no-user-interaction", "-b", device])
            if status == 0:
                # "Mounted /dev/sda1 at /media/pi/STICK" (older udisks end with a full stop)
                point = text.rpartition(" at ")[2].strip().rstrip(".")
                if point:
                    return Stick(device, Path(point)), True
        return None, False

    def export(self) -> str:
        """Copy, sync, unmount; return one sentence saying what was done.  Raises `SessionError`."""
        if self.target is not None:
            copied = self.copy(self.target)
            os.sync()
            return f"copied {len(copied)} files to {self.target}"
        stick, _ = self._find()
        if stick is None:
            raise SessionError("No USB stick was found: plug one in and press the button twice again.")
        copied = self.copy(stick.mountpoint)
        os.sync()
        status, text = self.run(["udisksctl", "unmount", "--no-user-interaction", "-b", stick.device])
        tail = "unmounted" if status == 0 else f"synced but not unmounted ({text or status})"
        return f"copied {len(copied)} files to the USB stick {stick.device}; {tail}"
