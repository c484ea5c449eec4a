"""No input may make identification raise or hang (the long run is bench/fuzz_classify.py)."""

from hypothesis import given, settings
from hypothesis import strategies as st

from trackerscan.adv import classify, classify_full, parse_ad
from trackerscan.model import AddressType

addresses = st.one_of(st.none(), st.from_regex(r"\A[0-9A-F]{2}(:[0-9A-F]{2}){5}\Z"), st.text(max_size=20))
address_types = st.sampled_from(list(AddressType))

# AD-shaped inputs: structures whose lengths may lie, with tracker UUIDs sprinkled in.
uuid_bytes = st.sampled_from(
    [
        b"\xb2\xfc",
        b"\xaa\xfe",
        b"\x5a\xfd",
        b"\x69\xfd",
        b"\xed\xfe",
        b"\xec\xfe",
        b"\x84\xfd",
        b"\x33\xfe",
        b"\x65\xfe",
        b"\x25\xfa",
        b"\x4c\x00\x12\x19",
        b"\x4c\x00\x12\x02",
    ]
)
structure = st.tuples(
    st.integers(0, 255),
    st.sampled_from([0x01, 0x02, 0x03, 0x06, 0x07, 0x09, 0x16, 0x21, 0xFF]),
    uuid_bytes,
    st.binary(max_size=40),
).map(lambda t: bytes([t[0], t[1]]) + t[2] + t[3])
ad_shaped = st.lists(structure, max_size=40).map(b"".join).map(lambda b: b[:1650])


@settings(max_examples=400, deadline=None)
@given(st.binary(max_size=1650), addresses, address_types)
def test_random_bytes_never_raise(data, address, address_type):
    r = classify(data, address, address_type)
    assert isinstance(r.tracker, bool)
    assert r == classify_full(data, address, address_type)


@settings(max_examples=400, deadline=None)
@given(ad_shaped, addresses, address_types)
def test_ad_shaped_bytes_never_raise_and_prefilter_is_sound(data, address, address_type):
    r = classify(data, address, address_type)
    assert r == classify_full(data, address, address_type)
    assert r.to_json()["tracker"] is r.tracker
    fields = parse_ad(data)
    assert all(0 <= u <= 0xFFFF for u in fields.uuids16)
