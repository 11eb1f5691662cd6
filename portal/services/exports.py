"""A report table as a file: CSV (UTF-8 with BOM, so spreadsheet programs read the Chinese) or XLSX. Every cell goes
through pipeline.spreadsheet.safe_cell: a name such as `=HYPERLINK(...)` arrives as text, never as a formula."""
from __future__ import annotations

import csv
import io

from openpyxl import Workbook
from openpyxl.styles import Font

from pipeline.spreadsheet import safe_row

FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def as_csv(headers: list[str], rows: list[list]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(safe_row(headers))
    writer.writerows(safe_row(["" if value is None else value for value in row]) for row in rows)
    return buffer.getvalue().encode("utf-8-sig")


def as_xlsx(title: str, headers: list[str], rows: list[list]) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = title[:31]  # Excel's limit on sheet names
    sheet.append(safe_row(headers))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append(safe_row(list(row)))
    for index, header in enumerate(headers, start=1):
        sheet.column_dimensions[sheet.cell(1, index).column_letter].width = max(12, len(header) * 2 + 2)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def render(fmt: str, title: str, headers: list[str], rows: list[list]) -> bytes:
    return as_csv(headers, rows) if fmt == "csv" else as_xlsx(title, headers, rows)
