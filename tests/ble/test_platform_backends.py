"""The `bleak` source on Windows and macOS: the scenario suite through WinRT- and CoreBluetooth-like backends.

The real WinRT and CoreBluetooth stacks cannot run on Linux, so these tests plug
fakes of bleak's documented backend interface (`tests/ble/bleak_fakes.py`) into
bleak's real `BleakScanner` through its ``backend=`` argument, and run the
project's own `BleakSource` and `WinRTPlatform` / `CoreBluetoothPlatform` code
over them.  The reference is the same captures through a BlueZ-like backend
(the real BlueZ backend is tested against python-dbusmock in
test_bleak_source.py) and, underneath, the captures fed straight to the engine.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterable

import pytest
from ble.bleak_fakes import (
    FakeBlueZScanner,
    FakeCoreBluetoothScanner,
    FakeScanner,
    FakeWinRTScanner,
    mac_uuid,
)
from bleak.exc import BleakBluetoothNotAvailableError, BleakBluetoothNotAvailableReason

from trackerscan.adv import classify
from trackerscan.engine import Engine
from trackerscan.engine.known import KnownDevices
from trackerscan.errors import InputError, SourceError
from trackerscan.model import AddressType, Kind, Level, Sighting, SourceEvent, SourceEventKind
from trackerscan.sim import build_scenario
from trackerscan.sim.scenarios import Scenario
from trackerscan.sources.ble_bleak import BleakSource, open_bleak
from trackerscan.sources.ble_platform import (
    MAC_LIMITS,
    AdapterInfo,
    BlePlatform,
    BlueZPlatform,
    CoreBluetoothPlatform,
    LossWatch,
    PollWatch,
    WinRTPlatform,
)

# Every tracker kind on foot, a car, a short bus ride with fellow passengers, the
# family car (whose undeclared watch and tablet keep fixed addresses), a day without GPS.
SCENARIOS = ("walk_every_kind", "drive", "bus_hop", "family_car", "no_gps_day")


class OfflineBlueZ(BlueZPlatform):
    """BlueZ's conversions (address type from D-Bus properties, or-patterns) without its D-Bus parts."""

    def check_possible(self) -> None:
        pass

    async def resolve(self, wanted: str | None) -> AdapterInfo:
        return AdapterInfo(wanted or "hci0", None, None, True, True, "bluez")

    def watch(self, adapter: str) -> LossWatch:
        return PollWatch(None)


PLATFORMS: dict[str, tuple[type[FakeScanner], type[BlePlatform]]] = {
    "bluez": (FakeBlueZScanner, OfflineBlueZ),
    "winrt": (FakeWinRTScanner, WinRTPlatform),
    "corebluetooth": (FakeCoreBluetoothScanner, CoreBluetoothPlatform),
}


class Outcome:
    """Level changes as (device name, level, time) and the first source events, from one run."""

    def __init__(self) -> None:
        self.changes: set[tuple[str, str, float]] = set()
        self.source_events: list[SourceEvent] = []
        self.addresses: set[str] = set()


def _name(sc: Scenario, addresses: Iterable[str], real: dict[str, str]) -> str:
    truth = sc.truth_for([real.get(a, a) for a in addresses])
    assert truth is not None, addresses
    return truth.name


def _known(sc: Scenario, mac: bool) -> KnownDevices:
    """The user's known devices; on a Mac, "It's mine" records the identifier the Mac shows."""
    if not mac:
        return sc.known_devices()
    return KnownDevices.from_lines([mac_uuid(k) if ":" in k else k for k in sc.known])


def run_direct(sc: Scenario) -> Outcome:
    """The captures straight into the engine (what a btsnoop capture or the HCI source gives)."""
    out = Outcome()
    engine = Engine(known=sc.known_devices(), homes=sc.homes)
    for c in engine.feed_many(sc.events) + engine.finish():
        out.changes.add((_name(sc, c.addresses, {}), c.level.value, round(c.time, 3)))
    return out


