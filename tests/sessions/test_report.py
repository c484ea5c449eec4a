"""Evidence reports: PDF pages rendered with pdftoppm and read with pdftotext; HTML self-contained."""

import re
import subprocess
from datetime import UTC

import pytest
from session_fixtures import car_trip_events, make_events, write_session

from trackerscan.errors import InputError
from trackerscan.sessions.findings import analyse, sha256_file
from trackerscan.sessions.report import write_report
from trackerscan.sessions.report.content import SAFETY_NOTE, build, thresholds

GENERATED = 1_763_900_000.0


@pytest.fixture(scope="module")
def car_session(tmp_path_factory):
    return write_session(tmp_path_factory.mktemp("car"), car_trip_events())


@pytest.fixture(scope="module")
def pdf(car_session, tmp_path_factory):
    out = tmp_path_factory.mktemp("pdf") / "report.pdf"
    analysis = analyse(car_session)
    write_report(build(analysis, UTC, GENERATED), out)
    return out, analysis


def _text(pdf_path):
    return subprocess.run(["pdftotext", "-layout", str(pdf_path), "-"], capture_output=True, text=True,
                          check=True).stdout


def test_pdf_says_what_matters(pdf):
    path, analysis = pdf
    text = _text(path)
    flat = " ".join(text.split())
    assert "Device 1: AirTag (alert)" in flat
    assert "C1:02:03:04:05:06" in flat
    assert analysis.sha256 in flat.replace(" ", "")  # may wrap; compare without spaces
    assert analysis.sha256 == sha256_file(analysis.path)
    assert "First seen 2020-12-18 06:15:50 UTC" in flat  # first seen: the trip's first sighting
    assert "Time zone used UTC" in flat
    assert "removing it, switching it off" in flat.lower() and "advocate" in flat
    for name in ("WATCH_PLACES", "ALERT_SEPARATED_MIN_TOGETHER_S", "PLACE_SPACING_M"):
        assert name in flat.replace(" ", "") or name in text
    assert "after 24 hours" in flat
    # only the AirTag is flagged: the passers-by are not
    assert "Device 2" not in flat


def test_pdf_pages_render(pdf, tmp_path):
    path, _ = pdf
    subprocess.run(["pdftoppm", "-r", "40", "-png", str(path), str(tmp_path / "page")], check=True)
    pages = sorted(tmp_path.glob("page-*.png"))
    assert 3 <= len(pages) <= 8
    assert all(p.stat().st_size > 5_000 for p in pages)


def test_thresholds_come_from_the_engine():
    from trackerscan.engine import thresholds as th

    rows = {t.name: t for t in thresholds()}
    assert rows["WATCH_PLACES"].value == f"{th.WATCH_PLACES:g}"
    assert rows["PLACE_SPACING_M"].comment  # where the value comes from
    assert "AirGuard" in rows["PLACE_SPACING_M"].comment


def test_html_is_self_contained(car_session, tmp_path):
    out = tmp_path / "report.html"
    analysis = analyse(car_session)
    write_report(build(analysis, UTC, GENERATED), out)
    text = out.read_text(encoding="utf-8")
    assert text.count("<svg") == 2  # map and RSSI chart of the one flagged device
    assert "<script" not in text and "<link" not in text and "<img" not in text
    assert not re.search(r"""(src|href)\s*=""", text)
    assert not re.search(r"url\(", text)
    assert len(set(re.findall(r'id="([^"]+)"', text))) == len(re.findall(r'id="([^"]+)"', text))
    # only XML namespace names may look like addresses
    urls = set(re.findall(r"https?://[^\s\"'<>]+", text))
    assert urls <= {"http://www.w3.org/2000/svg", "http://www.w3.org/1999/xlink"}
    assert analysis.sha256 in text
    assert SAFETY_NOTE.split(".")[0] in text
    assert "<polyline" in text or "<path" in text  # the track is drawn


def test_report_without_gps_and_without_findings(tmp_path):
    from trackerscan.model import Fix

    events = [e for e in make_events(60, 2) if not isinstance(e, Fix)]
    path = write_session(tmp_path, events)
    out = tmp_path / "r.pdf"
    write_report(build(analyse(path), UTC, GENERATED), out)
    flat = " ".join(_text(out).split())
    assert "No device travelled with you long enough" in flat
    assert "no GPS positions" in flat


def test_report_refuses_other_extensions(car_session, tmp_path):
    with pytest.raises(InputError, match=r"\.pdf or \.html"):
        write_report(build(analyse(car_session), UTC, GENERATED), tmp_path / "r.docx")
    assert list(tmp_path.iterdir()) == []


def test_html_drawings_render_white_with_a_dark_track(car_session, tmp_path):
    """Render the inline SVGs with a real SVG renderer (QtSvg, offscreen) and look at the pixels."""
    from PyQt6.QtCore import QByteArray
    from PyQt6.QtGui import QColor, QImage, QPainter
    from PyQt6.QtSvg import QSvgRenderer
    from PyQt6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([])
    out = tmp_path / "report.html"
    write_report(build(analyse(car_session), UTC, GENERATED), out)
    svgs = re.findall(r"<svg.*?</svg>", out.read_text(encoding="utf-8"), re.S)
    for i, svg in enumerate(svgs):
        renderer = QSvgRenderer(QByteArray(svg.encode()))
        assert renderer.isValid()
        size = renderer.defaultSize()
        img = QImage(size.width() * 2, size.height() * 2, QImage.Format.Format_RGB32)
        img.fill(QColor(255, 255, 255))
        painter = QPainter(img)
        renderer.render(painter)
        painter.end()
        img.save(str(tmp_path / f"svg{i}.png"))
        pixels = [img.pixelColor(x, y).lightness() for x in range(0, img.width(), 4)
                  for y in range(0, img.height(), 4)]
        white = sum(p > 240 for p in pixels) / len(pixels)
        dark = sum(p < 120 for p in pixels) / len(pixels)
        assert white > 0.8, f"drawing {i} is mostly not white"
        assert dark > 0.002, f"drawing {i} has nothing drawn"
    assert app is not None


def test_threshold_reasons_keep_whole_sentences():
    from trackerscan.engine.threshold_notes import NOTES
    from trackerscan.sessions.report.content import REASON_CHARS_MAX, reason

    short = "Fixes worse than this never move the user. AirGuard accepts 120 m."
    assert reason(short) == short
    long = "First sentence here. " + "Second one is rather long and goes on " * 20 + "to its end."
    assert reason(long) == "First sentence here. (More in trackerscan/engine/thresholds.py.)"
    for note in NOTES.values():  # every shown reason is the note's own beginning, cut at a sentence or word
        shown = reason(note).removesuffix(" (More in trackerscan/engine/thresholds.py.)")
        assert note.startswith(shown.removesuffix("…"))
        assert len(shown) <= REASON_CHARS_MAX + 1
