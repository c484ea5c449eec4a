"""Play sound from the window, end to end: the live scan and the ring share one bumble controller (as a
USB dongle must), and a virtual DULT tag on the same LocalLink answers over real GATT."""

import asyncio
import threading

import pytest
from find.bumble_tag import DULT_SEPARATED_ADV, HciServer, TagBehaviour, VirtualTag
from trackerscan_gui.models import DEVICE_ROLE

TAG = "C1:02:03:04:05:06"


class RadioRoom:
    """The virtual radios on their own event loop and thread (the GUI's worker has another)."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()

    def run(self, coro):
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(15)

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)


@pytest.fixture
def radios():
    from bumble.link import LocalLink

    room = RadioRoom()

    async def setup():
        link = LocalLink()
        server = HciServer(link)
        transport = await server.start()
        tag = VirtualTag(link, TAG, TagBehaviour(sound_s=0.3), {"dult"})
        await tag.start(DULT_SEPARATED_ADV)
        return server, transport, tag

    server, transport, tag = room.run(setup())
    yield transport, tag, server
    room.run(server.close())
    room.close()


def test_play_sound_rings_the_tag_through_the_scanning_dongle(controller, qtbot, radios):
    transport, tag, server = radios
    controller.settings.ble_source = f"hci:{transport}"
    controller.start_live()
    w = controller.window
    qtbot.waitUntil(lambda: controller.runner.status.recording != "", timeout=15_000)

    def tag_row():
        m = w.table.model()
        for r in range(m.rowCount()):
            d = m.index(r, 0).data(DEVICE_ROLE)
            if d is not None and TAG in d.addresses:
                return d
        return None

    # listed once heard again FIRST_PROMOTE_SPAN_S (20 s) after its first advertisement (not a spam address)
    qtbot.waitUntil(lambda: (w.refresh(), tag_row())[1] is not None, timeout=45_000)
    device = tag_row()
    assert device.can_ring
    w.play_sound(device.device_id)
    qtbot.waitUntil(lambda: bool(controller.told), timeout=30_000)
    title, text = controller.told[-1]
    assert title == "Play a sound" and "The tracker rang for" in text, text
    assert tag.behaviour.writes == [("8e0c0001-1d68-fb92-bf61-48377421680e", b"\x00\x03")]
    assert len(server.clients) == 1  # the ring used the scan's controller connection, not a second one
    # and the scan goes on: the tag is still being heard after the ring
    last = tag_row().last_seen
    qtbot.waitUntil(lambda: (w.refresh(), tag_row().last_seen > last + 0.5)[1], timeout=10_000)