async def run_through(platform_key: str, sc: Scenario) -> Outcome:
    """The captures through bleak's BleakScanner with a platform-like backend and our BleakSource."""
    fake, platform_cls = PLATFORMS[platform_key]
    mac = platform_key == "corebluetooth"
    real = {mac_uuid(d): d for t in sc.truth for d in t.addresses} if mac else {}
    now = [sc.events[0].time]
    src = BleakSource(None, clock=lambda: now[0], platform=platform_cls(backend=fake))
    engine = Engine(known=_known(sc, mac), homes=sc.homes)
    out = Outcome()
    changes = []
    async with src:
        (scanner,) = fake.running
        stream = aiter(src)
        while src._queue.qsize():  # what the source says on opening
            ev = await anext(stream)
            assert isinstance(ev, SourceEvent)
            out.source_events.append(ev)
        for e in sc.events:
            if isinstance(e, Sighting):
                now[0] = e.time
                scanner.air(e)
                got = await anext(stream)
                assert isinstance(got, Sighting)
                out.addresses.add(got.address)
                changes.extend(engine.feed(got))
            else:
                changes.extend(engine.feed(e))
    changes.extend(engine.finish())
    for c in changes:
        out.changes.add((_name(sc, c.addresses, real), c.level.value, round(c.time, 3)))
    assert fake.running == []  # stopped on close
    return out


@pytest.fixture(scope="module")
def outcomes() -> dict[tuple[str, str], Outcome]:
    result = {}
    for name in SCENARIOS:
        sc = build_scenario(name, 0)
        result[(name, "direct")] = run_direct(sc)
        for key in PLATFORMS:
            result[(name, key)] = asyncio.run(run_through(key, sc))
    return result


def _alerts(o: Outcome) -> set[str]:
    return {name for name, level, _t in o.changes if level == Level.ALERT.value}


@pytest.mark.parametrize("name", SCENARIOS)
def test_bluez_and_windows_raise_the_same_alerts_at_the_same_moments(outcomes, name):
    direct, bluez, winrt = (outcomes[(name, k)] for k in ("direct", "bluez", "winrt"))
    assert _alerts(direct), "every scenario here has a follower to find"
    assert bluez.changes == direct.changes  # parsed fields rebuilt into AD bytes lose nothing the engine uses
    assert winrt.changes == bluez.changes
    assert winrt.source_events == []  # Windows hides nothing worth a word
    assert all(":" in a and len(a) == 17 for a in winrt.addresses)  # real addresses


@pytest.mark.parametrize("name", SCENARIOS)
def test_a_mac_raises_every_tracker_alert_and_says_what_it_cannot_see(outcomes, name):
    sc = build_scenario(name, 0)
    bluez, mac = outcomes[(name, "bluez")], outcomes[(name, "corebluetooth")]
    # no address ever reaches the session from a Mac: only the Mac's own codes
    assert mac.addresses and all(len(a) == 36 and a.count("-") == 4 for a in mac.addresses)
    assert [(e.kind, e.detail) for e in mac.source_events] == [(SourceEventKind.INFO, MAC_LIMITS)]
    trackers = {t.name for t in sc.truth if t.kind is not None}
    tracker_changes = {c for c in bluez.changes if c[0] in trackers}
    # every tracker is followed exactly as through BlueZ, at the same moments
    assert {c for c in mac.changes if c[0] in trackers} == tracker_changes
    assert {c for c in tracker_changes if c[1] == Level.ALERT.value}, "a tracker alert to compare"
    # what a Mac cannot do: devices that are not trackers are followed by their fixed address,
    # which a Mac does not show; it raises nothing for them, and nothing BlueZ did not raise
    assert mac.changes == tracker_changes


def test_what_a_mac_misses_is_the_fixed_address_rule(outcomes):
    """The stated macOS limit, seen in the suite: a follower that is not a tracker brand (kept by its
    fixed address) is raised through BlueZ and Windows but not on a Mac, nor are the family's devices."""
    walk, family = build_scenario("walk_every_kind", 0), build_scenario("family_car", 0)
    fixed = "device with a fixed address, not a tracker brand"
    assert fixed in {t.name for t in walk.truth}
    assert fixed in {c[0] for c in outcomes[("walk_every_kind", "winrt")].changes}  # watch or alert
    assert fixed not in {c[0] for c in outcomes[("walk_every_kind", "corebluetooth")].changes}
    bluez, mac = outcomes[("family_car", "bluez")], outcomes[("family_car", "corebluetooth")]
    missed = {c[0] for c in bluez.changes - mac.changes}
    assert missed and missed <= {t.name for t in family.truth if t.companion or t.kind is None}


