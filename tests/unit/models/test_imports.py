"""Reading an import's CSV file (models.imports.read_csv): in worker processes, which parse raw lines themselves
(CsvFile.pieces), every file gives the same rows, row numbers, reasons and file-level refusal as read line by line
in one process. The blocks are made tiny here so that lines straddle them."""
from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

import models.imports as imports
from models.imports import FileRefused, read_csv, transformed
from pipeline.imports import COLUMNS
from pipeline.persons import resident_id_check_character

TODAY = date(2026, 6, 1)
SECRET = "unit-secret-0123456789"
HEADER = ",".join(COLUMNS["nurse-exams"])


def exam(n: int) -> str:
    body = f"110105199203{n % 28 + 1:02d}{n % 1000:03d}"
    return f"N2015{n:010d},李静{n},{body}{resident_id_check_character(body)},2015"


def outcome(path: Path, workers: int) -> tuple[list, list, str | None]:
    """Every staged row and refusal of the file; or, for a file refused as a whole, that refusal's message alone
    (what was read before it is thrown away with the import, and depends on how the file was cut)."""
    staged: list = []
    refused: list = []
    try:
        for rows, reasons in transformed("nurse-exams", SECRET, read_csv("nurse-exams", path), workers, chunk=7,
                                         today=TODAY):
            staged += rows
            refused += reasons
    except FileRefused as refusal:
        return [], [], refusal.message
    return staged, refused, None


def write(tmp_path: Path, lines: list[str | bytes], ending: bytes = b"\n", last: bool = True) -> Path:
    raw = [line if isinstance(line, bytes) else line.encode() for line in [HEADER, *lines]]
    path = tmp_path / "nurse-exams.csv"
    path.write_bytes(ending.join(raw) + (ending if last else b""))
    return path


GOOD = [exam(n) for n in range(60)]
QUOTED = [",".join(f'"{cell}"' for cell in line.split(",")) for line in GOOD]  # as some tools write every cell

FILES = {
    "plain": (GOOD, {}),
    "crlf, no line break at the end": (GOOD, {"ending": b"\r\n", "last": False}),
    "blank lines count as rows": ([*GOOD[:10], "", "", " ", *GOOD[10:]], {}),
    "bad rows": ([*GOOD[:5], "N1,王,110105,1800", exam(5) + ",多余", "N2,\x00,x,2015", *GOOD[5:]], {}),
    "a quote from row 30 on": ([*GOOD[:28], '"N20150000009999","李,静",110105199203010017,2015', *GOOD[28:]], {}),
    "every cell quoted": (QUOTED, {}),
    "quotes inside quoted cells": ([*QUOTED[:20], 'N2015094,"李""静""",110105199203010017,2015', *QUOTED[20:]], {}),
    "a malformed quote, then quoted rows": ([*GOOD[:9], 'N2015095,"李"静,110105199203010017,2015', *QUOTED[9:]], {}),
    "a quoted line break early, then quoted rows": ([*QUOTED[:4], 'N2015093,"李\n\n静",x,2015', *QUOTED[4:]], {}),
    "a quoted line break": ([*GOOD[:40], 'N2015099,"李\n静",110105199203010017,2015', *GOOD[40:]], {}),
    "not UTF-8 at row 20": ([*GOOD[:18], "N2015098,李静".encode("gb18030") + b",x,2015", *GOOD[18:]], {}),
    "a carriage return inside a line": ([*GOOD[:33], "N2015097,李\r静,110105199203010017,2015", *GOOD[33:]], {}),
    "too long at row 25, not UTF-8 at 40": (
        [*GOOD[:23], "N2015096," + "长" * 400 + ",x,2015", *GOOD[23:37], b"\xff\xfe", *GOOD[37:]], {}),
    "not UTF-8 at row 12, too long at 40": (
        [*GOOD[:10], b"\xff\xfe", *GOOD[10:37], "N2015096," + "长" * 400 + ",x,2015", *GOOD[37:]], {}),
    "too long without a line break": ([*GOOD[:50], "N2015096," + "长" * 400], {"last": False}),
    "a line of the limit less its line break": ([*GOOD[:5], "N2015096," + "x" * 583 + ",x,2015", *GOOD[5:]], {}),
    "over the limit by its line break": ([*GOOD[:5], "N2015096," + "x" * 584 + ",x,2015", *GOOD[5:]], {}),
    "too long and not UTF-8 at row 30": ([*GOOD[:28], b"N2015096," + b"\xff" * 700, *GOOD[28:]], {}),
}


