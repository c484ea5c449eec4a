"""The kit's first-run step (issue #17): her own devices learnt from a session recorded at home."""

from __future__ import annotations

import os
import stat

from trackerscan.cli import main
from trackerscan.engine import Engine
from trackerscan.engine.known import KnownDevices
from trackerscan.model import Level
from trackerscan.sessions.known import KNOWN_META_KEY
from trackerscan.sessions.writer import SessionWriter
from trackerscan.sim import build_scenario
from trackerscan.sim.scenarios import MIN

MINE = {"your fitness band", "your earbuds case", "your laptop", "your watch"}


def test_known_learns_her_devices_at_home_and_they_raise_nothing_all_day(tmp_path, capsys):
    sc = build_scenario("own_gadgets", 0)
    home = [e for e in sc.events if e.time < sc.events[0].time + 10 * MIN]
    writer = SessionWriter.create(tmp_path / "sessions", home[0].time, {"ble": "sim", "gps": "sim"})
    for e in home:
        writer.add(e)
    writer.flush()
    writer.close(home[-1].time, {})
    known = tmp_path / "known.txt"
    assert main(["known", str(writer.path), "--add-to", str(known)]) == 0
    out = capsys.readouterr().out
    assert "close to you in" in out and f"Added 4 to {known}" in out
    assert stat.S_IMODE(os.stat(known).st_mode) == 0o600
    learnt = KnownDevices.load(known)
    named = {sc.truth_for([a]).name for a in learnt.addresses}  # type: ignore[union-attr]
    assert named == MINE  # not her phone (its address rotates), not the Tile (not yet with her)
    engine = Engine(known=learnt)
    changes = engine.feed_many(sc.events) + engine.finish()
    raised = {sc.truth_for(c.addresses).name for c in changes}  # type: ignore[union-attr]
    assert not raised & MINE and "your car's hands-free unit" in raised  # the car was not at home
    assert any(c.level is Level.ALERT for c in changes if c.kind is not None)  # the Tile still alerts


def test_known_says_in_one_line_when_the_file_cannot_be_written(tmp_path, capsys):
    sc = build_scenario("own_gadgets", 0)
    home = [e for e in sc.events if e.time < sc.events[0].time + 5 * MIN]
    writer = SessionWriter.create(tmp_path / "sessions", home[0].time, {"ble": "sim"})
    for e in home:
        writer.add(e)
    writer.close(home[-1].time, {})
    assert main(["known", str(writer.path), "--add-to", str(tmp_path / "no" / "such" / "dir" / "k")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Cannot add to" in err and "No such file or directory" in err


def test_known_with_nothing_close(tmp_path, capsys):
    sc = build_scenario("walk_airtag", 0)
    events = [e for e in sc.events if e.time < sc.events[0].time + 30]  # half a minute: nothing counts
    writer = SessionWriter.create(tmp_path / "sessions", events[0].time, {"ble": "sim"})
    for e in events:
        writer.add(e)
    writer.close(events[-1].time, {})
    assert main(["known", str(writer.path)]) == 0
    assert "No device stayed close to you" in capsys.readouterr().out


def _recorded(tmp_path, name, minutes):
    sc = build_scenario(name, 0)
    events = [e for e in sc.events if e.time < sc.events[0].time + minutes * MIN]
    writer = SessionWriter.create(tmp_path / "sessions", events[0].time, {"ble": "sim", "gps": "sim"})
    for e in events:
        writer.add(e)
    writer.close(events[-1].time, {KNOWN_META_KEY: "\n".join(sc.known)})  # her declared phone, as recorded
    return sc, events, writer.path


def test_known_asked_lists_the_sessions_questions_and_adds_the_picked_ones(tmp_path, capsys):
    """The kit cannot ask "Is this yours?": the session's questions are listed afterwards, the same
    devices the live engine asked about, and those she picks become known."""
    sc, events, path = _recorded(tmp_path, "own_gadgets", 155)
    live = Engine(known=sc.known_devices())
    asked_live = [c.addresses[0] for c in live.feed_many(events)
                  if c.level is Level.WATCH and live.device(c.device_id).ask_mine]  # type: ignore[union-attr]
    assert main(["known", str(path), "--asked"]) == 0
    out = capsys.readouterr().out
    listed = [line.split()[1] for line in out.splitlines() if line[:1].isdigit()]
    assert listed == list(dict.fromkeys(asked_live)) and len(listed) == 4
    names = [sc.truth_for([a]).name for a in listed]  # type: ignore[union-attr]
    assert set(names) == {"your earbuds case", "your fitness band", "your laptop",
                          "your car's hands-free unit"}
    assert "--pick" in out
    known = tmp_path / "known.txt"
    assert main(["known", str(path), "--asked", "--add-to", str(known)]) == 2  # which ones?
    assert "--pick" in capsys.readouterr().err and not known.exists()
    assert main(["known", str(path), "--asked", "--add-to", str(known), "--pick", "5"]) == 2
    assert "from 1 to 4" in capsys.readouterr().err and not known.exists()
    assert main(["known", str(path), "--asked", "--add-to", str(known), "--pick", "1,3"]) == 0
    assert "Added 2" in capsys.readouterr().out
    assert stat.S_IMODE(os.stat(known).st_mode) == 0o600
    assert {a.upper() for a in KnownDevices.load(known).addresses} == {listed[0].upper(), listed[2].upper()}
    again = Engine(known=KnownDevices.load(known))
    raised = {sc.truth_for(c.addresses).name for c in again.feed_many(events)}  # type: ignore[union-attr]
    assert names[0] not in raised and names[2] not in raised and names[1] in raised


def test_known_asked_with_no_question(tmp_path, capsys):
    _sc, _events, path = _recorded(tmp_path, "walk_airtag", 10)
    assert main(["known", str(path), "--asked"]) == 0
    assert 'No "Is this yours?" question' in capsys.readouterr().out
