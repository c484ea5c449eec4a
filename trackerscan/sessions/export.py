"""Exports: sightings as CSV or JSON; the user's track and where devices were heard as GPX, KML or
GeoJSON; and copying finished sessions (and reports) to a folder such as a USB stick."""

from __future__ import annotations

import contextlib
import csv
import hashlib
import json
import os
import shutil
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from pathlib import Path
from typing import IO, Any

from trackerscan import __version__
from trackerscan.adv import classify
from trackerscan.errors import SessionError
from trackerscan.formats.session import Session, check_session_file, is_recording
from trackerscan.formats.session_file import SIDE_SUFFIXES, open_regular, read_at
from trackerscan.model import Fix, HeardPoint, Sighting
from trackerscan.safetext import csv_cell, xml_text
from trackerscan.sessions import paths
from trackerscan.sessions.findings import DeviceFinding, SessionAnalysis, analyse, settle
from trackerscan.sessions.safewrite import atomic_output
from trackerscan.timeutil import iso_utc

FORMATS = ("csv", "json", "gpx", "kml", "geojson")
# A gap between fixes longer than this starts a new track segment (seconds): the receiver lost its
# fix, so no line is drawn across the gap (engine's MAX_FIX_AGE_S is 30 s; a short tunnel is kept).
TRACK_GAP_S = 120.0

CSV_COLUMNS = ("time_utc", "time", "address", "address_type", "rssi", "source", "connectable", "tracker",
               "kind", "adv_hex")


def _sighting_row(s: Sighting) -> dict[str, Any]:
    ident = classify(s.adv, s.address, s.address_type)
    return {
        "time_utc": iso_utc(s.time),
        "time": round(s.time, 3),
        "address": s.address,
        "address_type": s.address_type.value,
        "rssi": s.rssi,
        "source": s.source,
        "connectable": s.connectable,
        "tracker": ident.tracker,
        "kind": ident.kind.value if ident.kind else None,
        "adv_hex": s.adv.hex(),
    }


def write_csv(session: Session, out: IO[str]) -> int:
    """Every raw sighting, one row each; returns the number of rows."""
    w = csv.DictWriter(out, fieldnames=CSV_COLUMNS, lineterminator="\n")
    w.writeheader()
    n = 0
    for s in session.sightings():
        row = _sighting_row(s)
        row["connectable"] = "" if s.connectable is None else int(s.connectable)
        row["tracker"] = int(row["tracker"])
        w.writerow({k: csv_cell(v) for k, v in row.items()})  # safe to open in a spreadsheet
        n += 1
    return n


def _fix_json(f: Fix) -> dict[str, Any]:
    return {"time_utc": iso_utc(f.time), "time": round(f.time, 3), "lat": f.lat, "lon": f.lon, "alt": f.alt,
            "speed_mps": f.speed_mps, "course": f.course, "hdop": f.hdop, "accuracy_m": f.accuracy_m,
            "mode": int(f.mode), "satellites": f.satellites, "source": f.source}


def write_json(session: Session, out: IO[str]) -> int:
    """One JSON object: the session's facts, sightings, fixes, source events and level changes.

    Written as it is read, so a long session never sits in memory.  Returns the number of sightings.
    """
    meta = session.meta()
    out.write('{"format": "trackerscan-session-export", "version": 1,\n "session": ')
    out.write(json.dumps({"name": session.path.stem, **meta, "counts": session.counts()}))
    out.write(',\n "sightings": [')
    n = 0
    for s in session.sightings():
        out.write(("\n  " if n == 0 else ",\n  ") + json.dumps(_sighting_row(s)))
        n += 1
    out.write('\n ],\n "fixes": [')
    for i, f in enumerate(session.fixes()):
        out.write(("\n  " if i == 0 else ",\n  ") + json.dumps(_fix_json(f)))
    out.write('\n ],\n "source_events": ')
    out.write(json.dumps([
        {"time_utc": iso_utc(e.time), "source": e.source, "kind": e.kind.value, "detail": e.detail,
         "value": e.value} for e in session.source_events()
    ]))
    out.write(',\n "place_marks": ')
    out.write(json.dumps([{"time_utc": iso_utc(p.time), "label": p.label} for p in session.place_marks()]))
    out.write(',\n "level_changes": ')
    out.write(json.dumps([c.to_json() for c in session.level_changes()]))
    reduced = session.reduced_counts()
    out.write(',\n "reduced_to_counts": ')
    out.write(json.dumps([
        {"address": a, "sightings": k, "first_utc": iso_utc(f / 1000), "last_utc": iso_utc(la / 1000),
         "rssi_min": lo, "rssi_max": hi} for f, la, a, k, lo, hi in reduced
    ]))
    out.write("\n}\n")
    return n


