"""BleSource's life cycle and its backlog limit, with a minimal source of our own."""

from __future__ import annotations

import asyncio

import pytest

from trackerscan.errors import SourceError
from trackerscan.model import AddressType, Sighting, SourceEvent, SourceEventKind
from trackerscan.sources.ble_base import QUEUE_LIMIT, BleSource


class Burst(BleSource):
    """Emits ``n`` sightings at once, then a second burst when told to."""

    def __init__(self, n: int, fail_open: bool = False) -> None:
        super().__init__("burst", clock=lambda: 5.0)
        self.n, self.fail_open = n, fail_open
        self.more = asyncio.Event()
        self.closed = 0

    async def _open(self) -> None:
        if self.fail_open:
            raise SourceError("The test adapter is missing.")

    async def _run(self) -> None:
        for i in range(self.n):
            self._emit(Sighting(float(i), "C0:00:00:00:00:01", AddressType.RANDOM, -60, b"", "burst"))
        await self.more.wait()
        self._emit(Sighting(1e6, "C0:00:00:00:00:02", AddressType.RANDOM, -60, b"", "burst"))

    async def _close(self) -> None:
        self.closed += 1


async def test_a_consumer_that_falls_behind_loses_sightings_and_is_told_how_many():
    src = Burst(QUEUE_LIMIT + 250)
    await src.start()
    await asyncio.sleep(0.05)
    assert src.dropped == 250
    got = [await src.__anext__() for _ in range(QUEUE_LIMIT)]
    assert [s.time for s in got] == [float(i) for i in range(QUEUE_LIMIT)]  # the oldest are kept, in order
    src.more.set()
    info = await src.__anext__()
    assert isinstance(info, SourceEvent) and info.kind is SourceEventKind.INFO and info.value == 250.0
    assert "250 sightings were dropped" in info.detail
    last = await src.__anext__()
    assert isinstance(last, Sighting) and last.address == "C0:00:00:00:00:02"
    with pytest.raises(StopAsyncIteration):  # _run returned: the stream ends
        await src.__anext__()
    await src.aclose()
    assert src.closed == 1


async def test_open_errors_surface_at_start_and_close_is_idempotent():
    src = Burst(1, fail_open=True)
    with pytest.raises(SourceError, match=r"^The test adapter is missing\.$"):
        async for _ in src:
            pass
    ok = Burst(3)
    async with ok:
        assert (await ok.__anext__()).time == 0.0
    await ok.aclose()
    assert ok.closed == 1
    # what was already delivered before closing is still handed over (never lost), then it ends
    assert [e.time async for e in ok] == [1.0, 2.0]
    assert [e async for e in ok] == []
