"""bleak's parsed fields and raw bytes take one code path and give one answer."""

from trackerscan.adv import build_ad, classify, classify_bleak, parse_ad

DULT = "0000fcb2-0000-1000-8000-00805f9b34fb"
SMARTTAG = "0000fd5a-0000-1000-8000-00805f9b34fb"


def test_build_ad_round_trips_through_parse_ad():
    adv = build_ad(
        {0x004C: b"\x12\x02\x54\x02"},
        {DULT: b"\x01\x00"},
        [SMARTTAG, "12345678-1234-5678-1234-567812345678"],
        "Tag",
    )
    fields = parse_ad(adv)
    assert fields.manufacturer == {0x004C: b"\x12\x02\x54\x02"}
    assert fields.service_data == {0xFCB2: b"\x01\x00"}
    assert fields.uuids16 == [0xFD5A]
    assert fields.name == "Tag"
    assert not fields.truncated


def test_smarttag_from_bleak_equals_raw():
    raw = bytes.fromhex(
        "02010403025AFD17165AFD15DCC7014348F47468AACF29B30000004F0DAA910A09536D61727420546167"
    )
    sd = parse_ad(raw).service_data[0xFD5A]
    via_bleak = classify_bleak({}, {SMARTTAG: sd}, [SMARTTAG], "C1:02:03:04:05:06", local_name="Smart Tag")
    via_raw = classify(raw, "C1:02:03:04:05:06")
    assert via_bleak == via_raw


def test_airtag_from_bleak_equals_raw():
    raw = bytes.fromhex("1EFF4C001219102807CE0B3C33332ED37B5D9D8291B1D99D0B8615189700E0")
    payload = parse_ad(raw).manufacturer[0x004C]
    assert classify_bleak({0x004C: payload}, {}, [], "FB:6D:08:3D:25:A4") == classify(
        raw, "FB:6D:08:3D:25:A4"
    )
