""""It's mine" in the window reaches the live session through `LiveSession.mark_mine`, as `scan` and
the kit send it: the engine stops watching the device and the session file keeps it as known."""

import time

from sessions.session_fixtures import make_events, write_session

from trackerscan.formats.session import Session
from trackerscan.live import LiveSession
from trackerscan.sessions.known import KNOWN_META_KEY

AIRTAG = "C1:02:03:04:05:06"
PHONE = "5A:11:22:33:44:55"


def _wait(predicate, what, seconds=60):
    deadline = time.monotonic() + seconds
    while not predicate():
        assert time.monotonic() < deadline, what
        time.sleep(0.05)


def test_its_mine_goes_through_the_live_session(controller, tmp_path, monkeypatch):
    src = write_session(tmp_path / "input", make_events(120, 2))
    said = []
    real = LiveSession.mark_mine

    def mark_mine(self, device_id):  # the real command, noted on the way
        said.append(device_id)
        real(self, device_id)

    monkeypatch.setattr(LiveSession, "mark_mine", mark_mine)
    controller.settings.ble_source = f"replay:{src},speed=4"  # 30 s: still recording when she answers
    controller.start_live()
    w, runner = controller.window, controller.runner

    def airtag():
        runner.publish()
        return next((d for d in runner.snapshot().devices if AIRTAG in d.addresses), None)

    _wait(lambda: airtag() is not None and runner.status.recording, "the AirTag is heard while recording")
    device = airtag()
    assert not device.known and runner.status.ble_state == "scanning"
    w.refresh()
    w.mark_mine(device.device_id, confirm=False)
    assert said == [device.device_id]  # through LiveSession, not straight to the engine
    assert w.device(device.device_id).known  # the engine stopped watching it
    assert device.device_id in controller.settings.known_ids()
    path = runner.status.recording
    runner.stop()
    with Session.open(path) as s:
        meta = s.meta()
    assert "ended" in meta and meta["front_end"] == "gui"
    known = meta[KNOWN_META_KEY].splitlines()
    assert AIRTAG in known and PHONE not in known  # the session file keeps her answer
