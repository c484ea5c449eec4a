"""Linking identities across rotations: SmartTag counter chains, Google tags, Apple separated tags."""

from __future__ import annotations

from trackerscan.engine import Engine
from trackerscan.geo import offset
from trackerscan.model import AddressType, Fix, Kind, Sighting

T0 = 1_772_438_400.0
R = AddressType.RANDOM


def smarttag_adv(aging: int, pid: bytes, state: int = 0x13, flags: int = 0xB7) -> bytes:
    """T9 layout (trackers.md): state, aging u24 LE, privacy ID, flags, reserved, signature."""
    sd = (
        bytes([state])
        + aging.to_bytes(3, "little")
        + pid
        + bytes([flags, 0, 0, 0])
        + bytes.fromhex("4e6aac82")
    )
    return bytes.fromhex("02010403025afd17165afd") + sd


def feed_walk(eng, sightings, minutes):
    """The user walks north at 1.4 m/s with a fix a second; sightings are (t, address, adv)."""
    out = []
    events = [Fix(T0 + i, *offset(45.0, 14.0, 1.4 * i, 0), accuracy_m=5.0) for i in range(int(minutes * 60))]
    events += [Sighting(t, a, R, -60, adv, "test") for t, a, adv in sightings]
    events.sort(key=lambda e: e.time)
    for e in events:
        out.extend(eng.feed(e))
    return out


def test_smarttag_chain_aging_plus_one():
    t9 = bytes.fromhex("138d15023b793c9d638b48b1b70000004e6aac82")
    assert smarttag_adv(136589, bytes.fromhex("3b793c9d638b48b1"))[11:] == t9
    sightings = []
    addrs = ["5A:11:22:33:44:01", "6B:11:22:33:44:02", "4C:11:22:33:44:03"]
    for k, addr in enumerate(addrs):
        pid = bytes([k + 1]) * 8
        for i in range(0, 900, 2):
            sightings.append((T0 + k * 900 + i + 0.5, addr, smarttag_adv(136589 + k, pid)))
    eng = Engine()
    changes = feed_walk(eng, sightings, 45)
    tags = [d for d in eng.devices() if d.kind is Kind.SMARTTAG]
    assert len(tags) == 1
    assert set(tags[0].addresses) == set(addrs)
    assert len(tags[0].identifiers) == 3
    assert tags[0].link_confidence == 0.9
    assert any(c.level.value == "alert" for c in changes)
    assert "rotation counter" in tags[0].explanation


def test_smarttag_not_linked_when_counter_skips():
    sightings = [(T0 + i, "5A:11:22:33:44:01", smarttag_adv(1000, b"\x01" * 8)) for i in range(0, 300, 2)]
    sightings += [
        (T0 + 310 + i, "6B:11:22:33:44:02", smarttag_adv(1003, b"\x02" * 8)) for i in range(0, 300, 2)
    ]
    # another state code (near owner) with the right counter is not the same chain either (heard for
    # 30 s: a device, not a first-sighting record)
    sightings += [
        (T0 + 310 + i, "4C:11:22:33:44:03", smarttag_adv(1001, b"\x03" * 8, 0x15)) for i in range(0, 31, 2)
    ]
    eng = Engine()
    feed_walk(eng, sightings, 12)
    assert len([d for d in eng.devices() if d.kind is Kind.SMARTTAG]) == 3


def fmdn_adv(eid: bytes, frame: int = 0x41) -> bytes:
    return bytes.fromhex("0201061916aafe") + bytes([frame]) + eid + b"\x00"


def test_fmdn_mac_kept_across_eid_change():
    mac = "4A:11:22:33:44:55"
    sightings = [(T0 + i, mac, fmdn_adv(b"\x01" * 20)) for i in range(0, 1024)]
    sightings += [(T0 + 1024 + i, mac, fmdn_adv(b"\x02" * 20)) for i in range(0, 600)]
    eng = Engine()
    feed_walk(eng, sightings, 28)
    tags = [d for d in eng.devices() if d.kind is Kind.GOOGLE_FMDN]
    assert len(tags) == 1
    assert tags[0].identifiers == ("01" * 20, "02" * 20)
    assert tags[0].addresses == (mac,)


def test_fmdn_new_mac_same_eid_is_linked():
    eid = b"\x07" * 20
    sightings = [(T0 + i, "4A:11:22:33:44:55", fmdn_adv(eid)) for i in range(0, 100)]
    sightings += [(T0 + 100 + i, "5B:11:22:33:44:66", fmdn_adv(eid)) for i in range(0, 100)]
    eng = Engine()
    feed_walk(eng, sightings, 4)
    tags = [d for d in eng.devices() if d.kind is Kind.GOOGLE_FMDN]
    assert len(tags) == 1 and len(tags[0].addresses) == 2


def test_apple_separated_keeps_its_address_while_the_hint_changes():
    t1 = bytes.fromhex("1EFF4C001219102807CE0B3C33332ED37B5D9D8291B1D99D0B8615189700E0")
    other_hint = t1[:-1] + b"\x17"
    addr = "FB:6D:08:3D:25:A4"
    sightings = [(T0 + i, addr, t1 if i < 900 else other_hint) for i in range(0, 1500, 2)]
    eng = Engine()
    changes = feed_walk(eng, sightings, 25)
    tags = [d for d in eng.devices() if d.kind is Kind.AIRTAG]
    assert len(tags) == 1 and tags[0].separated is True
    assert tags[0].identifiers == ("3b6d083d25a42807ce0b3c33332ed37b5d9d8291b1d99d0b86151897",)
    alert = [c for c in changes if c.level.value == "alert"]
    assert len(alert) == 1 and alert[0].kind is Kind.AIRTAG


def test_near_owner_airtag_never_raises_a_level():
    t2 = bytes.fromhex("07FF4C0012025402")
    sightings = [(T0 + i, "DF:A4:65:1A:52:72", t2) for i in range(0, 1800, 2)]
    eng = Engine()
    assert feed_walk(eng, sightings, 30) == []
    (dev,) = [d for d in eng.devices() if d.kind is Kind.AIRTAG]
    assert dev.places >= 5 and "near its owner" in dev.explanation
