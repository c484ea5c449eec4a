"""The headless runner end to end: a replayed recording through the real pipeline, engine and store,
gpiozero's mock pins for LED, buzzer and button, and a real clock (the test times the presses)."""

import asyncio
import sqlite3
import time
from pathlib import Path

import pytest

from trackerscan.cli import main
from trackerscan.formats.session import Session
from trackerscan.model import AddressType, Sighting, SourceEvent, SourceEventKind
from trackerscan.pi.button import LONG_PRESS_S
from trackerscan.pi.gpio import DEFAULT_BUTTON as BUTTON
from trackerscan.pi.gpio import DEFAULT_BUZZER as BUZZER
from trackerscan.pi.gpio import DEFAULT_LED as LED
from trackerscan.pi.gpio import KitGpio, Pins
from trackerscan.pi.patterns import Status
from trackerscan.pi.runner import KitConfig, KitRunner
from trackerscan.pi.usb import UsbExporter
from trackerscan.sessions.export import copy_sessions_to
from trackerscan.sessions.writer import SessionWriter

T0 = 1_763_900_000.0
# An AirTag-style Find My advertisement (trackers.md, Apple offline finding, status byte 0x10)
ADV = bytes.fromhex("1eff4c001219100102030405060708090a0b0c0d0e0f101112131415160100")


def recording(directory, seconds, events=()):
    """A session file to replay: one sighting every 0.1 s for ``seconds``, plus ``events``."""
    w = SessionWriter.create(directory, T0)
    for i in range(round(seconds * 10)):
        w.add(Sighting(T0 + i * 0.1, "C0:11:22:33:44:55", AddressType.RANDOM, -60, ADV, "rec"))
    for e in events:
        w.add(e)
    w.close(T0 + seconds)
    return w.path


def kit_events(path):
    with Session.open(path) as s:
        return [e.detail for e in s.source_events() if e.source == "kit"], [m.label for m in s.place_marks()]


class PowerOff:
    """Stands in for `systemctl poweroff`: records that it was asked, and what the session held then."""

    def __init__(self, runner_sessions):
        self.calls, self.sessions = [], runner_sessions

    def __call__(self):
        with sqlite3.connect(self.sessions[-1]) as c:
            self.calls.append(dict(c.execute("SELECT key, value FROM meta").fetchall()))
        return 0, ""


@pytest.fixture
def pin_gpio(factory):
    gpio = KitGpio(Pins(), time.monotonic, pin_factory=factory)
    yield gpio
    gpio.close()


async def press(factory, hold_s):
    factory.pin(BUTTON).drive_low()
    await asyncio.sleep(hold_s)
    factory.pin(BUTTON).drive_high()


async def three_presses(factory, hold_s=0.1, gap_s=0.15):
    """The radio sweep's gesture: three short presses."""
    for _ in range(3):
        await press(factory, hold_s)
        await asyncio.sleep(gap_s)


def one_long_tone(pin):
    """True if the pin held exactly one tone and it lasted the 1.0 s "adapter lost" tone.

    The runner turns the buzzer off at its first tick (TICK_S, 0.05 s) past the tone's end; on a loaded
    machine a tick can come late, so the tone is allowed up to 1.4 s: still far from every other sound
    (blips of 0.15 s, the 0.8 s shutdown tone cannot reach it from below).
    """
    tones = on_times(pin)
    return len(tones) == 1 and 0.9 <= tones[0] < 1.4


def on_times(pin):
    """Seconds each 'on' lasted, from gpiozero's own record of the pin's changes."""
    out = []
    for before, after in zip(pin.states, pin.states[1:], strict=False):
        if before.state and not after.state:
            out.append(after.timestamp)
    return out


