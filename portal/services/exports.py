"""A report table as a file: CSV (UTF-8 with BOM, so spreadsheet programs read the Chinese) or XLSX, each produced
row by row as chunks the server sends as they come. The XLSX is a ZIP written as it goes (stream-zip): a register of
a million rows starts downloading at once and never lies whole in memory or on disk. Every cell goes through
pipeline.spreadsheet.safe_cell: a name such as `=HYPERLINK(...)` arrives as text, never as a formula."""
from __future__ import annotations

import csv
import io
import math
import re
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from stat import S_IFREG
from xml.sax.saxutils import escape, quoteattr

from stream_zip import ZIP_32, stream_zip

from pipeline.spreadsheet import safe_row

FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
CHUNK_ROWS = 1000


def csv_chunks(headers: list[str], rows: Iterable[list]) -> Iterator[bytes]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    buffer.write("\ufeff")
    writer.writerow(safe_row(headers))
    for count, row in enumerate(rows, start=1):
        writer.writerow(safe_row(["" if value is None else value for value in row]))
        if count % CHUNK_ROWS == 0:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode("utf-8")


# --- XLSX: the smallest workbook Excel, WPS and LibreOffice open — one sheet, inline strings, a bold header ------

_XML = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_RELATIONSHIPS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PACKAGE = "http://schemas.openxmlformats.org/package/2006/relationships"
_PARTS = {
    "[Content_Types].xml": (
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/worksheets/sheet1.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        '<Override PartName="/xl/styles.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/></Types>'),
    "_rels/.rels": (
        f'<Relationships xmlns="{_PACKAGE}"><Relationship Id="rId1" Target="xl/workbook.xml" '
        f'Type="{_RELATIONSHIPS}/officeDocument"/></Relationships>'),
    "xl/_rels/workbook.xml.rels": (
        f'<Relationships xmlns="{_PACKAGE}">'
        f'<Relationship Id="rId1" Target="worksheets/sheet1.xml" Type="{_RELATIONSHIPS}/worksheet"/>'
        f'<Relationship Id="rId2" Target="styles.xml" Type="{_RELATIONSHIPS}/styles"/></Relationships>'),
    # Style 0 is every cell; style 1, the header row, in bold.
    "xl/styles.xml": (
        f'<styleSheet xmlns="{_MAIN}"><fonts count="2"><font><sz val="11"/><name val="Calibri"/></font>'
        '<font><b/><sz val="11"/><name val="Calibri"/></font></fonts>'
        '<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill>'
        '</fills><borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
        '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
        '<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
        '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/></cellXfs>'
        '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>'),
}
# Characters XML 1.0 cannot carry (a name never has them; a free-text field might).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_BOLD = ' s="1"'
_NOT_IN_SHEET_NAME = re.compile(r"[\[\]:*?/\\]")


def _cell(value: object, style: str = "") -> str:
    """One cell: a number stays a number, anything else is text (dates as ISO text); None and "" are empty."""
    if value is None:
        return "<c/>"
    if isinstance(value, bool):
        return f'<c{style} t="b"><v>{int(value)}</v></c>'
    if isinstance(value, int) or (isinstance(value, float) and math.isfinite(value)):
        return f"<c{style}><v>{value!r}</v></c>"
    text = value.isoformat() if hasattr(value, "isoformat") else str(value)
    text = escape(_NOT_XML.sub("", text))
    if not text:
        return "<c/>"  # an empty cell, as a spreadsheet program keeps an empty text
    space = ' xml:space="preserve"' if text != text.strip() else ""
    return f'<c{style} t="inlineStr"><is><t{space}>{text}</t></is></c>'


def _sheet(headers: list[str], rows: Iterable[list]) -> Iterator[bytes]:
    widths = "".join(f'<col min="{index}" max="{index}" width="{max(12, len(header) * 2 + 2)}" customWidth="1"/>'
                     for index, header in enumerate(headers, start=1))
    yield (f'{_XML}<worksheet xmlns="{_MAIN}"><cols>{widths}</cols><sheetData>'
           f'<row>{"".join(_cell(header, _BOLD) for header in headers)}</row>').encode()  # headers are ours
    lines: list[str] = []
    for row in rows:
        lines.append("<row>" + "".join(_cell(value) for value in safe_row(list(row))) + "</row>")
        if len(lines) == CHUNK_ROWS:
            yield "".join(lines).encode()
            lines.clear()
    yield ("".join(lines) + "</sheetData></worksheet>").encode()


def xlsx_chunks(title: str, headers: list[str], rows: Iterable[list]) -> Iterator[bytes]:
    """The workbook as the chunks of its ZIP, each produced only when asked for: `rows` are read as it goes."""
    name = _NOT_IN_SHEET_NAME.sub("", title)[:31] or "Sheet1"  # Excel's rules for sheet names
    workbook = (f'<workbook xmlns="{_MAIN}" xmlns:r="{_RELATIONSHIPS}"><sheets>'
                f'<sheet name={quoteattr(name)} sheetId="1" r:id="rId1"/></sheets></workbook>')
    now = datetime.now(UTC)
    parts = {**_PARTS, "xl/workbook.xml": workbook}
    # ZIP_32 (not ZIP64), which every spreadsheet program reads: a sheet of Excel's 1,048,576 rows stays far below
    # its 4 GB.
    members = [(path, now, S_IFREG | 0o644, ZIP_32, iter([(_XML + xml).encode()])) for path, xml in parts.items()]
    members.append(("xl/worksheets/sheet1.xml", now, S_IFREG | 0o644, ZIP_32, _sheet(headers, rows)))
    yield from stream_zip(members)


def as_csv(headers: list[str], rows: Iterable[list]) -> bytes:
    return b"".join(csv_chunks(headers, rows))


def as_xlsx(title: str, headers: list[str], rows: Iterable[list]) -> bytes:
    return b"".join(xlsx_chunks(title, headers, rows))


def render(fmt: str, title: str, headers: list[str], rows: Iterable[list]) -> bytes:
    return as_csv(headers, rows) if fmt == "csv" else as_xlsx(title, headers, rows)
