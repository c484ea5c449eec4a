"""Everything the application says, in plain words (no Qt here, so it is easy to test and translate).

Wording follows the survivor-safety guidance in the project's reference notes:
calm, factual, with numbers; "possible tracker"; innocent explanations named;
a caution before anything that could tip off whoever placed a tracker.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from trackerscan.engine import explain  # one table of kind names: the window, the report and the engine's
from trackerscan.geo import UERE_M
from trackerscan.model import DeviceState, Fix, Kind, Level  # explanations name a tracker alike
from trackerscan.sources.ble_platform import MAC_LIMITS, MAC_LIMITS_SHORT


@dataclass(frozen=True, slots=True)
class Helpline:
    """A support line to call, and the emergency number, for one locale."""

    text: str
    emergency: str


# National domestic abuse helplines (free, 24 h where the service offers it).
HELPLINES: dict[str, Helpline] = {
    "en_GB": Helpline("National Domestic Abuse Helpline: 0808 2000 247 (free, 24 hours)", "999"),
    "en_US": Helpline("National Domestic Violence Hotline: 1-800-799-7233 (free, 24 hours)", "911"),
    "de_DE": Helpline("Hilfetelefon Gewalt gegen Frauen: 116 016 (kostenlos, rund um die Uhr)", "110"),
    "fr_FR": Helpline("Violences Femmes Info : 3919 (gratuit, 24 h/24)", "17"),
    "en_AU": Helpline("1800RESPECT: 1800 737 732 (free, 24 hours)", "000"),
    "es_ES": Helpline("016: atención a víctimas de violencia de género (gratuito, 24 horas)", "112"),
}
GENERIC_HELPLINE = Helpline(
    "a domestic abuse helpline or support service near you", "your local emergency number"
)


def helpline_for(locale_name: str) -> Helpline:
    """The helpline for a locale name such as "en_GB" or "de_DE.UTF-8"; a generic line otherwise."""
    base = locale_name.split(".")[0].replace("-", "_")
    return HELPLINES.get(base, GENERIC_HELPLINE)


def kind_name(kind: Kind | None) -> str:
    return explain.kind_name(kind, "Bluetooth device")


def duration_words(seconds: float) -> str:
    """14 min, 2 h 5 min, 40 s."""
    s = max(0, round(seconds))
    if s < 60:
        return f"{s} s"
    minutes = s // 60
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min" if minutes else f"{hours} h"


def distance_words(metres: float) -> str:
    """350 m, 1.3 km."""
    if metres < 1000:
        return f"{round(metres / 10) * 10:.0f} m" if metres >= 100 else f"{metres:.0f} m"
    return f"{metres / 1000:.1f} km"


def places_words(n: int) -> str:
    return "1 place" if n == 1 else f"{n} places"


def with_you_short(state: DeviceState) -> str:
    """The list's "With you" column: "14 min at 5 places" or "heard for 40 s"."""
    if state.places >= 2:
        return f"{duration_words(state.duration_s)} at {places_words(state.places)}"
    return f"heard for {duration_words(state.last_seen - state.first_seen)}"


def with_you_words(state: DeviceState) -> str:
    """ "with you for 14 min at 5 places" (or how long it has been heard, when at one place)."""
    if state.places >= 2:
        return f"with you for {duration_words(state.duration_s)} at {places_words(state.places)}"
    return f"heard for {duration_words(state.last_seen - state.first_seen)}"


# Signal bands (dBm).  Rough, for words only: BLE trackers at 0-4 dBm transmit power read about
# -50 dBm within a metre and below -85 dBm beyond ~10 m through a bag or a car seat.
SIGNAL_VERY_CLOSE_DBM = -55
SIGNAL_CLOSE_DBM = -70
SIGNAL_NEARBY_DBM = -85


def signal_words(rssi: float | None) -> str:
    """ "-62 dBm (close)": the number first, then a word."""
    if rssi is None:
        return "not heard"
    if rssi >= SIGNAL_VERY_CLOSE_DBM:
        word = "very close"
    elif rssi >= SIGNAL_CLOSE_DBM:
        word = "close"
    elif rssi >= SIGNAL_NEARBY_DBM:
        word = "nearby"
    else:
        word = "far"
    return f"{rssi:.0f} dBm ({word})"


def status_words(state: DeviceState) -> str:
    """The first column of the device list: never colour alone."""
    if state.known:
        return "Yours (marked)"
    if state.level is Level.ALERT:
        return "ALERT: possible tracker"
    if state.level is Level.WATCH:
        return "Watching: 2+ places"
    if state.tracker:
        if state.separated is True:
            return "Tracker, away from owner"
        if state.separated is False:
            return "Tracker, near owner"
        return "Tracker"
    return "Other device"


