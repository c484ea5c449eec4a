"""Paths tests share (import as `from paths import REPO, SHARED`)."""

from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
TESTS = REPO / "tests"
# Test data copied into the project, each file with its licence beside it.
TEST_DATA = TESTS / "data"
