"""Recorded scan sessions: the SQLite store, export, evidence reports, retention."""

from trackerscan.sessions.store import (
    Session,
    SessionSummary,
    SessionWriter,
    list_sessions,
    read_events,
    read_level_changes,
    resolve_session,
)

__all__ = [
    "Session",
    "SessionSummary",
    "SessionWriter",
    "list_sessions",
    "read_events",
    "read_level_changes",
    "resolve_session",
]