# --------------------------------------------------------------------------- places


def track_segments(fixes: Iterable[Fix], gap_s: float = TRACK_GAP_S) -> list[list[Fix]]:
    """The track cut where the receiver was silent for longer than ``gap_s``."""
    segments: list[list[Fix]] = []
    last: Fix | None = None
    for f in fixes:
        if last is None or f.time - last.time > gap_s or f.time < last.time:
            segments.append([])
        segments[-1].append(f)
        last = f
    return segments


def mapped_devices(analysis: SessionAnalysis) -> list[DeviceFinding]:
    """Devices whose places are exported: those that reached watch/alert, then other trackers."""
    seen = {f.device_id for f in analysis.flagged}
    return analysis.flagged + [t for t in analysis.trackers if t.device_id not in seen]


def _label(f: DeviceFinding) -> str:
    kind = f.state.kind.value if f.state is not None and f.state.kind else (
        f.changes[0].kind.value if f.changes and f.changes[0].kind else "device")
    return f"{kind} {f.addresses[-1] if f.addresses else f.device_id}"


def _point_desc(f: DeviceFinding, p: HeardPoint) -> str:
    rssi = "" if p.rssi is None else f"RSSI {p.rssi} dBm; "
    unc = "" if p.uncertainty_m is None else f"position within about {p.uncertainty_m:.0f} m"
    return f"{f.level.value}; {rssi}{unc}".rstrip("; ")


def _xml(root: ET.Element, out: IO[str]) -> None:
    for el in root.iter():  # names and notes come from the file: keep only what XML 1.0 can carry
        if el.text:
            el.text = xml_text(el.text)
        for k, v in el.attrib.items():
            el.attrib[k] = xml_text(v)
    ET.indent(root)
    out.write('<?xml version="1.0" encoding="UTF-8"?>\n')
    out.write(ET.tostring(root, encoding="unicode"))
    out.write("\n")


def write_gpx(analysis: SessionAnalysis, out: IO[str]) -> int:
    """GPX 1.1: a waypoint per place a device was heard, and the user's track.  Returns the points."""
    ns = "http://www.topografix.com/GPX/1/1"
    root = ET.Element("gpx", {"version": "1.1", "creator": f"trackerscan {__version__}", "xmlns": ns})
    md = ET.SubElement(root, "metadata")
    ET.SubElement(md, "name").text = f"trackerscan session {analysis.path.stem}"
    if analysis.summary.started is not None:
        ET.SubElement(md, "time").text = iso_utc(analysis.summary.started)
    n = 0
    for f in mapped_devices(analysis):
        for p in f.positioned:
            w = ET.SubElement(root, "wpt", {"lat": f"{p.lat:.7f}", "lon": f"{p.lon:.7f}"})
            ET.SubElement(w, "time").text = iso_utc(p.time)
            ET.SubElement(w, "name").text = _label(f)
            ET.SubElement(w, "desc").text = _point_desc(f, p)
            ET.SubElement(w, "type").text = f.level.value
            n += 1
    trk = ET.SubElement(root, "trk")
    ET.SubElement(trk, "name").text = "Your track"
    for seg in track_segments(analysis.track):
        ts = ET.SubElement(trk, "trkseg")
        for fx in seg:
            pt = ET.SubElement(ts, "trkpt", {"lat": f"{fx.lat:.7f}", "lon": f"{fx.lon:.7f}"})
            if fx.alt is not None:
                ET.SubElement(pt, "ele").text = f"{fx.alt:.1f}"
            ET.SubElement(pt, "time").text = iso_utc(fx.time)
            if fx.satellites is not None:
                ET.SubElement(pt, "sat").text = str(fx.satellites)
            if fx.hdop is not None:
                ET.SubElement(pt, "hdop").text = f"{fx.hdop:.1f}"
            n += 1
    _xml(root, out)
    return n


