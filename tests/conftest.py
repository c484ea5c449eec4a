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


# --- tiers -----------------------------------------------------------------------------------------
# Tests that start real components are marked `integration`, here and not in each file, so that
# `pytest -m "not integration"` is the fast loop of pure tests (CI runs both tiers).  A test is
# integration when it uses a fixture below, lives in a folder below, or (directly or through a helper
# of its module) runs a subprocess or drives bumble's HCI stack or D-Bus.
INTEGRATION_FIXTURES = frozenset({
    "system_bus", "bluez", "bluez_empty",  # python-dbusmock's BlueZ on a private D-Bus
    "gpsd", "pty",  # a real gpsd, pyserial on a pseudo-terminal
    "qtbot", "qapp", "controller",  # PyQt6 offscreen
})
INTEGRATION_DIRS = frozenset({"gui"})  # every test there drives Qt
# Imported modules, and attributes used, that start a real component.
INTEGRATION_MODULE_WORDS = ("subprocess", "bumble", "dbus")
INTEGRATION_ATTRIBUTES = frozenset({"executable", "create_subprocess_exec", "create_subprocess_shell"})


def _starts_components(tree):
    """Names of a test module's top-level functions, classes and constants that start real components."""
    import ast

    heavy = set()
    body = {}
    for node in tree.body:
        if isinstance(node, ast.Import | ast.ImportFrom):
            module = node.module or "" if isinstance(node, ast.ImportFrom) else ""
            for alias in node.names:
                full = f"{module}.{alias.name}" if module else alias.name
                if any(word in full for word in INTEGRATION_MODULE_WORDS):
                    heavy.add((alias.asname or alias.name).split(".")[0])
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            body[node.name] = node
        elif isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                if isinstance(target, ast.Name):
                    body[target.id] = node
    uses = {}
    for name, node in body.items():
        names = set()
        for sub in ast.walk(node):
            if isinstance(sub, ast.Name):
                names.add(sub.id)
            elif isinstance(sub, ast.Attribute) and sub.attr in INTEGRATION_ATTRIBUTES:
                names.add(f".{sub.attr}")
        uses[name] = names
    heavy |= {f".{a}" for a in INTEGRATION_ATTRIBUTES}
    changed = True
    while changed:  # a helper that calls a helper that runs a subprocess starts one too
        changed = False
        for name, names in uses.items():
            if name not in heavy and names & heavy:
                heavy.add(name)
                changed = True
    return heavy


def pytest_collection_modifyitems(config, items):
    import ast
    import pathlib

    import pytest

    cache = {}
    for item in items:
        path = pathlib.Path(str(item.fspath))
        if path not in cache:
            try:
                cache[path] = _starts_components(ast.parse(path.read_text(encoding="utf-8")))
            except (OSError, SyntaxError):
                cache[path] = set()
        cls = getattr(item, "cls", None)
        owner = cls.__name__ if cls is not None else getattr(getattr(item, "function", None), "__name__", "")
        if (INTEGRATION_FIXTURES & set(getattr(item, "fixturenames", ()))
                or INTEGRATION_DIRS & set(path.parent.relative_to(pathlib.Path(__file__).parent).parts)
                or owner in cache[path]):
            item.add_marker(pytest.mark.integration)
