"""The application's settings: a small JSON file under the user's config folder (file 0600, folder 0700)."""

from __future__ import annotations

import json
import locale
import os
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

from platformdirs import user_config_dir

from trackerscan.engine.thresholds import SENSITIVITY
from trackerscan.errors import InputError

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
    except (OSError, ValueError) as exc:
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
    except TypeError as exc:
        raise InputError(f"The settings file {path} has a bad entry ({exc}); fix or move it away.") from exc
    if settings.sensitivity not in SENSITIVITIES:
        settings.sensitivity = "medium"
    return settings


def save(settings: Settings, path: Path | None = None) -> Path:
    """Write settings atomically with tight permissions."""
    path = path or default_path()
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(asdict(settings), f, indent=2)
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)
    return path