def write_kml(analysis: SessionAnalysis, out: IO[str]) -> int:
    """KML 2.2: the user's track as lines, one folder of points per device."""
    root = ET.Element("kml", {"xmlns": "http://www.opengis.net/kml/2.2"})
    doc = ET.SubElement(root, "Document")
    ET.SubElement(doc, "name").text = f"trackerscan session {analysis.path.stem}"
    n = 0
    for i, seg in enumerate(track_segments(analysis.track)):
        pm = ET.SubElement(doc, "Placemark")
        ET.SubElement(pm, "name").text = "Your track" if i == 0 else f"Your track (part {i + 1})"
        ts = ET.SubElement(pm, "TimeSpan")
        ET.SubElement(ts, "begin").text = iso_utc(seg[0].time)
        ET.SubElement(ts, "end").text = iso_utc(seg[-1].time)
        line = ET.SubElement(pm, "LineString")
        ET.SubElement(line, "tessellate").text = "1"
        ET.SubElement(line, "coordinates").text = " ".join(
            f"{f.lon:.7f},{f.lat:.7f}" + (f",{f.alt:.1f}" if f.alt is not None else "") for f in seg)
        n += len(seg)
    for f in mapped_devices(analysis):
        folder = ET.SubElement(doc, "Folder")
        ET.SubElement(folder, "name").text = f"{_label(f)} ({f.level.value})"
        ET.SubElement(folder, "description").text = f.explanation
        for p in f.positioned:
            pm = ET.SubElement(folder, "Placemark")
            ET.SubElement(pm, "name").text = iso_utc(p.time)
            ET.SubElement(pm, "description").text = _point_desc(f, p)
            ts = ET.SubElement(pm, "TimeStamp")
            ET.SubElement(ts, "when").text = iso_utc(p.time)
            pt = ET.SubElement(pm, "Point")
            ET.SubElement(pt, "coordinates").text = f"{p.lon:.7f},{p.lat:.7f}"
            n += 1
    _xml(root, out)
    return n


def write_geojson(analysis: SessionAnalysis, out: IO[str]) -> int:
    """GeoJSON (RFC 7946, [lon, lat]): the track as a MultiLineString, one Point per heard place."""
    features: list[dict[str, Any]] = []
    segments = [s for s in track_segments(analysis.track) if s]
    if segments:
        features.append({
            "type": "Feature",
            "geometry": {"type": "MultiLineString",
                         "coordinates": [[[f.lon, f.lat] for f in seg] for seg in segments]},
            "properties": {"name": "Your track", "start": iso_utc(segments[0][0].time),
                           "end": iso_utc(segments[-1][-1].time),
                           "times": [[iso_utc(f.time) for f in seg] for seg in segments]},
        })
    n = sum(len(s) for s in segments)
    for f in mapped_devices(analysis):
        for p in f.positioned:
            features.append({
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [p.lon, p.lat]},
                "properties": {"device_id": f.device_id, "name": _label(f), "level": f.level.value,
                               "addresses": list(f.addresses), "time": iso_utc(p.time), "rssi": p.rssi,
                               "uncertainty_m": p.uncertainty_m},
            })
            n += 1
    json.dump({"type": "FeatureCollection", "features": features}, out, indent=1)
    out.write("\n")
    return n


def export(path: Path, fmt: str, out: IO[str], sensitivity: str | None = None) -> int:
    """Write session ``path`` in ``fmt`` to ``out``; returns the number of rows or points."""
    if fmt not in FORMATS:
        raise SessionError(f"Unknown export format {fmt!r}: choose one of {', '.join(FORMATS)}.")
    if fmt in ("csv", "json"):
        with Session.open(path) as s:
            return write_csv(s, out) if fmt == "csv" else write_json(s, out)
    analysis = analyse(path, sensitivity)
    writer = {"gpx": write_gpx, "kml": write_kml, "geojson": write_geojson}[fmt]
    return writer(analysis, out)


# --------------------------------------------------------------------------- copying to a stick


