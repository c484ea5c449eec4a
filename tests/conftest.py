"""Shared test set-up.  Area-specific fixtures live in each folder's conftest.py."""

import os
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

REPO = Path(__file__).resolve().parent.parent
# Reference data shipped beside the project checkout (read-only); tests that
# need a file copy it into tests/data/ with its licence beside it.
TEST_DATA = Path(__file__).resolve().parent / "data"
