"""Ringing through bleak's real BlueZ client code against python-dbusmock's bluez5 template."""

import asyncio

from find.bluez_tag import indication_code

from trackerscan.find import procedures as P
from trackerscan.find.ring import RingOutcome, ring
from trackerscan.model import RingProcedure

TAG = "C1:02:03:04:05:06"
DULT_SVC = {"0000fcb2-0000-1000-8000-00805f9b34fb": bytes.fromhex("0200")}
START_OK = {b"\x00\x03": bytes.fromhex("020300030000"), b"\x01\x03": bytes.fromhex("020301030000")}
NEAR_OWNER = {b"\x00\x03": bytes.fromhex("02030003ffff")}


async def add_dult(bluez, answers):
    dev = await bluez.run(lambda: bluez.add_tracker(TAG, -60, svc=DULT_SVC))
    char = await bluez.run(
        lambda: bluez.add_gatt(
            dev, 0x10, P.DULT_SERVICE, P.DULT_CHARACTERISTIC, ["write", "indicate"], indication_code(answers)
        )
    )
    return dev, char


async def test_dult_indication_flow_through_bluez(bluez):
    dev, char = await add_dult(bluez, START_OK)
    steps = []
    task = asyncio.create_task(ring(TAG, RingProcedure.DULT, on_progress=steps.append, connect_timeout_s=10))
    for _ in range(100):  # wait until the start command has landed, then play Sound_Completed
        if await bluez.run(bluez.written, char):
            break
        await asyncio.sleep(0.05)
    await asyncio.sleep(0.3)
    await bluez.run(bluez.indicate, char, bytes.fromhex("0303"))
    result = await asyncio.wait_for(task, 20)
    assert result.outcome is RingOutcome.RANG, result.message
    assert await bluez.run(bluez.written, char) == [(b"\x00\x03", "request")]
    assert await bluez.run(bluez.calls, char, "StartNotify")  # indications enabled before the write
    assert result.received == (bytes.fromhex("020300030000"), bytes.fromhex("0303"))
    assert result.completed and result.sound_s >= 0.2
    assert result.transport == "bleak" and result.attempts == 1
    assert await bluez.run(bluez.calls, dev, "Disconnect")  # never leaves the tracker connected
    assert steps[0] == "Looking for the tracker…" and "Connected." in steps


async def test_dult_refusal_near_owner(bluez):
    _dev, char = await add_dult(bluez, NEAR_OWNER)
    result = await ring(TAG, RingProcedure.DULT, connect_timeout_s=10)
    assert result.outcome is RingOutcome.REFUSED and result.status == 0xFFFF
    assert "near its owner" in result.message and "INVALID_COMMAND" in result.message
    assert await bluez.run(bluez.written, char) == [(b"\x00\x03", "request")]


async def test_dult_stop_bytes(bluez):
    _dev, char = await add_dult(bluez, START_OK)
    result = await ring(TAG, RingProcedure.DULT, stop=True, connect_timeout_s=10)
    assert result.outcome is RingOutcome.STOPPED, result.message
    assert await bluez.run(bluez.written, char) == [(b"\x01\x03", "request")]


