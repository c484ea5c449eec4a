"""A btsnoop log written by someone else: bumble's real HCI host logs what its controller reports
(datalink 1002, H4, with commands and command-complete events around the reports); our reader must
give back exactly the reports bumble's own host decoded."""

import asyncio
import io
import time

from bumble import hci
from bumble.controller import Controller
from bumble.device import AdvertisingEventProperties, AdvertisingParameters, Device
from bumble.hci import Address
from bumble.host import Host
from bumble.link import LocalLink
from bumble.snoop import BtSnooper
from bumble.transport.common import AsyncPipeSink

from trackerscan.formats.btsnoop.reader import parse_btsnoop
from trackerscan.model import AddressType

T1 = bytes.fromhex("1EFF4C001219102807CE0B3C33332ED37B5D9D8291B1D99D0B8615189700E0")
T10 = bytes.fromhex("0d16edfe02009c2b2af23f0e3dad")
RSSI = {"FB:6D:08:3D:25:A4": -67, "F0:1C:FD:38:52:9E": -81}


class ScriptedRssiController(Controller):
    """The stock emulator reports -50 dBm for everything; give each advertiser its own RSSI."""

    def send_hci_packet(self, packet):
        if isinstance(
            packet, (hci.HCI_LE_Advertising_Report_Event, hci.HCI_LE_Extended_Advertising_Report_Event)
        ):
            for rep in packet.reports:
                rep.rssi = RSSI.get(str(rep.address), rep.rssi)
        super().send_hci_packet(packet)


def virtual_device(link, name, public):
    ctrl = ScriptedRssiController(name, link=link, public_address=public)
    return Device(name=name, address=Address(public), host=Host(ctrl, AsyncPipeSink(ctrl)))


async def record():
    link = LocalLink()
    airtag = virtual_device(link, "airtag", "F0:00:00:00:00:01")
    tile = virtual_device(link, "tile", "F0:00:00:00:00:03")
    phone = virtual_device(link, "phone", "F0:00:00:00:00:02")
    log = io.BytesIO()
    phone.host.snooper = BtSnooper(log)
    for d in (airtag, tile, phone):
        await d.power_on()
    addr = Address("FB:6D:08:3D:25:A4")
    airtag.random_address = addr
    await airtag.send_sync_command(hci.HCI_LE_Set_Random_Address_Command(random_address=addr))
    await airtag.start_advertising(
        advertising_data=T1, advertising_interval_min=100, advertising_interval_max=100
    )
    # an extended advertising set with more than 31 bytes: T10 plus a long name
    long_adv = T10 + bytes([31, 0x09]) + b"Tile with a rather long name.."
    assert len(long_adv) > 31
    await tile.create_advertising_set(
        advertising_parameters=AdvertisingParameters(
            advertising_event_properties=AdvertisingEventProperties(is_connectable=False),
            own_address_type=hci.OwnAddressType.RANDOM,
            primary_advertising_interval_min=100,
            primary_advertising_interval_max=100,
        ),
        random_address=Address("F0:1C:FD:38:52:9E"),
        advertising_data=long_adv,
    )
    seen = []
    phone.on("advertisement", lambda a: seen.append((str(a.address), a.rssi, bytes(a.data_bytes))))
    started = time.time()
    await phone.start_scanning(active=False, filter_duplicates=False)
    await asyncio.sleep(0.6)
    await phone.stop_scanning()
    return log.getvalue(), seen, started, long_adv


async def test_bumble_snoop_log_reads_back_as_bumble_saw_it():
    data, seen, started, long_adv = await record()
    sightings, stats = parse_btsnoop(data)
    assert stats.datalink == 1002 and stats.skipped == 0
    assert stats.other > 0  # the commands and their completions were skipped, not misread
    got = [(s.address, s.rssi, s.adv) for s in sightings]
    assert got == seen
    assert {s.adv for s in sightings} == {T1, long_adv}
    assert {s.address_type for s in sightings} == {AddressType.RANDOM}
    # bumble stamps records with the wall clock: times must be the recording's, in order
    assert all(started - 5 < s.time < time.time() + 5 for s in sightings)
    assert [s.time for s in sightings] == sorted(s.time for s in sightings)
