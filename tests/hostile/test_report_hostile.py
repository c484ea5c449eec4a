"""The evidence report of a device that used ~200 addresses (a tag rotating for two days) and of
over-long hand-made texts: laid out, with the rest counted, instead of a crash."""

import dataclasses
import shutil
import subprocess

import pytest
from hostile import assert_clean, cli, sha256
from session_fixtures import make_alert, make_events, write_session

pytestmark = [pytest.mark.integration,
              pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler-utils")]


def test_report_of_a_device_with_200_addresses(data_dir, tmp_path):
    alert = dataclasses.replace(
        make_alert(),
        addresses=tuple(f"C{i >> 8:X}:{i & 255:02X}:03:04:05:06" for i in range(200)),
        identifiers=tuple(f"{i:04x}" for i in range(200)),
        explanation="A hand-made note. " * 5000,  # 90,000 characters
    )
    path = write_session(data_dir / "sessions", make_events(60, 2), [alert])
    before = sha256(path)
    out = tmp_path / "r.pdf"
    proc = cli("report", path, "--out", out, data=data_dir)
    assert_clean(proc)
    assert proc.returncode == 0, proc.stderr
    pdf = subprocess.run(["pdftotext", "-layout", out, "-"], capture_output=True, text=True, check=True)
    text = pdf.stdout
    assert "C0:00:03:04:05:06" in text and "and 176 more" in text
    assert "C0:C7:03:04:05:06" not in text  # the 200th is counted, not listed
    assert sha256(path) == before
