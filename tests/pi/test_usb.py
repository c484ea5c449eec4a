"""Finding the USB stick (/proc/mounts text, a sysfs-shaped tree), copying with the real copy_sessions_to."""

import os
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trackerscan.errors import SessionError
from trackerscan.model import AddressType, Sighting
from trackerscan.pi.usb import Stick, UsbExporter, usb_mounts, usb_partitions
from trackerscan.sessions.export import copy_sessions_to
from trackerscan.sessions.writer import SessionWriter

MOUNTS = """\
/dev/mmcblk0p2 / ext4 rw,noatime 0 0
/dev/mmcblk0p1 /boot/firmware vfat rw,relatime 0 0
/dev/sdb1 /media/pi/OLD\\040STICK vfat ro,nosuid 0 0
/dev/sda1 /media/pi/KIT\\040USB vfat rw,nosuid,nodev,relatime,uid=1000 0 0
/dev/sdc1 /srv/backup ext4 rw 0 0
tmpfs /run tmpfs rw 0 0
"""


def test_usb_mounts_reads_proc_mounts():
    assert usb_mounts(MOUNTS) == [Stick("/dev/sda1", Path("/media/pi/KIT USB"))]


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300))
def test_usb_mounts_never_fails(text):
    for stick in usb_mounts(text):
        assert stick.device.startswith("/dev/sd")


def sysfs(tmp_path):
    """A tree shaped like /sys/block: sda on USB with one partition, sdb on SATA."""
    devices = tmp_path / "devices"
    (devices / "pci0000:00" / "usb1" / "1-1" / "host0" / "target0:0:0" / "0:0:0:0").mkdir(parents=True)
    (devices / "pci0000:00" / "ata1" / "host1").mkdir(parents=True)
    block = tmp_path / "block"
    for disk, where, parts in (("sda", "pci0000:00/usb1/1-1/host0/target0:0:0/0:0:0:0", ["sda1"]),
                               ("sdb", "pci0000:00/ata1/host1", ["sdb1", "sdb2"])):
        (block / disk).mkdir(parents=True)
        os.symlink(devices / where, block / disk / "device")
        for p in parts:
            (block / disk / p).mkdir()
    return block


def test_usb_partitions_only_usb_disks(tmp_path):
    assert usb_partitions(sysfs(tmp_path)) == ["/dev/sda1"]
    assert usb_partitions(tmp_path / "nothing") == []


def finished_session(data):
    w = SessionWriter.create(data / "sessions", 1_763_900_000.0)
    w.add(Sighting(1_763_900_000.0, "C0:11:22:33:44:55", AddressType.RANDOM, -60, b"\x02\x01\x06", "t"))
    w.close(1_763_900_001.0)
    return w.path


class Commands:
    """Stands in for udisksctl (no udisks2 daemon here): records argv, answers like udisksctl does."""

    def __init__(self, mount_at):
        self.calls, self.mount_at = [], mount_at

    def __call__(self, argv):
        self.calls.append(list(argv))
        if argv[1] == "mount":
            self.mount_at.mkdir(parents=True, exist_ok=True)
            return 0, f"Mounted {argv[-1]} at {self.mount_at}"
        return 0, ""


def test_exporter_mounts_copies_and_unmounts(tmp_path):
    data = tmp_path / "data"
    session = finished_session(data)
    (tmp_path / "mounts").write_text("/dev/mmcblk0p2 / ext4 rw 0 0\n")
    stick = tmp_path / "media" / "pi" / "STICK"
    commands = Commands(stick)
    exporter = UsbExporter(lambda d: copy_sessions_to(d, data_dir=data), run=commands,
                           mounts_file=tmp_path / "mounts", sys_block=sysfs(tmp_path / "sys"),
                           roots=(str(tmp_path / "media"),))
    text = exporter.export()
    assert (stick / "trackerscan" / "sessions" / session.name).read_bytes() == session.read_bytes()
    assert commands.calls == [["udisksctl", "mount", "--no-user-interaction", "-b", "/dev/sda1"],
                              ["udisksctl", "unmount", "--no-user-interaction", "-b", "/dev/sda1"]]
    assert text == "copied 1 files to the USB stick /dev/sda1; unmounted"


def test_exporter_uses_an_already_mounted_stick(tmp_path):
    data = tmp_path / "data"
    finished_session(data)
    stick = tmp_path / "media" / "pi" / "KIT USB"
    stick.mkdir(parents=True)
    (tmp_path / "mounts").write_text(f"/dev/sda1 {str(stick).replace(' ', chr(92) + '040')} vfat rw 0 0\n")
    commands = Commands(tmp_path / "unused")
    exporter = UsbExporter(lambda d: copy_sessions_to(d, data_dir=data), run=commands,
                           mounts_file=tmp_path / "mounts", sys_block=tmp_path / "none",
                           roots=(str(tmp_path / "media"),))
    assert exporter.export().startswith("copied 1 files")
    assert (stick / "trackerscan" / "SHA256SUMS").exists()
    assert [c[1] for c in commands.calls] == ["unmount"]


def test_no_stick_is_one_clear_sentence(tmp_path):
    (tmp_path / "mounts").write_text("")
    exporter = UsbExporter(lambda d: [], run=Commands(tmp_path / "x"), mounts_file=tmp_path / "mounts",
                           sys_block=tmp_path / "none")
    with pytest.raises(SessionError, match=r"^No USB stick was found: .*\.$"):
        exporter.export()