async def test_adapter_lost_and_back_shown_on_the_led_and_buzzer(tmp_path, factory, pin_gpio):
    rec = recording(tmp_path / "rec", 3.0, [
        SourceEvent(T0 + 1.0, "rec", SourceEventKind.ADAPTER_LOST, "unplugged"),
        SourceEvent(T0 + 2.0, "rec", SourceEventKind.ADAPTER_BACK, "replugged"),
    ])
    runner = KitRunner(KitConfig(ble=f"replay:{rec},speed=1", gps="none", data_dir=str(tmp_path / "data")),
                       pin_gpio)
    assert await asyncio.wait_for(runner.run(), 20) == 0
    assert [s for s in runner.statuses if s is not Status.BUSY] == [Status.OK, Status.ADAPTER_LOST, Status.OK]
    # One long tone (1.0 s) when the adapter went: seen on the buzzer pin.
    assert one_long_tone(factory.pin(BUZZER)), on_times(factory.pin(BUZZER))
    # Three 0.15 s blips for "adapter lost" among the LED's on-times.
    assert sum(0.1 <= t <= 0.2 for t in on_times(factory.pin(LED))) >= 3
    with Session.open(runner.sessions[0]) as s:
        counts = s.counts()  # one address heard for 3 s: not a device yet, so counted, not written
        assert counts["sighting"] + counts["first_counted"] == 30 and "ended" in s.meta()
    assert not factory.pin(LED).state and not factory.pin(BUZZER).state


async def test_short_presses_mark_a_sweep_in_the_session(tmp_path, factory, pin_gpio):
    rec = recording(tmp_path / "rec", 3.0)
    runner = KitRunner(KitConfig(ble=f"replay:{rec},speed=1", gps="none", data_dir=str(tmp_path / "data")),
                       pin_gpio)
    task = asyncio.create_task(runner.run())
    await asyncio.sleep(0.3)
    await press(factory, 0.1)
    await asyncio.sleep(1.0)
    await press(factory, 0.1)
    await asyncio.wait_for(task, 20)
    details, marks = kit_events(runner.sessions[0])
    assert details == ["sweep 1 started (button)", "sweep 1 ended (button)"]
    assert marks == ["sweep 1"]
    assert len(on_times(factory.pin(BUZZER))) == 3  # one tone to start, two to end


async def test_double_press_copies_finished_sessions_and_says_safe_to_remove(tmp_path, factory, pin_gpio):
    data = tmp_path / "data"
    earlier = recording(data / "sessions", 1.0)  # a finished session in the kit's own store
    stick = tmp_path / "stick"
    stick.mkdir()
    rec = recording(tmp_path / "rec", 3.0)
    exporter = UsbExporter(lambda dest: copy_sessions_to(dest, data_dir=data), target=stick)
    runner = KitRunner(KitConfig(ble=f"replay:{rec},speed=1", gps="none", data_dir=str(data)), pin_gpio,
                       exporter=exporter)
    task = asyncio.create_task(runner.run())
    await asyncio.sleep(0.3)
    await press(factory, 0.1)
    await asyncio.sleep(0.15)
    await press(factory, 0.1)
    await asyncio.wait_for(task, 20)
    copied = stick / "trackerscan" / "sessions" / earlier.name
    assert copied.read_bytes() == earlier.read_bytes()
    assert earlier.name in (stick / "trackerscan" / "SHA256SUMS").read_text()
    assert not (stick / "trackerscan" / "sessions" / runner.sessions[0].name).exists()  # still recording then
    assert Status.SAFE_TO_REMOVE in runner.statuses
    details, _ = kit_events(runner.sessions[0])
    assert details == [f"USB export: copied 1 files to {stick}"]


