"""Where sessions and reports live, and how a session is named.

The data directory is platformdirs' user data directory for "trackerscan",
unless the environment variable ``TRACKERSCAN_DATA_DIR`` or a ``--data-dir``
option says otherwise.  Folders are created 0700; session files are 0600.  On
Windows, where modes mean nothing, folders get an access list instead (`winacl`)
that files made inside inherit.
"""

from __future__ import annotations

import os
import stat
import sys
from datetime import UTC, datetime
from pathlib import Path

import platformdirs

from trackerscan.errors import SessionError
from trackerscan.sessions import winacl

ENV_DATA_DIR = "TRACKERSCAN_DATA_DIR"
SESSION_SUFFIX = ".sqlite"
DIR_MODE = 0o700
FILE_MODE = 0o600


def data_dir(override: str | os.PathLike[str] | None = None) -> Path:
    """The data directory: ``override``, else $TRACKERSCAN_DATA_DIR, else the platform's user data dir."""
    if override:
        return Path(override).expanduser()
    env = os.environ.get(ENV_DATA_DIR)
    if env:
        return Path(env).expanduser()
    return Path(platformdirs.user_data_dir("trackerscan", appauthor=False))


def make_private(path: Path) -> None:
    """Only this user may open the folder ``path``: mode 0700, or on Windows `winacl.restrict_to_owner`."""
    if sys.platform == "win32":
        winacl.restrict_to_owner(path)
    else:
        os.chmod(path, DIR_MODE)


def private_dir(path: Path, parents: int = 0) -> Path:
    """``path`` as a private folder (`make_private`), made if missing, and its ``parents`` nearest parents.

    Each folder made or checked is refused if a link or a file stands in its place.
    """
    if parents > 0:
        private_dir(path.parent, parents - 1)
    try:
        path.mkdir(mode=DIR_MODE, parents=parents == 0, exist_ok=True)
        st = os.lstat(path)
        if not stat.S_ISDIR(st.st_mode):
            raise SessionError(f"{path} is a link or a file, not a folder; nothing was written there.")
        make_private(path)
    except OSError as exc:
        raise SessionError(f"Cannot create the private folder {path}: {exc.strerror}.") from None
    return path


def sessions_dir(override: str | os.PathLike[str] | None = None, create: bool = False) -> Path:
    """The folder holding session databases (created 0700 when ``create``)."""
    path = data_dir(override) / "sessions"
    return private_dir(path, parents=1) if create else path


def reports_dir(override: str | os.PathLike[str] | None = None, create: bool = False) -> Path:
    """The folder where reports are written by default (created 0700 when ``create``)."""
    path = data_dir(override) / "reports"
    return private_dir(path, parents=1) if create else path


def session_name(started: float) -> str:
    """A session's name from its start time: ``20261123T145300Z``."""
    return datetime.fromtimestamp(started, UTC).strftime("%Y%m%dT%H%M%SZ")

