"""Explanations people read: calm, with their numbers, never certain, with the uncertainty of each kind."""

from __future__ import annotations

import itertools
import re

from trackerscan.engine.explain import WARNING, explain
from trackerscan.model import Kind, Level

FORBIDDEN = ("definitely", "is tracking you", "stalker", "proof that", "100 %", "certainly", "danger")


def _never_certain(text: str) -> None:
    low = text.lower()
    for word in FORBIDDEN:
        assert word not in low, (word, text)
    assert "certain" not in low.replace("less certain", "").replace("not certain", "")


CASES = [
    # (kind, tracker, separated)
    (Kind.AIRTAG, True, True),
    (Kind.AIRTAG, True, False),
    (Kind.TILE, True, None),
    (Kind.CHIPOLO, True, None),
    (Kind.PEBBLEBEE, True, None),
    (Kind.GOOGLE_FMDN, True, None),
    (Kind.APPLE_DEVICE, True, True),
    (None, False, None),
]


def test_every_template_is_calm_and_has_its_numbers():
    for (kind, tracker, sep), level, positioned, known in itertools.product(
        CASES, list(Level), (True, False), (False, True)
    ):
        text = explain(
            level,
            kind,
            tracker,
            sep,
            4,
            1234.0,
            1500.0,
            positioned,
            "walking",
            0.63,
            marked=3,
            elapsed_s=7300,
            known=known,
        )
        _never_certain(text)
        raised = level is not Level.NONE and not known
        assert text.startswith("Possible tracker") == raised, text
        if raised:
            assert "confidence 0.63" in text and "moderate" in text and "not proof" in text
            assert "Innocent explanations are possible" in text
        assert (WARNING in text) == (level is Level.ALERT and not known)
        assert "25 minutes" in text  # time together
        if positioned:
            assert "at 4 places over 1.2 km" in text
        else:
            assert "at 3 places you marked and in 1 other session over 2 h 02 min" in text
            assert "positions were not known" in text
            assert ("less certain than with GPS" in text) == raised


def test_uncertain_kinds_say_why():
    def text(kind, tracker, sep, level=Level.ALERT):
        return explain(level, kind, tracker, sep, 4, 900.0, 900.0, True, "", 0.75)

    for kind in (Kind.TILE, Kind.CHIPOLO, Kind.PEBBLEBEE):
        t = text(kind, True, None)
        assert "cannot be read from its signal" in t
        assert "whether or not its owner is nearby" in t and "someone travelling with you" in t
    t = text(None, False, None)
    assert "address that does not change" in t and "not a known tracker brand" in t
    assert "a companion's phone or watch" in t
    t = text(Kind.AIRTAG, True, True)
    assert "away from its owner" in t and "whether or not" not in t and "tracker brand" not in t
    near = text(Kind.AIRTAG, True, False, Level.NONE)
    assert "near its owner" in near and "do not raise a warning" in near


def test_one_place_has_no_distance_and_no_place_says_so():
    t = explain(Level.NONE, Kind.TILE, True, None, 1, 0.0, 22.0, True, "", 0.0)
    assert "at 1 place during 22 seconds" in t and " over " not in t
    t = explain(Level.NONE, Kind.TILE, True, None, 0, 0.0, 22.0, True, "", 0.0)
    assert "heard for 22 seconds while your position was not known" in t and "0 places" not in t


def test_engine_alerts_carry_the_caveats(suite):
    run = suite[("walk_every_kind", 0)]
    by_kind = {}
    for c in run.changes:
        if c.level is Level.ALERT:
            by_kind.setdefault(c.kind, c)
    for kind in (Kind.TILE, Kind.CHIPOLO, Kind.PEBBLEBEE):
        c = by_kind[kind]
        assert "whether or not its owner is nearby" in c.explanation
        assert c.confidence < 0.8 and "moderate" in c.explanation
    other = by_kind[None]  # after "Not mine" to the question asked once at watch
    asked = [c for c in run.changes if c.kind is None and c.level is Level.WATCH]
    assert len(asked) == 1 and "Is this yours?" in asked[0].explanation
    assert "not a known tracker brand" in other.explanation and "Is this yours?" not in other.explanation
    m = re.search(r"at (\d+) places over ([\d.]+) km during (\d+) minutes", other.explanation)
    assert m and int(m.group(1)) == other.places and abs(float(m.group(2)) * 1000 - other.span_m) <= 50
    assert "whether or not" not in by_kind[Kind.AIRTAG].explanation
