"""Every test vector in reference/trackers.md section 10 decodes as documented."""

import pytest

from trackerscan.adv import classify, classify_bleak, classify_full, parse_ad
from trackerscan.model import AddressType, Battery, Kind, Network, RingProcedure

T1 = "1EFF4C001219102807CE0B3C33332ED37B5D9D8291B1D99D0B8615189700E0"
T2 = "07FF4C0012025402"
T3 = "07FF4C0012020001"
T4 = "07FF4C0012020003"
T5_MFR = "4c001219003d9967e0d67bf55617939043e48fd6762144da3e35160300"  # company ID + payload
T6_MFR = "4c000719010e2022f58f00000a7d9fff27234873d4305e0fed1b39e2b8"
T7 = "0716b2fc01011003"
T8 = "02010403025AFD17165AFD15DCC7014348F47468AACF29B30000004F0DAA910A09536D61727420546167"
T9_SD = "138d15023b793c9d638b48b1b70000004e6aac82"  # FD5A service data only
T10 = "0d16edfe02009c2b2af23f0e3dad"
T11 = "0201061916aafe40c6e8d4ad4d28a3f96b510734"
T12 = "1EFF4C00121900" + "00" * 22 + "0000"
T13 = "0201061916AAFE40" + "00" * 20 + "00"
T14 = "0201061816AAFE400000000000000000000000000000000000000000"


def mfr_ad(company_and_payload_hex: str) -> bytes:
    data = bytes.fromhex(company_and_payload_hex)
    return bytes([len(data) + 1, 0xFF]) + data


def sd_ad(uuid16: int, sd_hex: str) -> bytes:
    data = uuid16.to_bytes(2, "little") + bytes.fromhex(sd_hex)
    return bytes([len(data) + 1, 0x16]) + data


def test_t1_airtag_separated_rebuilds_public_key():
    r = classify(bytes.fromhex(T1), "FB:6D:08:3D:25:A4")
    assert (r.tracker, r.kind, r.network, r.separated, r.battery) == (
        True,
        Kind.AIRTAG,
        Network.APPLE,
        True,
        Battery.FULL,
    )
    assert r.identifier is not None
    assert r.identifier.hex().upper() == "3B6D083D25A42807CE0B3C33332ED37B5D9D8291B1D99D0B86151897"
    assert r.identifier_lifetime_s == 24 * 3600
    assert r.details["hint"] == "e0" and r.details["maintained"] is False
    assert r.ring is RingProcedure.AIRTAG and r.can_ring


def test_t2_airtag_near_owner_follows_bit_layout():
    r = classify(bytes.fromhex(T2), "DF:A4:65:1A:52:72")
    assert (r.kind, r.separated, r.battery) == (Kind.AIRTAG, False, Battery.MEDIUM)
    assert r.identifier == bytes.fromhex("9FA4651A5272")  # key[0] = 0x80 | 0x1F
    assert r.details["maintained"] is True
    assert not r.can_ring  # AirTags ring for non-owners only when separated


@pytest.mark.parametrize("hexdata,opt", [(T3, "01"), (T4, "03")])
def test_t3_t4_apple_device_near_owner_is_not_a_tracker(hexdata, opt):
    r = classify(bytes.fromhex(hexdata))
    assert (r.tracker, r.kind, r.separated, r.battery) == (False, Kind.APPLE_DEVICE, False, Battery.FULL)
    assert r.details["opt"] == opt


def test_t5_apple_device_separated_through_bleak_fields():
    payload = bytes.fromhex(T5_MFR)[2:]
    assert payload[:2] == b"\x12\x19"
    r = classify_bleak({0x004C: payload}, {}, [], "C1:02:03:04:05:06")
    assert (r.tracker, r.kind, r.separated) == (True, Kind.APPLE_DEVICE, True)
    assert r.details["key_tail"] == "3d9967e0d67bf55617939043e48fd6762144da3e3516"
    assert r.details["opt"] == "03" and r.details["hint"] == "00"
    assert r.ring is None  # no non-owner sound for phones and Macs
    assert classify(mfr_ad(T5_MFR)).kind is Kind.APPLE_DEVICE


def test_t6_proximity_pairing_is_not_find_my():
    r = classify(mfr_ad(T6_MFR))
    assert not r.tracker and r.kind is None


def test_t7_dult_near_owner():
    r = classify(bytes.fromhex(T7))
    assert (r.tracker, r.kind, r.network, r.separated) == (True, Kind.DULT, Network.APPLE, False)
    assert r.details["proprietary"] == "1003"
    assert not r.can_ring


def test_dult_separated_google_network_can_ring():
    r = classify(sd_ad(0xFCB2, "0200"))
    assert (r.kind, r.network, r.separated, r.ring) == (Kind.DULT, Network.GOOGLE, True, RingProcedure.DULT)
    assert r.identifier_lifetime_s == 24 * 3600