# The device list on a narrow screen (the Pi's 800x480): the same facts in fewer letters, so that
# status, kind, "with you" and signal fit without scrolling sideways.  Screen readers and the detail
# view keep the full words.
_STATUS_COMPACT = {
    "Yours (marked)": "Yours",
    "ALERT: possible tracker": "ALERT",
    "Watching: 2+ places": "Watching",
    "Tracker, away from owner": "Away from owner",
    "Tracker, near owner": "Near owner",
    "Other device": "Other",
}


def status_compact(state: DeviceState) -> str:
    """The status column when space is short: "ALERT", "Watching", "Away from owner"..."""
    full = status_words(state)
    return _STATUS_COMPACT.get(full, full)


def with_you_compact(state: DeviceState) -> str:
    """ "14 min, 5 places"; "heard for 40 s" when it has not been heard at two places."""
    if state.places >= 2:
        return f"{duration_words(state.duration_s)}, {places_words(state.places)}"
    return with_you_short(state)


def signal_compact(rssi: float | None) -> str:
    """ "-62 dBm" (the word is in the detail view)."""
    return "not heard" if rssi is None else f"{rssi:.0f} dBm"


def ago_words(seconds: float) -> str:
    if seconds < 30:
        return "just now"
    return f"{duration_words(seconds)} ago"


def clock_words(t: float) -> str:
    """Local wall-clock time of a record's UTC time, to the minute."""
    return datetime.fromtimestamp(t).strftime("%H:%M")


def date_clock_words(t: float) -> str:
    return datetime.fromtimestamp(t).strftime("%d %b %Y, %H:%M:%S")


@dataclass(frozen=True, slots=True)
class AlertText:
    """The alert panel's text, in four parts."""

    title: str
    found: str
    meaning: str
    next_steps: tuple[str, ...]


def alert_text(state: DeviceState, helpline: str, emergency: str) -> AlertText:
    """What was found, what it may mean, what to do next, with numbers."""
    name = kind_name(state.kind)
    away = " that is away from its owner" if state.separated else ""
    article = "An" if name[:1].lower() in "aeiou" else "A"
    found = (
        f"{article} {name}{away} has been with you for {duration_words(state.duration_s)}, "
        f"at {places_words(state.places)} up to {distance_words(state.span_m)} apart. "
        f"First seen at {clock_words(state.first_seen)}, last seen at {clock_words(state.last_seen)}, "
        f"signal {signal_words(state.rssi_smoothed if state.rssi_smoothed is not None else state.rssi)}."
    )
    meaning = (
        "Someone may be using it to see where you go. There can also be an innocent reason: "
        "an item you borrowed, something a person travelling with you carries, "
        "or a device on the same bus or train. This is an indication, not proof."
    )
    steps = (
        "Take your time. Nothing you do in this app is seen by the tracker's owner.",
        "Removing or switching off a tracker may alert the person who placed it. "
        "Think about your safety first, and plan the next step with someone you trust.",
        f"Talk it through with a support service: {helpline}."
        if helpline != GENERIC_HELPLINE.text
        else "Talk it through with a domestic abuse helpline or a support service near you.",
        f"If you are in danger now, go to a safe public place and call {emergency}.",
        "Keep the tracker and this record: the police may need them.",
    )
    title = f"Possible tracker travelling with you: {name}"
    return AlertText(title, found, meaning, steps)


CALM_TITLE = "Nothing found that travels with you"
CALM_BODY = (
    "No device has travelled with you long enough, or far enough, to raise an alert. "
    "This app can only see Bluetooth trackers; it cannot see GPS trackers or tracking through a phone."
)


def calm_body(watching: int) -> str:
    """The calm panel text, saying how many devices are being watched (seen at 2+ places, not enough yet)."""
    if not watching:
        return CALM_BODY
    n = "1 device is" if watching == 1 else f"{watching} devices are"
    return (
        f"{CALM_BODY}\n\n{n} being watched: seen with you at more than one place, "
        "but not for long enough to raise an alert. They are marked “Watching” in the list."
    )


SOUND_CAUTION = (
    "Play a sound on this {name}?\n\n"
    "Anyone nearby may hear it, including the person who placed it if they share your home or car. "
    "The sound is short and quiet: look and listen close to where the signal is strongest."
)

ASK_MINE_TITLE = "Is this yours?"


