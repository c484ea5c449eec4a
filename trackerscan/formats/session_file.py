"""Session files opened without following links, recognised by their own header, and their side files.

A session file is a regular file whose SQLite header carries trackerscan's
``application_id``.  Everything here works on an open descriptor, never on a
path checked first and opened later: a link, a folder or a FIFO planted under
a session's name is refused before a byte is read or written.

In WAL mode the first commits of a session (the ``application_id`` among them)
may still be in the ``-wal`` file rather than in the database's own header: the
recognition then reads page 1 as the ``-wal`` file holds it.
"""

from __future__ import annotations

import os
import stat
import struct
from collections.abc import Callable
from pathlib import Path

from trackerscan.errors import SessionError

APPLICATION_ID = 0x54534553  # "TSES": marks a trackerscan session database
SQLITE_MAGIC = b"SQLite format 3\x00"
SIDE_SUFFIXES = ("-wal", "-shm", "-journal")

_HEADER_LEN = 100  # SQLite's database header
_APP_ID_AT = 68  # big-endian application_id in the header
_WAL_MAGICS = (0x377F0682, 0x377F0683)
_WAL_HEADER_LEN = 32
_WAL_FRAME_HEADER_LEN = 24
# Frames of a -wal file looked at for page 1 (a 4 KiB-page wal this long is ~40 MB): bounds the work
# a hostile -wal can cause; a real session checkpoints long before (SQLite's default: 1000 pages).
WAL_FRAMES_MAX = 10_000
# Windows has none of the first four (no FIFOs or terminals to open by path) and needs O_BINARY, or
# reads stop at a 0x1A byte.  Without O_NOFOLLOW, os.open follows a link (on Windows: a symbolic link
# or a junction), so there files are opened by path and checked before and after (`_open_checked`).
_NOFOLLOW_FLAG = getattr(os, "O_NOFOLLOW", 0)
_OPEN_FLAGS = (
    _NOFOLLOW_FLAG | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
    | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)
)
# Whether the system refuses to open a link itself (POSIX); read at each call, so tests on Linux can
# take Windows' way (False).
NOFOLLOW = bool(_NOFOLLOW_FLAG)


def is_link_like(st: os.stat_result) -> bool:
    """True for a symbolic link or, on Windows, any reparse point (a junction, a mount point)."""
    return stat.S_ISLNK(st.st_mode) or bool(
        getattr(st, "st_file_attributes", 0) & stat.FILE_ATTRIBUTE_REPARSE_POINT)


def same_file(a: os.stat_result, b: os.stat_result) -> bool:
    """True when two stat results are of one file (device and file number; on Windows too)."""
    return (a.st_dev, a.st_ino) == (b.st_dev, b.st_ino)


def open_regular(path: Path, flags: int = os.O_RDONLY, dir_fd: int | None = None) -> int:
    """A descriptor on ``path`` if it is a regular file, not a link; else a one-line `SessionError`.

    Never blocks (a FIFO is refused, not waited on) and never follows the last component.
    """
    if dir_fd is None and not NOFOLLOW:
        return _open_checked(path, flags)
    try:
        fd = os.open(path if dir_fd is None else path.name, flags | _OPEN_FLAGS, dir_fd=dir_fd)
    except FileNotFoundError:
        raise SessionError(f"There is no session file at {path}.") from None
    except OSError as exc:
        if os.path.islink(path):
            raise SessionError(f"{path} is a link, not a session file; it was left untouched.") from None
        raise SessionError(f"Cannot open {path}: {exc.strerror}; it was left untouched.") from None
    return _regular_or_close(fd, path)


def _regular_or_close(fd: int, path: Path, before: os.stat_result | None = None) -> int:
    st = os.fstat(fd)
    if not stat.S_ISREG(st.st_mode):
        os.close(fd)
        raise SessionError(f"{path} is not a regular file, so not a session; it was left untouched.")
    if before is not None and not same_file(before, st):
        os.close(fd)
        raise SessionError(f"{path} changed while it was being opened; it was left untouched.")
    return fd