async def test_airtag_fd44_pebblebee_exact_bytes(bluez):
    dev = await bluez.run(lambda: bluez.add_tracker(TAG, -60))
    airtag = await bluez.run(
        lambda: bluez.add_gatt(dev, 0x10, P.AIRTAG_SERVICE, P.AIRTAG_CHARACTERISTIC, ["write"])
    )
    fd44 = await bluez.run(
        lambda: bluez.add_gatt(
            dev,
            0x20,
            P.FD44_SERVICE,
            P.FD44_CHARACTERISTIC,
            ["write", "indicate"],
            indication_code(
                {
                    b"\x01\x00\x03": bytes.fromhex("01020300030000"),
                    b"\x01\x01\x03": bytes.fromhex("01020301030000"),
                }
            ),
        )
    )
    pebble = await bluez.run(
        lambda: bluez.add_gatt(
            dev, 0x30, P.PEBBLEBEE_SERVICE, P.PEBBLEBEE_CHARACTERISTIC, ["write-without-response"]
        )
    )
    r1 = await ring(TAG, RingProcedure.AIRTAG, connect_timeout_s=10)
    r2 = await ring(TAG, RingProcedure.FINDMY_FD44, connect_timeout_s=10, completion_wait_s=0.3)
    r3 = await ring(TAG, RingProcedure.FINDMY_FD44, stop=True, connect_timeout_s=10)
    r4 = await ring(TAG, RingProcedure.PEBBLEBEE, connect_timeout_s=10)
    r5 = await ring(TAG, RingProcedure.PEBBLEBEE, stop=True, connect_timeout_s=10)
    assert [r.outcome for r in (r1, r2, r3, r4, r5)] == [
        RingOutcome.RANG,
        RingOutcome.RANG,
        RingOutcome.STOPPED,
        RingOutcome.RANG,
        RingOutcome.STOPPED,
    ]
    assert "had not said it finished after 0.3 s" in r2.message
    assert await bluez.run(bluez.written, airtag) == [(b"\xaf", "request")]
    assert await bluez.run(bluez.written, fd44) == [
        (b"\x01\x00\x03", "request"),
        (b"\x01\x01\x03", "request"),
    ]
    assert await bluez.run(bluez.written, pebble) == [(b"\x01", "command"), (b"\x02", "command")]


async def test_missing_characteristic_near_owner(bluez):
    dev = await bluez.run(lambda: bluez.add_tracker(TAG, -60))
    await bluez.run(lambda: bluez.add_gatt(dev, 0x10, P.AIRTAG_SERVICE, P.AIRTAG_CHARACTERISTIC, ["write"]))
    result = await ring(TAG, RingProcedure.FINDMY_FD44, connect_timeout_s=10)
    assert result.outcome is RingOutcome.NO_SOUND_SERVICE


async def test_refused_connections_are_retried_then_explained(bluez):
    dev = await bluez.run(lambda: bluez.add_tracker(TAG, -60, connectable=False))
    result = await ring(TAG, RingProcedure.DULT, connect_timeout_s=15, connect_attempts=2)
    assert result.outcome is RingOutcome.CONNECT_FAILED, result.message
    assert "did not accept a connection (2 tries)" in result.message
    assert len(await bluez.run(bluez.calls, dev, "Connect")) >= 2


async def test_unknown_tracker_is_not_found_within_the_limit(bluez):
    loop = asyncio.get_running_loop()
    start = loop.time()
    result = await ring("C9:09:09:09:09:09", RingProcedure.DULT, connect_timeout_s=3)
    assert result.outcome is RingOutcome.NOT_FOUND and "was not heard" in result.message
    assert loop.time() - start < 5


async def test_a_stalled_connect_is_cut_at_the_time_limit(bluez):
    await bluez.run(lambda: bluez.add_tracker(TAG, -60, connectable="stall"))
    loop = asyncio.get_running_loop()
    start = loop.time()
    result = await ring(TAG, RingProcedure.DULT, connect_timeout_s=2)
    assert result.outcome is RingOutcome.CONNECT_FAILED
    assert result.message == "Could not connect to the tracker within 2 s. Move closer and try again."
    assert loop.time() - start < 4


async def test_ring_command_through_bleak(bluez):
    """The command as its own process, on the private system bus (DBUS_SYSTEM_BUS_ADDRESS is inherited)."""
    import json
    import sys

    _dev, char = await add_dult(bluez, START_OK)
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "trackerscan",
        "ring",
        TAG.lower(),
        "--kind",
        "google_fmdn",
        "--ble",
        "bleak:hci0",
        "--json",
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    for _ in range(200):
        if await bluez.run(bluez.written, char):
            break
        await asyncio.sleep(0.05)
    await bluez.run(bluez.indicate, char, bytes.fromhex("0303"))
    out, err = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode == 0, err.decode()
    result = json.loads(out)
    assert result["outcome"] == "rang" and result["completed"] and result["transport"] == "bleak:hci0"
    assert result["written"] == ["0003"] and result["received"] == ["020300030000", "0303"]
    assert "Caution: a ringing tracker can be heard by anyone nearby" in err.decode()
    assert await bluez.run(bluez.written, char) == [(b"\x00\x03", "request")]
