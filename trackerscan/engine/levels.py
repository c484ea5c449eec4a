"""The rules that raise a device to `watch` or `alert` (numbers in thresholds.py)."""

from __future__ import annotations

from trackerscan.engine import thresholds as th
from trackerscan.engine.context import VEHICLE, WALK, Context
from trackerscan.engine.device import NEVER, OTHER, SEPARATED, Device
from trackerscan.engine.settings import Settings
from trackerscan.model import Level


def close_share(dev: Device) -> float | None:
    """Share of its context windows in which the device was close to her (None: too few yet)."""
    if dev.win_n < th.CLOSE_MIN_WINDOWS:
        return None
    return dev.near_n / dev.win_n


def close_now(dev: Device, ctx: Context) -> bool:
    """Its latest smoothed reading is close to her: within RIDE_RELEASE_GAP_DB of the strongest
    device heard in the last context window (thresholds: the bounded wait)."""
    r = dev.rssi_s
    return r is not None and r >= ctx.ref - th.RIDE_RELEASE_GAP_DB


def kept_distance(dev: Device, ctx: Context) -> bool:
    """The device kept its distance from her, and not yet for long enough on the move to count as
    following: a stranger going her way (thresholds FAR_*).  Event time: its last sighting."""
    near = close_share(dev)
    if near is None or near >= th.RIDE_CLOSE_SHARE or dev.boarded:  # boarded: the ride rules decide
        return False
    s = ctx.minutes(dev.first_seen, dev.last_seen)
    if s[VEHICLE] >= th.FAR_VEHICLE_S:
        return False
    if near < th.FAR_SHARE:
        # Minutes on public transport never count: a passenger keeps their seat for the whole ride.
        return s[WALK] + s[VEHICLE] < th.FAR_ALERT_MIN_MOVING_S
    # Not quite close, in a vehicle not yet told to be a bus or train, with enough people aboard to be one.
    return s[VEHICLE] > s[WALK] and ctx.boarders >= th.TRANSPORT_MIN_COTRAVELLERS


def asks_mine(dev: Device) -> bool:
    """A device of unknown kind she has not answered about, heard in one session only: its level
    stops at watch and she is asked "Is this yours?" (thresholds: Her own devices)."""
    return dev.cls == OTHER and not dev.not_mine and dev.sess != -1


def on_board_only(dev: Device, ctx: Context) -> bool:
    """The device boarded with the user and its evidence so far comes from the ride alone.

    Fellow passengers share a bus with you for many minutes and several places; a device that
    boarded with you must still be with you OFF_BOARD_MIN_S after you got off (or have been
    heard on two separate rides) before it can alert, unless it is a tracker that stayed very close
    to her for RIDE_BOUND_S on board (a bag or pocket, not a seat across the aisle).  A private vehicle (most
    co-travellers got out with the user: Context.private) holds nothing back: what stayed in it is
    in her vehicle.
    In a vehicle not yet recognised as public transport (Context.undecided), a device that got in
    with the user waits until it can be told whether it boarded a bus with her.
    """
    if ctx.undecided(dev):
        return True
    if dev.rides >= th.OFF_BOARD_RIDES or not dev.boarded or dev.boarded in ctx.private:
        return False
    if (
        dev.cls != OTHER
        and ctx.rode_s(dev) >= th.RIDE_BOUND_S
        and (close_share(dev) or 0.0) >= th.RIDE_CLOSE_SHARE
        and close_now(dev, ctx)
    ):
        return False  # the bounded wait: a tracker very close through a long ride, and still now
    end = ctx.got_off(dev)
    return end is None or dev.last_seen < end + th.OFF_BOARD_MIN_S


def decide(dev: Device, ctx: Context, settings: Settings) -> tuple[Level, float, bool]:
    """(level, confidence, positioned) the evidence supports now."""
    level, conf, positioned = _decide(dev, ctx, settings)
    if level is Level.ALERT and asks_mine(dev):
        return Level.WATCH, conf, positioned
    return level, conf, positioned


