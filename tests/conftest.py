"""Shared test set-up.  Area-specific fixtures live in each folder's conftest.py;
shared paths in tests/paths.py."""

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
