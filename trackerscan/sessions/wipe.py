"""Deleting sessions for good: overwrite, fsync, then unlink, side files included.

Only what is recognised as a session is touched: a regular file (not a link,
folder or FIFO) whose SQLite header carries trackerscan's ``application_id``,
opened without following links and checked on the open descriptor.  Its
-wal/-shm/-journal companions are wiped only if they are regular files; links
are never followed.  Every file is overwritten (and fsync'ed) before any is
removed, and each is removed only if its name still holds the file overwritten.

Two ways, chosen by what the system offers (`DIR_FDS`):

- **folder descriptor** (Linux, macOS): the folder is opened once and every open,
  stat and unlink is relative to it, with O_NOFOLLOW; the folder is fsync'ed.
- **by path** (Windows, which has no folder descriptors, O_DIRECTORY or
  O_NOFOLLOW): before each open and each removal the folder is checked to be
  the same folder (not a link, junction or reparse point, still resolving to
  where it did) and the file's name to be no link and the file opened; a
  file is closed before its name is removed (Windows cannot remove an open
  file).  What remains is the instant between a check and the call that
  follows it; the folder's own entry is not fsync'ed.

Neither way reaches old copies of the blocks: see `OVERWRITE_LIMITS`.
"""

from __future__ import annotations

import contextlib
import os
import stat
import sys
from pathlib import Path

from trackerscan.errors import SessionError
from trackerscan.filelock import is_locked
from trackerscan.formats.session_file import (
    SIDE_SUFFIXES,
    check_session_fd,
    is_link_like,
    open_regular,
    same_file,
)
from trackerscan.sessions import paths, safewrite

_BLOCK = 1 << 20

# Folder descriptors for open, stat and unlink: read at each call, so tests on Linux can take the
# by-path way Windows has (False).
DIR_FDS = safewrite.DIR_FDS and os.unlink in os.supports_dir_fd and os.stat in os.supports_dir_fd

# What an overwrite cannot promise, per system (said by `trackerscan wipe` and in the README).
OVERWRITE_LIMITS = {
    "win32": "On an SSD the old blocks may survive an overwrite, and System Restore's shadow copies "
             "(Previous Versions) or File History may hold older copies; BitLocker (full-disk encryption) "
             "keeps them unreadable to anyone who cannot unlock this computer.",
    "darwin": "APFS writes changes to new blocks, so the old ones may survive the overwrite, as may "
              "Time Machine's snapshots; FileVault (full-disk encryption) keeps them unreadable to anyone "
              "who cannot unlock this Mac.",
    "linux": "On an SSD or SD card, and on copy-on-write file systems (Btrfs, ZFS), the old blocks may "
             "survive an overwrite; full-disk encryption (LUKS) keeps them unreadable to anyone who cannot "
             "unlock this computer.",
}


def overwrite_limits(platform: str = sys.platform) -> str:
    """One calm sentence on what the overwrite cannot reach on this system."""
    return OVERWRITE_LIMITS.get(platform, OVERWRITE_LIMITS["linux"])


def _overwrite(fd: int) -> None:
    """Zero the open file, fsync, truncate, fsync (seek and write: Windows has no pwrite)."""
    size = os.fstat(fd).st_size
    zeros = bytes(_BLOCK)
    os.lseek(fd, 0, os.SEEK_SET)
    done = 0
    while done < size:
        done += os.write(fd, zeros[: min(_BLOCK, size - done)])
    os.fsync(fd)
    os.ftruncate(fd, 0)
    os.fsync(fd)


def _changed(path: Path) -> SessionError:
    return SessionError(f"{path.name} changed while it was being wiped; what is there now was left "
                        "untouched.")


class _FolderFd:
    """The session's folder opened once; names are looked up in it, never through a link."""

    def __init__(self, folder: Path) -> None:
        self.fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))  # only where DIR_FDS

    def open(self, path: Path) -> int:
        return open_regular(path, os.O_RDWR, self.fd)

    def check(self, fd: int, path: Path) -> None:
        check_session_fd(fd, path, self.fd)

    def remove(self, path: Path, was: os.stat_result) -> None:
        if not same_file(os.stat(path.name, dir_fd=self.fd, follow_symlinks=False), was):
            raise _changed(path)
        os.unlink(path.name, dir_fd=self.fd)

    def close(self, ok: bool) -> None:
        try:
            if ok:
                os.fsync(self.fd)
        finally:
            os.close(self.fd)


