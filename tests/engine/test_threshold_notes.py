"""The report's thresholds table is data: values from `engine/thresholds.py`, reasons from the generated
`engine/threshold_notes.py`, which must match the comments in thresholds.py."""

import ast
import importlib.util
import inspect
from pathlib import Path

from trackerscan.engine import thresholds as th
from trackerscan.engine.threshold_notes import NOTES
from trackerscan.sessions.report.content import thresholds

ROOT = Path(__file__).resolve().parents[2]


def _generator():
    path = ROOT / "scripts" / "threshold_notes.py"
    spec = importlib.util.spec_from_file_location("threshold_notes_script", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_notes_match_the_comments_in_thresholds_py():
    gen = _generator()
    assert gen.TARGET.read_text(encoding="utf-8") == gen.generate(), (
        "trackerscan/engine/threshold_notes.py is stale: run .venv/bin/python scripts/threshold_notes.py"
    )
    assert gen.main(["threshold_notes.py", "--check"]) == 0


def test_a_changed_comment_changes_the_notes():
    gen = _generator()
    source = gen.SOURCE.read_text(encoding="utf-8")
    assert "AirGuard clusters at 150 m" in NOTES["PLACE_SPACING_M"]
    edited = source.replace("AirGuard clusters at 150 m", "Measured on the bus route at 150 m")
    changed = gen.notes(edited, vars(th))
    assert "Measured on the bus route" in changed["PLACE_SPACING_M"]
    assert gen.module_text(changed) != gen.TARGET.read_text(encoding="utf-8")


def test_every_threshold_has_a_note_and_every_note_a_threshold():
    tree = ast.parse(inspect.getsource(th))
    named = [n.targets[0].id for n in tree.body if isinstance(n, ast.Assign) and len(n.targets) == 1
             and isinstance(n.targets[0], ast.Name) and n.targets[0].id.isupper()]
    numbers = [name for name in named if isinstance(getattr(th, name), int | float | dict)]
    assert list(NOTES) == numbers
    assert all(NOTES[name] for name in numbers if not NOTES[name].startswith("(goes with"))


def test_the_report_reads_no_source_file(monkeypatch):
    """A bundled application has no .py files: the table must come from the modules' data alone."""
    def no_source(*_args, **_kwargs):
        raise OSError("no source in a bundle")

    monkeypatch.setattr(inspect, "getsource", no_source)
    monkeypatch.setattr(ast, "parse", no_source)
    monkeypatch.setattr(Path, "read_text", no_source)
    monkeypatch.setattr(th, "WATCH_PLACES", th.WATCH_PLACES + 7)
    rows = {t.name: t for t in thresholds()}
    assert rows["WATCH_PLACES"].value == f"{th.WATCH_PLACES:g}"  # the value as the engine has it now
    assert rows["PLACE_SPACING_M"].comment == NOTES["PLACE_SPACING_M"]
    assert len(rows) == len(NOTES)
