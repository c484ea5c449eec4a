"""LED and buzzer patterns read back from gpiozero's mock pins, on a hand-moved clock."""

from trackerscan.model import Fix, Kind, Level, LevelChange, NoFix, SourceEvent, SourceEventKind
from trackerscan.pi.patterns import (
    ANSWER_SHOWN_S,
    EXPORT_RESULT_SHOWN_S,
    GPS_STALE_S,
    LED,
    QUESTION_SHOWN_S,
    RADIO_MISSING_SHOWN_S,
    Indicator,
    KitState,
    Status,
)


def level(t, device, lvl=Level.ALERT):
    return LevelChange(
        time=t, device_id=device, level=lvl, kind=Kind.AIRTAG, addresses=("C0:11:22:33:44:55",),
        identifiers=(), first_seen=t - 1800, last_seen=t, places=3, span_m=2400.0, duration_s=1800.0,
        explanation="with you at 3 places over 30 min",
    )


def started(clock, **kw):
    kit = KitState(**kw)
    kit.start(clock.t)
    return kit


def led_runs(seen, runs):
    return runs([led for led, _ in seen])


def buzzer_runs(seen, runs):
    return runs([bz for _, bz in seen])


def test_all_well_is_a_short_blip_every_three_seconds(kit_gpio, clock, drive, runs):
    kit = started(clock)
    kit.feed(Fix(clock.t, 51.5, -0.1), clock.t)
    seen = drive(Indicator(kit), kit_gpio, 6.0)
    assert led_runs(seen, runs) == [(True, 0.1), (False, 2.9), (True, 0.1), (False, 2.9)]
    assert not any(bz for _, bz in seen)


def test_alert_blinks_fast_and_beeps_three_times_once_per_device(kit_gpio, clock, drive, runs):
    kit = started(clock)
    kit.feed(Fix(clock.t, 51.5, -0.1), clock.t)
    indicator = Indicator(kit)
    kit.feed(level(clock.t, "dev-1"), clock.t)
    seen = drive(indicator, kit_gpio, 2.0)
    assert led_runs(seen, runs) == [(True, 0.2), (False, 0.2)] * 5
    assert buzzer_runs(seen, runs) == [(True, 0.15), (False, 0.15)] * 2 + [(True, 0.15), (False, 1.25)]
    # The same device again: no new beeps.  A second device: three more.
    kit.feed(level(clock.t, "dev-1"), clock.t)
    assert not any(bz for _, bz in drive(indicator, kit_gpio, 2.0))
    kit.feed(level(clock.t, "dev-2"), clock.t)
    seen = drive(indicator, kit_gpio, 2.0)
    assert sum(1 for on, _ in buzzer_runs(seen, runs) if on) == 3


def test_watch_is_a_double_blip_without_sound(kit_gpio, clock, drive, runs):
    kit = started(clock)
    kit.feed(Fix(clock.t, 51.5, -0.1), clock.t)
    kit.feed(level(clock.t, "dev-1", Level.WATCH), clock.t)
    seen = drive(Indicator(kit), kit_gpio, 4.0)
    assert led_runs(seen, runs) == [(True, 0.15), (False, 0.15), (True, 0.15), (False, 1.55)] * 2
    assert not any(bz for _, bz in seen)


def test_no_gps_after_fixes_stop_then_back(kit_gpio, clock, drive, runs):
    kit = started(clock)
    indicator = Indicator(kit)
    kit.feed(Fix(clock.t, 51.5, -0.1), clock.t)
    drive(indicator, kit_gpio, GPS_STALE_S)
    assert indicator.status is Status.OK
    seen = drive(indicator, kit_gpio, 4.2)  # now past the stale limit
    assert indicator.status is Status.NO_GPS
    assert (True, 1.0) in led_runs(seen, runs) and (False, 1.0) in led_runs(seen, runs)
    kit.feed(Fix(clock.t, 51.5, -0.1), clock.t)
    seen = drive(indicator, kit_gpio, 3.0)
    assert indicator.status is Status.OK
    assert led_runs(seen, runs) == [(True, 0.1), (False, 2.9)]


