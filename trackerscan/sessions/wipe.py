"""Deleting sessions for good: overwrite, fsync, then unlink, side files included.

On flash storage (SD cards, SSDs) wear levelling may keep old blocks that an
overwrite cannot reach; full-disk encryption is the only complete answer.
"""

from __future__ import annotations

import os
from pathlib import Path

from trackerscan.errors import SessionError
from trackerscan.sessions import paths
from trackerscan.sessions.store import is_recording

_BLOCK = 1 << 20


def overwrite_and_unlink(path: Path) -> None:
    """Overwrite ``path`` with zeros, fsync, truncate and unlink it."""
    size = path.stat().st_size
    fd = os.open(path, os.O_WRONLY)
    try:
        zeros = bytes(_BLOCK)
        done = 0
        while done < size:
            done += os.write(fd, zeros[: min(_BLOCK, size - done)])
        os.fsync(fd)
        os.ftruncate(fd, 0)
        os.fsync(fd)
    finally:
        os.close(fd)
    path.unlink()


def wipe_session(path: Path) -> list[Path]:
    """Wipe a session database and its -wal/-shm/-journal files; returns what was removed."""
    if is_recording(path):
        raise SessionError(f"{path.name} is being recorded now; stop the scan before wiping it.")
    files = paths.session_files(path)
    try:
        for f in files:
            overwrite_and_unlink(f)
        parent_fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(parent_fd)
        finally:
            os.close(parent_fd)
    except OSError as exc:
        raise SessionError(f"Cannot wipe {path}: {exc.strerror or exc}.") from exc
    return files
