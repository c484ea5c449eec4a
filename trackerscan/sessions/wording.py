"""Names people read: tracker kinds as their makers name them (the engine's table, so the terminal,
the report and the explanations the engine writes all use the same names)."""

from __future__ import annotations

from trackerscan.engine.explain import KIND_NAMES
from trackerscan.model import Kind

__all__ = ["KIND_NAMES", "kind_name"]


def kind_name(kind: Kind | None) -> str:
    """The kind's name; "device" when unknown (short, for the terminal's table)."""
    return KIND_NAMES.get(kind, kind.value) if kind is not None else "device"
