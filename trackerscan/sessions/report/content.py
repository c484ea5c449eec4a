"""What the evidence report says, independent of PDF or HTML: `build` gathers it into a `ReportContent`.

For each device that reached `watch` or `alert` (live or when the engine is run again over the session):
what it is, its addresses and identifiers, when it was first and last seen, places, distance, the
plain-language explanation, a map and a signal chart.  Then how the decision was made (every threshold,
with its value from `trackerscan.engine.thresholds` and its reason from
`trackerscan.engine.threshold_notes`), the tool version, the time zone, and the SHA-256 of the session
database.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, tzinfo
from pathlib import Path

from reportlab.graphics.shapes import Drawing

from trackerscan import __version__
from trackerscan.engine import thresholds as engine_thresholds
from trackerscan.engine.explain import duration_short, kind_name
from trackerscan.engine.flood import floods_in
from trackerscan.engine.threshold_notes import NOTES
from trackerscan.formats.session import RF_REPLAYED_KEY
from trackerscan.model import Level
from trackerscan.rf import thresholds as rf_thresholds
from trackerscan.safetext import xml_text
from trackerscan.sessions.findings import DeviceFinding, SessionAnalysis
from trackerscan.sessions.report.drawings import distance_label, map_drawing, rssi_drawing

CELLULAR_TITLE = "Cellular GPS trackers (radio sweep)"
CELLULAR_COLUMNS = ("band", "MHz", "every", "bursts", "first seen", "last seen", "confidence")

SAFETY_NOTE = (
    "Keep the tracker as evidence: the police may need the device or its serial number. "
    "Removing it, switching it off or taking out its battery may alert whoever placed it, and they "
    "may notice that its location stopped updating. If you can, talk to a domestic-abuse advocate or "
    "helpline before you do anything with it, and plan the next step together. If you are in danger "
    "now, go to a safe public place and call the police or someone you trust."
)
_INDICATION = (
    "A tracker near its owner is normal and is not reported. An alert is an indication, not proof: a "
    "borrowed item, a companion's tag, or people travelling the same way can also travel with you."
)
LIMITS_NOTE = (
    "What this tool cannot see: GPS trackers with a mobile connection, tracking through a phone or its "
    "apps, and trackers that are switched off or out of Bluetooth range. " + _INDICATION
)
# The same when the session holds a radio sweep for cellular trackers (trackerscan rf sweep).
LIMITS_NOTE_SWEPT = (
    "What this tool cannot see: tracking through a phone or its apps, trackers that are switched off or "
    "out of Bluetooth range, and GPS trackers with a mobile connection that did not transmit in the "
    "bands and the minutes the radio sweep covered (see its section: a parked tracker may sleep for "
    "hours). " + _INDICATION
)

# The method page of a session holding only a radio sweep (no Bluetooth scan).
RF_MEASURED = (
    "What was measured: the power received in the mobile uplink bands, frequency by frequency, sweep after "
    "sweep. Nothing was transmitted and nothing was decoded: only power levels were measured."
)
RF_DECIDED = (
    "How the decision was made: each frequency's noise floor is its median level over the sweep; a burst "
    "is a short, narrow rise well above it. A transmitter is reported when at least "
    f"{rf_thresholds.MIN_BURSTS} of its bursts, on the same channel and of similar level, repeat on a "
    f"steady schedule (every {rf_thresholds.MIN_PERIOD_S:g} to {rf_thresholds.MAX_PERIOD_S:g} seconds) that "
    "chance traffic such as phones is unlikely to produce. Every number and its reason is in "
    "trackerscan/rf/thresholds.py."
)
RF_LIMITS = (
    "What this sweep cannot see: a tracker that did not transmit while the sweep ran (a parked tracker may "
    "sleep for hours), one outside the bands listed as swept, one too far from the antenna, and Bluetooth "
    "trackers (no Bluetooth scan was made in this session). A regular transmitter is an indication, not "
    "proof: a car's own connected-car modem can look the same."
)

# A device's addresses and identifiers listed in full up to this many; beyond, the first ones and a
# count (a tag rotating its address every 15 minutes for two days has ~200): a table cell taller than
# a page cannot be laid out.  Every address is in `trackerscan export --format json`.
LISTED_MAX = 24
# Longest text put in one table cell (characters): the rest is cut with a note, for the same reason.
CELL_CHARS_MAX = 2000
# A threshold's reason on the method page: its first whole sentences up to this many characters.  The
# comments in thresholds.py also hold the tuning history (scenario seeds and their times), which is for
# the people who build the tool; the reader of a report needs what the number means, and the page count
# stays small enough to hand over.
REASON_CHARS_MAX = 320
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z(\"])")


def _fmt_local(t: float | None, tz: tzinfo) -> str:
    if t is None:
        return "-"
    return datetime.fromtimestamp(t, tz).strftime("%Y-%m-%d %H:%M:%S %Z")


@dataclass(frozen=True, slots=True)
class Threshold:
    name: str
    value: str
    comment: str


def reason(note: str) -> str:
    """The first whole sentences of a threshold's note, up to `REASON_CHARS_MAX` characters."""
    if len(note) <= REASON_CHARS_MAX:
        return note
    kept = ""
    for sentence in _SENTENCE_END.split(note):
        if kept and len(kept) + 1 + len(sentence) > REASON_CHARS_MAX:
            break
        kept = f"{kept} {sentence}" if kept else sentence
    if len(kept) > REASON_CHARS_MAX:  # one long first sentence: cut at a word
        kept = kept[:REASON_CHARS_MAX].rsplit(" ", 1)[0].rstrip(",;:") + "…"
    return kept + " (More in trackerscan/engine/thresholds.py.)"


