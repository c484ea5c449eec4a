"""The window's Bluetooth status names a BLE spam flood while it goes on (issue #13)."""

from trackerscan_gui.runner import Runner, Status
from trackerscan_gui.views import StatusLine

from trackerscan.engine import Engine
from trackerscan.model import AddressType, Fix, Sighting, SourceEventKind

T0 = 1772438400.0
FAST_PAIR = bytes.fromhex("03032CFE06162CFE") + bytes(3)
PHONE = bytes.fromhex("0201060AFF4C0010050B1C1A2B3C")


class Sink:
    def __init__(self):
        self.events = []

    def write(self, event):
        self.events.append(event)


def test_a_flood_is_named_in_the_status_line_and_recorded(qtbot, tmp_path):
    sink = Sink()
    runner = Runner(Engine(), Status(ble_name="hci0", ble_state="scanning"), sink)
    line = StatusLine()
    qtbot.addWidget(line)
    n = 0
    for s in range(240):  # a phone, with 30 spam frames a second for the first 2 minutes
        runner.feed(Fix(T0 + s, 52.52, 13.405, accuracy_m=5.0))
        runner.feed(Sighting(T0 + s, "5A:11:22:33:44:55", AddressType.RANDOM, -60, PHONE, "b"))
        for k in range(30 if s < 120 else 0):
            n += 1
            addr = f"C0:00:00:{n >> 16 & 0xFF:02X}:{n >> 8 & 0xFF:02X}:{n & 0xFF:02X}"
            adv = FAST_PAIR + n.to_bytes(3)
            runner.feed(Sighting(T0 + s + k / 30, addr, AddressType.RANDOM, -50, adv, "b"))
        if s == 150:
            line.show_status(runner.status)
            assert runner.status.flood.startswith("Bluetooth spam flood: 30 new addresses a second")
            assert "a tracker that stays with you is still found" in line.ble.text()
            line.resize(900, 140)
            line.grab().save(str(tmp_path / "status-flood.png"))
    kinds = [e.kind for e in sink.events if hasattr(e, "kind")]
    assert kinds == [SourceEventKind.FLOOD_STARTED, SourceEventKind.FLOOD_ENDED]
    assert runner.status.flood == ""
    line.show_status(runner.status)
    assert line.ble.text() == "Bluetooth: scanning (hci0)"