# Blocks of a few lines, most cut in the middle; or one block for the whole file, lines over the limit included
# (the workers find those; with small blocks the reader does, before any block holds them).
BLOCKS = [97, 1 << 16]


@pytest.mark.parametrize("block", BLOCKS)
@pytest.mark.parametrize("name", list(FILES))
def test_workers_reading_raw_lines_give_what_reading_line_by_line_gives(tmp_path, monkeypatch, name, block):
    monkeypatch.setattr(imports, "BLOCK_BYTES", block)
    monkeypatch.setattr(imports, "MAX_LINE_BYTES", 600)
    lines, shape = FILES[name]
    path = write(tmp_path, lines, **shape)
    in_process = outcome(path, workers=0)
    assert outcome(path, workers=2) == in_process
    assert in_process[0] or in_process[2]  # not vacuous: rows staged, or the file refused


def test_row_numbers_are_the_spreadsheet_rows_and_refusals_name_theirs(tmp_path, monkeypatch):
    monkeypatch.setattr(imports, "BLOCK_BYTES", 97)
    path = write(tmp_path, [*GOOD[:3], "", exam(70) + ",多余", "N2015001,\x00,x,2015"])
    staged, refused, whole = outcome(path, workers=2)
    assert whole is None
    assert [row[0] for row in staged] == [2, 3, 4]
    assert [number for number, _ in refused] == [6, 7]
    assert "多于表头的4列" in refused[0][1]["*"] and refused[1][1]["name"] == "不能含有空字符"


@pytest.mark.parametrize(("name", "message"), [
    ("not UTF-8 at row 20", "不是UTF-8编码（第20行）"),
    ("too long at row 25, not UTF-8 at 40", "第25行超过"),
    ("not UTF-8 at row 12, too long at 40", "不是UTF-8编码（第12行）"),
    ("too long without a line break", "第52行超过"),
    ("too long and not UTF-8 at row 30", "第30行超过"),
    ("over the limit by its line break", "第7行超过"),  # the length is checked first
    ("a carriage return inside a line", "第35行：CSV格式错误：引号外出现单独的回车符（CR）"),
])
@pytest.mark.parametrize("block", BLOCKS)
def test_the_first_problem_in_the_file_is_the_one_reported(tmp_path, monkeypatch, name, message, block):
    monkeypatch.setattr(imports, "BLOCK_BYTES", block)
    monkeypatch.setattr(imports, "MAX_LINE_BYTES", 600)
    lines, shape = FILES[name]
    _, _, whole = outcome(write(tmp_path, lines, **shape), workers=2)
    assert whole is not None and message in whole


def test_blocks_of_whole_records_go_to_the_workers_as_raw_lines_quoted_or_not(tmp_path, monkeypatch):
    # The point of the raw lines: the reading process parses no row of them into a dict. Quoted cells (as many
    # tools write every cell) keep them raw; only from a quote it cannot parse strictly on is the file read here.
    monkeypatch.setattr(imports, "BLOCK_BYTES", 500)
    kinds = [type(piece).__name__ for piece in read_csv("nurse-exams", write(tmp_path, QUOTED)).pieces(7)]
    assert set(kinds) == {"Lines"} and len(kinds) > 5
    malformed = [*QUOTED[:30], 'N2015095,"李"静,110105199203010017,2015', *QUOTED[30:]]
    kinds = [type(piece).__name__ for piece in read_csv("nurse-exams", write(tmp_path, malformed)).pieces(7)]
    assert kinds[0] == "Lines" and kinds[-1] == "list"


def test_a_block_ending_inside_a_quoted_cell_is_read_on_here_not_cut(tmp_path, monkeypatch):
    lines = [*QUOTED[:3], 'N2015093,"李\n静",110105199203010017,2015', *QUOTED[3:20]]
    path = write(tmp_path, lines)
    # The first block ends at the line break inside the quoted cell.
    monkeypatch.setattr(imports, "BLOCK_BYTES", len(("\n".join(QUOTED[:3]) + "\nN2015093,\"李\n").encode()))
    in_process = outcome(path, workers=0)
    assert outcome(path, workers=2) == in_process
    assert [number for number, _ in in_process[1]] == [5]  # the two-line record is row 5; its ID number is bad
    assert [row[0] for row in in_process[0]] == [2, 3, 4, *range(6, 23)]