async def test_long_press_closes_the_session_then_powers_off(tmp_path, factory, pin_gpio):
    rec = recording(tmp_path / "rec", 30.0)
    runner = KitRunner(KitConfig(ble=f"replay:{rec},speed=1", gps="none", data_dir=str(tmp_path / "data")),
                       pin_gpio)
    runner.poweroff = poweroff = PowerOff(runner.sessions)
    task = asyncio.create_task(runner.run())
    await asyncio.sleep(0.3)
    factory.pin(BUTTON).drive_low()
    started = time.monotonic()
    await asyncio.wait_for(task, 20)
    assert time.monotonic() - started >= LONG_PRESS_S
    assert time.monotonic() - started < LONG_PRESS_S + 3  # not the 30 s replay
    assert len(poweroff.calls) == 1 and "ended" in poweroff.calls[0]  # the session was closed first
    details, _ = kit_events(runner.sessions[0])
    assert details == ["power off requested (button held)"]
    assert runner.statuses[-1] is Status.SHUTTING_DOWN
    assert [round(t, 1) for t in on_times(factory.pin(BUZZER))] == [0.8]  # the shutdown tone played out
    factory.pin(BUTTON).drive_high()


async def test_no_adapter_at_start_is_shown_and_retried(tmp_path, factory, pin_gpio, capsys):
    import socket

    with socket.socket() as s:  # a loopback port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    runner = KitRunner(KitConfig(ble=f"hci:tcp-client:127.0.0.1:{port}", gps="none",
                                 data_dir=str(tmp_path / "data")), pin_gpio, retry_s=0.2)
    task = asyncio.create_task(runner.run())
    buzzer = factory.pin(BUZZER)
    deadline = time.monotonic() + 10  # wait for the tone to end, however loaded the machine is
    while not on_times(buzzer) and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    await asyncio.sleep(1.5)  # several more tries at retry_s 0.2 s: none may sound again
    runner.stop()
    assert await asyncio.wait_for(task, 10) == 0
    assert Status.ADAPTER_LOST in runner.statuses
    assert runner.sessions == []  # nothing recorded without an adapter, nothing half-made
    assert one_long_tone(buzzer), on_times(buzzer)  # told once, not at every retry
    assert capsys.readouterr().out.count("Could not open the Bluetooth controller") == 1


def test_cli_runs_a_replay_headless_without_pins(tmp_path, capsys):
    rec = recording(tmp_path / "rec", 1.0)
    data = tmp_path / "data"
    assert main(["run", "--headless", "--ble", f"replay:{rec},speed=0", "--gps", "none", "--pins", "none",
                 "--data-dir", str(data)]) == 0
    out = capsys.readouterr()
    assert "no light, buzzer or button" in out.err
    assert "recording session" in out.out and "10 sightings" in out.out
    assert len(list((data / "sessions").glob("*.sqlite"))) == 1


