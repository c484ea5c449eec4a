"""The kit's first-run step (issue #17): her own devices learnt from a session recorded at home."""

from __future__ import annotations

import os
import stat

from trackerscan.cli import main
from trackerscan.engine import Engine
from trackerscan.engine.known import KnownDevices
from trackerscan.model import Level
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