class _FolderByPath:
    """The session's folder by its path, checked to be the same real folder before each step."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.real = os.path.realpath(folder)
        self.was = os.lstat(folder)
        self._check_folder()

    def _check_folder(self) -> None:
        now = os.lstat(self.folder)
        if (is_link_like(now) or not stat.S_ISDIR(now.st_mode) or not same_file(now, self.was)
                or os.path.realpath(self.folder) != self.real):
            raise SessionError(f"The folder {self.folder} changed while sessions were being wiped; "
                               "what is there now was left untouched.")

    def open(self, path: Path) -> int:
        self._check_folder()
        return open_regular(path, os.O_RDWR)  # by path: checked before and after the open

    def check(self, fd: int, path: Path) -> None:
        self._check_folder()
        check_session_fd(fd, path)

    def remove(self, path: Path, was: os.stat_result) -> None:
        self._check_folder()
        now = os.lstat(path)
        if is_link_like(now) or not same_file(now, was):
            raise _changed(path)
        os.unlink(path)

    def close(self, ok: bool) -> None:
        pass  # no folder descriptor to fsync on Windows


def check_wipeable(path: Path) -> None:
    """Raise a one-line `SessionError` unless ``path`` is a session that may be wiped now."""
    fd = open_regular(path)
    try:
        check_session_fd(fd, path)
        _not_recording(fd, path)
    finally:
        os.close(fd)


def _not_recording(fd: int, path: Path) -> None:
    if is_locked(fd):
        raise SessionError(f"{path.name} is being recorded now; stop the scan before wiping it.")


def wipe_session(path: Path) -> list[Path]:
    """Wipe a session database and its regular -wal/-shm/-journal files; returns what was removed."""
    try:
        folder: _FolderFd | _FolderByPath = (_FolderFd if DIR_FDS else _FolderByPath)(path.parent)
    except OSError as exc:
        raise SessionError(f"Cannot open the folder {path.parent}: {exc.strerror}.") from None
    removed: list[Path] = []
    opened: dict[Path, int] = {}  # what is open, the database first; each closed just before removal
    ok = overwritten = False
    try:
        fd = opened[path] = folder.open(path)
        folder.check(fd, path)
        _not_recording(fd, path)  # held until the database's removal: no writer can take it meanwhile
        for suffix in SIDE_SUFFIXES:
            side = path.with_name(path.name + suffix)
            with contextlib.suppress(SessionError):  # absent, a link, a folder: left alone
                opened[side] = folder.open(side)
        for d in opened.values():
            _overwrite(d)
        overwritten = True
        for f in reversed(list(opened)):  # the companions first, the database (holding the lock) last
            was = os.fstat(opened[f])
            os.close(opened.pop(f))
            folder.remove(f, was)
            removed.insert(0, f)
        ok = True
    except OSError as exc:
        note = "; its content was overwritten, but some of its files are still there" if overwritten else ""
        raise SessionError(f"Cannot wipe {path}: {exc.strerror or exc}{note}.") from None
    finally:
        for d in opened.values():
            os.close(d)
        folder.close(ok)
    return removed


def wipe_candidates(directory: Path) -> tuple[list[Path], list[str]]:
    """The sessions in ``directory`` that ``wipe --all`` removes, and a line for each thing it leaves."""
    found: list[Path] = []
    left: list[str] = []
    if not directory.is_dir():
        return found, left
    for entry in sorted(os.scandir(directory), key=lambda e: e.name):
        if not entry.name.endswith(paths.SESSION_SUFFIX):
            continue
        path = Path(entry.path)
        try:
            check_wipeable(path)
        except SessionError as exc:
            left.append(str(exc))
            continue
        found.append(path)
    return found, left
