"""Make a tracker play its sound (or stop it): the procedure shared by the command line and the GUI.

``await ring(address, procedure)`` connects (with retries and time limits), writes the start (or stop)
command, checks the tracker's Command_Response where it sends one, waits for Sound_Completed, and
returns a `RingResult` saying in plain words what happened.  It never hangs: every phase has a limit.
Sound is played only because a person asked: nothing here runs on its own.
"""

from __future__ import annotations

import asyncio
import enum
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, replace
from typing import Any

from trackerscan.adv import address as adv_address
from trackerscan.errors import InputError
from trackerscan.find.link import (
    AdapterError,
    ConnectFailedError,
    GattLink,
    LinkLostError,
    Progress,
    TrackerNotFoundError,
)
from trackerscan.find.procedures import (
    OP_SOUND_START,
    OP_SOUND_STOP,
    PROCEDURES,
    CommandResponse,
    Procedure,
    ResponseStatus,
    SoundCompleted,
    parse_message,
)
from trackerscan.model import AddressType, RingProcedure

# Time limits, seconds.
CONNECT_TIMEOUT_S = 20.0  # whole connect phase, all attempts: AirGuard gives up after a similar wait
CONNECT_ATTEMPTS = 3  # trackers drop connections (trackers.md 9.2, AirGuard issues #3, #6)
RESPONSE_TIMEOUT_S = 5.0  # Command_Response: one ATT round trip plus slack for a 4 s connection interval
COMPLETION_WAIT_S = 35.0  # DULT non-owner sound lasts 5-30 s (trackers.md 2.2), plus margin
GATT_OP_TIMEOUT_S = 10.0  # one subscribe or write; ATT itself gives up only after 30 s (Core Vol 3 F 3.3.3)
# Whole new connections after the tracker dropped one mid-command (count): AirTags drop connections
# quickly (trackers.md 9.2), and sending the start command again is harmless.
LINK_LOST_RETRIES = 1

SAFETY_CAUTION = (
    "Caution: a ringing tracker can be heard by anyone nearby, including the person who placed it. "
    "Disabling or removing a tracker may alert whoever placed it; if you are unsure, talk to an advocate "
    "or helpline first."
)



class RingOutcome(enum.Enum):
    RANG = "rang"  # the tracker accepted the start command
    STOPPED = "stopped"  # the tracker accepted the stop command
    REFUSED = "refused"  # it answered Invalid_command / Invalid_state: near its owner
    REJECTED = "rejected"  # it answered with another error status
    NO_RESPONSE = "no_response"  # written, but no Command_Response in time
    NO_SOUND_SERVICE = "no_sound_service"  # connected, but the characteristic is missing
    NOT_FOUND = "not_found"  # not heard: out of range or address changed
    CONNECT_FAILED = "connect_failed"  # heard but would not stay connected
    CANNOT_STOP = "cannot_stop"  # this kind has no stop command
    ADAPTER = "adapter"  # no usable Bluetooth adapter / transport

    @property
    def ok(self) -> bool:
        return self in (RingOutcome.RANG, RingOutcome.STOPPED)


@dataclass(frozen=True, slots=True)
class RingResult:
    """What happened, in plain words (``message``) and in exact data for the log."""

    address: str
    procedure: RingProcedure
    outcome: RingOutcome
    message: str
    stop: bool = False
    written: tuple[bytes, ...] = ()  # exactly what was written to the tracker
    received: tuple[bytes, ...] = ()  # every indication received, raw
    status: int | None = None  # the Command_Response status, when one came
    completed: bool = False  # Sound_Completed received
    sound_s: float | None = None  # seconds from Command_Response to Sound_Completed
    attempts: int = 0  # connection attempts made
    transport: str = "bleak"

    def to_json(self) -> dict[str, object]:
        return {
            "address": self.address,
            "procedure": self.procedure.value,
            "stop": self.stop,
            "outcome": self.outcome.value,
            "message": self.message,
            "written": [w.hex() for w in self.written],
            "received": [r.hex() for r in self.received],
            "status": self.status,
            "completed": self.completed,
            "sound_s": round(self.sound_s, 1) if self.sound_s is not None else None,
            "attempts": self.attempts,
            "transport": self.transport,
        }


def normalise_address(address: str) -> str:
    """``aa-bb-...`` or ``aabb...`` to ``AA:BB:CC:DD:EE:FF``; InputError when it is not an address."""
    text = adv_address.normalise_address(address)
    if text is None:
        raise InputError(f"{address!r} is not a Bluetooth address (six hex pairs: AA:BB:CC:DD:EE:FF).")
    return text


Connector = Callable[[str, AddressType, Progress], AbstractAsyncContextManager[GattLink]]


