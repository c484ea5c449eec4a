"""The kit with no adapter at first, then a controller "plugged in": bumble's real host stack over a
loopback tcp transport to a virtual controller on a LocalLink, with a virtual AirTag advertising on it."""

import asyncio
import socket
import time

from bumble import hci
from bumble.controller import Controller
from bumble.device import Device
from bumble.hci import Address
from bumble.host import Host
from bumble.link import LocalLink
from bumble.transport.common import AsyncPipeSink, StreamPacketSource

from trackerscan.formats.session import Session
from trackerscan.model import SourceEventKind
from trackerscan.pi.gpio import KitGpio, Pins
from trackerscan.pi.patterns import Status
from trackerscan.pi.runner import KitConfig, KitRunner

# trackers.md test vector T1: a separated AirTag
AIRTAG = bytes.fromhex("1EFF4C001219102807CE0B3C33332ED37B5D9D8291B1D99D0B8615189700E0")


class _Sink:
    def __init__(self):
        self.transport = None

    def on_packet(self, packet):
        if self.transport is not None:
            self.transport.write(packet)


class _Protocol(asyncio.Protocol):
    def __init__(self, source, sink):
        self.source, self.sink, self.transport = source, sink, None

    def connection_made(self, transport):
        self.transport = transport
        self.sink.transport = transport

    def connection_lost(self, exc):
        if self.sink.transport is self.transport:
            self.sink.transport = None

    def data_received(self, data):
        self.source.data_received(data)


async def serve_controller(link, port):
    """A virtual controller on ``link`` behind HCI-over-TCP on 127.0.0.1:port (the "dongle")."""
    source, sink = StreamPacketSource(), _Sink()
    Controller("dongle", host_source=source, host_sink=sink, link=link, public_address="F0:00:00:00:00:02")
    return await asyncio.get_running_loop().create_server(lambda: _Protocol(source, sink), "127.0.0.1", port)


async def advertise(link):
    ctrl = Controller("tag", link=link, public_address="F0:00:00:00:00:01")
    tag = Device(name="tag", address=Address("F0:00:00:00:00:01"), host=Host(ctrl, AsyncPipeSink(ctrl)))
    await tag.power_on()
    await tag.start_advertising(own_address_type=hci.OwnAddressType.PUBLIC, advertising_data=AIRTAG,
                                advertising_interval_min=50, advertising_interval_max=50, auto_restart=True)
    return tag


async def test_a_controller_plugged_in_later_is_picked_up(tmp_path, factory):
    link = LocalLink()
    await advertise(link)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    gpio = KitGpio(Pins(), time.monotonic, pin_factory=factory)
    runner = KitRunner(KitConfig(ble=f"hci:tcp-client:127.0.0.1:{port}", gps="none",
                                 data_dir=str(tmp_path / "data")), gpio, retry_s=0.3)
    task = asyncio.create_task(runner.run())
    server = None
    try:
        await asyncio.sleep(1.0)
        assert runner.statuses[-1] is Status.ADAPTER_LOST and runner.sessions == []
        server = await serve_controller(link, port)  # the dongle is plugged in
        for _ in range(100):
            if runner.live is not None and runner.live.status.sightings >= 5:
                break
            await asyncio.sleep(0.1)
        runner.stop()
        await asyncio.wait_for(task, 10)
    finally:
        if not task.done():
            task.cancel()
        if server is not None:
            server.close()
        gpio.close()
    assert [s for s in runner.statuses if s is not Status.BUSY] == [Status.ADAPTER_LOST, Status.OK]
    with Session.open(runner.sessions[0]) as s:
        heard = [x for x in s.sightings() if x.address == "F0:00:00:00:00:01"]
        kinds = [e.kind for e in s.source_events()]
    assert len(heard) >= 5 and all(x.adv.startswith(AIRTAG) for x in heard)
    assert SourceEventKind.ADAPTER_BACK in kinds
