"""`atomic_output` without folder descriptors (how it writes on Windows), beside the POSIX way, on Linux."""

import os
import stat

import pytest

from trackerscan.errors import InputError
from trackerscan.sessions import safewrite


@pytest.fixture(params=[True, False], ids=["dir-fds", "by-path"])
def dir_fds(request, monkeypatch):
    monkeypatch.setattr(safewrite, "DIR_FDS", request.param)
    return request.param


def test_a_planted_link_at_the_target_is_replaced_not_written_through(dir_fds, tmp_path):
    victim = tmp_path / "victim"
    victim.write_text("precious\n")
    out = tmp_path / "report.html"
    os.symlink(victim, out)
    with safewrite.atomic_output(out) as f:
        f.write(b"<html>report</html>")
    assert victim.read_text() == "precious\n"
    assert not out.is_symlink() and out.read_bytes() == b"<html>report</html>"
    assert stat.S_IMODE(os.lstat(out).st_mode) == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.html", "victim"]  # no .part left


def test_a_failed_write_leaves_the_old_file_and_no_part_file(dir_fds, tmp_path):
    out = tmp_path / "export.csv"
    out.write_bytes(b"old\n")

    class Boom(Exception):
        pass

    with pytest.raises(Boom), safewrite.atomic_output(out) as f:
        f.write(b"half")
        raise Boom
    assert out.read_bytes() == b"old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["export.csv"]


def test_a_missing_folder_is_one_line(dir_fds, tmp_path):
    out = tmp_path / "no" / "x.pdf"
    with pytest.raises(InputError, match="does not exist"), safewrite.atomic_output(out):
        pass
