"""hci:tcp-client: against a real `python -m bumble.apps.controllers` on loopback, unplugged and back."""

from __future__ import annotations

import asyncio
import socket
import subprocess
import sys
import time

import pytest
from ble.bumble_link import T1, T1_ADDR, use_random_address

from trackerscan.errors import NoAdapterError
from trackerscan.model import Sighting, SourceEvent, SourceEventKind
from trackerscan.sources import open_ble, open_bumble_device
from trackerscan.sources.ble_bumble import BumbleSource


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Controllers:
    """Two virtual controllers on one link, each behind a TCP port, in a child process."""

    def __init__(self) -> None:
        self.ports = (free_port(), free_port())
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        args = [f"tcp-server:127.0.0.1:{p}" for p in self.ports]
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "bumble.apps.controllers", *args],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait(5)
            self.proc = None


@pytest.fixture
def controllers():
    c = Controllers()
    c.start()
    yield c
    c.stop()


async def open_retrying(transport: str, timeout: float = 15.0):
    deadline = time.monotonic() + timeout
    while True:
        try:
            return await open_bumble_device(transport)
        except NoAdapterError:
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(0.1)


async def start_tag(port: int):
    tag = await open_retrying(f"tcp-client:127.0.0.1:{port}")
    await use_random_address(tag.device, T1_ADDR)
    await tag.device.start_advertising(
        advertising_data=T1, advertising_interval_min=50, advertising_interval_max=50
    )
    return tag


def has_event(events, kind) -> bool:
    return any(isinstance(e, SourceEvent) and e.kind is kind for e in events)


async def wait_for(pred, events, timeout):
    deadline = time.monotonic() + timeout
    while not pred():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out; events: {[type(e).__name__ for e in events]}")
        await asyncio.sleep(0.02)


async def test_tcp_client_transport_scans_and_survives_the_controller_going_away(controllers):
    tag = await start_tag(controllers.ports[1])
    # the clock given to open_ble stamps what arrives (here a system clock an hour slow, GPS-corrected)
    src = open_ble(f"hci:tcp-client:127.0.0.1:{controllers.ports[0]}", clock=lambda: time.time() + 3600)
    assert isinstance(src, BumbleSource)
    events: list = []

    async def consume():
        async for ev in src:
            events.append(ev)

    async with src:
        task = asyncio.create_task(consume())
        await wait_for(lambda: any(isinstance(e, Sighting) for e in events), events, 10)
        first = next(e for e in events if isinstance(e, Sighting))
        assert (first.address, first.source) == (T1_ADDR, f"hci:tcp-client:127.0.0.1:{controllers.ports[0]}")
        assert first.adv.startswith(T1) and first.rssi == -50  # the stock controller's fixed RSSI
        assert abs(first.time - (time.time() + 3600)) < 5

        # unplug: the controller process dies, both transports close
        controllers.stop()
        await tag.close()
        await wait_for(
            lambda: has_event(events, SourceEventKind.ADAPTER_LOST),
            events,
            5,
        )
        await asyncio.sleep(1.0)
        mark = len(events)
        controllers.start()  # plugged back in, same ports
        plugged = time.monotonic()
        tag = await start_tag(controllers.ports[1])
        await wait_for(
            lambda: has_event(events, SourceEventKind.ADAPTER_BACK),
            events,
            10,
        )
        back_after = time.monotonic() - plugged
        await wait_for(lambda: any(isinstance(e, Sighting) for e in events[mark:]), events, 10)
        task.cancel()
    await tag.close()
    kinds = [e.kind for e in events if isinstance(e, SourceEvent)]
    assert kinds == [SourceEventKind.ADAPTER_LOST, SourceEventKind.ADAPTER_BACK]
    back = next(e for e in events if isinstance(e, SourceEvent) and e.kind is SourceEventKind.ADAPTER_BACK)
    assert back.value is not None and back.value >= 1.0
    assert abs(back.time - (time.time() + 3600)) < 30
    assert back_after < 10.0


async def test_a_controller_that_is_not_there_is_a_plain_error():
    src = open_ble(f"hci:tcp-client:127.0.0.1:{free_port()}")
    with pytest.raises(NoAdapterError, match=r"^Could not open the Bluetooth controller at hci:tcp-client:"):
        await src.start()