def test_nofix_shows_no_gps_at_once_but_not_when_running_without_a_receiver(clock):
    kit = started(clock)
    kit.feed(Fix(clock.t, 51.5, -0.1), clock.t)
    kit.feed(NoFix(clock.t + 1, "gpsd"), clock.t + 1)
    assert kit.status(clock.t + 1) is Status.NO_GPS
    assert started(clock, gps_expected=False).status(clock.t + 100) is Status.OK


def test_adapter_lost_three_blips_one_long_tone_and_it_outranks_an_alert(kit_gpio, clock, drive, runs):
    kit = started(clock)
    kit.feed(Fix(clock.t, 51.5, -0.1), clock.t)
    kit.feed(level(clock.t, "dev-1"), clock.t)
    indicator = Indicator(kit)
    drive(indicator, kit_gpio, 2.0)  # the alert's beeps are done
    kit.feed(SourceEvent(clock.t, "bleak:hci0", SourceEventKind.ADAPTER_LOST), clock.t)
    seen = drive(indicator, kit_gpio, 4.0)
    assert indicator.status is Status.ADAPTER_LOST
    assert led_runs(seen, runs) == [(True, 0.15), (False, 0.15), (True, 0.15), (False, 0.15),
                                    (True, 0.15), (False, 1.25)] * 2
    assert buzzer_runs(seen, runs) == [(True, 1.0), (False, 3.0)]
    kit.feed(SourceEvent(clock.t, "bleak:hci0", SourceEventKind.ADAPTER_BACK), clock.t)
    drive(indicator, kit_gpio, 0.1)
    assert indicator.status is Status.ALERT


def test_export_flickers_then_says_safe_to_remove_for_a_minute(kit_gpio, clock, drive, runs):
    kit = started(clock)
    kit.feed(Fix(clock.t, 51.5, -0.1), clock.t)
    indicator = Indicator(kit)
    kit.export_started(clock.t)
    seen = drive(indicator, kit_gpio, 1.0)
    assert led_runs(seen, runs) == [(True, 0.1), (False, 0.1)] * 5
    kit.export_finished(True, clock.t)
    seen = drive(indicator, kit_gpio, 5.0)
    assert indicator.status is Status.SAFE_TO_REMOVE
    assert led_runs(seen, runs) == [(True, 5.0)]
    assert buzzer_runs(seen, runs) == [(True, 0.3), (False, 0.2), (True, 0.3), (False, 4.2)]
    clock.t += EXPORT_RESULT_SHOWN_S
    kit.feed(Fix(clock.t, 51.5, -0.1), clock.t)
    drive(indicator, kit_gpio, 0.1)
    assert indicator.status is Status.OK


def test_failed_export_is_long_short(kit_gpio, clock, drive, runs):
    kit = started(clock, gps_expected=False)
    indicator = Indicator(kit)
    kit.export_started(clock.t)
    kit.export_finished(False, clock.t)
    seen = drive(indicator, kit_gpio, 2.0)
    assert indicator.status is Status.EXPORT_FAILED
    assert led_runs(seen, runs) == [(True, 1.0), (False, 0.2), (True, 0.2), (False, 0.6)]
    assert buzzer_runs(seen, runs)[0] == (True, 1.0)


def test_silent_never_sounds(kit_gpio, clock, drive):
    kit = started(clock, gps_expected=False)
    indicator = Indicator(kit, silent=True)
    kit.feed(level(clock.t, "dev-1"), clock.t)
    kit.feed(SourceEvent(clock.t, "bleak:hci0", SourceEventKind.ADAPTER_LOST), clock.t)
    kit.sweep_toggled(True)
    kit.shutdown()
    seen = drive(indicator, kit_gpio, 5.0)
    assert not any(bz for _, bz in seen)


def test_shutdown_turns_the_led_off_after_one_long_tone(kit_gpio, clock, drive, runs):
    kit = started(clock, gps_expected=False)
    indicator = Indicator(kit)
    kit.shutdown()
    seen = drive(indicator, kit_gpio, 2.0)
    assert led_runs(seen, runs) == [(False, 2.0)]
    assert buzzer_runs(seen, runs) == [(True, 0.8), (False, 1.2)]


