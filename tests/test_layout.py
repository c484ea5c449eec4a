"""Rules about the shape of the project."""

import ast
import re
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


# --- layers ----------------------------------------------------------------------------------------

# Imports against the documented layers that are known and due to go (module, imported module).  The
# test fails when one disappears too, so this list only shrinks.
KNOWN_BACK_EDGES: set[tuple[str, str]] = set()


def _documented_layers():
    """{unit: layer} from the 'Layers' table of docs/architecture.md."""
    text = (REPO / "docs" / "architecture.md").read_text(encoding="utf-8")
    table = text.split("## Layers", 1)[1].split("\n## ", 1)[0]
    layers = {}
    for line in table.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 2 and cells[0].isdigit():
            for name in re.findall(r"`([\w.]+)`", cells[1]):
                if name.endswith(".py"):
                    continue
                assert name not in layers, f"{name} is listed twice"
                layers[name] = int(cells[0])
    return layers


def _unit(module):
    """The top-level unit of a trackerscan module: 'trackerscan.sources.gps' -> 'sources'."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "trackerscan"


def _core_imports():
    """(importing module, imported trackerscan module) for every import in trackerscan/, relative
    imports resolved, imports under `if TYPE_CHECKING:` and inside functions included."""
    for path in (REPO / "trackerscan").rglob("*.py"):
        parts = list(path.relative_to(REPO).with_suffix("").parts)
        package = parts[:-1]  # what relative imports start from (the package itself for __init__.py)
        module = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    base = package[: len(package) - node.level + 1]
                    names = [".".join([*base, node.module] if node.module else base)]
                else:
                    names = [node.module or ""]
            else:
                continue
            for name in names:
                if name == "trackerscan" or name.startswith("trackerscan."):
                    yield module, name


def _unit_graph(imports):
    graph = {}
    for src, dst in imports:
        a, b = _unit(src), _unit(dst)
        if a != b:
            graph.setdefault(a, set()).add(b)
    return graph


def find_cycle(graph):
    """One cycle of ``graph`` ({node: set of nodes}) as a list of nodes, or None."""
    state, stack = {}, []

    def visit(node):
        state[node] = "open"
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == "open":
                return [*stack[stack.index(nxt):], nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        state[node] = "done"
        stack.pop()
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return None


def against_layers(imports, layers):
    """Imports from a unit to one of the same or a higher layer."""
    return {(src, dst) for src, dst in imports
            if _unit(src) != _unit(dst) and layers[_unit(dst)] >= layers[_unit(src)]}


def test_every_core_package_has_a_documented_layer():
    layers = _documented_layers()
    units = {p.stem if p.is_file() else p.name for p in (REPO / "trackerscan").iterdir()
             if (p.suffix == ".py" and p.stem != "__init__") or (p / "__init__.py").exists()}
    assert units | {"trackerscan"} == set(layers), "docs/architecture.md's Layers table is out of date"


def test_no_import_cycle_between_core_packages():
    assert find_cycle(_unit_graph(_core_imports())) is None


def test_imports_follow_the_documented_layers():
    assert against_layers(set(_core_imports()), _documented_layers()) == KNOWN_BACK_EDGES


def test_the_layout_rules_catch_a_cycle_and_a_back_edge():
    # the checks above, on a tree with one edge added: engine importing sessions (a back-edge that
    # also closes the cycle sessions -> engine -> sessions)
    imports = {*_core_imports(), ("trackerscan.engine.core", "trackerscan.sessions.writer")}
    cycle = find_cycle(_unit_graph(imports))
    assert cycle is not None and {"engine", "sessions"} <= set(cycle)
    assert ("trackerscan.engine.core", "trackerscan.sessions.writer") in against_layers(imports,
                                                                                       _documented_layers())
