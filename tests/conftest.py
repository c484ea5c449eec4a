"""Shared test set-up.  Area-specific fixtures live in each folder's conftest.py;
shared paths in tests/paths.py."""

import os

from hypothesis import HealthCheck, settings

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

# The suite runs the same examples every time, so a red run means a real regression and a failure
# reproduces; timing-based health checks are off (test machines are shared and noisy).  Set
# HYPOTHESIS_EXPLORE=1 to draw new examples (bench/fuzz_*.py explore far more inputs).
settings.register_profile(
    "fixed", derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow], print_blob=True
)
settings.register_profile("explore", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("explore" if os.environ.get("HYPOTHESIS_EXPLORE") else "fixed")