async def run_procedure(
    link: GattLink,
    proc: Procedure,
    *,
    stop: bool,
    address: str,
    response_timeout_s: float = RESPONSE_TIMEOUT_S,
    completion_wait_s: float = COMPLETION_WAIT_S,
    on_progress: Progress | None = None,
) -> RingResult:
    """Write the start or stop command on an open link and interpret the answers."""
    say = on_progress or (lambda _m: None)
    base = RingResult(address, proc.procedure, RingOutcome.NO_RESPONSE, "", stop=stop)
    if not link.has_characteristic(proc.service, proc.characteristic):
        return replace(
            base,
            outcome=RingOutcome.NO_SOUND_SERVICE,
            message=(
                "Connected, but the tracker does not offer its sound service now. Trackers hide it while "
                "they are near their owner; it may also be another kind of device."
            ),
        )
    loop = asyncio.get_running_loop()
    received: list[bytes] = []
    inbox: asyncio.Queue[bytes] = asyncio.Queue()

    def on_value(value: bytes) -> None:
        received.append(bytes(value))
        inbox.put_nowait(bytes(value))

    command = proc.stop if stop else proc.start
    assert command is not None  # callers check CANNOT_STOP first
    try:
        async with asyncio.timeout(GATT_OP_TIMEOUT_S):
            if proc.subscribe:
                await link.subscribe(proc.characteristic, on_value)
            say("Asking the tracker to stop its sound…" if stop else "Asking the tracker to play its sound…")
            await link.write(proc.characteristic, command, proc.write_with_response)
    except TimeoutError as exc:
        raise LinkLostError(
            f"The tracker stopped answering for {GATT_OP_TIMEOUT_S:g} s during the command; move closer."
        ) from exc
    written = (command,)

    if not proc.responds:
        if stop:
            return replace(
                base,
                outcome=RingOutcome.STOPPED,
                written=written,
                message="Sent the stop command. This tracker does not confirm it.",
            )
        return replace(
            base,
            outcome=RingOutcome.RANG,
            written=written,
            message="Sent the sound command. This tracker does not confirm it: listen for it now; "
            "it stops by itself.",
        )

    opcode = OP_SOUND_STOP if stop else OP_SOUND_START
    response = await _next_response(inbox, proc, opcode, response_timeout_s, link.disconnected)
    if response is None:
        if link.disconnected.is_set():
            raise LinkLostError(
                "The tracker dropped the connection without answering; it may still ring. Move closer."
            )
        return replace(
            base,
            outcome=RingOutcome.NO_RESPONSE,
            written=written,
            received=tuple(received),
            message=f"The tracker did not answer within {response_timeout_s:g} s; it may still ring. Listen.",
        )
    status = response.status

    def answered(outcome: RingOutcome, message: str, **more: Any) -> RingResult:
        """The result once the tracker has answered the command."""
        return replace(base, outcome=outcome, written=written, received=tuple(received), status=status,
                       message=message, **more)

    if status in (ResponseStatus.INVALID_COMMAND, ResponseStatus.INVALID_STATE):
        return answered(
            RingOutcome.REFUSED,
            "The tracker refused: it says it is near its owner (they only ring for others when "
            f"separated). Status {_status_name(status)}.",
        )
    if status != ResponseStatus.SUCCESS:
        return answered(RingOutcome.REJECTED,
                        f"The tracker rejected the command (status {_status_name(status)}).")
    if stop:
        return answered(RingOutcome.STOPPED, "The tracker stopped its sound.")
    say("The tracker is playing its sound. Listen for it.")
    started = loop.time()
    completed = await _wait_completed(inbox, proc, completion_wait_s, link.disconnected)
    if completed:
        sound_s = loop.time() - started
        return answered(RingOutcome.RANG, f"The tracker rang for {sound_s:.0f} s.", completed=True,
                        sound_s=sound_s)
    tail = (
        "it dropped the connection before saying it had finished."
        if link.disconnected.is_set()
        else f"it had not said it finished after {completion_wait_s:g} s."
    )
    return answered(RingOutcome.RANG, f"The tracker started its sound; {tail}")


def _status_name(status: int) -> str:
    try:
        name = ResponseStatus(status).name
    except ValueError:
        name = "unknown"
    return f"{name} (0x{status:04X})"


