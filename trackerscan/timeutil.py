"""Formatting and parsing of UTC times.  Pure: no clock is read here."""

from __future__ import annotations

from datetime import UTC, datetime


def iso_utc(t: float) -> str:
    """ISO-8601 UTC with a Z, to the second when whole, else milliseconds."""
    dt = datetime.fromtimestamp(t, UTC)
    if dt.microsecond:
        return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"
    return dt.strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_iso(text: str) -> float:
    """Parse an ISO-8601 time; a missing zone is taken as UTC."""
    dt = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.timestamp()