def test_t8_smarttag_connected():
    r = classify(bytes.fromhex(T8))
    assert (r.kind, r.network, r.separated, r.battery) == (
        Kind.SMARTTAG,
        Network.SAMSUNG,
        False,
        Battery.FULL,
    )
    assert r.details["aging_counter"] == 116700
    assert r.identifier == bytes.fromhex("4348F47468AACF29")
    assert r.details["uwb"] is False and r.details["state"] == "connected"
    assert r.identifier_lifetime_s == 900 and not r.can_ring


def test_t9_smarttag_uwb_overmature_offline():
    r = classify(sd_ad(0xFD5A, T9_SD))
    assert (r.kind, r.separated, r.battery) == (Kind.SMARTTAG, True, Battery.FULL)
    assert r.details["aging_counter"] == 136589
    assert r.identifier == bytes.fromhex("3b793c9d638b48b1")
    assert r.details["uwb"] is True and r.details["state"] == "overmature_offline"


def test_t10_tile():
    r = classify(bytes.fromhex(T10), "F0:1C:FD:38:52:9E")
    assert (r.tracker, r.kind, r.network, r.separated) == (True, Kind.TILE, Network.TILE, None)
    assert r.identifier == bytes.fromhex("9c2b2af23f0e3dad")
    assert r.address_rotates is False  # static random address
    assert not r.can_ring


def test_t11_truncated_fmdn_is_flagged_not_crashed():
    fields = parse_ad(bytes.fromhex(T11))
    assert fields.truncated
    r = classify(bytes.fromhex(T11))
    assert (r.kind, r.separated, r.identifier) == (Kind.GOOGLE_FMDN, False, None)
    assert r.details["truncated"] is True


def test_t12_openhaystack_template_is_separated_apple_device():
    r = classify(bytes.fromhex(T12))
    assert len(bytes.fromhex(T12)) == 31
    assert (r.tracker, r.kind, r.separated) == (True, Kind.APPLE_DEVICE, True)


def test_t13_realtek_fmdn_template():
    r = classify(bytes.fromhex(T13))
    assert (r.kind, r.separated) == (Kind.GOOGLE_FMDN, False)
    assert r.identifier == bytes(20) and r.identifier_lifetime_s == 1024
    assert r.details["frame_type"] == "40" and r.details["hashed_flags"] == "00"


def test_t14_design_doc_eid_without_hashed_flags():
    r = classify(bytes.fromhex(T14))
    assert r.kind is Kind.GOOGLE_FMDN and r.identifier == bytes(20)
    assert "hashed_flags" not in r.details


def test_fmdn_utp_mode_is_separated_and_rings_through_dult():
    r = classify(bytes.fromhex("0201061916AAFE41" + "11" * 20 + "00"))
    assert (r.separated, r.ring) == (True, RingProcedure.DULT)
    assert r.details["address_lifetime_s"] == 85 * 1024


@pytest.mark.parametrize("frame", ["00", "10", "20", "30"])
def test_eddystone_frames_are_not_google_trackers(frame):
    r = classify(bytes.fromhex("0201060303aafe" + "1516aafe" + frame + "00" * 18))
    assert not r.tracker and r.kind is None


def test_chipolo_separation_bit_depends_on_firmware_marker():
    ad = sd_ad(0xFE33, "0001") + bytes.fromhex("0303" + "65fe")
    old = classify(ad, "C0:11:22:33:44:55")
    new = classify(ad, "E0:11:22:33:44:55")
    assert (old.kind, old.separated) == (Kind.CHIPOLO, True)
    assert (new.kind, new.separated) == (Kind.CHIPOLO, None)


def test_pebblebee_and_samsung_find_my_mobile():
    pb = classify(bytes.fromhex("030325fa"))
    assert (pb.kind, pb.ring) == (Kind.PEBBLEBEE, RingProcedure.PEBBLEBEE)
    fmm = classify(sd_ad(0xFD69, "01" + "ab" * 12 + "04"))
    assert (fmm.kind, fmm.tracker, fmm.identifier) == (Kind.SAMSUNG_DEVICE, False, bytes([0xAB] * 12))


def test_plain_devices_say_whether_the_address_rotates():
    phone = bytes.fromhex("02011a0aff4c0010050b1c3f4a7b")  # iPhone "nearby info"
    assert classify(phone, "5A:11:22:33:44:55").address_rotates is True  # RPA
    assert classify(phone, "DA:11:22:33:44:55").address_rotates is False  # static random
    assert classify(phone, "00:1A:7D:DA:71:13", AddressType.PUBLIC).address_rotates is False
    assert not classify(phone, "5A:11:22:33:44:55").tracker


def test_scan_response_after_advertising_data_is_read():
    adv = bytes.fromhex("020106") + bytes.fromhex(T10)
    assert classify(adv).kind is Kind.TILE


@pytest.mark.parametrize("vector", [T1, T2, T3, T4, T7, T8, T10, T11, T12, T13, T14])
def test_memoised_and_full_paths_agree(vector):
    adv = bytes.fromhex(vector)
    for address in ("FB:6D:08:3D:25:A4", "DF:A4:65:1A:52:72", None):
        assert classify(adv, address) == classify_full(adv, address)
        assert classify(adv, address) == classify_full(adv, address)  # second call hits the memo
