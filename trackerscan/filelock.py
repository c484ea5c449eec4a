"""Whole-file locks on session databases: fcntl.flock on Linux and macOS, msvcrt.locking on Windows.

A recording holds an exclusive lock on its database for as long as it writes;
`is_recording` and wipe probe for it.  Windows' locks are mandatory byte-range
locks, so there the lock covers one byte at `WINDOWS_LOCK_OFFSET`, far past
the end of any session, which SQLite never reads or writes (its own locks sit
at 1 GiB).  Either way the lock goes when the descriptor is closed.
"""

from __future__ import annotations

import os
import sys

# Where the Windows lock byte sits (bytes): 1 TiB, beyond any session (8 h at 500 adverts/s is 318 MB).
WINDOWS_LOCK_OFFSET = 1 << 40


def lock_exclusive(fd: int) -> None:
    """Take the recording lock on ``fd`` without waiting; `BlockingIOError` if someone holds it."""
    if sys.platform == "win32":
        import msvcrt

        os.lseek(fd, WINDOWS_LOCK_OFFSET, os.SEEK_SET)
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError as exc:
            raise BlockingIOError(*exc.args) from None
    else:
        import fcntl

        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)


def is_locked(fd: int) -> bool:
    """True while another descriptor holds the recording lock on this file (a probe through ``fd``)."""
    if sys.platform == "win32":
        import msvcrt

        os.lseek(fd, WINDOWS_LOCK_OFFSET, os.SEEK_SET)
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return True
        os.lseek(fd, WINDOWS_LOCK_OFFSET, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)
        return False
    import fcntl

    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)  # released when the caller closes fd
    except BlockingIOError:
        return True
    return False
