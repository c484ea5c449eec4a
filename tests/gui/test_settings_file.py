"""The GUI's settings file: a damaged or hand-edited file is one sentence; saving never writes through a
planted link and never takes the window down when it fails."""

from __future__ import annotations

import json
import os
import stat

import pytest
from trackerscan_gui import settings as settings_mod

from trackerscan.errors import InputError

GOOD_HOME = {"label": "home", "lat": 51.5, "lon": -0.1, "radius_m": 150.0}
GOOD_KNOWN = {"device_id": "dev-1", "label": "my keys", "identifiers": ["00ff"],
              "addresses": ["C4:00:00:00:00:01"]}


def _write(tmp_path, text: str):
    path = tmp_path / "gui.json"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_whole_file_reads_back():
    s = settings_mod.Settings(helpline="My advocate: 0123", discreet=True, sensitivity="high")
    s.known.append(settings_mod.KnownDevice(**GOOD_KNOWN))
    s.homes.append(settings_mod.HomePlace(**GOOD_HOME))
    assert settings_mod._check(s) is None


@pytest.mark.parametrize(
    "entry",
    [
        {"ble_source": 5},
        {"gps_source": None},
        {"discreet": "no"},  # a string is true: discreet mode would have gone on
        {"homes": [{**GOOD_HOME, "lat": "51.5"}]},
        {"homes": [{**GOOD_HOME, "lat": 100.0}]},
        {"homes": [{**GOOD_HOME, "radius_m": 0}]},
        {"homes": [{**GOOD_HOME, "lon": True}]},
        {"known": [{**GOOD_KNOWN, "identifiers": "00ff"}]},
        {"known": [{**GOOD_KNOWN, "addresses": [1]}]},
        {"known": {"dev-1": GOOD_KNOWN}},
        {"homes": [["home", 51.5, -0.1]]},
    ],
)
def test_a_bad_entry_is_one_sentence(tmp_path, entry):
    path = _write(tmp_path, json.dumps(entry))
    with pytest.raises(InputError, match="has a bad entry") as err:
        settings_mod.load(path)
    assert "\n" not in str(err.value)


def test_a_home_at_nan_is_refused(tmp_path):
    # json reads the bare NaN of a hand-edited file; a home at NaN matched no place, silently
    path = _write(tmp_path, '{"homes": [{"label": "home", "lat": NaN, "lon": 0.5}]}')
    with pytest.raises(InputError, match="has a bad entry"):
        settings_mod.load(path)


def test_save_never_writes_through_a_planted_link(tmp_path):
    victim = tmp_path / "victim.txt"
    victim.write_text("someone else's file\n")
    config = tmp_path / "config"
    config.mkdir()
    for name in ("gui.tmp", "gui.json.tmp"):  # where the old code wrote its temporary file, and a guess
        os.symlink(victim, config / name)
    s = settings_mod.Settings(helpline="My advocate: 0123")
    settings_mod.save(s, config / "gui.json")
    assert victim.read_text() == "someone else's file\n"
    assert settings_mod.load(config / "gui.json").helpline == "My advocate: 0123"
    assert stat.S_IMODE((config / "gui.json").stat().st_mode) == 0o600


def test_a_failed_save_is_told_and_the_settings_still_apply(controller, tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the settings folder should be\n")
    controller.settings_path = controller.window.settings_path = blocker / "gui.json"
    new = settings_mod.Settings(discreet=True)
    controller.apply_settings(new)  # used to raise inside a Qt slot
    assert controller.window.settings.discreet
    ((title, text),) = controller.told
    assert title == "Settings not saved" and "They apply until trackerscan is closed." in text


def test_a_file_nested_deeper_than_the_stack_is_one_sentence(tmp_path):
    path = _write(tmp_path, "[" * 100_000)  # RecursionError, not ValueError, in json: it took the GUI down
    with pytest.raises(InputError, match="cannot be read") as err:
        settings_mod.load(path)
    assert "\n" not in str(err.value)
