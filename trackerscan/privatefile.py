"""Opening a file to write where someone may have planted something under its name.

`open_private` is for writers that stream a file in place (test captures and logs from the
simulator): mode 0600, a link under the name is refused (``O_NOFOLLOW``), and a file with other
names (hard links), a FIFO or a device is refused before anything is truncated.  Reports and
exports that must be complete or absent go through `trackerscan.sessions.safewrite.atomic_output`.
"""

from __future__ import annotations

import errno
import os
import stat

from trackerscan.errors import InputError

_FLAGS = (
    os.O_WRONLY | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
    | getattr(os, "O_NONBLOCK", 0)  # a FIFO without a reader fails at once instead of hanging
    | getattr(os, "O_BINARY", 0)
)


def open_private(path: str | os.PathLike[str]) -> int:
    """Open ``path`` for writing from empty, mode 0600; return the descriptor.

    Raises a one-line `InputError` when ``path`` is a link, has other names, or is not a regular file.
    """
    try:
        fd = os.open(path, _FLAGS, 0o600)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise InputError(f"{os.fspath(path)} is a link: remove it or choose another name.") from None
        if exc.errno == errno.ENXIO:
            raise InputError(f"{os.fspath(path)} is not a regular file: choose another name.") from None
        raise InputError(f"Cannot write {os.fspath(path)}: {exc.strerror or exc}.") from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise InputError(f"{os.fspath(path)} is not a regular file: choose another name.")
        if st.st_nlink > 1:
            raise InputError(f"{os.fspath(path)} has other names (hard links): remove it or choose another.")
        os.ftruncate(fd, 0)
        if hasattr(os, "fchmod"):
            os.fchmod(fd, 0o600)  # an earlier file of that name may have been readable by others
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
    except BaseException:
        os.close(fd)
        raise
    return fd