def ask_mine_text(state: DeviceState) -> str:
    """The question asked once about a device of unknown kind that stays with her (engine: ask_mine)."""
    return (
        f"A {kind_name(state.kind)} with an address that does not change has been "
        f"{with_you_words(state)}. Devices like this are most often your own: a fitness band, "
        "earbuds, a laptop, your car's hands-free. It is not a known tracker brand, but a home-made "
        "tracker can look like this.\n\n"
        "If it is yours, it will not be raised again. If it is not, or you do not know, you will be "
        "warned once it has been with you long enough, or if it is with you again on another day."
    )


OWN_DEVICES_TITLE = "Your own devices"
OWN_DEVICES_INTRO = (
    "Do this at home, with no visitors, and with your own things around you: your phone, watch or "
    "fitness band, earbuds, laptop, your own tags (a Tile or AirTag on your keys).\n\n"
    "These are the Bluetooth devices heard in the last two minutes, closest first. Tick those that "
    "are yours: they will not raise a warning, and stay in the list and the log. If you are not sure, "
    "leave it unticked: you will be asked again about a device that stays with you. You can undo "
    "this in Settings."
)
OWN_DEVICES_NONE = (
    "No Bluetooth devices have been heard in the last two minutes. Try again from the Settings menu "
    "once the scan has been running for a while at home."
)


def own_device_line(state: DeviceState) -> str:
    """One line per device in the first-run list: what it is, its signal, since when."""
    near = "near its owner, " if state.tracker and state.separated is False else ""
    heard = duration_words(state.last_seen - state.first_seen)
    tail = f" …{state.addresses[0][-5:]}" if state.addresses else ""  # to tell alike devices apart
    return f"{kind_name(state.kind)}{tail} ({near}{signal_words(state.rssi_smoothed)}, heard for {heard})"


MINE_CAUTION = (
    "Mark this {name} as yours?\n\n"
    "It will no longer raise alerts. It stays in the list and in the log, and you can undo this in Settings."
)


# GPS accuracy bands (metres, horizontal): under 10 m places are reliable; over 30 m two "places"
# may be the same spot (prior-art.md: gate on fix accuracy; AirGuard clusters places at 150 m).
GPS_GOOD_M = 10.0
GPS_FAIR_M = 30.0


def gps_words(state: str, fix: Fix | None, marks: int, name: str) -> str:
    """The GPS part of the status line."""
    if state == "fix" and fix is not None:
        acc = fix.accuracy_m if fix.accuracy_m is not None else (fix.hdop * UERE_M if fix.hdop else None)
        if acc is None:
            return "GPS: position fixed (accuracy not reported)"
        quality = "good" if acc <= GPS_GOOD_M else ("fair" if acc <= GPS_FAIR_M else "poor")
        sats = f", {fix.satellites} satellites" if fix.satellites else ""
        return f"GPS: position fixed, about {acc:.0f} m ({quality}{sats})"
    if state == "nofix":
        return "GPS: searching, no position yet"
    if state == "lost":
        return "GPS: receiver lost; positions paused"
    if state == "waiting":
        return f"GPS: waiting for {name}"
    if state == "fixed":
        return "GPS: a fixed place you entered"
    n = f" ({marks} so far)" if marks else ""
    return f"No GPS: places come from your “I'm somewhere else now” marks{n}"


def ble_words(state: str, name: str, detail: str) -> str:
    if state == "demo":
        return "Bluetooth: demo, no radio used (a recorded walk is played)"
    if state == "review":
        return f"Reviewing a recording: {name}"
    if state == "scanning":
        return f"Bluetooth: scanning ({name})"
    if state == "starting":
        return f"Bluetooth: starting {name}"
    if state == "lost":
        return "Bluetooth: adapter lost; trying again"
    if state == "finished":
        return "Bluetooth: finished"
    return "Bluetooth: no adapter found, so nothing is being scanned. You can try the demo."


def flood_words(detail: str) -> str:
    """The status phrase while a BLE spam flood goes on ("" when none)."""
    if not detail:
        return ""
    return f"\n{detail}: a tracker that stays with you is still found; scanning may be slower."


def platform_note(note: str) -> str:
    """What this computer's Bluetooth hides, in one line (``note`` is the source's full sentence)."""
    return MAC_LIMITS_SHORT if note == MAC_LIMITS else note


NO_SOUND = "This kind of tracker cannot be asked to play a sound."
NOT_RECORDING = (
    "Still checking for trackers and warning you, but nothing more is being saved: "
    "free some disk space, and recording starts again by itself, in a new session."
)

NOT_SCANNING_TITLE = "Not checking for trackers yet"
NOT_SCANNING_BODY = (
    "You can choose another adapter in Settings. "
    "“Try the demo” shows what an alert looks like, with no radio."
)
