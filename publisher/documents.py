"""Printed documents of an application, as PDF: the receipt 受理回执 and the commission's decision 决定书.

Drawn with reportlab in the CJK font the electronic licence's text layer uses (publisher/licence.py): the standard
CID font STSong-Light (Adobe-GB1), which every PDF reader carries or substitutes, so the text is real text —
searchable, copyable, and readable by a program — and the file stays small. (reportlab cannot embed Noto Sans
CJK, whose outlines are CFF; the licence draws its picture with Pillow for that reason.)
"""
from __future__ import annotations

import io
from dataclasses import dataclass, field

FONT = "STSong-Light"
AUTHOR = "医疗机构、医师、护士电子化注册系统"
CLOSING = frozenset("，。、；：！？）》」』”’〕")


@dataclass(frozen=True)
class Document:
    """title: the heading; number: the line under it (a decision number); rows: (label, value) facts; paragraphs: the
    body text; signature: the lines at the bottom right (the issuing body and the date)."""

    title: str
    number: str = ""
    rows: list[tuple[str, str]] = field(default_factory=list)
    paragraphs: list[str] = field(default_factory=list)
    signature: list[str] = field(default_factory=list)
    footer: str = ""


def wrap(text: str, width: float, size: float) -> list[str]:
    """`text` broken into lines no wider than `width` points (by character: Chinese has no spaces to break at)."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    lines: list[str] = []
    for part in text.split("\n"):
        line = ""
        for char in part:
            # Closing punctuation never starts a line (禁则): it may hang past the margin instead.
            if line and char not in CLOSING and stringWidth(line + char, FONT, size) > width:
                lines.append(line)
                line = ""
            line += char
        lines.append(line)
    return lines


def pdf(document: Document) -> bytes:
    """The document on A4 pages."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    out = io.BytesIO()
    width, height = A4
    margin = 72.0
    sheet = canvas.Canvas(out, pagesize=A4)
    sheet.setTitle(f"{document.title} {document.number}".strip())
    sheet.setAuthor(AUTHOR)
    y = height - margin

    def need(space: float) -> None:
        nonlocal y
        if y - space < margin:
            if document.footer:
                sheet.setFont(FONT, 9)
                sheet.drawCentredString(width / 2, margin / 2, document.footer)
            sheet.showPage()
            y = height - margin

    sheet.setFont(FONT, 22)
    sheet.drawCentredString(width / 2, y, document.title)
    y -= 30
    if document.number:
        sheet.setFont(FONT, 12)
        sheet.drawCentredString(width / 2, y, document.number)
        y -= 20
    y -= 16
    body, lead = 12.0, 20.0
    label_width = max((pdfmetrics.stringWidth(label + "：", FONT, body) for label, _ in document.rows), default=0.0)
    for label, value in document.rows:
        lines = wrap(value or "—", width - 2 * margin - label_width, body)
        need(lead * len(lines))
        sheet.setFont(FONT, body)
        sheet.drawString(margin, y, label + "：")
        for line in lines:
            sheet.drawString(margin + label_width, y, line)
            y -= lead
    if document.rows:
        y -= 10
    for paragraph in document.paragraphs:
        lines = wrap("\u3000\u3000" + paragraph, width - 2 * margin, body)
        for line in lines:
            need(lead)
            sheet.setFont(FONT, body)
            sheet.drawString(margin, y, line)
            y -= lead
        y -= 6
    if document.signature:
        y -= 30
        need(lead * len(document.signature))
        sheet.setFont(FONT, body)
        for line in document.signature:
            sheet.drawRightString(width - margin, y, line)
            y -= lead
    if document.footer:
        sheet.setFont(FONT, 9)
        sheet.drawCentredString(width / 2, margin / 2, document.footer)
    sheet.showPage()
    sheet.save()
    return out.getvalue()
