"""A virtual tracker on a bumble LocalLink, serving the non-owner sound services for real GATT tests.

The tag's controller and the controller the code under test drives (over a tcp-server HCI transport
on loopback) sit on one LocalLink, so a ring goes through bumble's real host stack, HCI, ATT and GATT.
"""

from __future__ import annotations

import asyncio
import struct
from dataclasses import dataclass, field

from bumble import hci
from bumble.controller import Controller
from bumble.core import AdvertisingData
from bumble.device import Device
from bumble.gatt import Characteristic, CharacteristicValue, Service
from bumble.hci import Address
from bumble.host import Host
from bumble.link import LocalLink
from bumble.transport.common import AsyncPipeSink, StreamPacketSource

from trackerscan.find import procedures as P

SUCCESS, INVALID_STATE, INVALID_COMMAND = 0x0000, 0x0001, 0xFFFF


@dataclass
class TagBehaviour:
    separated: bool = True  # near its owner a DULT tag answers Invalid_command
    status_when_near: int = INVALID_COMMAND
    sound_s: float = 0.3  # delay before Sound_Completed
    send_completed: bool = True
    answer: bool = True  # send a Command_Response at all
    drop_writes: int = 0  # drop the connection on this many first writes (as AirTags do)
    writes: list[tuple[str, bytes]] = field(default_factory=list)  # (characteristic, bytes) received


async def _random_address(dev: Device, addr: str) -> None:
    dev.random_address = Address(addr)
    await dev.send_sync_command(hci.HCI_LE_Set_Random_Address_Command(random_address=Address(addr)))


class VirtualTag:
    def __init__(self, link: LocalLink, address: str, behaviour: TagBehaviour, services: set[str]) -> None:
        self.address = address
        self.behaviour = behaviour
        ctrl = Controller("tag", link=link, public_address="F0:00:00:00:00:01")
        self.device = Device(
            name="tag", address=Address("F0:00:00:00:00:01"), host=Host(ctrl, AsyncPipeSink(ctrl))
        )
        self.chars: dict[str, Characteristic] = {}
        if "dult" in services:
            self._add(P.DULT_SERVICE, P.DULT_CHARACTERISTIC, framed=False, indicate=True)
        if "fd44" in services:
            self._add("FD44", P.FD44_CHARACTERISTIC, framed=True, indicate=True)
        if "airtag" in services:
            self._add(P.AIRTAG_SERVICE, P.AIRTAG_CHARACTERISTIC, framed=False, indicate=False)
        if "pebblebee" in services:
            self._add("FA25", "2C02", framed=False, indicate=False, without_response=True)

    def _add(
        self, svc: str, chr_: str, *, framed: bool, indicate: bool, without_response: bool = False
    ) -> None:
        props = (
            Characteristic.Properties.WRITE_WITHOUT_RESPONSE
            if without_response
            else Characteristic.Properties.WRITE
        )
        if indicate:
            props |= Characteristic.Properties.INDICATE
        holder: dict[str, Characteristic] = {}

        def on_write(conn, value: bytes) -> None:
            value = bytes(value)
            self.behaviour.writes.append((chr_.lower(), value))
            if self.behaviour.drop_writes > 0:
                self.behaviour.drop_writes -= 1
                asyncio.get_running_loop().create_task(conn.disconnect())
                return
            if indicate:
                asyncio.get_running_loop().create_task(self._answer(holder["c"], value, framed))

        c = Characteristic(chr_, props, Characteristic.WRITEABLE, CharacteristicValue(write=on_write))
        holder["c"] = c
        self.chars[chr_.lower()] = c
        self.device.add_service(Service(svc, [c]))

    async def _answer(self, c: Characteristic, value: bytes, framed: bool) -> None:
        b = self.behaviour
        head = b"\x01" if framed else b""
        body = value[1:] if framed else value
        if not b.answer or len(body) < 2:
            return
        op = int.from_bytes(body[:2], "little")
        status = SUCCESS if b.separated else b.status_when_near
        await self.device.indicate_subscribers(c, head + struct.pack("<HHH", 0x0302, op, status))
        if status == SUCCESS and op == P.OP_SOUND_START and b.send_completed:
            await asyncio.sleep(b.sound_s)
            await self.device.indicate_subscribers(c, head + struct.pack("<H", 0x0303))

    async def start(self, adv: bytes, public: bool = False) -> None:
        """Advertise ``adv`` from the random address given, or (``public``) from F0:00:00:00:00:01."""
        await self.device.power_on()
        await _random_address(self.device, self.address)
        await self.device.start_advertising(
            own_address_type=hci.OwnAddressType.PUBLIC if public else hci.OwnAddressType.RANDOM,
            advertising_data=adv,
            advertising_interval_min=50,
            advertising_interval_max=50,
            auto_restart=True,
        )


class _Sink:
    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None

    def on_packet(self, packet: bytes) -> None:
        if self.transport is not None:
            self.transport.write(packet)


class _Protocol(asyncio.Protocol):
    def __init__(self, source: StreamPacketSource, sink: _Sink, clients: list) -> None:
        self.source, self.sink, self.transport = source, sink, None
        self.clients = clients

    def connection_made(self, transport) -> None:
        self.clients.append(transport)
        self.transport = transport
        self.sink.transport = transport

    def connection_lost(self, exc) -> None:
        # bumble's own tcp-server transport clears the sink here even when a newer client has already
        # connected, so a second `trackerscan ring` right after the first would find a dead controller.
        if self.sink.transport is self.transport:
            self.sink.transport = None

    def data_received(self, data: bytes) -> None:
        self.source.data_received(data)


class HciServer:
    """A second virtual controller on the link, serving HCI over TCP on loopback.

    The code under test reaches it as ``tcp-client:127.0.0.1:PORT`` (bumble's real tcp-client transport).
    """

    def __init__(self, link: LocalLink) -> None:
        self.link = link
        self.server: asyncio.Server | None = None
        self.clients: list = []  # every HCI connection made to the controller (a dongle allows one)

    async def start(self) -> str:
        source, sink = StreamPacketSource(), _Sink()
        self.controller = Controller(
            "scanner", host_source=source, host_sink=sink, link=self.link, public_address="F0:00:00:00:00:02"
        )
        self.server = await asyncio.get_running_loop().create_server(
            lambda: _Protocol(source, sink, self.clients), host="127.0.0.1", port=0
        )
        port = self.server.sockets[0].getsockname()[1]
        return f"tcp-client:127.0.0.1:{port}"

    async def close(self) -> None:
        if self.server is not None:
            self.server.close()


DULT_SEPARATED_ADV = bytes(
    AdvertisingData([(AdvertisingData.SERVICE_DATA_16_BIT_UUID, bytes.fromhex("b2fc0200"))])
)
