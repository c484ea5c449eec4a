"""Fixtures for the RF tests (the tinySA emulator lives in tinysa_emulator.py, importable from here)."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))  # tinysa_emulator
