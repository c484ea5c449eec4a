"""Finding sessions in the data folder: by name, prefix, ``latest`` or path, and listing them."""

from __future__ import annotations

import os
from pathlib import Path

from trackerscan.errors import SessionError
from trackerscan.formats.session import Session, SessionSummary
from trackerscan.sessions import paths


def _session_paths(directory: Path) -> list[Path]:
    """The regular files named like sessions in ``directory`` (links, folders and FIFOs left out)."""
    if not directory.is_dir():
        return []
    return sorted(Path(e.path) for e in os.scandir(directory)
                  if e.name.endswith(paths.SESSION_SUFFIX) and e.is_file(follow_symlinks=False))


def _named(text: str, directory: Path) -> Path | None:
    """The session in ``directory`` called ``text`` (name, file name, unique prefix, ``latest``), or None."""
    known = _session_paths(directory)
    if text in ("latest", "last"):
        return known[-1] if known else None
    exact = [q for q in known if q.stem == text or q.name == text]
    if exact:
        return exact[0]
    prefixed = [q for q in known if q.stem.startswith(text)] if text else []
    if len(prefixed) > 1:
        raise SessionError(f"'{text}' matches {len(prefixed)} sessions; give more of its name.")
    return prefixed[0] if prefixed else None


def _looks_like_path(text: str) -> bool:
    separators = [os.sep] + ([os.altsep] if os.altsep else [])
    return any(c in text for c in separators) or text.endswith(paths.SESSION_SUFFIX)


def resolve_session(
    name_or_path: str | os.PathLike[str], data_dir: str | os.PathLike[str] | None = None
) -> Path:
    """The session file for a session name (``20261123T145300Z``), a unique prefix, ``latest``, or a path.

    A name is looked up in the data folder first (``latest`` never means a file of that name in the
    current folder); a path may be anywhere, and is opened later without following links.
    """
    text = str(name_or_path)
    directory = paths.sessions_dir(data_dir)
    p = Path(text).expanduser()
    keyword = text in ("latest", "last")
    if _looks_like_path(text) and not keyword and os.path.lexists(p):
        return p
    found = _named(text, directory)
    if found is not None:
        return found
    if not keyword and os.path.lexists(p):
        return p
    if keyword:
        raise SessionError(f"There are no sessions yet in {directory}; `trackerscan scan` records one.")
    raise SessionError(
        f"There is no session called '{text}' in {directory}; `trackerscan sessions` lists them."
    )


def in_data_folder(path: Path, data_dir: str | os.PathLike[str] | None = None) -> bool:
    """True when ``path`` is a session file kept in the data folder (not a copy elsewhere)."""
    directory = paths.sessions_dir(data_dir)
    try:
        return directory.is_dir() and os.path.samefile(path.parent, directory)
    except OSError:
        return False


def resolve_own_session(
    name_or_path: str | os.PathLike[str], data_dir: str | os.PathLike[str] | None = None
) -> Path:
    """Like `resolve_session`, but only a session kept in the data folder (what `wipe` may delete)."""
    text = str(name_or_path)
    directory = paths.sessions_dir(data_dir)
    found = _named(text, directory) if os.sep not in text else None
    if found is None and _looks_like_path(text):
        p = Path(text).expanduser()
        if in_data_folder(p, data_dir):
            found = directory / p.name
    if found is None:
        raise SessionError(f"'{text}' is not a session in {directory}: wipe deletes only sessions kept "
                           "there (`trackerscan sessions` lists them); nothing was deleted.")
    return found


def list_sessions(data_dir: str | os.PathLike[str] | None = None) -> list[SessionSummary | SessionError]:
    """Summaries of every session in the data directory, oldest first; unreadable ones as their error."""
    out: list[SessionSummary | SessionError] = []
    for path in _session_paths(paths.sessions_dir(data_dir)):
        try:
            with Session.open(path) as s:
                out.append(s.summary())
        except SessionError as exc:  # this one is listed as unreadable; the others still are listed
            out.append(exc)
    return out
