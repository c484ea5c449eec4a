"""Writing a file where someone else may have planted something: a USB stick, an ``--out`` path.

`atomic_output` writes a new file complete or not at all: a temporary file is
created exclusively (``O_EXCL | O_NOFOLLOW``, mode 0600, a random name) in the
target's own folder, so a link planted under any name is never written
through; it is fsync'ed and renamed over the target (a rename replaces a link,
never follows it), and the folder is fsync'ed.  Windows has no folder descriptors: there the
same steps go by full path, without the folder's fsync.  The target must be in an
existing folder, must not be a folder, and must not be one of the files being
read (``inputs``).
"""

from __future__ import annotations

import contextlib
import os
import secrets
import stat
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import BinaryIO

from trackerscan.errors import InputError
from trackerscan.sessions.paths import FILE_MODE

_EXCL_FLAGS = (
    os.O_RDWR | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    | getattr(os, "O_BINARY", 0)  # Windows: no O_NOFOLLOW (O_EXCL already refuses a link); binary mode
)

# Folder descriptors (open, rename and unlink relative to an open folder): POSIX has them, Windows not.
DIR_FDS = os.open in os.supports_dir_fd and os.rename in os.supports_dir_fd and hasattr(os, "O_DIRECTORY")


def check_target(out: Path, inputs: Iterable[Path] = ()) -> None:
    """Raise a one-line `InputError` unless ``out`` can be written as a new version of a file."""
    parent = out.parent
    if not parent.is_dir():
        raise InputError(f"The folder {parent} does not exist: create it first, or choose another file.")
    try:
        st = os.lstat(out)
    except FileNotFoundError:
        return
    except OSError as exc:
        raise InputError(f"Cannot write {out}: {exc.strerror}.") from None
    if stat.S_ISDIR(st.st_mode):
        raise InputError(f"{out} is a folder: give a file name to write.")
    for src in inputs:
        with contextlib.suppress(OSError):
            s = os.stat(src)
            if (s.st_dev, s.st_ino) == (st.st_dev, st.st_ino) or os.path.samefile(src, out):
                raise InputError(f"{out} is the file being read: choose another file to write.")


@contextlib.contextmanager
def atomic_output(out: Path, inputs: Iterable[Path] = (), mode: int = FILE_MODE) -> Iterator[BinaryIO]:
    """A binary file object whose content becomes ``out`` when the block ends without an error.

    The file is open for reading too, so the block can check what it wrote (`session_file.read_at`).
    """
    check_target(out, inputs)
    parent = out.parent
    dir_fd: int | None = None  # Windows: no folder descriptors; names are then full paths
    if DIR_FDS:
        try:
            dir_fd = os.open(parent, os.O_RDONLY | os.O_DIRECTORY)
        except OSError as exc:
            raise InputError(f"Cannot write in {parent}: {exc.strerror}.") from None
    try:
        tmp_name, fd = _create_temp(dir_fd, out, mode)
        target = out.name if dir_fd is not None else str(out)
        done = False
        try:
            with os.fdopen(fd, "w+b") as f:
                yield f
                f.flush()
                os.fsync(f.fileno())
            # replaces whatever is at the target, a link included, never writing through it
            os.replace(tmp_name, target, src_dir_fd=dir_fd, dst_dir_fd=dir_fd)
            done = True
            if dir_fd is not None:
                os.fsync(dir_fd)
        except OSError as exc:
            raise InputError(f"Cannot write {out}: {exc.strerror or exc}.") from None
        finally:
            if not done:
                with contextlib.suppress(OSError):
                    os.unlink(tmp_name, dir_fd=dir_fd)
    finally:
        if dir_fd is not None:
            os.close(dir_fd)


def _create_temp(dir_fd: int | None, out: Path, mode: int) -> tuple[str, int]:
    """A new file beside ``out``, made exclusively (O_EXCL refuses anything there, a link included)."""
    for _ in range(100):
        name = f".{out.name[:100]}.{secrets.token_hex(6)}.part"
        if dir_fd is None:
            name = str(out.with_name(name))
        try:
            fd = os.open(name, _EXCL_FLAGS, mode, dir_fd=dir_fd)
        except FileExistsError:
            continue
        except OSError as exc:
            raise InputError(f"Cannot write in {out.parent}: {exc.strerror}.") from None
        if hasattr(os, "fchmod"):  # not on Windows, where the mode means only read-only or not
            os.fchmod(fd, mode)  # whatever the umask
        return name, fd
    raise InputError(f"Cannot create a temporary file in {out.parent}.")
