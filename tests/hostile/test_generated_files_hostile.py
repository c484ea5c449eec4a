"""The simulator's file writers (`trackerscan simulate --out DIR`, the busy-city and flood captures)
never write through a link, a second name of another file, or a FIFO planted under a name they use:
each is refused in one line and the other file is left as it was."""

import os
import sys

import pytest

from trackerscan.cli import main
from trackerscan.errors import InputError
from trackerscan.privatefile import open_private
from trackerscan.sim import busy_city

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="links and FIFOs as POSIX has them")

PRECIOUS = b"her own notes, not to be overwritten\n"


def simulate(capsys, out):
    status = main(["simulate", "--scenario", "walk_airtag", "--out", str(out), "--seed", "3"])
    cap = capsys.readouterr()
    return status, cap.out, cap.err


def one_line(err):
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("trackerscan: ") and "Traceback" not in err, err
    return lines[0]


@pytest.mark.parametrize("plant", ["symlink", "hardlink"])
@pytest.mark.parametrize("suffix", [".btsnoop", ".nmea", ".truth.json", ".known"])
def test_simulate_never_writes_through_a_planted_name(capsys, tmp_path, plant, suffix):
    victim = tmp_path / "victim.txt"
    victim.write_bytes(PRECIOUS)
    out = tmp_path / "out"
    out.mkdir()
    name = out / f"walk_airtag{suffix}"
    (os.symlink if plant == "symlink" else os.link)(victim, name)
    status, _, err = simulate(capsys, out)
    line = one_line(err)
    assert status == 2 and str(name) in line
    assert ("is a link" if plant == "symlink" else "other names") in line
    assert victim.read_bytes() == PRECIOUS


def test_simulate_refuses_a_fifo_without_hanging(capsys, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    os.mkfifo(out / "walk_airtag.btsnoop")
    status, _, err = simulate(capsys, out)
    assert status == 2 and "not a regular file" in one_line(err)


def test_simulate_writes_over_its_own_earlier_files(capsys, tmp_path):
    out = tmp_path / "out"
    assert simulate(capsys, out)[0] == 0
    first = {p.name: p.read_bytes() for p in out.iterdir()}
    (out / "walk_airtag.known").write_bytes(b"x" * 100_000)  # longer than what is written next
    (out / "walk_airtag.known").chmod(0o644)
    assert simulate(capsys, out)[0] == 0
    assert {p.name: p.read_bytes() for p in out.iterdir()} == first  # same seed, same bytes, no tail left
    assert all(p.stat().st_mode & 0o077 == 0 for p in out.iterdir())


def test_busy_city_capture_refuses_a_planted_link(tmp_path):
    victim = tmp_path / "victim.txt"
    victim.write_bytes(PRECIOUS)
    os.symlink(victim, tmp_path / "busy-city.btsnoop")
    with pytest.raises(InputError, match="is a link"):
        busy_city.generate(tmp_path, 2.0, 20, 200, 0)
    assert victim.read_bytes() == PRECIOUS


def test_open_private_makes_a_new_file_0600(tmp_path):
    fd = open_private(tmp_path / "new.bin")
    os.write(fd, b"ok")
    os.close(fd)
    assert (tmp_path / "new.bin").read_bytes() == b"ok"
    assert (tmp_path / "new.bin").stat().st_mode & 0o777 == 0o600
