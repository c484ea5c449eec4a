"""'Is this yours?' in the live view (issue #17): asked once per device, answers reach the engine."""

import pytest
from PyQt6.QtCore import Qt
from trackerscan_gui.runner import Runner, Status
from trackerscan_gui.sessions import make_engine

from trackerscan.model import Level
from trackerscan.sim import build_scenario

GADGETS = {"your fitness band", "your earbuds case", "your laptop", "your car's hands-free unit"}


def test_her_undeclared_gadgets_are_asked_about_once(controller, qtbot, tmp_path):
    sc = build_scenario("own_gadgets", 0)
    runner = Runner(make_engine(controller.settings, sc.known), Status(ble_name="sim", ble_state="scanning"))
    controller._swap(runner, review=False)
    w = controller.window
    runner.feed_all(sc.events)
    runner.publish()
    w.refresh()
    q = w.question
    assert q.isVisibleTo(w) and q.title.text() == "Is this yours?"
    first = q.device_id
    assert sc.truth_for(w.device(first).addresses).name in GADGETS
    assert "a fitness band, earbuds, a laptop" in q.text.text() and "at " in q.text.text()
    w.grab().save(str(tmp_path / "question.png"))
    w.ask = lambda title, text: pytest.fail("the answer needs no second confirmation")
    qtbot.mouseClick(q.mine_btn, Qt.MouseButton.LeftButton)
    assert w.device(first).known and first in controller.settings.known_ids()
    w.refresh()
    second = q.device_id
    assert second and second != first and q.isVisibleTo(w)
    qtbot.mouseClick(q.unsure_btn, Qt.MouseButton.LeftButton)  # "I don't know": may now be warned about
    assert not w.device(second).ask_mine and not w.device(second).known
    w.refresh()
    asked = {first, second}
    while q.device_id:  # each is asked once, never again
        assert q.device_id not in asked
        asked.add(q.device_id)
        qtbot.mouseClick(q.not_mine_btn, Qt.MouseButton.LeftButton)
        w.refresh()
    assert {sc.truth_for(w.device(d).addresses).name for d in asked} == GADGETS
    assert all(w.device(d).level is Level.WATCH for d in asked - {first})  # no alert from the answer alone


def test_first_run_step_declares_her_own_devices_at_home(controller, qtbot, tmp_path):
    """At home, first live scan: the strongest devices heard are listed; ticked ones become known."""
    sc = build_scenario("own_gadgets", 0)
    home_end = sc.events[0].time + 10 * 60
    runner = Runner(make_engine(controller.settings), Status(ble_name="sim", ble_state="scanning"))
    controller._swap(runner, review=False)
    runner.feed_all([e for e in sc.events if e.time < home_end])  # ten minutes at home
    runner.publish()
    w = controller.window
    controller.first_run_own_devices()
    dialog = w.own_devices_dialog
    assert dialog.isVisible() and controller.settings.own_devices_asked
    names = [sc.truth_for(d.addresses).name for d in dialog.devices]
    mine = {"your fitness band", "your earbuds case", "your laptop", "your watch"}
    assert mine <= set(names[:6])  # hers are the closest
    dialog.grab().save(str(tmp_path / "own_devices.png"))
    for i, name in enumerate(names):
        if name in mine:
            dialog.list.item(i).setCheckState(Qt.CheckState.Checked)
    qtbot.mouseClick(dialog.save_btn, Qt.MouseButton.LeftButton)
    known = controller.settings.known_ids()
    assert {d.device_id for d in dialog.devices if sc.truth_for(d.addresses).name in mine} <= known
    controller.first_run_own_devices()  # offered once only
    assert w.own_devices_dialog is dialog
    # Declared, her gadgets raise nothing for the rest of the day: no question, no alert.
    runner.feed_all([e for e in sc.events if e.time >= home_end])
    runner.publish()
    w.refresh()
    for d in runner.devices():
        if sc.truth_for(d.addresses).name in mine:
            assert d.known and d.level is Level.NONE and not d.ask_mine


def test_first_run_offer_dies_with_the_window(qtbot, monkeypatch, tmp_path):
    """The first-run offer is timed; a window destroyed before it fires is never touched again."""
    from trackerscan_gui import app as app_mod
    from trackerscan_gui.settings import Settings

    monkeypatch.setattr(app_mod, "FIRST_RUN_LISTEN_MS", 200)
    ctl = app_mod.Controller(Settings(), tmp_path / "gui.json", str(tmp_path / "sessions"))
    runner = Runner(make_engine(ctl.settings), Status(ble_name="sim", ble_state="scanning"))
    monkeypatch.setattr(app_mod, "start_live", lambda settings, data_dir: runner)
    ctl.start_live()
    assert ctl.runner is runner and not ctl.settings.own_devices_asked
    ctl.window.timer.stop()
    ctl.window.deleteLater()
    qtbot.wait(600)  # past the offer's time: pytest-qt fails the test on any error in the event loop
    assert not ctl.settings.own_devices_asked  # the offer never ran
