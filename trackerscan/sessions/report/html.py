"""The evidence report as one self-contained HTML file: inline CSS and SVG, no script, nothing external."""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from pathlib import Path
from typing import BinaryIO

from reportlab.graphics.shapes import Drawing

from trackerscan.safetext import xml_text
from trackerscan.sessions.report.content import CELLULAR_COLUMNS, CELLULAR_TITLE, SAFETY_NOTE, ReportContent


def _svg(drawing: Drawing, key: str) -> str:
    """The drawing as inline SVG, its ids made unique by ``key`` (several SVGs share one page)."""
    from reportlab.graphics import renderSVG

    text: str = renderSVG.drawToString(drawing)
    start = text.find("<svg")
    text = text[start:] if start >= 0 else text
    text = text.replace("fill: None", "fill: none")  # reportlab 5.1 writes Python's None: filled black
    # The drawing stays inside its box: drop the clip path (SVG Tiny renderers draw it as a black box).
    text = re.sub(r"\s*<clipPath.*?</clipPath>", "", text, flags=re.S)
    text = text.replace(' style="clip-path: url(#clip)"', "")
    return text.replace('id="group"', f'id="group-{key}"')


_CSS = """
body{font-family:sans-serif;max-width:820px;margin:2em auto;padding:0 1em;color:#000;line-height:1.4}
h1{font-size:1.6em}h2{font-size:1.2em;margin-top:1.6em;border-bottom:1px solid #000}
table{border-collapse:collapse;margin:.4em 0}td,th{border-bottom:1px solid #999;padding:2px 8px 2px 0;
vertical-align:top;text-align:left}th{border-bottom:2px solid #000}td.k{color:#333;width:13em}
.safety{border:2px solid #000;padding:.6em .9em;margin:1em 0}.small{font-size:.85em}
code{font-size:.95em;word-break:break-all}svg{max-width:100%;height:auto}
"""


def write_html(content: ReportContent, out: Path | BinaryIO) -> None:
    """One self-contained file: inline CSS and SVG, no script, no external resource."""
    def e(text: str) -> str:
        return html.escape(xml_text(text))

    def kv(rows: Sequence[tuple[str, str]]) -> str:
        return (
            "<table>"
            + "".join(f"<tr><td class=k>{e(k)}</td><td>{e(v)}</td></tr>" for k, v in rows)
            + "</table>"
        )

    parts = [
        "<!DOCTYPE html><html lang=en><head><meta charset=utf-8>",
        "<meta http-equiv=Content-Security-Policy content=\"default-src 'none'; style-src 'unsafe-inline'\">",
        f"<title>{e(content.title)}: {e(content.integrity[0][1])}</title><style>{_CSS}</style></head><body>",
        f"<h1>{e(content.title)}</h1>",
        kv(content.header),
        f"<div class=safety><b>Safety.</b> {e(SAFETY_NOTE)}</div>",
        f"<p>{e(content.summary)}</p>",
    ]
    for i, dev in enumerate(content.devices, 1):
        parts += [
            f"<h2>{e(dev.title)}</h2>",
            kv(dev.rows),
            f"<p><b>Why:</b> {e(dev.explanation)}</p>",
            "<ul class=small>" + "".join(f"<li>{e(c)}</li>" for c in dev.changes) + "</ul>",
            "<h3>Where it was heard</h3>",
            _svg(dev.map, f"map{i}"),
            "<h3>Signal strength over time</h3>",
            _svg(dev.chart, f"rssi{i}"),
        ]
    if content.other_trackers:
        parts.append(
            "<h2>Other trackers heard (not travelling with you)</h2><table class=small><tr>"
            + "".join(f"<th>{h}</th>" for h in ("kind", "addresses", "first seen", "last seen", "sightings"))
            + "</tr>"
        )
        parts += [
            "<tr>" + "".join(f"<td>{e(c)}</td>" for c in row) + "</tr>" for row in content.other_trackers
        ]
        parts.append("</table>")
    if content.cellular_notes:
        parts.append(f"<h2>{e(CELLULAR_TITLE)}</h2>")
        parts += [f"<p class=small>{e(n)}</p>" for n in content.cellular_notes]
        if content.cellular:
            parts.append("<table class=small><tr>" + "".join(f"<th>{e(h)}</th>" for h in CELLULAR_COLUMNS)
                         + "</tr>" + "".join("<tr>" + "".join(f"<td>{e(c)}</td>" for c in row) + "</tr>"
                                             for row in content.cellular) + "</table>")
    parts.append("<h2>Method</h2>")
    parts += [f"<p>{e(m)}</p>" for m in content.method]
    if content.thresholds:  # none for a session holding only a radio sweep
        parts.append(
            "<h3>Thresholds (trackerscan/engine/thresholds.py)</h3><table class=small>"
            "<tr><th>name</th><th>value</th><th>unit and origin</th></tr>"
        )
        parts += [
            f"<tr><td><code>{e(t.name)}</code></td><td>{e(t.value)}</td><td>{e(t.comment)}</td></tr>"
            for t in content.thresholds
        ]
        parts.append("</table>")
    if content.source_events:
        parts.append(
            "<h2>What happened to the receivers</h2><ul class=small>"
            + "".join(f"<li>{e(s)}</li>" for s in content.source_events)
            + "</ul>"
        )
    parts += ["<h2>Checking this report against the data</h2>", kv(content.integrity), "</body></html>\n"]
    data = "".join(parts).encode("utf-8")
    if isinstance(out, Path):
        out.write_bytes(data)
    else:
        out.write(data)