def test_sweep_cues_one_tone_to_start_two_to_end(kit_gpio, clock, drive, runs):
    kit = started(clock, gps_expected=False)
    indicator = Indicator(kit)
    kit.sweep_toggled(True)
    # 0.08 s on: seen at the ticks 0 and 0.05 s.
    assert buzzer_runs(drive(indicator, kit_gpio, 1.0), runs) == [(True, 0.1), (False, 0.9)]
    kit.sweep_toggled(False)
    seen = drive(indicator, kit_gpio, 1.0)
    assert sum(1 for on, _ in buzzer_runs(seen, runs) if on) == 2


def test_every_status_has_its_own_led_pattern():
    sampled = {
        status: tuple(LED[status].state_at(i * 0.05) for i in range(120)) for status in Status
    }
    assert len(set(sampled.values())) == len(Status)


def test_before_start_the_led_says_busy(clock):
    assert KitState().status(clock.t) is Status.BUSY


def test_not_recording_two_long_flashes_two_long_tones_below_alert_above_watch(kit_gpio, clock, drive, runs):
    kit = started(clock)
    kit.feed(Fix(clock.t, 51.5, -0.1), clock.t)
    kit.feed(level(clock.t, "dev-1", Level.WATCH), clock.t)
    indicator = Indicator(kit)
    kit.recording_failed()
    kit.recording_failed()  # failing again while not recording: no second warning
    seen = drive(indicator, kit_gpio, 6.0)
    assert indicator.status is Status.NOT_RECORDING  # outranks watch: the evidence is not being kept
    assert led_runs(seen, runs) == [(True, 0.6), (False, 0.3), (True, 0.6), (False, 1.5)] * 2
    assert buzzer_runs(seen, runs) == [(True, 0.7), (False, 0.3), (True, 0.7), (False, 4.3)]
    kit.feed(level(clock.t, "dev-1"), clock.t)  # an alert still outranks it, and still beeps
    seen = drive(indicator, kit_gpio, 2.0)
    assert indicator.status is Status.ALERT
    assert sum(1 for on, _ in buzzer_runs(seen, runs) if on) == 3
    kit.recording_resumed()
    assert kit.status(clock.t) is Status.ALERT and not kit.not_recording
    kit.levels.clear()
    assert kit.status(clock.t) is Status.OK


def test_a_question_is_short_long_for_a_minute_with_one_short_long_tone(kit_gpio, clock, drive, runs):
    """"Is this yours?": shown once per device, then the watch pattern again (the question waits in
    the session)."""
    kit = started(clock)
    kit.feed(Fix(clock.t, 51.5, -0.1), clock.t)
    kit.feed(level(clock.t, "dev-1", Level.WATCH), clock.t)
    indicator = Indicator(kit)
    assert kit.ask_mine("dev-1", clock.t)
    seen = drive(indicator, kit_gpio, 4.0)
    assert indicator.status is Status.QUESTION
    assert led_runs(seen, runs) == [(True, 0.15), (False, 0.25), (True, 0.8), (False, 0.8)] * 2
    assert buzzer_runs(seen, runs) == [(True, 0.1), (False, 0.2), (True, 0.5), (False, 3.2)]
    assert not kit.ask_mine("dev-1", clock.t)  # asked once
    drive(indicator, kit_gpio, QUESTION_SHOWN_S - 4.0)
    seen = drive(indicator, kit_gpio, 2.0)
    assert indicator.status is Status.WATCH and not any(bz for _, bz in seen)
    kit.feed(level(clock.t, "dev-2"), clock.t)  # an alert outranks the question
    assert kit.ask_mine("dev-3", clock.t) and kit.status(clock.t) is Status.ALERT


def test_radio_sweep_listens_then_blinks_faster_the_stronger_the_last_burst(kit_gpio, clock, drive, runs):
    kit = started(clock, gps_expected=False)
    indicator = Indicator(kit)
    kit.radio_started()
    seen = drive(indicator, kit_gpio, 6.0)
    assert indicator.status is Status.RADIO_SWEEP
    assert led_runs(seen, runs)[:4] == [(True, 0.5), (False, 2.5), (True, 0.5), (False, 2.5)]
    assert [on for on, _ in buzzer_runs(seen, runs)].count(True) == 1  # one medium tone to start
    kit.radio_meter(0)  # a candidate, its last burst at the floor: one blink every 2 s
    seen = drive(indicator, kit_gpio, 6.0)
    assert [on for on, _ in buzzer_runs(seen, runs)].count(True) == 4  # four short: a candidate
    weak = sum(1 for on, _ in led_runs(seen, runs) if on)
    kit.radio_meter(100)  # 40 dB over the floor: one every 0.2 s
    seen = drive(indicator, kit_gpio, 6.0)
    strong = sum(1 for on, _ in led_runs(seen, runs) if on)
    assert weak == 3 and strong == 30
    kit.radio_ended()
    seen = drive(indicator, kit_gpio, 3.0)
    assert indicator.status is Status.OK
    assert [on for on, _ in buzzer_runs(seen, runs)].count(True) == 2  # medium-short: ended


