"""Virtual bumble controllers on a LocalLink, wired as testing-real-components.md section 1.1 shows."""

from __future__ import annotations

from bumble import hci
from bumble.controller import Controller
from bumble.device import Device
from bumble.hci import Address
from bumble.host import Host
from bumble.link import LocalLink
from bumble.transport.common import AsyncPipeSink

from trackerscan.sources.ble_bumble import BumbleDevice

# trackers.md section 10 test vectors (raw advertising data)
T1_ADDR = "FB:6D:08:3D:25:A4"
T1 = bytes.fromhex("1EFF4C001219102807CE0B3C33332ED37B5D9D8291B1D99D0B8615189700E0")
T8 = bytes.fromhex("02010403025AFD17165AFD15DCC7014348F47468AACF29B30000004F0DAA910A09536D61727420546167")
T13 = bytes.fromhex("0201061916AAFE40") + bytes(20) + b"\x00"


class ScriptedRssiController(Controller):
    """The stock controller always reports -50 dBm; this one reports what the test says."""

    def __init__(self, *args, rssi=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fake_rssi: dict[str, int] = rssi if rssi is not None else {}

    def send_hci_packet(self, packet):
        reports = hci.HCI_LE_Advertising_Report_Event | hci.HCI_LE_Extended_Advertising_Report_Event
        if isinstance(packet, reports):
            for rep in packet.reports:
                rep.rssi = self.fake_rssi.get(str(rep.address), rep.rssi)
        super().send_hci_packet(packet)


def virtual_device(link: LocalLink, name: str, public_addr: str, rssi=None) -> Device:
    ctrl = ScriptedRssiController(name, link=link, public_address=public_addr, rssi=rssi)
    return Device(name=name, address=Address(public_addr), host=Host(ctrl, AsyncPipeSink(ctrl)))


async def use_random_address(dev: Device, addr: str) -> None:
    """Both steps are needed (section 1.3)."""
    dev.random_address = Address(addr)
    await dev.send_sync_command(hci.HCI_LE_Set_Random_Address_Command(random_address=Address(addr)))


async def advertise(dev: Device, addr: str, data: bytes, interval_ms: int = 50) -> None:
    await use_random_address(dev, addr)
    await dev.start_advertising(
        advertising_data=data, advertising_interval_min=interval_ms, advertising_interval_max=interval_ms
    )


def scanner_opener(dev: Device):
    """An opener for BumbleSource: powers on the in-process scanner device."""

    async def opener() -> BumbleDevice:
        await dev.power_on()
        return BumbleDevice(dev, None)

    return opener
