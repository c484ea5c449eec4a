"""The evidence report as PDF (reportlab platypus): A4, fonts embedded, the same content as the HTML."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, BinaryIO
from xml.sax.saxutils import escape

from trackerscan import __version__
from trackerscan.sessions.report.content import (
    CELLULAR_COLUMNS,
    CELLULAR_TITLE,
    SAFETY_NOTE,
    ReportContent,
    cell_text,
)


def _fonts() -> tuple[str, str]:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    candidates = [
        (
            "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
            "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
        ),
        ("Vera.ttf", "VeraBd.ttf"),
    ]
    for regular, bold in candidates:
        try:
            pdfmetrics.registerFont(TTFont("ReportSans", regular))
            pdfmetrics.registerFont(TTFont("ReportSans-Bold", bold))
            pdfmetrics.registerFontFamily(
                "ReportSans",
                normal="ReportSans",
                bold="ReportSans-Bold",
                italic="ReportSans",
                boldItalic="ReportSans-Bold",
            )
            return "ReportSans", "ReportSans-Bold"
        except Exception:
            continue
    return "Helvetica", "Helvetica-Bold"


def write_pdf(content: ReportContent, out: Path | BinaryIO) -> None:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import (
        CondPageBreak,
        KeepTogether,
        Paragraph,
        SimpleDocTemplate,
        Spacer,
        Table,
        TableStyle,
    )

    regular, bold = _fonts()
    body = ParagraphStyle("body", fontName=regular, fontSize=9.5, leading=12.5, spaceAfter=4)
    small = ParagraphStyle("small", parent=body, fontSize=7.5, leading=9.5, spaceAfter=1)
    h1 = ParagraphStyle("h1", parent=body, fontName=bold, fontSize=16, leading=20, spaceAfter=8)
    h2 = ParagraphStyle(
        "h2", parent=body, fontName=bold, fontSize=12, leading=15, spaceBefore=8, spaceAfter=5
    )
    box = ParagraphStyle(
        "box",
        parent=body,
        fontSize=9.5,
        leading=12.5,
        borderWidth=1.2,
        borderColor=colors.black,
        borderPadding=6,
        spaceBefore=6,
        spaceAfter=10,
    )

    def p(text: str, style: ParagraphStyle = body) -> Paragraph:
        return Paragraph(escape(cell_text(text)), style)

    def kv(rows: Sequence[tuple[str, str]], widths: tuple[float, float] = (45 * mm, 125 * mm)) -> Table:
        t = Table([[p(k, small), p(v, body)] for k, v in rows], colWidths=list(widths), hAlign="LEFT")
        t.setStyle(
            TableStyle(
                [
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("LINEBELOW", (0, 0), (-1, -1), 0.3, colors.grey),
                    ("TOPPADDING", (0, 0), (-1, -1), 1.5),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
                ]
            )
        )
        return t

    story: list[Any] = [
        p(content.title, h1),
        kv(content.header),
        Spacer(1, 4),
        Paragraph("<b>Safety.</b> " + escape(SAFETY_NOTE), box),
        p(content.summary),
    ]
    for dev in content.devices:
        story.append(CondPageBreak(120 * mm))
        story.append(p(dev.title, h2))
        story.append(kv(dev.rows))
        story.append(Spacer(1, 4))
        story.append(Paragraph("<b>Why:</b> " + escape(cell_text(dev.explanation)), body))
        for line in dev.changes:
            story.append(p(line, small))
        story.append(KeepTogether([p("Where it was heard", h2), dev.map]))
        story.append(KeepTogether([p("Signal strength over time", h2), dev.chart]))
    if content.other_trackers:
        story.append(p("Other trackers heard (not travelling with you)", h2))
        t = Table(
            [[p(h, small) for h in ("kind", "addresses", "first seen", "last seen", "sightings")]]
            + [[p(c, small) for c in row] for row in content.other_trackers],
            colWidths=[30 * mm, 50 * mm, 37 * mm, 37 * mm, 16 * mm],
            hAlign="LEFT",
            repeatRows=1,
        )
        t.setStyle(
            TableStyle(
                [
                    ("LINEBELOW", (0, 0), (-1, -1), 0.3, colors.grey),
                    ("LINEBELOW", (0, 0), (-1, 0), 1, colors.black),
                ]
            )
        )
        story.append(t)
    if content.cellular_notes:
        story.append(CondPageBreak(60 * mm))
        story.append(p(CELLULAR_TITLE, h2))
        story.extend(p(n, small) for n in content.cellular_notes)
        if content.cellular:
            t = Table([[p(h, small) for h in CELLULAR_COLUMNS]]
                      + [[p(c, small) for c in row] for row in content.cellular],
                      colWidths=[28 * mm, 26 * mm, 14 * mm, 13 * mm, 35 * mm, 35 * mm, 19 * mm],
                      hAlign="LEFT", repeatRows=1)
            t.setStyle(TableStyle([("LINEBELOW", (0, 0), (-1, -1), 0.3, colors.grey),
                                   ("LINEBELOW", (0, 0), (-1, 0), 1, colors.black)]))
            story.append(t)
    story.append(CondPageBreak(60 * mm))
    story.append(p("Method", h2))
    story.extend(p(m) for m in content.method)
    if content.thresholds:  # none for a session holding only a radio sweep
        story.append(
            p(
                "Thresholds (trackerscan/engine/thresholds.py, medium preset; the sensitivity preset "
                "scales times and places)",
                h2,
            )
        )
        t = Table(
            [[p("name", small), p("value", small), p("unit and origin", small)]]
            + [[p(th.name, small), p(th.value, small), p(th.comment, small)] for th in content.thresholds],
            colWidths=[52 * mm, 22 * mm, 96 * mm],
            hAlign="LEFT",
            repeatRows=1,
        )
        t.setStyle(
            TableStyle(
                [
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.grey),
                    ("LINEBELOW", (0, 0), (-1, 0), 1, colors.black),
                    ("TOPPADDING", (0, 0), (-1, -1), 1),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 1),
                ]
            )
        )
        story.append(t)
    if content.source_events:
        story.append(p("What happened to the receivers", h2))
        story.extend(p(e, small) for e in content.source_events)
    # the hash and how to check it stay on one page: a reader compares them side by side
    story.append(KeepTogether([p("Checking this report against the data", h2), kv(content.integrity)]))

    def footer(canvas: Any, doc: Any) -> None:
        canvas.saveState()
        canvas.setFont(regular, 7.5)
        canvas.drawString(18 * mm, 10 * mm, f"{content.title}: {content.integrity[0][1]}")
        canvas.drawRightString(A4[0] - 18 * mm, 10 * mm, f"page {doc.page}")
        canvas.restoreState()

    doc = SimpleDocTemplate(
        str(out) if isinstance(out, Path) else out,
        pagesize=A4,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=16 * mm,
        bottomMargin=18 * mm,
        title=content.title,
        author=f"trackerscan {__version__}",
        subject=content.integrity[0][1],
        invariant=1,
    )
    doc.build(story, onFirstPage=footer, onLaterPages=footer)