def test_no_radio_found_is_long_short_short_for_ten_seconds(kit_gpio, clock, drive, runs):
    kit = started(clock, gps_expected=False)
    indicator = Indicator(kit)
    kit.radio_missing(clock.t)
    seen = drive(indicator, kit_gpio, 2.6)
    assert indicator.status is Status.RADIO_MISSING
    assert led_runs(seen, runs)[:5] == [(True, 1.0), (False, 0.2), (True, 0.2), (False, 0.2), (True, 0.2)]
    assert [r for r in buzzer_runs(seen, runs) if r[0]] == [(True, 0.6), (True, 0.1), (True, 0.6)]
    drive(indicator, kit_gpio, RADIO_MISSING_SHOWN_S)
    assert indicator.status is Status.OK
def test_its_mine_is_acknowledged_with_three_slow_blinks_and_a_long_and_two_short_tones(
    kit_gpio, clock, drive, runs
):
    """The question is answerable while it is shown; the answer ends it, with its own light and tones,
    then the light goes back to what it showed (the alert of another device outranks the question)."""
    kit = started(clock)
    kit.feed(Fix(clock.t, 51.5, -0.1), clock.t)
    kit.feed(level(clock.t, "dev-1", Level.WATCH), clock.t)
    indicator = Indicator(kit)
    assert kit.question(clock.t) is None  # nothing asked yet
    assert kit.ask_mine("dev-1", clock.t)
    drive(indicator, kit_gpio, 2.0)
    assert kit.question(clock.t) == "dev-1"
    kit.answered_mine(clock.t)
    assert kit.question(clock.t) is None  # answered: nothing left to answer
    seen = drive(indicator, kit_gpio, ANSWER_SHOWN_S)
    assert indicator.status is Status.ANSWERED
    assert led_runs(seen, runs) == [(True, 0.5), (False, 0.5)] * 3
    buzzer = buzzer_runs(seen, runs)
    # the question's tone had played out; then one long and two short
    assert buzzer[:5] == [(True, 0.5), (False, 0.15), (True, 0.1), (False, 0.1), (True, 0.1)], buzzer
    kit.feed(level(clock.t, "dev-1", Level.NONE), clock.t)  # the engine no longer watches it
    drive(indicator, kit_gpio, 1.0)
    assert indicator.status is Status.OK
    # A question not answered while shown is no longer answerable from the button.
    assert kit.ask_mine("dev-2", clock.t)
    clock.t += QUESTION_SHOWN_S
    assert kit.question(clock.t) is None
    # An answer is shown above an alert, for ANSWER_SHOWN_S only.
    kit.feed(level(clock.t, "dev-3"), clock.t)
    kit.answered_mine(clock.t)
    assert kit.status(clock.t) is Status.ANSWERED
    assert kit.status(clock.t + ANSWER_SHOWN_S) is Status.ALERT


def test_the_answer_tones_go_ahead_of_alert_tones_still_waiting(kit_gpio, clock, drive, runs):
    kit = started(clock)
    kit.feed(Fix(clock.t, 51.5, -0.1), clock.t)
    indicator = Indicator(kit)
    for d in ("dev-1", "dev-2", "dev-3"):
        kit.feed(level(clock.t, d), clock.t)  # three alerts: three short tones each, one after another
    drive(indicator, kit_gpio, 0.2)  # the first alert's tones have begun
    kit.answered_mine(clock.t)
    buzzer = buzzer_runs(drive(indicator, kit_gpio, 3.0), runs)
    ons = [s for on, s in buzzer if on]
    # the first alert's three tones finish, then the answer's long and two short, then the next alert
    assert ons[:6] == [0.15, 0.15, 0.5, 0.1, 0.1, 0.15], buzzer
