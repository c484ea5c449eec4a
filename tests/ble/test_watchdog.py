"""The watchdog's arithmetic, driven by an injected clock."""

from trackerscan.sources.watchdog import SILENCE_RESTART_MAX_S, SILENCE_RESTART_S, Watchdog


def test_restart_due_after_30_s_of_silence_then_backs_off_until_heard_again():
    now = [100.0]
    dog = Watchdog(clock=lambda: now[0])
    assert SILENCE_RESTART_S == 30.0
    now[0] += 29.9
    assert not dog.due()
    now[0] += 0.1
    assert dog.due() and dog.silent_for() == 30.0
    assert dog.restarted() == 30.0
    # still nothing: the next restart waits 60 s, then 120, 240, and never more than 300
    limits = []
    for _ in range(6):
        waited = 0.0
        while not dog.due():
            now[0] += 1.0
            waited += 1.0
        limits.append(waited)
        dog.restarted()
    assert limits == [60.0, 120.0, 240.0, SILENCE_RESTART_MAX_S, SILENCE_RESTART_MAX_S, SILENCE_RESTART_MAX_S]
    # something heard: back to 30 s
    dog.feed()
    now[0] += 29.0
    assert not dog.due()
    now[0] += 1.0
    assert dog.due()
    assert dog.restarts == 7


def test_traffic_keeps_it_quiet_and_reset_counts_from_a_fresh_start():
    now = [0.0]
    dog = Watchdog(clock=lambda: now[0])
    for _ in range(100):
        now[0] += 10.0
        dog.feed()
        assert not dog.due()
    now[0] += 25.0
    dog.reset()  # e.g. the adapter was just reopened
    now[0] += 29.0
    assert not dog.due()
