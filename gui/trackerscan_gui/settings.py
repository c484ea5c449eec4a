"""The application's settings: a small JSON file under the user's config folder (file 0600, folder 0700)."""

from __future__ import annotations

import json
import locale
import math
import os
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

from platformdirs import user_config_dir

from trackerscan.engine.thresholds import SENSITIVITY
from trackerscan.errors import InputError
from trackerscan.sessions.safewrite import atomic_output

from .wording import helpline_for

# The words the window shows for each of the engine's presets ...
_SENSITIVITY_WORDS = {
    "high": "High: alerts sooner, more false alarms",
    "medium": "Medium (recommended)",
    "low": "Low: alerts later, needs more places",
}
# ... in the engine's order; a preset added there without words here fails at import, not in front of a user.
SENSITIVITIES = {name: _SENSITIVITY_WORDS[name] for name in SENSITIVITY}


@dataclass(slots=True)
class KnownDevice:
    """A device the user marked as theirs (alerts stop, logging goes on)."""

    device_id: str
    label: str = ""
    identifiers: list[str] = field(default_factory=list)
    addresses: list[str] = field(default_factory=list)


@dataclass(slots=True)
class HomePlace:
    """A place where devices seen do not count as following (e.g. home)."""

    label: str
    lat: float
    lon: float
    radius_m: float = 150.0


@dataclass(slots=True)
class Settings:
    ble_source: str = "bleak"
    gps_source: str = "none"
    sensitivity: str = "medium"
    known: list[KnownDevice] = field(default_factory=list)
    homes: list[HomePlace] = field(default_factory=list)
    helpline: str = ""  # empty: the locale's national helpline
    discreet: bool = False
    beep: bool = False  # find mode beep, off by default
    session_dir: str = ""  # empty: the sessions engineer's default folder
    own_devices_asked: bool = False  # the first-run step "Your own devices" was offered

    def helpline_text(self) -> str:
        return self.helpline.strip() or helpline_for(_locale_name()).text

    def emergency_number(self) -> str:
        return helpline_for(_locale_name()).emergency

    def known_ids(self) -> set[str]:
        return {k.device_id for k in self.known}


def _locale_name() -> str:
    for var in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(var)
        if value:
            return value
    return locale.getlocale()[0] or ""


def default_path() -> Path:
    return Path(user_config_dir("trackerscan")) / "gui.json"


def load(path: Path | None = None) -> Settings:
    """Read settings; a missing file gives defaults, a damaged one a clear InputError."""
    path = path or default_path()
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return Settings()
    except (OSError, ValueError, RecursionError) as exc:  # RecursionError: nesting deeper than the stack
        raise InputError(
            f"The settings file {path} cannot be read ({exc}); move it away to start afresh."
        ) from exc
    if not isinstance(raw, dict):
        raise InputError(f"The settings file {path} does not hold settings; move it away to start afresh.")
    names = {f.name for f in fields(Settings)}
    values = {k: v for k, v in raw.items() if k in names}
    try:
        values["known"] = [KnownDevice(**k) for k in values.get("known", [])]
        values["homes"] = [HomePlace(**h) for h in values.get("homes", [])]
        settings = Settings(**values)
        _check(settings)
    except (TypeError, ValueError) as exc:
        raise InputError(f"The settings file {path} has a bad entry ({exc}); fix or move it away.") from exc
    if settings.sensitivity not in SENSITIVITIES:
        settings.sensitivity = "medium"
    return settings


def _check(settings: Settings) -> None:
    """Raise ValueError naming the first value of the wrong kind (the file may have been edited by hand)."""
    kinds = {"str": (str, "text"), "bool": (bool, "true or false")}
    for f in fields(Settings):
        kind = kinds.get(str(f.type))
        if kind is not None and not isinstance(getattr(settings, f.name), kind[0]):
            raise ValueError(f"{f.name} must be {kind[1]}")
    for k in settings.known:
        if not (isinstance(k.device_id, str) and isinstance(k.label, str)
                and all(isinstance(x, list) and all(isinstance(v, str) for v in x)
                        for x in (k.identifiers, k.addresses))):
            raise ValueError("a known device must have text for its id, label, identifiers and addresses")
    for h in settings.homes:
        numbers = (h.lat, h.lon, h.radius_m)
        if not isinstance(h.label, str) or not all(
                isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v) for v in numbers):
            raise ValueError("a home must have a label and a latitude, longitude and radius in numbers")
        if not (-90 <= h.lat <= 90 and -180 <= h.lon <= 180 and h.radius_m > 0):
            raise ValueError(f"the home {h.label!r} is not a place on Earth with a radius above 0")


def save(settings: Settings, path: Path | None = None) -> Path:
    """Write settings complete or not at all (0600, never through a planted link); InputError if it cannot."""
    path = path or default_path()
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"Cannot create the settings folder {path.parent}: {exc.strerror}.") from None
    with atomic_output(path, mode=0o600) as f:
        f.write(json.dumps(asdict(settings), indent=2).encode("utf-8"))
    return path
