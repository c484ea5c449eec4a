"""Plain words: numbers in, the sentences people read out."""

import os
import stat

import pytest
from gui_records import device
from trackerscan_gui import settings as settings_mod
from trackerscan_gui import wording

from trackerscan.errors import InputError
from trackerscan.model import Fix, Kind, Level


def test_with_you_words_has_minutes_and_places():
    d = device(1, duration_s=14 * 60 + 20, places=5)
    assert wording.with_you_words(d) == "with you for 14 min at 5 places"
    assert (
        wording.with_you_words(device(1, duration_s=2 * 3600 + 5 * 60, places=2))
        == "with you for 2 h 5 min at 2 places"
    )


def test_duration_distance_signal_words():
    assert wording.duration_words(40) == "40 s"
    assert wording.duration_words(3600) == "1 h"
    assert wording.distance_words(1349) == "1.3 km"
    assert wording.distance_words(347) == "350 m"
    assert wording.signal_words(-62.4) == "-62 dBm (close)"
    assert wording.signal_words(-95) == "-95 dBm (far)"
    assert wording.signal_words(None) == "not heard"


def test_status_never_relies_on_colour():
    assert wording.status_words(device(1)).startswith("ALERT")
    assert wording.status_words(device(1, known=True)) == "Yours (marked)"
    assert wording.status_words(device(1, level=Level.NONE, separated=False)) == "Tracker, near owner"
    assert wording.status_words(device(1, level=Level.WATCH)).startswith("Watching")


@pytest.mark.parametrize(
    ("loc", "needle", "emergency"),
    [
        ("en_GB.UTF-8", "0808 2000 247", "999"),
        ("en_US", "1-800-799-7233", "911"),
        ("de_DE", "116 016", "110"),
        ("fr_FR", "3919", "17"),
        ("en_AU", "1800 737 732", "000"),
        ("es_ES", "016", "112"),
        ("pt_BR", "helpline or support service near you", "your local emergency number"),
    ],
)
def test_helpline_per_locale(loc, needle, emergency):
    line = wording.helpline_for(loc)
    assert needle in line.text
    assert line.emergency == emergency


def test_alert_text_has_numbers_caution_innocent_reasons_and_helpline():
    text = wording.alert_text(device(1, kind=Kind.SMARTTAG), "Test line 0800 000", "999")
    assert "Samsung SmartTag" in text.title and text.found.startswith("A Samsung SmartTag that is away")
    assert wording.alert_text(device(2), "x", "999").found.startswith("An AirTag that is away from its owner")
    assert "42 min" in text.found and "5 places" in text.found and "1.3 km" in text.found
    assert "possible" in text.title.lower()
    for reason in ("borrowed", "travelling with you", "bus or train"):
        assert reason in text.meaning
    joined = " ".join(text.next_steps)
    assert "may alert the person who placed it" in joined
    assert "Test line 0800 000" in joined and "999" in joined


def test_gps_words_quality():
    fix = Fix(0.0, 51.5, -0.1, hdop=0.8, satellites=9)
    assert wording.gps_words("fix", fix, 0, "gpsd") == "GPS: position fixed, about 4 m (good, 9 satellites)"
    poor = Fix(0.0, 51.5, -0.1, accuracy_m=45.0)
    assert "(poor)" in wording.gps_words("fix", poor, 0, "gpsd")
    assert "marks (3 so far)" in wording.gps_words("marks", None, 3, "none")


def test_settings_round_trip_with_tight_permissions(tmp_path):
    path = tmp_path / "cfg" / "gui.json"
    s = settings_mod.Settings(helpline="My advocate: 0123", discreet=True, sensitivity="high")
    s.known.append(settings_mod.KnownDevice("dev-1", "my keys", ["00ff"], ["C4:00:00:00:00:01"]))
    s.homes.append(settings_mod.HomePlace("home", 51.5, -0.12, 120.0))
    settings_mod.save(s, path)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(path.parent).st_mode) == 0o700
    back = settings_mod.load(path)
    assert back == s
    assert back.helpline_text() == "My advocate: 0123"


def test_settings_missing_and_damaged(tmp_path):
    assert settings_mod.load(tmp_path / "none.json") == settings_mod.Settings()
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(InputError, match="cannot be read"):
        settings_mod.load(bad)
    bad.write_text('{"known": [{"nope": 1}]}')
    with pytest.raises(InputError, match="bad entry"):
        settings_mod.load(bad)
    assert bad.read_text() == '{"known": [{"nope": 1}]}'  # never overwritten behind the user's back


def test_every_kind_is_named_as_the_engine_names_it():
    from trackerscan.engine import explain
    from trackerscan.model import Kind

    for kind in Kind:  # the window, the report and the terminal say what the engine's explanations say
        assert kind in explain.KIND_NAMES  # a name people read, never the enum's value
        assert wording.kind_name(kind) == explain.kind_name(kind) == explain.kind_name(kind, "device")


def test_compact_list_words_keep_the_facts():
    d = device(1, level=Level.NONE, places=5, duration_s=2520.0, rssi_smoothed=-61.5)
    assert wording.status_compact(d) == "Away from owner"
    assert wording.status_compact(device(2, level=Level.ALERT)) == "ALERT"
    assert wording.with_you_compact(d) == "42 min, 5 places"
    one_place = device(3, places=1, first_seen=100.0, last_seen=140.0)
    assert wording.with_you_compact(one_place) == "heard for 40 s"
    assert wording.signal_compact(-61.5) == "-62 dBm" and wording.signal_compact(None) == "not heard"
