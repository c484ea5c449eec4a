"""Write `trackerscan/engine/threshold_notes.py`: why each threshold has its value, from the comments
beside it in `trackerscan/engine/thresholds.py`, as data the report's method page reads.

    .venv/bin/python scripts/threshold_notes.py          # rewrite it after editing thresholds.py
    .venv/bin/python scripts/threshold_notes.py --check  # exit 1 if it no longer matches

A threshold is an upper-case name given a number or a dict; its note is the comment lines right above it
(up to a blank line or a `# ---` banner) and the comment on its own line; a name with neither, in a block
of assignments, goes with the name before it.  Run at build time, never by the program.
"""

from __future__ import annotations

import ast
import json
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "trackerscan" / "engine" / "thresholds.py"
TARGET = ROOT / "trackerscan" / "engine" / "threshold_notes.py"
BANNER = "# ---"  # a section heading, not a note
HEADER = '''"""Why each threshold in `trackerscan.engine.thresholds` has its value: the comments written
beside it, kept as data for the report's method page (which reads the values from `thresholds` itself).

Generated from thresholds.py by `python scripts/threshold_notes.py`: do not edit by hand; a test fails
when this no longer matches thresholds.py.
"""

# name -> its unit, origin and reason, in the order of thresholds.py
NOTES: dict[str, str] = {
'''


def notes(source: str, values: dict[str, object]) -> dict[str, str]:
    """Each threshold's note, in source order; ``values`` are the module's names (for their types)."""
    lines = source.splitlines()
    out: dict[str, str] = {}
    for node in ast.parse(source).body:
        if not (
            isinstance(node, ast.Assign)
            and len(node.targets) == 1
            and isinstance(node.targets[0], ast.Name)
            and node.targets[0].id.isupper()
        ):
            continue
        name = node.targets[0].id
        if not isinstance(values.get(name), int | float | dict):
            continue
        comment: list[str] = []
        row = node.lineno - 2
        while row >= 0 and lines[row].lstrip().startswith("#") and not lines[row].lstrip().startswith(BANNER):
            comment.insert(0, lines[row].strip().lstrip("#").strip())
            row -= 1
        line = lines[node.lineno - 1]
        if "#" in line:
            comment.append(line.split("#", 1)[1].strip())
        if not comment and row >= 0 and lines[row].strip() and out:
            comment.append(f"(goes with {next(reversed(out))})")
        out[name] = " ".join(comment)
    return out


def module_text(found: dict[str, str]) -> str:
    """The generated module: each note as string pieces that fit the line length."""
    parts = [HEADER]
    for name, note in found.items():
        one = f"    {_literal(name)}: {_literal(note)},\n"
        if len(one) <= 111:
            parts.append(one)
            continue
        pieces = textwrap.wrap(note, 90, drop_whitespace=False)
        lines = "".join(f"        {_literal(p)}\n" for p in pieces)
        parts.append(f"    {_literal(name)}: (\n{lines}    ),\n")
    parts.append("}\n")
    return "".join(parts)


def _literal(text: str) -> str:
    """A Python string literal in double quotes (JSON's escapes are Python's)."""
    return json.dumps(text, ensure_ascii=False)


def generate() -> str:
    sys.path.insert(0, str(ROOT))
    from trackerscan.engine import thresholds

    return module_text(notes(SOURCE.read_text(encoding="utf-8"), vars(thresholds)))


def main(argv: list[str]) -> int:
    text = generate()
    if argv[1:] == ["--check"]:
        if TARGET.read_text(encoding="utf-8") != text:
            print(f"{TARGET.relative_to(ROOT)} does not match thresholds.py: "
                  "run python scripts/threshold_notes.py")
            return 1
        return 0
    TARGET.write_text(text, encoding="utf-8")
    print(f"wrote {TARGET.relative_to(ROOT)}: {text.count(chr(10))} lines")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