async def _values(inbox: asyncio.Queue[bytes], disconnected: asyncio.Event) -> AsyncIterator[bytes]:
    """Indications until the link drops (those already queued are still delivered)."""
    while True:
        if not inbox.empty():
            yield inbox.get_nowait()
            continue
        if disconnected.is_set():
            return
        get = asyncio.ensure_future(inbox.get())
        gone = asyncio.ensure_future(disconnected.wait())
        try:
            await asyncio.wait({get, gone}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            gone.cancel()
            if not get.done():
                get.cancel()
        if get.done() and not get.cancelled():
            yield get.result()


async def _next_response(
    inbox: asyncio.Queue[bytes], proc: Procedure, opcode: int, timeout_s: float, disconnected: asyncio.Event
) -> CommandResponse | None:
    try:
        async with asyncio.timeout(timeout_s):
            async for value in _values(inbox, disconnected):
                message = parse_message(value, proc.procedure)
                if isinstance(message, CommandResponse) and message.opcode == opcode:
                    return message
    except TimeoutError:
        pass
    return None


async def _wait_completed(
    inbox: asyncio.Queue[bytes], proc: Procedure, timeout_s: float, disconnected: asyncio.Event
) -> bool:
    try:
        async with asyncio.timeout(timeout_s):
            async for value in _values(inbox, disconnected):
                if isinstance(parse_message(value, proc.procedure), SoundCompleted):
                    return True
    except TimeoutError:
        pass
    return False


async def ring(
    address: str,
    procedure: RingProcedure,
    *,
    transport: str | None = None,
    adapter: str | None = None,
    bumble_device: Any = None,
    address_type: AddressType = AddressType.RANDOM,
    stop: bool = False,
    connect_timeout_s: float = CONNECT_TIMEOUT_S,
    connect_attempts: int = CONNECT_ATTEMPTS,
    response_timeout_s: float = RESPONSE_TIMEOUT_S,
    completion_wait_s: float = COMPLETION_WAIT_S,
    on_progress: Progress | None = None,
) -> RingResult:
    """Ring (or with ``stop`` silence) the tracker at ``address``.

    ``transport`` None uses BlueZ through bleak (``adapter`` e.g. "hci1"); otherwise it is a bumble HCI
    transport such as ``usb:0`` or ``tcp-client:127.0.0.1:9001``.  A caller that already holds a powered-on
    bumble Device (a dongle can be opened once) passes it as ``bumble_device`` instead.
    Always returns a `RingResult`; raises only InputError for an address that is not one.
    """
    address = normalise_address(address)
    proc = PROCEDURES[procedure]
    via = f"hci:{transport}" if transport else (f"bleak:{adapter}" if adapter else "bleak")
    base = RingResult(address, procedure, RingOutcome.NO_RESPONSE, "", stop=stop, transport=via)
    say = on_progress or (lambda _m: None)
    if stop and proc.stop is None:
        return replace(
            base,
            outcome=RingOutcome.CANNOT_STOP,
            message="This kind of tracker has no stop command; it stops its sound by itself.",
        )

    connect: Connector
    if bumble_device is not None:
        from trackerscan.find import ring_bumble

        via = f"hci:{transport}" if transport else "hci"
        base = replace(base, transport=via)

        def connect(a: str, t: AddressType, p: Progress) -> AbstractAsyncContextManager[GattLink]:
            return ring_bumble.connect_on(
                bumble_device, a, t, attempts=connect_attempts, timeout_s=connect_timeout_s, on_progress=p
            )
    elif transport:
        from trackerscan.find import ring_bumble

        def connect(a: str, t: AddressType, p: Progress) -> AbstractAsyncContextManager[GattLink]:
            return ring_bumble.connect(
                transport, a, t, attempts=connect_attempts, timeout_s=connect_timeout_s, on_progress=p
            )
    else:
        from trackerscan.find import ring_bleak

        def connect(a: str, t: AddressType, p: Progress) -> AbstractAsyncContextManager[GattLink]:
            return ring_bleak.connect(
                a, adapter=adapter, attempts=connect_attempts, timeout_s=connect_timeout_s, on_progress=p
            )

    attempts = 0

    def progress(message: str) -> None:
        nonlocal attempts
        if message.startswith("Connecting"):
            attempts += 1
        say(message)

    rounds = 1 + LINK_LOST_RETRIES
    for round_ in range(1, rounds + 1):
        try:
            async with connect(address, address_type, progress) as link:
                result = await run_procedure(
                    link,
                    proc,
                    stop=stop,
                    address=address,
                    response_timeout_s=response_timeout_s,
                    completion_wait_s=completion_wait_s,
                    on_progress=say,
                )
            return replace(result, attempts=attempts, transport=via)
        except TrackerNotFoundError as exc:
            return replace(base, outcome=RingOutcome.NOT_FOUND, message=str(exc), attempts=attempts)
        except ConnectFailedError as exc:
            return replace(
                base,
                outcome=RingOutcome.CONNECT_FAILED,
                message=str(exc),
                attempts=max(attempts, exc.attempts),
            )
        except LinkLostError as exc:
            if round_ == rounds:
                return replace(base, outcome=RingOutcome.CONNECT_FAILED, message=str(exc), attempts=attempts)
            say("The tracker dropped the connection before the command went through; trying once more…")
        except AdapterError as exc:
            return replace(base, outcome=RingOutcome.ADAPTER, message=str(exc), attempts=attempts)
    raise AssertionError("unreachable")  # pragma: no cover