def _decide(dev: Device, ctx: Context, settings: Settings) -> tuple[Level, float, bool]:
    if dev.cls == NEVER or dev.known or dev.mine:
        return Level.NONE, 0.0, True
    busy = ctx.busy
    f = settings.time_factor * (th.BUSY_TIME_FACTOR if busy else 1.0)
    extra = settings.extra_places + (th.BUSY_EXTRA_PLACES if busy else 0)
    together = dev.together()
    # Places with positions; all places inside a declared home count as one, and a device heard
    # only at home is a neighbour's.
    places = dev.gps_places
    if (places and places == dev.home_places) or dev.reach_m < th.MIN_REACH_M:
        places = 0
    if dev.cls == SEPARATED:
        a_time, a_places, a_span = (
            th.ALERT_SEPARATED_MIN_TOGETHER_S,
            th.ALERT_SEPARATED_PLACES,
            th.ALERT_SEPARATED_SPAN_M,
        )
        w_time, w_places = th.WATCH_MIN_TOGETHER_S, th.WATCH_PLACES
    elif dev.cls == OTHER:
        a_time, a_places, a_span = th.ALERT_OTHER_MIN_TOGETHER_S, th.ALERT_OTHER_PLACES, th.ALERT_OTHER_SPAN_M
        w_time, w_places = th.WATCH_OTHER_MIN_TOGETHER_S, th.WATCH_OTHER_PLACES
    elif (close_share(dev) or 0.0) >= th.CLOSE_UNKNOWN_STATE_SHARE:
        # Owner state unread, but as close to her as her own things: a bag or pocket (thresholds).
        a_time, a_places, a_span = (
            th.ALERT_SEPARATED_MIN_TOGETHER_S,
            th.ALERT_UNKNOWN_STATE_PLACES,
            th.ALERT_SEPARATED_SPAN_M,
        )
        w_time, w_places = th.WATCH_MIN_TOGETHER_S, th.WATCH_PLACES
    else:
        a_time, a_places, a_span = (
            th.ALERT_UNKNOWN_STATE_MIN_TOGETHER_S,
            th.ALERT_UNKNOWN_STATE_PLACES,
            th.ALERT_UNKNOWN_STATE_SPAN_M,
        )
        w_time, w_places = th.WATCH_MIN_TOGETHER_S, th.WATCH_PLACES
    base = th.BASE_CONFIDENCE.get(dev.cls, th.BASE_CONFIDENCE[OTHER])
    conf = base * dev.link_confidence * (th.BUSY_CONFIDENCE_FACTOR if busy else 1.0)
    if (
        places >= a_places + extra
        and together >= a_time * f
        and dev.span() >= a_span
        and not (dev.cls != OTHER and kept_distance(dev, ctx))  # a stranger going her way (so far)
    ):
        if not on_board_only(dev, ctx):
            return Level.ALERT, conf, True
        return Level.WATCH, conf, True
    gps_level = Level.NONE
    if places >= w_places + extra and together >= w_time * f:
        gps_level = Level.WATCH
    # Without positions: marked places and separate sessions.
    off = dev.offline_places
    if off >= th.NO_GPS_WATCH_PLACES:
        factor = th.NO_GPS_OTHER_TIME_FACTOR if dev.cls == OTHER else 1.0
        marked = dev.marked_places() >= th.NO_GPS_MARKED_PLACES
        weight = th.NO_GPS_CONFIDENCE if marked else th.SESSION_PLACE_CONFIDENCE
        if (
            off >= th.NO_GPS_ALERT_PLACES + extra + (th.NO_GPS_OTHER_EXTRA_PLACES if dev.cls == OTHER else 0)
            and together >= th.NO_GPS_ALERT_MIN_TOGETHER_S * f * factor
            and not on_board_only(dev, ctx)
        ):
            return Level.ALERT, conf * weight, False
        if gps_level is Level.NONE and together >= w_time * f * factor:
            return Level.WATCH, conf * weight, False
    return gps_level, conf, True
