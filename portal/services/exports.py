"""A report table as a file: CSV (UTF-8 with BOM, so spreadsheet programs read the Chinese) or XLSX."""
from __future__ import annotations

import csv
import io

from openpyxl import Workbook
from openpyxl.styles import Font

FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def as_csv(headers: list[str], rows: list[list]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(headers)
    writer.writerows(["" if value is None else value for value in row] for row in rows)
    return buffer.getvalue().encode("utf-8-sig")


def as_xlsx(title: str, headers: list[str], rows: list[list]) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = title[:31]  # Excel's limit on sheet names
    sheet.append(headers)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append(row)
    for index, header in enumerate(headers, start=1):
        sheet.column_dimensions[sheet.cell(1, index).column_letter].width = max(12, len(header) * 2 + 2)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def render(fmt: str, title: str, headers: list[str], rows: list[list]) -> bytes:
    return as_csv(headers, rows) if fmt == "csv" else as_xlsx(title, headers, rows)
