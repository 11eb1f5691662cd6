"""A report table as a file: CSV (UTF-8 with BOM, so spreadsheet programs read the Chinese) or XLSX, written row
by row: the CSV as chunks the server sends as they come, the XLSX through openpyxl's write-only mode into a
temporary file (a cell is never an object in memory), then sent from that file. Every cell goes through
pipeline.spreadsheet.safe_cell: a name such as `=HYPERLINK(...)` arrives as text, never as a formula."""
from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import Iterable, Iterator
from typing import IO

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

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


def xlsx_file(title: str, headers: list[str], rows: Iterable[list]) -> IO[bytes]:
    """The workbook in a temporary file, positioned at its start (deleted when closed)."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title[:31])  # Excel's limit on sheet names
    for index, header in enumerate(headers, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = max(12, len(header) * 2 + 2)
    bold = Font(bold=True)
    header_cells = []
    for header in headers:
        cell = WriteOnlyCell(sheet, value=header)  # headers are ours, never formulas
        cell.font = bold
        header_cells.append(cell)
    sheet.append(header_cells)
    for row in rows:
        sheet.append(safe_row(list(row)))
    handle = tempfile.TemporaryFile()
    book.save(handle)
    handle.seek(0)
    return handle


def as_csv(headers: list[str], rows: Iterable[list]) -> bytes:
    return b"".join(csv_chunks(headers, rows))


def as_xlsx(title: str, headers: list[str], rows: Iterable[list]) -> bytes:
    with xlsx_file(title, headers, rows) as handle:
        return handle.read()


def render(fmt: str, title: str, headers: list[str], rows: Iterable[list]) -> bytes:
    return as_csv(headers, rows) if fmt == "csv" else as_xlsx(title, headers, rows)
