"""Ringing through bumble's real host stack: a virtual tag serving real GATT on a LocalLink."""

import asyncio

import pytest
from bumble.link import LocalLink
from find.bumble_tag import DULT_SEPARATED_ADV, INVALID_STATE, HciServer, TagBehaviour, VirtualTag

from trackerscan.find.ring import RingOutcome, ring
from trackerscan.model import RingProcedure

TAG = "C1:02:03:04:05:06"


@pytest.fixture
async def rig():
    link = LocalLink()
    server = HciServer(link)
    transport = await server.start()

    async def make(behaviour=None, services=("dult",)):
        behaviour = behaviour or TagBehaviour()
        tag = VirtualTag(link, TAG, behaviour, set(services))
        await tag.start(DULT_SEPARATED_ADV)
        return tag

    make.server = server  # for tests that count the HCI connections made
    yield transport, make
    await server.close()


async def test_dult_ring_success_and_sound_completed(rig):
    transport, make = rig
    tag = await make(TagBehaviour(sound_s=0.4))
    steps = []
    result = await ring(TAG, RingProcedure.DULT, transport=transport, on_progress=steps.append)
    assert result.outcome is RingOutcome.RANG, result.message
    assert tag.behaviour.writes == [("8e0c0001-1d68-fb92-bf61-48377421680e", b"\x00\x03")]
    assert result.written == (b"\x00\x03",)
    assert result.received == (bytes.fromhex("020300030000"), bytes.fromhex("0303"))
    assert result.status == 0 and result.completed
    assert 0.3 <= result.sound_s < 3.0
    assert result.message.startswith("The tracker rang for")
    assert result.attempts == 1 and result.transport == f"hci:{transport}"
    assert any("playing its sound" in s for s in steps)


@pytest.mark.parametrize("status,word", [(0xFFFF, "INVALID_COMMAND"), (INVALID_STATE, "INVALID_STATE")])
async def test_dult_refused_near_owner(rig, status, word):
    transport, make = rig
    tag = await make(TagBehaviour(separated=False, status_when_near=status))
    result = await ring(TAG, RingProcedure.DULT, transport=transport)
    assert result.outcome is RingOutcome.REFUSED
    assert result.status == status and word in result.message and "near its owner" in result.message
    assert not result.completed
    assert tag.behaviour.writes == [("8e0c0001-1d68-fb92-bf61-48377421680e", b"\x00\x03")]


async def test_dult_stop(rig):
    transport, make = rig
    tag = await make()
    result = await ring(TAG, RingProcedure.DULT, transport=transport, stop=True)
    assert result.outcome is RingOutcome.STOPPED
    assert tag.behaviour.writes[-1][1] == b"\x01\x03"
    assert result.received == (bytes.fromhex("020301030000"),)


async def test_no_answer_times_out_and_says_so(rig):
    transport, make = rig
    await make(TagBehaviour(answer=False))
    result = await ring(TAG, RingProcedure.DULT, transport=transport, response_timeout_s=0.5)
    assert result.outcome is RingOutcome.NO_RESPONSE and "did not answer within 0.5 s" in result.message


async def test_fd44_and_pebblebee_and_airtag_bytes(rig):
    transport, make = rig
    tag = await make(services=("fd44", "pebblebee", "airtag"))
    fd44 = await ring(TAG, RingProcedure.FINDMY_FD44, transport=transport)
    assert fd44.outcome is RingOutcome.RANG and fd44.completed, fd44.message
    assert fd44.received[0] == bytes.fromhex("01020300030000")  # framed Command_Response
    pb = await ring(TAG, RingProcedure.PEBBLEBEE, transport=transport)
    pb_stop = await ring(TAG, RingProcedure.PEBBLEBEE, transport=transport, stop=True)
    airtag = await ring(TAG, RingProcedure.AIRTAG, transport=transport)
    assert (pb.outcome, pb_stop.outcome, airtag.outcome) == (
        RingOutcome.RANG,
        RingOutcome.STOPPED,
        RingOutcome.RANG,
    )
    await asyncio.sleep(0.1)  # a write without response may land after the link closes on our side
    assert tag.behaviour.writes == [
        ("4f860003-943b-49ef-bed4-2f730304427a", b"\x01\x00\x03"),
        ("2c02", b"\x01"),
        ("2c02", b"\x02"),
        ("7dfc9001-7d1c-4951-86aa-8d9728f8d66c", b"\xaf"),
    ]


async def test_missing_service_is_reported(rig):
    transport, make = rig
    await make(services=("dult",))
    result = await ring(TAG, RingProcedure.AIRTAG, transport=transport)
    assert result.outcome is RingOutcome.NO_SOUND_SERVICE and "near their owner" in result.message