def test_a_separated_airtag_is_recognised_from_its_payload_on_a_mac_but_its_key_needs_the_address():
    adv = bytes.fromhex("1EFF4C001219102807CE0B3C33332ED37B5D9D8291B1D99D0B8615189700E0")
    linux = classify(adv, "FB:6D:08:3D:25:A4", AddressType.RANDOM)
    mac = classify(adv, mac_uuid("FB:6D:08:3D:25:A4"), AddressType.UNKNOWN)
    assert linux.kind is mac.kind is Kind.AIRTAG
    assert linux.separated is mac.separated is True
    assert linux.details.get("public_key") and not mac.details.get("public_key")


def test_spec_words_each_platform_refuses_with_one_clear_line():
    mac = CoreBluetoothPlatform(backend=FakeCoreBluetoothScanner)
    win = WinRTPlatform(backend=FakeWinRTScanner)
    with pytest.raises(InputError, match="macOS cannot scan passively"):
        open_bleak("passive", platform=mac)
    with pytest.raises(InputError, match=r"Windows scans with the computer's own Bluetooth.*not bleak:hci1"):
        open_bleak("hci1", platform=win)
    assert open_bleak("passive", platform=win).passive is True
    with pytest.raises(InputError, match="not a Bluetooth adapter name"):
        open_bleak("usb0", platform=OfflineBlueZ())


async def test_windows_scans_passively_and_recovers_when_bluetooth_is_switched_off_and_on():
    radio = {"state": None}

    async def probe() -> str | None:
        return radio["state"]

    FakeWinRTScanner.created.clear()
    platform = WinRTPlatform(backend=FakeWinRTScanner, probe=probe, poll_s=0.02)
    src = BleakSource(None, passive=True, platform=platform, reopen_max_wait_s=0.05)
    async with src:
        assert FakeWinRTScanner.created == ["passive"]
        assert isinstance(src._watch, PollWatch)
        radio["state"] = "Bluetooth was switched off"
        got: list[SourceEvent] = []

        async def collect() -> None:
            async for ev in src:
                if isinstance(ev, SourceEvent):
                    got.append(ev)
                    if ev.kind is SourceEventKind.ADAPTER_LOST:
                        radio["state"] = None  # switched on again
                    if ev.kind is SourceEventKind.ADAPTER_BACK:
                        return

        await asyncio.wait_for(collect(), 5)
    assert [e.kind for e in got] == [SourceEventKind.ADAPTER_LOST, SourceEventKind.ADAPTER_BACK]
    assert got[0].detail == "Bluetooth was switched off"
    assert FakeWinRTScanner.created == ["passive", "passive"]
    assert FakeWinRTScanner.running == []


async def test_a_mac_that_refuses_bluetooth_says_where_to_allow_it():
    class Refused(FakeCoreBluetoothScanner):
        async def start(self) -> None:  # bleak's own words when the user said no
            raise BleakBluetoothNotAvailableError(
                "Bluetooth access is denied by the user for the current application. "
                "Check macOS privacy settings.",
                BleakBluetoothNotAvailableReason.DENIED_BY_USER,
            )

    src = BleakSource(None, platform=CoreBluetoothPlatform(backend=Refused))
    with pytest.raises(SourceError, match=r"Privacy & Security, Bluetooth\) and try again") as info:
        await src.start()
    assert "\n" not in str(info.value) and "denied by the user" in str(info.value)
    await src.aclose()


def test_sources_command_on_windows_and_a_mac(monkeypatch, capsys):
    from trackerscan.cli import main
    from trackerscan.sources import ble_platform

    radio: dict[str, str | None] = {"state": None}

    async def probe() -> str | None:
        return radio["state"]

    monkeypatch.setattr(ble_platform, "platform_for", lambda: WinRTPlatform(probe=probe))
    assert main(["sources"]) == 0
    assert "Bluetooth adapters:\n  Windows Bluetooth    source: bleak\n" in capsys.readouterr().out
    radio["state"] = "Bluetooth was switched off"
    assert main(["sources"]) == 0
    out = capsys.readouterr().out
    assert "  None found." in out and "Windows reports: Bluetooth was switched off." in out

    monkeypatch.setattr(ble_platform, "platform_for", lambda: CoreBluetoothPlatform())
    assert main(["sources"]) == 0
    out = capsys.readouterr().out
    assert "  Mac Bluetooth    source: bleak\n" in out and MAC_LIMITS in out
    assert main(["sources", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["system"] == "corebluetooth" and data["shows_addresses"] is False
    assert data["passive_scanning"] is False and data["bluetooth"][0]["source"] == "bleak"
