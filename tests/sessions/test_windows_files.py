"""Files and folders on Windows: the data folder's access list and `wipe` by path.

The Windows-only tests run in the bundle workflow's Windows job, on the real
system calls (SetNamedSecurityInfoW, read back with PowerShell's Get-Acl; wipe
with no folder descriptors, a symbolic link and a junction planted under
session names).  The tests here on Linux check the access list asked for and
what a failure to set it does; the by-path wipe itself is played on Linux in
tests/hostile/test_wipe_hostile.py.
"""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
import sys

import pytest
from paths import REPO
from session_fixtures import make_events, write_session

from trackerscan.errors import SessionError
from trackerscan.formats import session_file
from trackerscan.sessions import paths as session_paths
from trackerscan.sessions import winacl, wipe

windows_only = pytest.mark.skipif(sys.platform != "win32", reason="Windows' own access lists and file calls")


def _aces(sddl: str) -> tuple[str, list[tuple[str, str, str, str]]]:
    """The DACL part of an SDDL string: its flags (P: protected) and its entries (type, flags, rights,
    trustee)."""
    dacl = sddl[sddl.index("D:") + 2:]
    dacl = re.split(r"[OGS]:", dacl)[0]  # an owner, group or SACL part after it
    flags = dacl[: dacl.index("(")] if "(" in dacl else dacl
    entries = []
    for ace in re.findall(r"\(([^)]*)\)", dacl):
        kind, ace_flags, rights, _obj, _inherit, trustee = ace.split(";")[:6]
        entries.append((kind, ace_flags, rights, trustee))
    return flags, entries


def _sha(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_the_access_list_asked_for_keeps_out_everyone_but_this_user_system_and_administrators():
    flags, entries = _aces(winacl.OWNER_ONLY_SDDL)
    assert "P" in flags  # protected: nothing inherited from the profile or a shared folder above
    assert {trustee for *_, trustee in entries} == {"SY", "BA", "OW"}
    for kind, ace_flags, rights, _trustee in entries:
        assert (kind, rights) == ("A", "FA")  # allow, full access; no deny entries to get wrong
        assert set(re.findall("..", ace_flags)) == {"OI", "CI"}  # handed down to files and folders inside


def test_a_folder_that_cannot_be_made_private_is_one_line_and_nothing_inside_changes(tmp_path, monkeypatch):
    folder = tmp_path / "data" / "sessions"
    session = write_session(folder, make_events(10, 1))
    before = {p.name: _sha(p) for p in folder.iterdir()}
    # Windows' way, taken here where there are no access lists: the real call fails, as it would on
    # Windows when the folder's owner is someone else.
    monkeypatch.setattr(session_paths, "make_private", winacl.restrict_to_owner)
    with pytest.raises(SessionError) as err:
        session_paths.private_dir(folder, parents=1)
    line = str(err.value)
    assert "\n" not in line and line.startswith(f"Cannot create the private folder {folder.parent}")
    assert "access lists" in line
    assert {p.name: _sha(p) for p in folder.iterdir()} == before and session.exists()


# --- on Windows itself -----------------------------------------------------------------------------

def _get_acl(path) -> str:
    ps = ["powershell", "-NoProfile", "-NonInteractive", "-Command", f"(Get-Acl -LiteralPath '{path}').Sddl"]
    r = subprocess.run(ps, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    return r.stdout.strip()


@windows_only
def test_the_data_folder_gets_the_access_list_and_files_inside_inherit_it(tmp_path):
    data = tmp_path / "shared"
    data.mkdir()  # made without a mode: inherits whatever the folder above allows
    folder = session_paths.sessions_dir(data, create=True)
    for made in (data, folder):
        flags, entries = _aces(_get_acl(made))
        assert "P" in flags and {t for *_, t in entries} <= {"SY", "BA", "OW"}, entries
    session = write_session(folder, make_events(10, 1))
    flags, entries = _aces(_get_acl(session))
    assert entries and all("ID" in f for _k, f, _r, _t in entries), entries  # inherited, nothing added
    assert {t for *_, t in entries} <= {"SY", "BA", "OW"}


@windows_only
def test_wipe_on_windows_goes_by_path_and_leaves_links_and_junctions_alone(tmp_path):
    assert not wipe.DIR_FDS and not session_file.NOFOLLOW  # the by-path way is the one taken here
    data = tmp_path / "data"
    sessions = data / "sessions"
    real = write_session(sessions, make_events(20, 1))
    outside = tmp_path / "outside"
    victim = write_session(outside, make_events(5, 1), started=1_700_000_000.0)
    victim_hash = _sha(victim)
    try:
        os.symlink(victim, sessions / "20200101T000000Z.sqlite")
    except OSError as exc:  # creating links needs Developer Mode or an administrator
        pytest.skip(f"cannot create a symbolic link here: {exc}")
    junction = sessions / "20200101T000001Z.sqlite"
    made = subprocess.run(["cmd", "/c", "mklink", "/J", str(junction), str(outside)], capture_output=True)
    assert made.returncode == 0, made.stderr
    env = dict(os.environ, TRACKERSCAN_DATA_DIR=str(data), PYTHONPATH=str(REPO))
    r = subprocess.run([sys.executable, "-m", "trackerscan", "wipe", "--all", "--yes"], env=env,
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert "Traceback" not in r.stdout + r.stderr
    assert r.stdout.count("Left alone:") == 2, r.stdout
    assert not real.exists() and _sha(victim) == victim_hash
    assert os.path.islink(sessions / "20200101T000000Z.sqlite") and junction.exists()
    assert "BitLocker" in r.stdout
