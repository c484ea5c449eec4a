"""Deleting sessions for good: overwrite, fsync, then unlink, side files included.

Only what is recognised as a session is touched: a regular file (not a link,
folder or FIFO) whose SQLite header carries trackerscan's ``application_id``,
opened without following links and checked on the open descriptor.  Its
-wal/-shm/-journal companions are wiped only if they are regular files; links
are never followed.

On flash storage (SD cards, SSDs) wear levelling may keep old blocks that an
overwrite cannot reach; full-disk encryption is the only complete answer.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from trackerscan.errors import SessionError
from trackerscan.filelock import is_locked
from trackerscan.formats.session_file import SIDE_SUFFIXES, check_session_fd, open_regular
from trackerscan.sessions import paths

_BLOCK = 1 << 20


def _overwrite(fd: int) -> None:
    """Zero the open file, fsync, truncate, fsync."""
    size = os.fstat(fd).st_size
    zeros = bytes(_BLOCK)
    done = 0
    while done < size:
        done += os.pwrite(fd, zeros[: min(_BLOCK, size - done)], done)
    os.fsync(fd)
    os.ftruncate(fd, 0)
    os.fsync(fd)


def _unlink_same(name: str, dir_fd: int, fd: int) -> None:
    """Unlink ``name`` in the folder only if it is still the file open as ``fd``."""
    here = os.stat(name, dir_fd=dir_fd, follow_symlinks=False)
    there = os.fstat(fd)
    if (here.st_dev, here.st_ino) != (there.st_dev, there.st_ino):
        raise SessionError(f"{name} changed while it was being wiped; what is there now was left untouched.")
    os.unlink(name, dir_fd=dir_fd)


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
        dir_fd = os.open(path.parent, os.O_RDONLY | os.O_DIRECTORY)
    except OSError as exc:
        raise SessionError(f"Cannot open the folder {path.parent}: {exc.strerror}.") from None
    removed: list[Path] = []
    try:
        fd = open_regular(path, os.O_RDWR, dir_fd)
        try:
            check_session_fd(fd, path, dir_fd)
            _not_recording(fd, path)  # held until the end: no writer can take it meanwhile
            companions = []
            for suffix in SIDE_SUFFIXES:
                side = path.with_name(path.name + suffix)
                with contextlib.suppress(SessionError):  # absent, a link, a folder: left alone
                    companions.append((side, open_regular(side, os.O_RDWR, dir_fd)))
            try:
                for f, d in [(path, fd), *companions]:
                    _overwrite(d)
                    _unlink_same(f.name, dir_fd, d)
                    removed.append(f)
            finally:
                for _side, d in companions:
                    os.close(d)
        finally:
            os.close(fd)
        os.fsync(dir_fd)
    except OSError as exc:
        raise SessionError(f"Cannot wipe {path}: {exc.strerror or exc}.") from None
    finally:
        os.close(dir_fd)
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