def thresholds() -> list[Threshold]:
    """Every threshold of the engine: its value now, and the reason written beside it (its first
    sentences: `reason`)."""
    out = []
    for name, note in NOTES.items():
        value = getattr(engine_thresholds, name)
        shown = ", ".join(f"{k}: {v}" for k, v in value.items()) if isinstance(value, dict) else f"{value:g}"
        out.append(Threshold(name, shown, reason(note)))
    return out


@dataclass
class DeviceSection:
    title: str
    rows: list[tuple[str, str]]
    explanation: str
    changes: list[str]
    map: Drawing
    chart: Drawing


@dataclass
class ReportContent:
    title: str
    header: list[tuple[str, str]]
    summary: str
    devices: list[DeviceSection]
    other_trackers: list[tuple[str, str, str, str, str]]
    method: list[str]
    thresholds: list[Threshold]
    source_events: list[str]
    integrity: list[tuple[str, str]]
    # RF sweep for cellular trackers (trackerscan.rf.summary.report_section): rows and words; empty
    # when the session holds no sweep
    cellular: list[tuple[str, ...]] = field(default_factory=list)
    cellular_notes: list[str] = field(default_factory=list)


def _listed(values: Sequence[str]) -> str:
    """Up to `LISTED_MAX` values, then how many more there are."""
    if not values:
        return "-"
    shown = ", ".join(values[:LISTED_MAX])
    more = len(values) - LISTED_MAX
    return shown if more <= 0 else f"{shown} and {more} more (all in `trackerscan export --format json`)"


def cell_text(text: str) -> str:
    """``text`` safe for a table cell: XML-clean and at most `CELL_CHARS_MAX` characters."""
    text = xml_text(text)
    if len(text) <= CELL_CHARS_MAX:
        return text
    return text[:CELL_CHARS_MAX] + f"… ({len(text) - CELL_CHARS_MAX:,} more characters not shown)"


def _kind(f: DeviceFinding) -> str:
    kind = f.state.kind if f.state is not None else next((c.kind for c in f.changes if c.kind), None)
    return kind_name(kind, "device of unknown kind")