# The most of an existing SHA256SUMS on the stick read back (a real listing is a few kilobytes).
SUMS_MAX_BYTES = 1 << 20


def _copy_verified(src: Path, dest_dir: Path) -> tuple[Path, str]:
    """Copy ``src`` into ``dest_dir`` through `atomic_output`, checked by SHA-256 before it is renamed."""
    fd = open_regular(src)
    try:
        digest = _sha256_fd(fd)
        dest = dest_dir / src.name
        with contextlib.suppress(SessionError, OSError):
            dfd = open_regular(dest)
            try:
                if _sha256_fd(dfd) == digest:
                    return dest, digest
            finally:
                os.close(dfd)
        with atomic_output(dest, [src]) as out:
            with os.fdopen(os.dup(fd), "rb") as fin:
                fin.seek(0)
                shutil.copyfileobj(fin, out, 1 << 20)
            out.flush()
            os.fsync(out.fileno())
            if _sha256_fd(out.fileno()) != digest:
                raise SessionError(f"The copy of {src.name} on {dest_dir} does not match the original; "
                                   "the stick may be failing, try another.")
    finally:
        os.close(fd)
    return dest, digest


def _sha256_fd(fd: int) -> str:
    h = hashlib.sha256()
    at = 0
    while block := read_at(fd, 1 << 20, at):
        h.update(block)
        at += len(block)
    return h.hexdigest()


def _old_sums(listing: Path) -> dict[str, str]:
    """What an existing SHA256SUMS lists (nothing if it is absent, a link, or not a listing)."""
    try:
        fd = open_regular(listing)
    except SessionError:
        return {}
    try:
        text = read_at(fd, SUMS_MAX_BYTES, 0).decode("utf-8", "replace")
    finally:
        os.close(fd)
    old = {}
    for line in text.splitlines():
        digest, _, name = line.partition("  ")
        if len(digest) == 64 and name and all(c in "0123456789abcdef" for c in digest):
            old[name.removeprefix("trackerscan/")] = digest
    return old


def copy_sessions_to(
    dest: str | os.PathLike[str], data_dir: str | os.PathLike[str] | None = None
) -> list[Path]:
    """Copy every finished session and every report to ``dest`` (e.g. a USB stick).

    Each file is written (never through a link: see `atomic_output`), fsync'ed,
    read back and checked against the SHA-256 of the original before it takes
    its name; ``SHA256SUMS`` in ``dest`` lists them (``sha256sum -c`` checks
    them later).  Folders are made 0700, files 0600.  Sessions still being
    recorded, and files in the sessions folder that are not sessions, are
    skipped.  Returns the paths written (or already there, identical).
    """
    target = Path(dest)
    if not target.is_dir():
        raise SessionError(f"{target} is not a folder: plug in the stick and give its folder.")
    root = target / "trackerscan"
    copied: list[Path] = []
    sums: dict[str, str] = {}
    sessions_src = paths.sessions_dir(data_dir)
    try:
        pairs = ((sessions_src, root / "sessions"), (paths.reports_dir(data_dir), root / "reports"))
        for src_dir, dest_dir in pairs:
            if not src_dir.is_dir():
                continue
            files = sorted(Path(e.path) for e in os.scandir(src_dir)
                           if e.is_file(follow_symlinks=False) and not e.name.startswith("."))
            for src in files:
                if src.name.endswith(SIDE_SUFFIXES):
                    continue
                if src_dir == sessions_src:
                    try:
                        check_session_file(src)
                    except SessionError:
                        continue  # not a session of ours: not copied
                    if is_recording(src):
                        continue
                    settle(src)  # a cut session's -wal folded in: the one file carries everything
                paths.private_dir(dest_dir, parents=1)
                path, digest = _copy_verified(src, dest_dir)
                copied.append(path)
                sums[str(path.relative_to(root))] = digest
        if sums:
            listing = root / "SHA256SUMS"
            old = _old_sums(listing)
            old.update(sums)
            with atomic_output(listing) as f:
                f.write("".join(f"{v}  {k}\n" for k, v in sorted(old.items())).encode("utf-8"))
    except OSError as exc:
        raise SessionError(f"Cannot copy to {target}: {exc.strerror or exc}.") from None
    return copied