async def test_absent_tracker_is_not_found_quickly(rig):
    transport, _make = rig
    loop = asyncio.get_running_loop()
    start = loop.time()
    result = await ring("C9:09:09:09:09:09", RingProcedure.DULT, transport=transport, connect_timeout_s=2.0)
    assert result.outcome is RingOutcome.NOT_FOUND and "was not heard" in result.message
    assert loop.time() - start < 4.0


async def test_airtag_has_no_stop_and_bad_transport_is_explained():
    result = await ring(TAG, RingProcedure.AIRTAG, transport="tcp-client:127.0.0.1:1", stop=True)
    assert result.outcome is RingOutcome.CANNOT_STOP
    bad = await ring(TAG, RingProcedure.DULT, transport="no-such-transport:x")
    assert bad.outcome is RingOutcome.ADAPTER and "no-such-transport" in bad.message


async def test_a_dropped_connection_is_retried_once(rig):
    transport, make = rig
    tag = await make(TagBehaviour(drop_writes=1))
    steps = []
    result = await ring(TAG, RingProcedure.DULT, transport=transport, on_progress=steps.append)
    assert result.outcome is RingOutcome.RANG and result.completed, result.message
    assert [w for _, w in tag.behaviour.writes] == [b"\x00\x03", b"\x00\x03"]
    assert result.attempts == 2 and any("trying once more" in s for s in steps)


async def test_a_tracker_that_keeps_dropping_is_explained(rig):
    transport, make = rig
    tag = await make(TagBehaviour(drop_writes=5))
    result = await ring(TAG, RingProcedure.DULT, transport=transport)
    assert result.outcome is RingOutcome.CONNECT_FAILED
    assert "dropped the connection" in result.message and "may still ring" in result.message
    assert len(tag.behaviour.writes) == 2


async def test_the_advertised_address_type_is_learnt_from_the_scan():
    """A caller may not know whether an address is public or random: the scan tells.  (bumble's LocalLink
    cannot route a connection to a public advertiser, testing-real-components.md §1.3, so this stops at
    the scan.)"""
    from trackerscan.find.ring_bumble import _heard, open_device

    link = LocalLink()
    server = HciServer(link)
    transport = await server.start()
    tag = VirtualTag(link, TAG, TagBehaviour(), {"pebblebee"})
    await tag.start(DULT_SEPARATED_ADV, public=True)
    try:
        async with open_device(transport) as device:
            heard = await _heard(device, "F0:00:00:00:00:01", 3.0)
            missing = await _heard(device, TAG, 0.5)  # the random address is not advertised now
    finally:
        await server.close()
    assert heard is not None and heard.is_public and heard.to_string(False) == "F0:00:00:00:00:01"
    assert missing is None


async def test_cancelling_a_ring_disconnects_from_the_tracker(rig):
    """The GUI cancels the task when the user closes the dialog: the tracker must not stay connected."""
    transport, make = rig
    tag = await make(TagBehaviour(sound_s=30.0))
    task = asyncio.create_task(ring(TAG, RingProcedure.DULT, transport=transport))
    for _ in range(100):
        if tag.behaviour.writes:
            break
        await asyncio.sleep(0.05)
    await asyncio.sleep(0.2)
    assert tag.device.connections  # connected, waiting for Sound_Completed
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    for _ in range(40):
        if not tag.device.connections:
            break
        await asyncio.sleep(0.05)
    assert not tag.device.connections


async def test_ringing_during_a_scan_uses_the_scanning_device_and_the_scan_goes_on(rig):
    """A dongle can be opened once: the GUI rings through the device its live scan holds.  The ring
    listens to that scan instead of restarting it, and the scan keeps delivering sightings after."""
    from trackerscan.model import Sighting
    from trackerscan.sources import open_ble

    transport, make = rig
    tag = await make(TagBehaviour(sound_s=0.3))
    source = open_ble(f"hci:{transport}")
    await source.start()
    heard: list[Sighting] = []

    async def read() -> None:
        async for event in source:
            if isinstance(event, Sighting) and event.address == TAG:
                heard.append(event)

    reader = asyncio.create_task(read())
    try:
        for _ in range(100):
            if heard:
                break
            await asyncio.sleep(0.05)
        assert heard, "the scan never heard the tag"
        result = await ring(TAG, RingProcedure.DULT, bumble_device=source.bumble_device, transport=transport)
        assert result.outcome is RingOutcome.RANG and result.completed, result.message
        assert tag.behaviour.writes == [("8e0c0001-1d68-fb92-bf61-48377421680e", b"\x00\x03")]
        assert source.bumble_device.is_scanning  # the scan was not stopped by the ring
        before = len(heard)
        await asyncio.sleep(1.0)  # the tag advertises every 50 ms
        assert len(heard) > before + 5
    finally:
        reader.cancel()
        await source.aclose()
    assert len(make.server.clients) == 1  # one HCI connection: the scan's, shared by the ring
