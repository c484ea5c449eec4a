"""Rules about the shape of the project."""

import ast
import subprocess
import sys

from paths import REPO


def _imports(path):
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            yield node.module


def test_core_never_imports_qt():
    offenders = []
    for path in (REPO / "trackerscan").rglob("*.py"):
        for name in _imports(path):
            if name.split(".")[0] in {"PyQt6", "PySide6", "qasync", "trackerscan_gui"}:
                offenders.append(f"{path.relative_to(REPO)}: {name}")
    assert offenders == []


def test_core_imports_without_qt_installed():
    # Hide Qt from the import system and import every core module.
    code = (
        "import sys, importlib, pkgutil\n"
        "class Block:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name.split('.')[0] in ('PyQt6', 'qasync'): raise ImportError('blocked ' + name)\n"
        "sys.meta_path.insert(0, Block())\n"
        "import trackerscan\n"
        "for m in pkgutil.walk_packages(trackerscan.__path__, 'trackerscan.'):\n"
        "    if not m.name.endswith('__main__'): importlib.import_module(m.name)\n"
        "print('ok')\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"


def test_cli_help_lists_subcommands():
    out = subprocess.run(
        [sys.executable, "-m", "trackerscan", "--help"], capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 0
    assert "decode" in out.stdout
