"""The evidence report's section on an RF sweep (HTML read back; PDF text through pdftotext)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

DATA = Path(__file__).parent / "data"


def run(*args):
    return subprocess.run([sys.executable, "-m", "trackerscan", *args], capture_output=True, text=True,
                          timeout=180)


def test_report_has_the_sweep_with_its_procedure_and_caution(tmp_path):
    assert run("rf", "sweep", "--source", f"replay:{DATA / 'rtl_power.csv'}", "--region", "uk",
               "--data-dir", str(tmp_path)).returncode == 0
    (session,) = (tmp_path / "sessions").glob("*.sqlite")
    html_out, pdf_out = tmp_path / "r.html", tmp_path / "r.pdf"
    assert run("report", str(session), "--out", str(html_out), "--data-dir", str(tmp_path)).returncode == 0
    assert run("report", str(session), "--out", str(pdf_out), "--data-dir", str(tmp_path)).returncode == 0
    page = html_out.read_text()
    assert "Cellular GPS trackers (radio sweep)" in page
    assert "<td>GSM 900 / LTE B8</td><td>900.0-900.2</td>" in page
    assert "flight mode" in page and "may alert whoever placed it" in page
    assert "Not swept (a tracker there cannot be seen): LTE B28, LTE B20, GSM 1800 / LTE B3." in page
    # the method page no longer says cellular trackers cannot be seen at all, only what the sweep missed
    assert "What this tool cannot see: GPS trackers with a mobile connection" not in page
    assert "did not transmit in the bands and the minutes the radio sweep covered" in page
    text = subprocess.run(["pdftotext", str(pdf_out), "-"], capture_output=True, text=True).stdout
    assert "Cellular GPS trackers (radio sweep)" in text and "GSM 900 / LTE B8" in text


def test_a_bluetooth_session_has_no_radio_sweep_section(tmp_path):
    from trackerscan.sessions.writer import SessionWriter

    writer = SessionWriter.create(tmp_path / "sessions", 1_790_000_000.0)
    writer.close(ended=1_790_000_060.0)
    out = tmp_path / "r.html"
    assert run("report", str(writer.path), "--out", str(out), "--data-dir", str(tmp_path)).returncode == 0
    page = out.read_text()
    assert "radio sweep" not in page
    assert "What this tool cannot see: GPS trackers with a mobile connection" in page