def test_cli_headless_without_a_pi_is_one_line_and_status_2(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("GPIOZERO_PIN_FACTORY", "no-such-factory")
    rec = recording(tmp_path / "rec", 1.0)
    assert main(["run", "--headless", "--ble", f"replay:{rec},speed=0", "--gps", "none",
                 "--data-dir", str(tmp_path / "data")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "pins" in err
    sessions = tmp_path / "data" / "sessions"
    assert not sessions.exists() or not list(sessions.iterdir())


def test_cli_bad_pins_is_status_2(tmp_path, capsys):
    assert main(["run", "--headless", "--pins", "led=17,button=17", "--gps", "none"]) == 2
    assert "same pin" in capsys.readouterr().err


async def test_with_a_gps_source_the_fixes_are_recorded_and_the_light_is_calm(tmp_path, pin_gpio):
    rec = recording(tmp_path / "rec", 3.0)
    runner = KitRunner(KitConfig(ble=f"replay:{rec},speed=1", gps="fixed:51.5,-0.1",
                                 data_dir=str(tmp_path / "data")), pin_gpio)
    await asyncio.wait_for(runner.run(), 20)
    with Session.open(runner.sessions[0]) as s:
        assert s.counts()["fix"] >= 2
    assert Status.OK in runner.statuses and Status.NO_GPS not in runner.statuses[1:]


async def test_a_missing_gps_receiver_records_without_positions_and_says_no_gps(tmp_path, pin_gpio, capsys):
    rec = recording(tmp_path / "rec", 2.0)
    runner = KitRunner(KitConfig(ble=f"replay:{rec},speed=1", gps=f"nmea:{tmp_path}/ttyACM9",
                                 data_dir=str(tmp_path / "data")), pin_gpio)
    await asyncio.wait_for(runner.run(), 20)
    assert Status.NO_GPS in runner.statuses and Status.OK not in runner.statuses
    with Session.open(runner.sessions[0]) as s:
        counts = s.counts()
        assert counts["sighting"] + counts["first_counted"] == 20 and counts["fix"] == 0
    assert "Recording without positions" in capsys.readouterr().out


async def test_trackerscan_place_marks_a_place_in_the_kit_session(tmp_path, pin_gpio, capsys):
    from trackerscan.cli.run import _main

    rec = recording(tmp_path / "rec", 3.0)
    data = tmp_path / "data"
    runner = KitRunner(KitConfig(ble=f"replay:{rec},speed=1", gps="none", data_dir=str(data)), pin_gpio)
    task = asyncio.create_task(_main(runner))  # with the CLI's signal handlers
    await asyncio.sleep(0.5)
    assert main(["place", "--data-dir", str(data)]) == 0  # sends SIGUSR1 to the recording process: us
    await asyncio.wait_for(task, 20)
    _, marks = kit_events(runner.sessions[0])
    assert marks == ["place (trackerscan place)"]
    assert "new place marked" in capsys.readouterr().out


async def test_three_presses_are_not_taken_for_a_sweep_or_an_export(tmp_path, factory, pin_gpio):
    """The triple press (the radio sweep) neither marks a sweep nor exports; without a radio it says so."""
    import io

    rec = recording(tmp_path / "rec", 3.0)
    out = io.StringIO()
    runner = KitRunner(KitConfig(ble=f"replay:{rec},speed=1", gps="none", data_dir=str(tmp_path / "data"),
                                 rf="none"), pin_gpio, out=out)
    task = asyncio.create_task(runner.run())
    await asyncio.sleep(0.3)
    await three_presses(factory, 0.08, 0.12)
    await asyncio.wait_for(task, 20)
    details, marks = kit_events(runner.sessions[0])
    assert details == [] and marks == []
    assert "three presses: no radio found. Plug a tinySA, an RTL-SDR or a HackRF" in out.getvalue()


async def test_is_this_yours_is_shown_said_and_kept_in_the_session(tmp_path, factory, pin_gpio, capsys):
    """A device of unknown kind reaches watch: the kit cannot ask on a screen, so it shows the question
    (LED, buzzer), says how to answer it later, and the session keeps it for `known --asked`."""
    from trackerscan.sim import build_scenario
    from trackerscan.sim.scenarios import MIN

    sc = build_scenario("walk_every_kind", 0)  # her watch reaches watch at ~10 min
    events = [e for e in sc.events if e.time < sc.events[0].time + 17 * MIN]
    w = SessionWriter.create(tmp_path / "rec", events[0].time)
    for e in events:
        w.add(e)
    w.close(events[-1].time)
    runner = KitRunner(KitConfig(ble=f"replay:{w.path},speed=0", gps="none", data_dir=str(tmp_path / "data")),
                       pin_gpio)
    assert await asyncio.wait_for(runner.run(), 120) == 0
    # Asked once; the light showed alert (the walk's tags alert at the same time, and outrank it).
    assert len(runner.kit.asked) == 1 and runner.kit.question_at is not None
    out = capsys.readouterr().out
    session = runner.sessions[0]
    assert f"answer later: trackerscan known {session.stem} --asked" in out
    details, _marks = kit_events(session)
    asked = [d for d in details if d.startswith('asked "Is this yours?" about')]
    assert len(asked) == 1
    address = asked[0].rsplit(" ", 1)[1]
    assert sc.truth_for([address]).name == "your watch"  # not declared to this kit (no --known)
    assert main(["known", str(session), "--asked"]) == 0
    assert f"1. {address}" in capsys.readouterr().out


RF_RECORDING = Path(__file__).parents[1] / "rf" / "data" / "rtl_power.csv"  # a 20 s tracker, 4 minutes


async def test_three_presses_run_a_radio_sweep_recorded_in_its_own_session(tmp_path, factory, pin_gpio):
    rec = recording(tmp_path / "rec", 8.0)
    data = tmp_path / "data"
    # the recorded sweep at 80 times its speed: its 4 minutes in 3 s, while the Bluetooth replay runs
    config = KitConfig(ble=f"replay:{rec},speed=1", gps="none", data_dir=str(data),
                       rf=f"replay:{RF_RECORDING},speed=80")
    runner = KitRunner(config, pin_gpio)
    task = asyncio.create_task(runner.run())
    await asyncio.sleep(0.3)
    await three_presses(factory)
    await asyncio.wait_for(task, 30)
    assert Status.RADIO_SWEEP in runner.statuses
    (result,) = runner.radio_results
    assert result.session is not None and [round(t.period_s) for t in result.analysis.transmitters] == [20]
    with Session.open(result.session) as s:  # what `trackerscan sessions` and the report read
        found, covered = s.rf_results()
        assert len(found) == 1 and found[0].band == "GSM 900 / LTE B8" and covered
    # the meter had a reading on the candidate: the LED blinked by it
    assert runner.kit.radio_gauge is not None and runner.kit.radio_gauge > 0
    details, _ = kit_events(runner.sessions[0])  # the Bluetooth session notes the sweep
    assert details[0] == f"radio sweep started with replay:{RF_RECORDING},speed=80 (three presses)"
    assert details[1].startswith("radio sweep ended: 1 regular transmitter(s) found in 4.0 min; recorded "
                                 f"in the session {result.session.stem}")
    # buzzer: one medium tone to start, four short ones at the first candidate, medium-short to end
    assert len(on_times(factory.pin(BUZZER))) == 1 + 4 + 2
    assert round(on_times(factory.pin(BUZZER))[0], 1) == 0.3


async def test_three_presses_without_a_radio_say_no_radio_found(tmp_path, factory, pin_gpio):
    from functools import partial

    from trackerscan.pi.radio import find_radio

    rec = recording(tmp_path / "rec", 3.0)
    (tmp_path / "usb").mkdir()  # a USB bus with nothing on it
    runner = KitRunner(KitConfig(ble=f"replay:{rec},speed=1", gps="none", data_dir=str(tmp_path / "data")),
                       pin_gpio, radio_finder=partial(find_radio, tmp_path / "usb"))
    task = asyncio.create_task(runner.run())
    await asyncio.sleep(0.3)
    await three_presses(factory)
    await asyncio.wait_for(task, 20)
    assert Status.RADIO_MISSING in runner.statuses and Status.RADIO_SWEEP not in runner.statuses
    assert runner.radio_results == []
    # long-short-long on the buzzer
    assert [round(t, 1) for t in on_times(factory.pin(BUZZER))] == [0.6, 0.1, 0.6]


def test_find_radio_by_the_usb_ids_in_sysfs(tmp_path):
    from trackerscan.pi.radio import find_radio

    def device(name, vendor, product, tty=None):
        d = tmp_path / name
        d.mkdir()
        (d / "idVendor").write_text(vendor + "\n")
        (d / "idProduct").write_text(product + "\n")
        if tty:
            (d / f"{name}:1.0" / "tty" / tty).mkdir(parents=True)

    assert find_radio(tmp_path) is None
    device("1-1", "1d6b", "0002")  # a hub
    assert find_radio(tmp_path) is None
    device("1-1.3", "1d50", "6089")
    assert find_radio(tmp_path) == "hackrf"
    device("1-1.2", "0bda", "2838")
    assert find_radio(tmp_path) == "rtlsdr"
    device("1-1.4", "0483", "5740", tty="ttyACM1")
    assert find_radio(tmp_path) == "tinysa:/dev/ttyACM1"
    assert find_radio(tmp_path / "absent") is None
async def test_holding_the_button_while_asked_answers_its_mine(tmp_path, factory, pin_gpio, capsys):
    """While the light shows "Is this yours?", a two-second hold is "It's mine" for that device: the
    engine stops watching it, the session records the answer and keeps it as known, the light and the
    buzzer acknowledge it, and `known --asked` no longer lists it (it lists the walk's other question,
    unanswered)."""
    from trackerscan.sessions.known import known_from_meta
    from trackerscan.sim import build_scenario
    from trackerscan.sim.scenarios import MIN

    # Her watch is asked about at ~10 min (the walk's tags alert from ~6 min: their tones come first);
    # 20 min at 120 times real time leaves the buzzer time to play the answer's tones.
    sc = build_scenario("walk_every_kind", 0)
    events = [e for e in sc.events if e.time < sc.events[0].time + 20 * MIN]
    w = SessionWriter.create(tmp_path / "rec", events[0].time)
    for e in events:
        w.add(e)
    w.close(events[-1].time)
    runner = KitRunner(KitConfig(ble=f"replay:{w.path},speed=120", gps="none",
                                 data_dir=str(tmp_path / "data")), pin_gpio)
    task = asyncio.create_task(runner.run())
    while runner.kit.question(time.monotonic()) is None:  # the question is shown
        assert not task.done()
        await asyncio.sleep(0.05)
    asked = runner.kit.asking
    await press(factory, 1.5)
    await asyncio.sleep(0.2)
    assert not task.done()  # answered while still recording
    state = runner.live.engine.device(asked) if runner.live is not None else None
    assert state is not None and state.known  # "It's mine": known from now on
    await asyncio.wait_for(task, 60)
    assert Status.ANSWERED in runner.statuses
    # one long (0.5 s) and two short (0.08 s) tones among the buzzer's on-times, in that order, played
    # ahead of the alert tones still waiting
    tones = [round(t, 2) for t in on_times(factory.pin(BUZZER))]
    triples = zip(tones, tones[1:], tones[2:], strict=False)
    assert any(0.45 <= a <= 0.6 and 0.04 <= b <= 0.16 and 0.04 <= c <= 0.16 for a, b, c in triples), tones
    out = capsys.readouterr().out
    assert "If it is, hold the button for about two seconds now" in out
    session = runner.sessions[0]
    details, _marks = kit_events(session)
    answered = [d for d in details if d.startswith("answered \"It's mine\" about")]
    assert len(answered) == 1 and answered[0].endswith("(button)")
    address = answered[0].split()[-2]
    assert sc.truth_for([address]).name == "your watch"
    with Session.open(session) as s:
        assert known_from_meta(s.meta()).contains(address)  # kept as hers with the session
    assert main(["known", str(session), "--asked"]) == 0
    assert address not in capsys.readouterr().out  # answered: not asked again


async def test_holding_the_button_with_no_question_shown_answers_nothing(tmp_path, factory, pin_gpio):
    import io

    rec = recording(tmp_path / "rec", 3.0)
    out = io.StringIO()
    runner = KitRunner(KitConfig(ble=f"replay:{rec},speed=1", gps="none", data_dir=str(tmp_path / "data")),
                       pin_gpio, out=out)
    task = asyncio.create_task(runner.run())
    await asyncio.sleep(0.3)
    await press(factory, 1.5)
    await asyncio.wait_for(task, 20)
    details, marks = kit_events(runner.sessions[0])
    assert details == [] and marks == []  # neither a sweep nor an answer
    assert 'no "Is this yours?" question is shown now, so nothing was answered' in out.getvalue()
    assert Status.ANSWERED not in runner.statuses
    assert on_times(factory.pin(BUZZER)) == []
