"""The evidence report: PDF (reportlab) or one self-contained HTML file.

Modules: `content` (what the report says: `build` makes a `ReportContent` from a session's findings),
`drawings` (map and signal chart), `pdf` and `html` (the two ways of writing it); `write_report` here
chooses one by the file's extension.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from trackerscan.errors import InputError
from trackerscan.sessions.report.content import ReportContent
from trackerscan.sessions.report.html import write_html
from trackerscan.sessions.report.pdf import write_pdf


def write_report(content: ReportContent, out: Path, inputs: Iterable[Path] = ()) -> None:
    """PDF or HTML by the file's extension; written 0600, complete or not at all, never over an input."""
    from trackerscan.sessions.safewrite import atomic_output

    suffix = out.suffix.lower()
    if suffix not in (".pdf", ".html", ".htm"):
        raise InputError(f"The report file must end in .pdf or .html, not {out.name!r}.")
    with atomic_output(out, inputs) as f:
        if suffix == ".pdf":
            write_pdf(content, f)
        else:
            write_html(content, f)