def build(analysis: SessionAnalysis, tz: tzinfo, generated: float) -> ReportContent:
    """Everything the report says, independent of PDF or HTML."""
    a = analysis
    s = a.summary
    zone = datetime.fromtimestamp(s.started or generated, tz).strftime("%Z (UTC%z)")
    cellular, cellular_notes = _cellular(a.path, tz)
    swept = bool(cellular_notes)
    heard = a.counts["sighting"] + a.counts["reduced"] > 0
    # A session holding only a radio sweep (trackerscan rf sweep, the window's radio sweep mode): no
    # Bluetooth words, and the sweep's own times (a replay's are the recording's, not the seconds it
    # took to read it)
    rf_only = swept and not heard
    recorded = f"{_fmt_local(s.started, tz)} to {_fmt_local(s.ended, tz)}"
    if rf_only:
        recorded = "Radio sweep from " + recorded
        if a.meta.get(RF_REPLAYED_KEY) == "1":
            recorded += (f", times as recorded (replayed from a file on "
                         f"{_fmt_local(s.swept_at, tz)})")
    header = [
        ("Session", a.path.stem),
        ("Recorded", recorded + ("" if s.finished else " (recording was cut short)")),
        ("Duration", duration_short(s.duration_s or 0.0)),
    ]
    if rf_only:
        header.append(("Scanned", f"radio sweep with {a.meta.get('rf', 'a radio')}; no Bluetooth scan"))
    else:
        header += [
            ("Distance travelled", distance_label(s.distance_m) if a.track else "no GPS positions"),
            ("Sightings recorded",
             f"{a.counts['sighting']:,} (and {a.counts['reduced']:,} kept only as counts)"),
            ("GPS fixes", f"{a.counts['fix']:,}"),
        ]
    header += [
        ("Time zone used", zone + "; times in the data are UTC"),
        ("Report made", f"{_fmt_local(generated, tz)} with trackerscan {__version__}"),
    ]
    n_alert = sum(f.level is Level.ALERT for f in a.flagged)
    n_watch = sum(f.level is Level.WATCH for f in a.flagged)
    if a.flagged:
        summary = (
            f"{n_alert} device(s) reached alert and {n_watch} reached watch in this session. "
            "Each is described below with the places it was heard."
        )
    elif rf_only:
        summary = ""
    else:
        summary = "No device travelled with you long enough to reach watch or alert in this session."
    if swept:
        summary = (summary + " " + _sweep_sentence(len(cellular))).strip()
    for flood in floods_in(a.source_events, a.first_counted):
        summary += " " + flood.sentence(lambda t: _fmt_local(t, tz))
    devices: list[DeviceSection] = []
    for i, f in enumerate(a.flagged, 1):
        st = f.state
        places = max([c.places for c in f.changes] + ([st.places] if st else []))
        span = max([c.span_m for c in f.changes] + ([st.span_m] if st else []))
        first = min([c.first_seen for c in f.changes] + ([st.first_seen] if st else []))
        last = max([c.last_seen for c in f.changes] + ([st.last_seen] if st else []))
        together = max([c.duration_s for c in f.changes] + ([st.duration_s] if st else []))
        rows = [
            (
                "Kind",
                _kind(f)
                + (
                    ""
                    if st is None or st.separated is None
                    else ", away from its owner"
                    if st.separated
                    else ", near its owner"
                ),
            ),
            ("Level reached", f.level.value),
            ("Addresses", _listed(f.addresses)),
            ("Identifiers", _listed(f.identifiers)),
            ("First seen", _fmt_local(first, tz)),
            ("Last seen", _fmt_local(last, tz)),
            ("Time with you", duration_short(together)),
            ("Places", str(places)),
            ("Distance (span of places)", distance_label(span)),
            ("Sightings", str(st.sightings) if st else "-"),
            ("Confidence", f"{max((c.confidence for c in f.changes), default=1.0):.2f}"),
        ]
        live_ids = {id(c) for c in a.recorded_changes}
        changes = [
            f"{_fmt_local(c.time, tz)}: {c.level.value} "
            f"({'raised while recording' if id(c) in live_ids else 'found on review'}), "
            f"{c.places} places over {distance_label(c.span_m)}"
            for c in f.changes
        ]
        devices.append(
            DeviceSection(
                title=f"Device {i}: {_kind(f)} ({f.level.value})",
                rows=rows,
                explanation=f.explanation,
                changes=changes,
                map=map_drawing(a.track, f.history, f"Device {i}."),
                chart=rssi_drawing(f.history, tz),
            )
        )
    flagged = {f.device_id for f in a.flagged}
    others = [
        (
            _kind(t),
            ", ".join(t.addresses[:2]),
            _fmt_local(t.state.first_seen if t.state else None, tz),
            _fmt_local(t.state.last_seen if t.state else None, tz),
            str(t.state.sightings if t.state else 0),
        )
        for t in a.trackers
        if t.device_id not in flagged
    ]
    retention = a.meta.get("retention_hours", "24")
    try:
        hours = float(retention)
    except ValueError:
        hours = 24.0
    method = [
        "What was measured: every Bluetooth Low Energy advertisement the scanner heard (time, address, "
        "signal strength, the raw bytes), and the user's own position from GPS when there was a fix. "
        "Trackers are identified from the bytes they advertise (Apple Find My and AirTag, Google Find My "
        "Device, Samsung SmartTag, Tile, Chipolo, Pebblebee and others following the DULT specification).",
        "How the decision was made: each sighting is placed on the user's track. A device is counted at a "
        "new place when the user has moved more than the place spacing and the device is still heard. A "
        "device reaches watch when it has been with the user at more than one place, and alert when it has "
        "travelled with the user for long enough, over enough places and distance; trackers that can say "
        "they are away from their owner need less evidence than devices that cannot. In a crowd or on public "
        "transport more evidence is asked for. The thresholds are listed below.",
        f"The session was analysed again for this report with the '{a.sensitivity}' sensitivity preset; "
        "levels raised while recording are shown as such, levels found on review as 'found on review'.",
        (
            "Privacy: raw data of other people's devices (not trackers, never at watch or alert) is "
            f"reduced to counts after {hours:g} hours. Data of the devices in this report is never reduced."
            if hours >= 0
            else "Privacy: retention is switched off; all raw data is kept."
        ),
        LIMITS_NOTE_SWEPT if cellular_notes else LIMITS_NOTE,
    ]
    if rf_only:
        method = [RF_MEASURED, RF_DECIDED, RF_LIMITS]
    source_events = [
        f"{_fmt_local(e.time, tz)}: {e.source}: {e.kind.value.replace('_', ' ')}"
        + (f" ({e.detail})" if e.detail else "")
        for e in a.source_events
    ]
    size = a.path.stat().st_size if a.path.exists() else 0
    integrity = [
        ("Session file", a.path.name),
        ("Size", f"{size:,} bytes"),
        ("SHA-256", a.sha256),
        ("How to check", f"sha256sum {a.path.name}  (must print the value above)"),
    ]
    if not rf_only:  # a radio sweep keeps no bystanders' data to reduce
        integrity.append((
            "Note",
            "The session database changes if bystanders' data is later reduced to counts "
            "(see Privacy); keep the copy this report was made from, e.g. with "
            "`trackerscan export --to FOLDER`.",
        ))
    return ReportContent(
        cellular=cellular,
        cellular_notes=cellular_notes,
        title=_title(swept, heard),
        header=header,
        summary=summary,
        devices=devices,
        other_trackers=others,
        method=method,
        thresholds=[] if rf_only else thresholds(),
        source_events=source_events,
        integrity=integrity,
    )


def _sweep_sentence(found: int) -> str:
    if found:
        return (f"The radio sweep found {found} transmitter(s) repeating on a schedule, as cellular GPS "
                "trackers do; the section on the sweep lists them and says what that does and does not mean.")
    return ("The radio sweep found no transmitter repeating on a schedule in the bands it covered; the "
            "section on the sweep says what it covered and what that does not rule out.")


def _title(swept: bool, heard: bool) -> str:
    """Named by what was scanned: Bluetooth, a radio sweep for cellular trackers, or both."""
    if swept and not heard:
        return "Cellular tracker report (radio sweep)"
    return "Tracker report (Bluetooth and radio sweep)" if swept else "Bluetooth tracker report"


def _cellular(path: Path, tz: tzinfo) -> tuple[list[tuple[str, ...]], list[str]]:
    """The RF sweep's section (trackerscan rf sweep), if the session holds one."""
    from trackerscan.formats.session import Session
    from trackerscan.rf.summary import report_section

    if not path.exists():
        return [], []
    with Session.open(path) as session:
        found, covered = session.rf_results()
        notes = session.meta().get("rf_notes")
    return report_section(found, covered, notes, lambda t: _fmt_local(t, tz))