def _open_checked(path: Path, flags: int) -> int:
    """`open_regular` where links cannot be refused by the open itself (Windows).

    The name is looked at first (not a link, junction or other reparse point; a regular file), then
    opened, and the open file must be the one looked at: a link swapped in between is noticed
    after the open, before a byte is read or written.
    """
    try:
        before = os.lstat(path)
    except FileNotFoundError:
        raise SessionError(f"There is no session file at {path}.") from None
    except OSError as exc:
        raise SessionError(f"Cannot open {path}: {exc.strerror}; it was left untouched.") from None
    if is_link_like(before):
        raise SessionError(f"{path} is a link, not a session file; it was left untouched.")
    if not stat.S_ISREG(before.st_mode):
        raise SessionError(f"{path} is not a regular file, so not a session; it was left untouched.")
    try:
        fd = os.open(path, flags | (_OPEN_FLAGS & ~_NOFOLLOW_FLAG))
    except OSError as exc:
        raise SessionError(f"Cannot open {path}: {exc.strerror}; it was left untouched.") from None
    return _regular_or_close(fd, path, before)


def read_at(fd: int, n: int, offset: int) -> bytes:
    """Up to ``n`` bytes at ``offset`` (fewer only at the end): os.pread, or seek and read on Windows."""
    if hasattr(os, "pread"):
        data: bytes = os.pread(fd, n, offset)
        return data
    os.lseek(fd, offset, os.SEEK_SET)
    parts: list[bytes] = []
    while n > 0 and (part := os.read(fd, n)):
        parts.append(part)
        n -= len(part)
    return b"".join(parts)


def wal_page1(read: Callable[[int, int], bytes]) -> bytes | None:
    """Page 1's header as the last -wal frame holding it has it (None: not there).

    ``read(n, offset)`` reads the -wal file (`read_at` on a descriptor, or slicing bytes).
    """
    head = read(_WAL_HEADER_LEN, 0)
    if len(head) < _WAL_HEADER_LEN:
        return None
    magic, _version, page_size = struct.unpack(">III", head[:12])
    if magic not in _WAL_MAGICS or page_size < 512 or page_size > 65536 or page_size & (page_size - 1):
        return None
    found = None
    at = _WAL_HEADER_LEN
    for _ in range(WAL_FRAMES_MAX):
        frame = read(_WAL_FRAME_HEADER_LEN + _HEADER_LEN, at)
        if len(frame) < _WAL_FRAME_HEADER_LEN + _HEADER_LEN:
            break
        if struct.unpack(">I", frame[:4])[0] == 1:
            found = frame[_WAL_FRAME_HEADER_LEN:]
        at += _WAL_FRAME_HEADER_LEN + page_size
    return found


def is_session_header(head: bytes, wal_head: bytes | None = None) -> bool:
    """True when a database header (or, if it has none yet, the -wal's page 1) is a trackerscan session's."""
    if len(head) < _HEADER_LEN or not head.startswith(SQLITE_MAGIC):
        return False
    for page1 in (head, wal_head):
        if (page1 is not None and len(page1) >= _HEADER_LEN and page1.startswith(SQLITE_MAGIC)
                and struct.unpack(">I", page1[_APP_ID_AT:_APP_ID_AT + 4])[0] == APPLICATION_ID):
            return True
    return False


def _wal_page1_of(path: Path, dir_fd: int | None) -> bytes | None:
    """`wal_page1` of the -wal companion, if it is a regular file (never through a link)."""
    try:
        fd = open_regular(path.with_name(path.name + "-wal"), os.O_RDONLY, dir_fd)
    except SessionError:
        return None
    try:
        return wal_page1(lambda n, at: read_at(fd, n, at))
    finally:
        os.close(fd)


def check_session_fd(fd: int, path: Path, dir_fd: int | None = None) -> None:
    """Raise a one-line `SessionError` unless the open file ``fd`` is a trackerscan session."""
    head = read_at(fd, _HEADER_LEN, 0)
    if not head.startswith(SQLITE_MAGIC):
        raise SessionError(
            f"{path} is not a trackerscan session (not an SQLite database); it was left untouched."
        )
    app_id = struct.unpack(">I", head[_APP_ID_AT:_APP_ID_AT + 4])[0] if len(head) >= 72 else 0
    if app_id == APPLICATION_ID:
        return
    if app_id == 0 and is_session_header(head, _wal_page1_of(path, dir_fd)):
        return  # a cut recording: the header is still in its -wal file
    raise SessionError(f"{path} is an SQLite database but not a trackerscan session; it was left untouched.")


def session_files(path: Path) -> list[Path]:
    """The database and the SQLite side files (-wal, -shm, -journal) that exist for it (links too)."""
    candidates = [path] + [path.with_name(path.name + s) for s in SIDE_SUFFIXES]
    return [p for p in candidates if os.path.lexists(p)]
