"""The sound procedures' bytes (trackers.md §9) and the indication parser."""

import uuid

from hypothesis import given
from hypothesis import strategies as st

from trackerscan.find.procedures import (
    CANNOT_RING,
    PROCEDURES,
    CommandResponse,
    OtherMessage,
    SoundCompleted,
    encode_command_response,
    parse_message,
    procedure_for,
)
from trackerscan.model import Kind, RingProcedure


def test_procedure_table_matches_the_reference():
    dult = PROCEDURES[RingProcedure.DULT]
    assert (dult.start, dult.stop) == (b"\x00\x03", b"\x01\x03") and dult.subscribe and dult.responds
    airtag = PROCEDURES[RingProcedure.AIRTAG]
    assert (airtag.start, airtag.stop) == (b"\xaf", None)
    fd44 = PROCEDURES[RingProcedure.FINDMY_FD44]
    assert (fd44.start, fd44.stop) == (b"\x01\x00\x03", b"\x01\x01\x03")
    assert fd44.service == "0000fd44-0000-1000-8000-00805f9b34fb"
    pb = PROCEDURES[RingProcedure.PEBBLEBEE]
    assert (pb.start, pb.stop, pb.write_with_response) == (b"\x01", b"\x02", False)
    assert pb.characteristic == "00002c02-0000-1000-8000-00805f9b34fb"
    for proc in PROCEDURES.values():  # parsed UUIDs, lower case, as bleak reports them
        assert str(uuid.UUID(proc.service)) == proc.service
        assert str(uuid.UUID(proc.characteristic)) == proc.characteristic
    assert set(PROCEDURES) == set(RingProcedure)


def test_kinds_map_to_procedures_or_to_advice():
    assert procedure_for(Kind.GOOGLE_FMDN) is RingProcedure.DULT
    assert procedure_for(Kind.AIRPODS) is RingProcedure.FINDMY_FD44
    assert procedure_for(Kind.TILE) is None and procedure_for(None) is None
    for kind in Kind:  # every kind either rings or explains why not
        assert (procedure_for(kind) is None) == (kind in CANNOT_RING), kind


def test_parse_dult_and_fd44_messages():
    assert parse_message(bytes.fromhex("020300030000"), RingProcedure.DULT) == CommandResponse(0x0300, 0)
    assert parse_message(bytes.fromhex("02030003ffff"), RingProcedure.DULT) == CommandResponse(0x0300, 0xFFFF)
    assert parse_message(bytes.fromhex("0303"), RingProcedure.DULT) == SoundCompleted()
    fd44 = RingProcedure.FINDMY_FD44
    assert parse_message(bytes.fromhex("01020301030100"), fd44) == CommandResponse(0x0301, 1)
    assert parse_message(bytes.fromhex("010303"), RingProcedure.FINDMY_FD44) == SoundCompleted()
    # a start/continuation fragment (header 00) is not a message of its own
    assert isinstance(parse_message(bytes.fromhex("000303"), RingProcedure.FINDMY_FD44), OtherMessage)
    assert isinstance(parse_message(bytes.fromhex("0203"), RingProcedure.DULT), OtherMessage)  # truncated
    assert parse_message(b"\x05\x08Tag", RingProcedure.DULT) == OtherMessage(0x0805, b"Tag")
    assert encode_command_response(0x0300, 0xFFFF) == bytes.fromhex("02030003ffff")


@given(st.binary(max_size=600), st.sampled_from(list(RingProcedure)))
def test_parser_never_raises(data, procedure):
    message = parse_message(data, procedure)
    assert isinstance(message, CommandResponse | SoundCompleted | OtherMessage)
