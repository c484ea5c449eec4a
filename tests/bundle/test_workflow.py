"""The GitHub Actions workflow that builds the bundle on Linux, Windows and macOS is valid (actionlint)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
WORKFLOW = ROOT / ".github" / "workflows" / "bundle.yml"


def actionlint() -> str:
    found = shutil.which("actionlint", path=str(Path(sys.executable).parent)) or shutil.which("actionlint")
    if found is None:
        if sys.platform == "linux":  # the test extra installs it there
            raise AssertionError("actionlint is missing: pip install -e '.[test]'")
        pytest.skip("actionlint is installed with the test extra on Linux only")
    return found


def lint(workflow: Path) -> subprocess.CompletedProcess[str]:
    """actionlint on one file (with shellcheck on its run: steps when shellcheck is installed)."""
    return subprocess.run(
        [actionlint(), "-no-color", str(workflow)], cwd=workflow.parent, capture_output=True, text=True,
        timeout=120,
    )


def test_the_bundle_workflow_passes_actionlint():
    r = lint(WORKFLOW)
    assert r.returncode == 0, r.stdout + r.stderr
    text = WORKFLOW.read_text()
    for system in ("ubuntu-", "windows-", "macos-"):
        assert system in text
    assert "scripts/build-bundle.sh" in text and "tests/bundle" in text and "upload-artifact" in text


def test_actionlint_does_catch_a_broken_workflow(tmp_path):
    """The check above can fail: a workflow naming a matrix key that does not exist is refused."""
    broken = tmp_path / "bundle.yml"
    text = WORKFLOW.read_text()
    broken.write_text(text.replace("runs-on: ${{ matrix.os }}", "runs-on: ${{ matrix.system }}"))
    r = lint(broken)
    assert r.returncode != 0 and 'property "system" is not defined' in r.stdout
