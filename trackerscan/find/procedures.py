"""The non-owner sound procedures: which GATT characteristic, which bytes (trackers.md section 9).

Pure data and pure parsers; the radio paths (`ring_bleak`, `ring_bumble`) only move these bytes.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from trackerscan.model import Kind, RingProcedure


def _uuid16(short: int) -> str:
    return f"0000{short:04x}-0000-1000-8000-00805f9b34fb"


@dataclass(frozen=True, slots=True)
class Procedure:
    """How one kind of tracker is asked to play (and stop) its sound."""

    procedure: RingProcedure
    service: str  # 128-bit UUID, lower case
    characteristic: str  # 128-bit UUID, lower case
    start: bytes
    stop: bytes | None  # None: the tracker stops by itself
    write_with_response: bool
    subscribe: bool  # enable indications/notifications before writing
    responds: bool  # the tracker answers with a Command_Response (DULT framing)
    label: str  # plain words for the user


# trackers.md 9.1: DULT Accessory Non-Owner Service; opcodes u16 little-endian.
DULT_SERVICE = "15190001-12f4-c226-88ed-2ac5579f2a85"
DULT_CHARACTERISTIC = "8e0c0001-1d68-fb92-bf61-48377421680e"
OP_SOUND_START = 0x0300
OP_SOUND_STOP = 0x0301
OP_COMMAND_RESPONSE = 0x0302
OP_SOUND_COMPLETED = 0x0303

# trackers.md 9.2: AirTag (first generation).
AIRTAG_SERVICE = "7dfc9000-7d1c-4951-86aa-8d9728f8d66c"
AIRTAG_CHARACTERISTIC = "7dfc9001-7d1c-4951-86aa-8d9728f8d66c"

# trackers.md 9.3: Find My network service 0xFD44, non-owner control point.  Header 0x01 = final fragment.
FD44_SERVICE = _uuid16(0xFD44)
FD44_CHARACTERISTIC = "4f860003-943b-49ef-bed4-2f730304427a"

# trackers.md 9.4: Pebblebee native service 0xFA25, characteristic 0x2C02, write without response.
PEBBLEBEE_SERVICE = _uuid16(0xFA25)
PEBBLEBEE_CHARACTERISTIC = _uuid16(0x2C02)

PROCEDURES: dict[RingProcedure, Procedure] = {
    RingProcedure.DULT: Procedure(
        RingProcedure.DULT,
        DULT_SERVICE,
        DULT_CHARACTERISTIC,
        start=OP_SOUND_START.to_bytes(2, "little"),
        stop=OP_SOUND_STOP.to_bytes(2, "little"),
        write_with_response=True,
        subscribe=True,
        responds=True,
        label="accessory non-owner service (DULT)",
    ),
    RingProcedure.AIRTAG: Procedure(
        RingProcedure.AIRTAG,
        AIRTAG_SERVICE,
        AIRTAG_CHARACTERISTIC,
        start=b"\xaf",
        stop=None,
        write_with_response=True,
        subscribe=False,
        responds=False,
        label="AirTag sound characteristic",
    ),
    RingProcedure.FINDMY_FD44: Procedure(
        RingProcedure.FINDMY_FD44,
        FD44_SERVICE,
        FD44_CHARACTERISTIC,
        start=b"\x01" + OP_SOUND_START.to_bytes(2, "little"),
        stop=b"\x01" + OP_SOUND_STOP.to_bytes(2, "little"),
        write_with_response=True,
        subscribe=True,
        responds=True,
        label="Find My non-owner control point (0xFD44)",
    ),
    RingProcedure.PEBBLEBEE: Procedure(
        RingProcedure.PEBBLEBEE,
        PEBBLEBEE_SERVICE,
        PEBBLEBEE_CHARACTERISTIC,
        start=b"\x01",
        stop=b"\x02",
        write_with_response=False,
        subscribe=False,
        responds=False,
        label="Pebblebee sound characteristic (0xFA25)",
    ),
}

# Which procedure each kind uses when the advertisement did not say (--kind on the command line).
KIND_PROCEDURE: dict[Kind, RingProcedure] = {
    Kind.AIRTAG: RingProcedure.AIRTAG,
    Kind.FINDMY_ACCESSORY: RingProcedure.FINDMY_FD44,
    Kind.AIRPODS: RingProcedure.FINDMY_FD44,
    Kind.DULT: RingProcedure.DULT,
    Kind.GOOGLE_FMDN: RingProcedure.DULT,
    Kind.PEBBLEBEE: RingProcedure.PEBBLEBEE,
}

# Kinds a non-owner cannot ring, and what to do instead (trackers.md 5.4, 6.1, 6.2; prior-art.md 2.6).
CANNOT_RING: dict[Kind, str] = {
    Kind.TILE: (
        "A Tile can only be rung by its owner's account, so trackerscan cannot make it play a sound. "
        "Use `trackerscan sweep --follow ADDRESS` and move around: the reading gets hotter as you get closer."
    ),
    Kind.SMARTTAG: (
        "A Samsung SmartTag can only be rung by its owner (SmartThings), so trackerscan cannot make it "
        "play a sound. Use `trackerscan sweep --follow ADDRESS` and move around: the reading gets hotter "
        "as you get closer."
    ),
    Kind.SAMSUNG_DEVICE: (
        "Samsung phones, watches and earbuds cannot be rung by a non-owner. "
        "Use `trackerscan sweep --follow ADDRESS` to find it by signal strength."
    ),
    Kind.CHIPOLO: (
        "This Chipolo (Chipolo app model) has no public way for a non-owner to ring it. "
        "Use `trackerscan sweep --follow ADDRESS` and move around: the reading gets hotter as you get closer."
    ),
    Kind.APPLE_DEVICE: (
        "This is an Apple phone, computer or watch, not a tag: it cannot be rung from here. "
        "Use `trackerscan sweep --follow ADDRESS` to find it by signal strength."
    ),
}


class ResponseStatus(enum.IntEnum):
    """Command_Response status codes (trackers.md 9.1)."""

    SUCCESS = 0x0000
    INVALID_STATE = 0x0001
    INVALID_CONFIGURATION = 0x0002
    INVALID_LENGTH = 0x0003
    INVALID_PARAM = 0x0004
    INVALID_COMMAND = 0xFFFF


@dataclass(frozen=True, slots=True)
class CommandResponse:
    opcode: int  # the command answered
    status: int  # a ResponseStatus value, or an unknown code


@dataclass(frozen=True, slots=True)
class SoundCompleted:
    pass


@dataclass(frozen=True, slots=True)
class OtherMessage:
    opcode: int | None
    data: bytes


Message = CommandResponse | SoundCompleted | OtherMessage


def parse_message(value: bytes, procedure: RingProcedure) -> Message:
    """Parse one indication from a DULT or 0xFD44 control point.  Never raises.

    0xFD44 messages carry a one-byte fragment header first; only single, final fragments
    (header 0x01) are understood, which is all the sound procedure uses.
    """
    data = bytes(value)
    if procedure is RingProcedure.FINDMY_FD44:
        if len(data) < 1 or data[0] != 0x01:
            return OtherMessage(None, data)
        data = data[1:]
    if len(data) < 2:
        return OtherMessage(None, data)
    opcode = int.from_bytes(data[:2], "little")
    if opcode == OP_COMMAND_RESPONSE and len(data) >= 6:
        return CommandResponse(int.from_bytes(data[2:4], "little"), int.from_bytes(data[4:6], "little"))
    if opcode == OP_SOUND_COMPLETED:
        return SoundCompleted()
    return OtherMessage(opcode, data[2:])


def encode_command_response(opcode: int, status: int) -> bytes:
    """The Command_Response bytes a DULT accessory sends (used by test tags and documentation)."""
    return b"".join(v.to_bytes(2, "little") for v in (OP_COMMAND_RESPONSE, opcode, status))


def procedure_for(kind: Kind | None) -> RingProcedure | None:
    """The procedure a kind uses, or None when a non-owner cannot ring it."""
    return KIND_PROCEDURE.get(kind) if kind is not None else None
