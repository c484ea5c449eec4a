"""Plain-language explanations, always with their numbers and never claiming certainty."""

from __future__ import annotations

from trackerscan.model import Kind, Level

KIND_NAMES: dict[Kind, str] = {
    Kind.AIRTAG: "AirTag",
    Kind.FINDMY_ACCESSORY: "Find My accessory",
    Kind.AIRPODS: "AirPods",
    Kind.APPLE_DEVICE: "Apple device",
    Kind.DULT: "tracker (DULT)",
    Kind.GOOGLE_FMDN: "Google Find My Device tag",
    Kind.SMARTTAG: "Samsung SmartTag",
    Kind.SAMSUNG_DEVICE: "Samsung device",
    Kind.TILE: "Tile",
    Kind.CHIPOLO: "Chipolo",
    Kind.PEBBLEBEE: "Pebblebee",
}

WARNING = (
    "Disabling or removing a tracker may alert whoever placed it: if you feel unsafe, "
    "plan the next step with an advocate or helpline first."
)


ASK_MINE = (
    "Is this yours? Devices like this that stay with you are most often your own: a fitness band, "
    "earbuds, a laptop, your car's hands-free. If it is yours, say so and it will not be raised again. "
    "If it is not, or you do not know, say so: it will then be warned about once it has been with "
    "you long enough (it will also be warned about if it is with you again another day)."
)


def bounded_ride_note(on_board_s: float) -> str:
    """Why a device is raised while she is still on public transport (thresholds RIDE_BOUND_S)."""
    return (
        f"It has stayed very close to you on public transport for {duration_text(on_board_s)} (its "
        "signal nearly as strong as your own devices'). It may still belong to someone sitting or "
        "standing right next to you: when you get off, check whether it is still with you a few "
        "minutes later; if it is, following is much more likely."
    )


def kind_name(kind: Kind | None, unknown: str = "Bluetooth device of unknown kind") -> str:
    """A kind as its maker names it, for every front end and the report; ``unknown`` when the kind is not
    known (shorter in a table: "device")."""
    return KIND_NAMES.get(kind, kind.value) if kind is not None else unknown


def duration_text(seconds: float) -> str:
    """``45 seconds``, ``14 minutes``, ``2 h 05 min``."""
    s = max(0.0, seconds)
    if s < 90:
        return f"{s:.0f} seconds"
    if s < 5400:
        return f"{s / 60:.0f} minutes"
    h, m = divmod(round(s / 60), 60)
    return f"{h} h {m:02d} min"


def duration_short(seconds: float) -> str:
    """``45 s``, ``14 min``, ``2.1 h``: for tables."""
    s = max(0.0, seconds)
    if s < 90:
        return f"{s:.0f} s"
    if s < 5400:
        return f"{s / 60:.0f} min"
    return f"{s / 3600:.1f} h"


def distance_text(metres: float) -> str:
    return f"{metres / 1000:.1f} km" if metres >= 1000 else f"{metres:.0f} m"


def owner_text(kind: Kind | None, separated: bool | None, tracker: bool) -> str:
    if not tracker:
        if separated is True:
            return "away from its owner"
        return "with an address that does not change" if kind is None else "not a tracker brand"
    if separated is True:
        return "away from its owner"
    if separated is False:
        return "near its owner"
    return "its owner's whereabouts cannot be read from its signal"


def caveat(kind: Kind | None, tracker: bool, separated: bool | None) -> str:
    """Why a raised level is less sure for this kind of device ("" when nothing to add)."""
    if tracker and separated is None:
        return (
            "This kind of tag sends the same signal whether or not its owner is nearby, so it may "
            "belong to someone travelling with you; it had to be with you longer and at more places "
            "than a tag that shows it is away from its owner."
        )
    if not tracker:
        return (
            "It is not a known tracker brand: it may be a phone, watch, headphones or other gadget "
            "of someone near you, or a home-made tracker; such devices have to be with you much "
            "longer and further before a warning."
        )
    return ""


def near_owner_note(tracker: bool, separated: bool | None) -> str:
    if tracker and separated is False:
        return (
            "Trackers near their owner's phone do not raise a warning: its owner is close by, "
            "for example you or someone with you."
        )
    return ""


def confidence_words(confidence: float) -> str:
    if confidence >= 0.8:
        return "strong"
    if confidence >= 0.55:
        return "moderate"
    return "weak"


def explain(
    level: Level,
    kind: Kind | None,
    tracker: bool,
    separated: bool | None,
    places: int,
    span_m: float,
    together_s: float,
    positioned: bool,
    situation: str,
    confidence: float,
    link_note: str = "",
    known: bool = False,
    home_only: bool = False,
    marked: int = 0,
    elapsed_s: float = 0.0,
    ride_note: str = "",
    ask_mine: bool = False,
) -> str:
    """One paragraph for a device: what was seen, where and for how long, and what it may mean.

    Without positions, ``places`` counts places and sessions without a position, ``marked`` those
    of them told apart by the user's place marks, and ``elapsed_s`` is the time from the first
    to the last sighting.  ``situation`` completes "You were ...", ``ride_note`` says what a
    public-transport ride shared with the device means; ``ask_mine`` adds "Is this yours?".
    """
    name = kind_name(kind)
    state = owner_text(kind, separated, tracker)
    if positioned and places == 0:
        seen = f"heard for {duration_text(together_s)} while your position was not known"
    elif positioned:
        seen = f"seen with you at {places} place{'s' if places != 1 else ''}"
        if places >= 2:
            seen += f" over {distance_text(span_m)}"
        seen += f" during {duration_text(together_s)}"
    else:
        if marked >= 2:
            seen = f"seen with you at {marked} places you marked"
            other = places - marked
            if other > 0:
                seen += f" and in {other} other session{'s' if other != 1 else ''}"
        elif places == 1:
            seen = "seen with you in 1 place or session"
        else:
            seen = f"seen with you in {places} separate sessions or places"
        if elapsed_s >= 1:
            seen += f" over {duration_text(elapsed_s)}"
        seen += f" (heard for {duration_text(together_s)} in all); positions were not known"
        if level is not Level.NONE and not known:
            seen += ", so this is less certain than with GPS"
    parts: list[str] = []
    if known:
        parts.append(f"{name} ({state}) that you marked as known: {seen}. It will not raise a warning.")
    elif level is Level.ALERT:
        parts.append(f"Possible tracker travelling with you: {name}, {state}; {seen}.")
    elif level is Level.WATCH:
        parts.append(f"Possible tracker, being watched: {name}, {state}; {seen}.")
    else:
        parts.append(f"{name}, {state}; {seen}.")
        if home_only:
            parts.append("Heard only at home: most likely a neighbour's device.")
        note = near_owner_note(tracker, separated)
        if note:
            parts.append(note)
    if situation and not known:
        parts.append(f"You were {situation}.")
    if ride_note and not known:
        parts.append(ride_note)
    if link_note:
        parts.append(link_note)
    if level is not Level.NONE and not known:
        why = caveat(kind, tracker, separated)
        if why:
            parts.append(why)
        words = confidence_words(confidence)
        parts.append(f"The evidence is {words} (confidence {confidence:.2f}), not proof.")
        carried = "a companion's tag" if tracker else "a companion's phone or watch"
        parts.append(
            f"Innocent explanations are possible: a borrowed item, {carried}, "
            "people travelling the same way or on the same bus or train."
        )
        if ask_mine:
            parts.append(ASK_MINE)
        if level is Level.ALERT:
            parts.append(WARNING)
    return " ".join(parts)
