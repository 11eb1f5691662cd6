"""Loading reference data and legacy registers from CSV files (`medreg import`, `medreg demo`), at national scale.

An import runs in three steps, all on one database connection (`Import`):

1. **stage** — the file is read as a stream (`read_csv`: a line is at most `MAX_LINE_BYTES`, the file must be
   UTF-8; with worker processes, they parse its raw lines themselves), every row is cleaned by the pure rules of
   `pipeline.imports` (and its ID number hashed and encrypted here), and the clean rows go into a temporary table
   `import_stage` (COPY on PostgreSQL) in chunks; a refused row is reported with a reason per column. Memory
   stays bounded whatever the size of the file.
2. **check** — set-based checks of the staged rows against each other and the database: a key repeated in the
   file, an unknown division, commission, institution or certificate, a registering commission whose
   jurisdiction does not hold the division. Refused rows are left out of the stage.
3. **apply** — the stage is written in batches (`apply_batch`, by kind in `models/imports/writers.py`): set-based
   upserts that change only what differs, identifier serials taken per batch (one upsert per letter, division
   and year, never a lock per row). Each batch returns the register entries it created or changed, which the
   caller publishes (publisher.batch.publish_entries) in the batch's transaction. A register row whose entry
   changed online since it was last imported (writers.changed_online, one query per batch) is kept, not
   applied, and counted apart (`ImportReport.kept`): a legacy file never undoes business done online.

The caller decides the transactions: `medreg import` commits the stage and then each batch (an interrupted
import keeps the batches it committed; running it again completes it and changes nothing else), the demo
runs everything in its own transaction. Nothing is applied when any row was refused, unless the caller asks
for the good rows to load (`load_good_rows`).
"""
from __future__ import annotations

import csv
import errno
import io
from collections.abc import Callable, Generator, Iterable, Iterator, Mapping, Sequence
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import IO, Any

from sqlalchemy import Connection, text

from models.crypto import encrypter, lookup_hasher
from pipeline import clock
from pipeline.imports import (
    COLUMNS,
    EXTRA_CELLS,
    FIRST_DATA_ROW,
    LABELS,
    Cleaner,
    RowRefused,
    extra_cells_reason,
    missing_columns,
    repeated_columns,
)

__all__ = [
    "COLUMNS", "LABELS", "MAX_LINE_BYTES", "FileRefused", "Import", "ImportReport", "RowError", "RowRefused",
    "missing_columns", "read_csv", "read_csv_from",
]

MAX_LINE_BYTES = 1 << 20
MAX_CELL_CHARS = 1 << 17
# Refused rows listed one reason per line; beyond this many the rest are only counted.
MAX_LISTED_ERRORS = 1000
# Rows kept (not applied, their entry changed online since it was last imported) listed by row number: the first this many.
MAX_LISTED_KEPT = 20
BOM = b"\xef\xbb\xbf"


class FileRefused(Exception):
    """The file as a whole cannot be loaded: its Chinese reason; exit status 2."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class RowError:
    row: int
    field: str
    reason: str


@dataclass
class ImportReport:
    kind: str
    loaded: int = 0
    errors: list[RowError] = field(default_factory=list)  # the first MAX_LISTED_ERRORS reasons
    refused_rows: int = 0
    unlisted: int = 0  # reasons not kept in `errors`
    published: int = 0
    applied: bool = False  # the staged rows were written (False: refused as a whole, nothing written)
    # Rows of existing register entries changed online (an approval, counter business, an expiry…) since the import
    # last loaded them: not applied, the entry as it is being the record (models/imports/writers.changed_online).
    # Not refused rows and not counted in `loaded`; `kept_rows`: the row numbers of the first MAX_LISTED_KEPT.
    kept: int = 0
    kept_rows: list[int] = field(default_factory=list)

    @property
    def refused(self) -> int:
        return self.refused_rows

    def refuse(self, row: int, reasons: Mapping[str, str]) -> None:
        self.refused_rows += 1
        self.add_reasons(row, reasons)

    def keep(self, rows: Iterable[int]) -> None:
        """Count rows kept (not applied: their entries changed online since imported), listing the first few."""
        for row in rows:
            self.kept += 1
            if len(self.kept_rows) < MAX_LISTED_KEPT:
                self.kept_rows.append(row)

    def add_reasons(self, row: int, reasons: Mapping[str, str]) -> None:
        for name, reason in reasons.items():
            if len(self.errors) < MAX_LISTED_ERRORS:
                self.errors.append(RowError(row, name, reason))
            else:
                self.unlisted += 1


# --- reading --------------------------------------------------------------------------------------------------


# What an operator reads for the usual reasons a file cannot be opened or written (the system's own text is English).
OS_REASONS = {
    errno.ENOENT: "文件或目录不存在", errno.EISDIR: "这是一个目录", errno.ENOTDIR: "路径中有一段不是目录",
    errno.EACCES: "没有权限", errno.EPERM: "没有权限", errno.EEXIST: "已有同名的文件", errno.ENOSPC: "磁盘空间不足",
    errno.EROFS: "文件系统只读", errno.EIO: "读写出错（输入输出错误）", errno.ENAMETOOLONG: "文件名过长",
}


def os_reason(error: OSError) -> str:
    """The reason of `error` in Chinese, the system's text only for a cause not listed."""
    return OS_REASONS.get(error.errno or 0, error.strerror or type(error).__name__)


def open_error(path: Path | str, error: OSError) -> FileRefused:
    if isinstance(error, FileNotFoundError):
        reason = "文件不存在"
    elif isinstance(error, PermissionError):
        reason = "没有读取权限"
    else:
        reason = os_reason(error)
    return FileRefused(f"无法读取文件 {path}：{reason}")


def read_csv(kind: str, path: Path | str) -> CsvFile:
    """(row number, header → cell) of every record of the file, as a stream; FileRefused for a file that cannot be
    loaded: not there, not UTF-8, a missing or repeated column, a line over MAX_LINE_BYTES, a cell over
    MAX_CELL_CHARS.

    The header is checked before the first row is given; a later problem is raised when the stream reaches it."""
    try:
        handle = open(path, "rb")
    except OSError as error:
        raise open_error(path, error) from None
    return read_csv_from(kind, handle, path)


def read_csv_from(kind: str, handle: IO[bytes], name: Path | str) -> CsvFile:
    """As read_csv, from an open binary file (an upload); `name` is what the reasons call it."""
    return CsvFile(kind, handle, name)


def too_long(name: Path | str, line: int, limit: int) -> FileRefused:
    return FileRefused(f"无法读取文件 {name}：第{line}行超过{limit // (1 << 20)} MB，不是有效的CSV行")


def not_utf8(name: Path | str, line: int) -> FileRefused:
    return FileRefused(f"无法读取文件 {name}：不是UTF-8编码（第{line}行）")


def bad_csv(name: Path | str, line: int, error: csv.Error) -> FileRefused:
    return FileRefused(f"无法读取文件 {name}：第{line}行：{csv_reason(error)}")


def _numbered(records: Iterable[list[str]], header: Sequence[str], last: int) -> Iterator[tuple[int, dict[str, str]]]:
    """(row number, header → cell) of each record after row `last`: a blank record is a row, and gives nothing."""
    for number, values in enumerate(records, last + 1):
        if values:
            yield number, _row(header, values)


def _row(header: Sequence[str], values: list[str]) -> dict[str, str]:
    row = dict(zip(header, values, strict=False))
    if len(values) > len(header) and any(value.strip() for value in values[len(header):]):
        row[EXTRA_CELLS] = extra_cells_reason(len(values), len(header))
    return row


# The raw CSV a worker process parses at a time (CsvFile.pieces): about a chunk of rows.
BLOCK_BYTES = 1 << 17


class CsvFile:
    """A CSV file being read, its header read and checked (read_csv).

    Iterated, it gives (row number, header → cell) of every record. The row number is the record's line as a
    spreadsheet shows it, the header being 1 (a blank line is a row too). For worker processes, `pieces` gives the
    rest of the file as raw lines that the workers parse themselves (`Lines`): reading every record into a dict
    here and pickling it to them was a third of the Python in an import of reference data."""

    def __init__(self, kind: str, handle: IO[bytes], name: Path | str) -> None:
        self.kind = kind
        self.name = name
        self.handle = handle
        self.line = 0  # lines read so far, the header's included
        self.row = FIRST_DATA_ROW - 1  # the row number before the records still to read (pieces moves it on)
        self._reader = csv.reader(self._lines(handle))
        try:
            self.header = self._header()
        except BaseException:
            handle.close()
            raise

    def _header(self) -> tuple[str, ...]:
        """The header's column names, checked; FileRefused."""
        try:
            header = [name.strip() for name in next(self._reader, [])]
        except csv.Error as error:
            raise bad_csv(self.name, self.line, error) from None
        except OSError as error:
            raise open_error(self.name, error) from None
        missing = missing_columns(self.kind, header)
        if missing:
            raise FileRefused(f"文件 {self.name} 缺少列：{'、'.join(missing)}（{self.kind} 需要表头 "
                              f"{','.join(COLUMNS[self.kind])}）")
        repeated = repeated_columns(self.kind, header)
        if repeated:
            raise FileRefused(f"文件 {self.name} 的表头中以下列出现了不止一次：{'、'.join(repeated)}")
        return tuple("" if name == EXTRA_CELLS else name for name in header)  # that key is the reader's own

    def _lines(self, handle: Any) -> Iterator[str]:
        while True:
            raw = handle.readline(MAX_LINE_BYTES + 1)
            if not raw:
                return
            self.line += 1
            if len(raw) > MAX_LINE_BYTES:
                raise too_long(self.name, self.line, MAX_LINE_BYTES)
            if self.line == 1 and raw.startswith(BOM):
                raw = raw[len(BOM):]
            try:
                yield raw.decode("utf-8")
            except UnicodeDecodeError:
                raise not_utf8(self.name, self.line) from None

    def _records(self) -> Iterator[tuple[int, dict[str, str]]]:
        try:
            yield from _numbered(self._reader, self.header, self.row)
        except csv.Error as error:
            raise bad_csv(self.name, self.line, error) from None
        except OSError as error:
            raise open_error(self.name, error) from None

    def __iter__(self) -> Iterator[tuple[int, dict[str, str]]]:
        with self.handle:
            yield from self._records()

    def pieces(self, rows: int) -> Generator[Lines | list[tuple[int, dict[str, str]]] | FileRefused]:
        """The rest of the file for worker processes, in order: blocks of whole lines (`Lines`) as long as each
        holds whole records (a quoted cell may hold a line break: a block with a quote character is parsed here
        first, strictly, to count its records), then chunks of `rows` rows read here. A FileRefused found here
        comes in its place, after what precedes it, so the first problem in the file is the one reported, as when
        it is read here."""
        with self.handle:
            pending = b""
            try:
                while True:
                    data = self.handle.read(BLOCK_BYTES)
                    buffer = pending + data if pending else data
                    if not buffer:
                        return
                    cut = buffer.rfind(b"\n") + 1 if data else len(buffer)  # at the end, the last line has no \n
                    if not cut:  # part of one line so far
                        if len(buffer) > MAX_LINE_BYTES:
                            yield too_long(self.name, self.line + 1, MAX_LINE_BYTES)
                            return
                        pending = buffer
                        continue
                    block, pending = buffer[:cut], buffer[cut:]
                    lines = block.count(b"\n") + (not block.endswith(b"\n"))
                    records = _whole_records(block) if b'"' in block else lines
                    if records is None:
                        yield from self._rows_from(block + pending, rows)
                        return
                    yield Lines(str(self.name), self.header, block, self.line + 1, self.row + 1, MAX_LINE_BYTES)
                    self.line += lines
                    self.row += records
            except OSError as error:
                yield open_error(self.name, error)

    def _rows_from(self, head: bytes, size: int) -> Iterator[list[tuple[int, dict[str, str]]] | FileRefused]:
        """The records of `head` (raw lines already read) and of the rest of the file, read here."""
        self._reader = csv.reader(self._lines(_Joined(head, self.handle)))
        try:
            yield from _chunks(self._records(), size)
        except FileRefused as refusal:  # the file is refused: the rows of the chunk it cut short do not matter
            yield refusal


def _split(text: str, ended: bool) -> list[str]:
    """The lines of `text`, each with its line break, as a file's lines are read (only "\\n" ends a line)."""
    lines = [line + "\n" for line in text.split("\n")]
    if ended:
        lines.pop()
    else:
        lines[-1] = lines[-1][:-1]
    return lines


def _whole_records(block: bytes) -> int | None:
    """How many records the lines of `block` hold, if they hold whole, well-formed records: parsed strictly, they
    end outside a quoted cell, and the lenient parse a worker makes of them gives the same records as reading on
    from here would. None: the block must be read here (not UTF-8, a quoted cell running on past it, a malformed
    quote), as it is, with the rest of the file."""
    try:
        lines = _split(block.decode("utf-8"), block.endswith(b"\n"))
        return sum(1 for _ in csv.reader(lines, strict=True))
    except (UnicodeDecodeError, csv.Error):
        return None


class _Joined:
    """`readline` over bytes already read, then over the rest of a file."""

    def __init__(self, head: bytes, rest: IO[bytes]) -> None:
        self.head = io.BytesIO(head)
        self.rest = rest

    def readline(self, limit: int) -> bytes:
        line = self.head.readline(limit)
        if line.endswith(b"\n") or len(line) >= limit:
            return line
        return line + self.rest.readline(limit - len(line))


@dataclass(frozen=True)
class Lines:
    """Raw lines of a CSV file, each a record, for a worker process to parse (`rows`), with the file's name, its
    header, the line number of the first, its row number and the longest line the reader allows (CsvFile.pieces;
    carried, as a worker process does not share the reader's module)."""

    name: str
    header: tuple[str, ...]
    data: bytes
    first_line: int
    first_row: int
    max_line_bytes: int

    def rows(self) -> list[tuple[int, dict[str, str]]]:
        """(row number, header → cell) of each record; FileRefused as reading the file here would give it."""
        reader = csv.reader(_split(self._decoded(), self.data.endswith(b"\n")))
        try:
            return list(_numbered(reader, self.header, self.first_row - 1))
        except csv.Error as error:
            raise bad_csv(self.name, self.first_line - 1 + reader.line_num, error) from None

    def _decoded(self) -> str:
        """The lines decoded; FileRefused for the first line over max_line_bytes (its line break counted) or not
        UTF-8, in the order they would be found reading line by line."""
        try:
            text, bad = self.data.decode("utf-8"), None
        except UnicodeDecodeError as error:
            text, bad = "", self.data.count(b"\n", 0, error.start)
        if len(self.data) >= self.max_line_bytes:  # else no line can be too long (a block is smaller, nearly always)
            raw = self.data.split(b"\n")
            ended = self.data.endswith(b"\n")
            for index, line in enumerate(raw if bad is None else raw[:bad + 1]):
                if len(line) + (ended or index < len(raw) - 1) > self.max_line_bytes:
                    raise too_long(self.name, self.first_line + index, self.max_line_bytes)
        if bad is not None:
            raise not_utf8(self.name, self.first_line + bad)
        return text


# What Python's csv module says, as an operator reads it.
CSV_REASONS = {
    "field larger than field limit": f"单元格超过{MAX_CELL_CHARS}个字符",
    "new-line character seen in unquoted field": "CSV格式错误：引号外出现单独的回车符（CR）；行尾应为 LF 或 CRLF，单元格内换行须加引号",
    "line contains NUL": "CSV格式错误：含有空字符（NUL）",
    "unexpected end of data": "CSV格式错误：文件在引号内结束，有引号未闭合",
    "expected after": "CSV格式错误：引号后应紧跟逗号或行尾；单元格内的引号须写成两个引号",
}


def csv_reason(error: csv.Error) -> str:
    said = str(error)
    return next((reason for known, reason in CSV_REASONS.items() if known in said), f"CSV格式错误（{said}）")


csv.field_size_limit(MAX_CELL_CHARS)


# --- cleaning (also in worker processes) ---------------------------------------------------------------------

# What each kind keeps in the stage, in order: clean values as text (lists joined with ";"). Persons' ID numbers
# are staged only as their keyed hash (and, for the registers, encrypted).
STAGE: dict[str, tuple[str, ...]] = {
    "divisions": ("code", "name", "parent_code"),
    "physician-qualifications": ("certificate_no", "name", "id_hash", "level", "category", "issued_on"),
    "institutions": ("uscc", "name", "type", "division_code", "registered_by", "address", "beds", "departments",
                     "legal_rep", "principal", "phone"),
    "nurse-exams": ("certificate_no", "name", "id_hash", "passed_year"),
    "assessments": ("certificate_no", "period", "result", "assessed_on", "assessor"),
    "physicians": ("id_hash", "id_encrypted", "name", "sex", "birth_date", "certificate_no", "level", "category",
                   "practice_category", "practice_scopes", "institution_uscc", "registered_on", "registered_by"),
    "nurses": ("id_hash", "id_encrypted", "name", "sex", "birth_date", "certificate_no", "passed_year",
               "institution_uscc", "department", "registered_on", "valid_until", "registered_by"),
}


def _text(value: Any) -> str | None:
    if value is None or type(value) is str:  # most cells: nothing to do
        return value
    if isinstance(value, list):
        return ";".join(value)
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


class Transform:
    """Row → staged tuple (or RowRefused): the pure clean, then the keyed hash and encryption of the ID number."""

    def __init__(self, kind: str, secret: str, today: date | None = None) -> None:
        self.kind = kind
        self.cleaner = Cleaner(kind, today)
        self.columns = STAGE[kind]
        self.hash = lookup_hasher(secret)
        self.encrypt = encrypter(secret) if kind in ("physicians", "nurses") else None

    def __call__(self, row: Mapping[str, Any]) -> tuple[str | None, ...]:
        clean = self.cleaner.clean(row)
        if "id_number" in clean:
            clean["id_hash"] = self.hash(clean["id_number"])
            if self.encrypt is not None:
                clean["id_encrypted"] = self.encrypt(clean["id_number"])
        return tuple([_text(clean[name]) for name in self.columns])

    def chunk(self, rows: Sequence[tuple[int, Mapping[str, Any]]]) -> tuple[list[tuple], list[tuple[int, dict[str, str]]]]:
        """(staged rows with their row number first, refusals) of a chunk of numbered rows."""
        staged, refused = [], []
        for number, row in rows:
            try:
                staged.append((number, *self(row)))
            except RowRefused as error:
                refused.append((number, error.reasons))
        return staged, refused

    def copy_chunk(self, rows: Sequence[tuple[int, Mapping[str, Any]]]) -> tuple[CopyRows, list[tuple[int, dict[str, str]]]]:
        """As chunk, the staged rows as the text of a PostgreSQL COPY: a worker process formats them, so the process
        that stages them only passes one string to the database per chunk."""
        staged, refused = self.chunk(rows)
        return CopyRows(copy_text(staged), len(staged)), refused


# COPY's text format: these four characters are written as escapes; NULL is \N.
COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
COPY_SPECIALS = tuple(chr(code) for code in COPY_ESCAPES)  # the same four characters, to look for


def copy_text(rows: Sequence[tuple]) -> str:
    """Rows (a row number, then text or None) as the text of a PostgreSQL COPY. A chunk whose values hold none of
    the four characters COPY escapes (nearly every chunk) is joined as it is: escaping each value one by one was a
    fifth of a register import's cleaning."""
    if not rows:
        return ""
    values = "".join([value for row in rows for value in row[1:] if value is not None])
    if any(special in values for special in COPY_SPECIALS):
        lines = ["\t".join(["\\N" if value is None else str(value).translate(COPY_ESCAPES) for value in row]) for row in rows]
    else:
        lines = [f"{row[0]}\t" + "\t".join(["\\N" if value is None else value for value in row[1:]]) for row in rows]
    return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class CopyRows:
    """Staged rows as COPY text (`count` lines)."""

    text: str
    count: int

    def __len__(self) -> int:
        return self.count


_WORKER: Transform | None = None


_AS_COPY = False


def _start_worker(kind: str, secret: str, today: date, as_copy: bool) -> None:
    global _WORKER, _AS_COPY
    _WORKER = Transform(kind, secret, today)
    _AS_COPY = as_copy


def _work(piece: Lines | Sequence[tuple[int, Mapping[str, Any]]]) -> tuple[list[tuple] | CopyRows, list[tuple[int, dict[str, str]]]]:
    assert _WORKER is not None
    rows = piece.rows() if isinstance(piece, Lines) else piece
    return _WORKER.copy_chunk(rows) if _AS_COPY else _WORKER.chunk(rows)


class _Refused:
    """A FileRefused found while reading, raised in its turn among the pieces' results."""

    def __init__(self, refusal: FileRefused) -> None:
        self.refusal = refusal

    def get(self) -> Any:
        raise self.refusal


def _chunks(rows: Iterable[tuple[int, dict[str, str]]], size: int) -> Generator[list[tuple[int, dict[str, str]]]]:
    chunk: list[tuple[int, dict[str, str]]] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def transformed(kind: str, secret: str, rows: Iterable[tuple[int, dict[str, str]]], workers: int, chunk: int = 2000,
                today: date | None = None, as_copy: bool = False,
                ) -> Iterator[tuple[list[tuple] | CopyRows, list[tuple[int, dict[str, str]]]]]:
    """Clean the rows in `workers` processes (0: in this one), chunk by chunk and in order, with at most a few
    chunks in flight so memory stays bounded; `as_copy`: the workers give the staged rows as COPY text. Rows of a
    CsvFile go to the workers as raw lines (CsvFile.pieces) where they can."""
    today = today or clock.today()
    if workers <= 0:
        transform = Transform(kind, secret, today)
        for part in _chunks(rows, chunk):
            yield transform.chunk(part)
        return
    from collections import deque

    from models.processes import pool as worker_pool

    with worker_pool(workers, __name__, _start_worker, (kind, secret, today, as_copy)) as pool:
        waiting: deque[Any] = deque()
        pieces: Generator[Any] = rows.pieces(chunk) if isinstance(rows, CsvFile) else _chunks(rows, chunk)
        with closing(pieces):  # the file is closed when a worker's refusal ends the reading early
            for part in pieces:
                waiting.append(_Refused(part) if isinstance(part, FileRefused) else pool.apply_async(_work, (part,)))
                if len(waiting) >= 2 * workers + 2:
                    yield waiting.popleft().get()
            while waiting:
                yield waiting.popleft().get()


# --- the import ----------------------------------------------------------------------------------------------


Progress = Callable[[int], None]

# The statistics target of the ANALYZEs between a load's batches (PostgreSQL's default: 100): a sample of 3,000 rows.
LOAD_STATISTICS_TARGET = 10


class Import:
    """One import of one kind on one connection: stage, check, then apply batch by batch (see the module)."""

    def __init__(self, connection: Connection, kind: str, secret: str, *, today: date | None = None) -> None:
        from models.imports import checks, writers

        self.connection = connection
        self.kind = kind
        self.secret = secret
        self.today = today or clock.today()
        self.report = ImportReport(kind)
        self.columns = STAGE[kind]
        self.postgres = connection.dialect.name == "postgresql"
        self.staged = 0
        self._after = 0
        self.sketched: set[str] = set()  # tables analyzed with a small sample during the load (analyze_grown)
        self._checks = checks
        self._writers = writers
        self._writer = writers.WRITERS[kind]

    # stage --------------------------------------------------------------------------------------------------

    def create_stage(self) -> None:
        run = self.connection.exec_driver_sql
        for table in ("import_stage", "import_refused", "import_ancestry"):
            run(f"DROP TABLE IF EXISTS {'pg_temp.' if self.postgres else 'temp.'}{table}")
        columns = ", ".join(f"{name} TEXT" for name in self.columns)
        run(f"CREATE TEMPORARY TABLE import_stage (rn INTEGER PRIMARY KEY, {columns})")
        run("CREATE TEMPORARY TABLE import_refused (rn INTEGER NOT NULL, field TEXT NOT NULL, reason TEXT NOT NULL)")

    def stage(self, rows: Iterable[tuple[int, dict[str, str]]], workers: int = 0, progress: Progress | None = None) -> None:
        """Clean every row and stage the good ones; FileRefused from the reader passes through."""
        self.create_stage()
        for staged, refused in transformed(self.kind, self.secret, rows, workers, today=self.today, as_copy=self.postgres):
            for number, reasons in refused:
                self.report.refuse(number, reasons)
            self.write_stage(staged)
            self.staged += len(staged)
            if progress:
                progress(len(staged) + len(refused))

    def write_stage(self, rows: list[tuple] | CopyRows) -> None:
        if not rows:
            return
        if not self.postgres:
            assert not isinstance(rows, CopyRows)
            marks = ", ".join("?" for _ in range(len(self.columns) + 1))
            self.connection.exec_driver_sql(f"INSERT INTO import_stage ({', '.join(('rn', *self.columns))}) VALUES ({marks})", rows)
        elif isinstance(rows, CopyRows):
            self.load_stage(rows.text)
        else:
            with self._copy("COPY import_stage ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)

    def load_stage(self, data: str | bytes) -> None:
        """Stage rows given as COPY text (PostgreSQL)."""
        with self._copy("COPY import_stage ({names}) FROM STDIN") as copy:
            copy.write(data)

    def stage_text(self, first: int, last: int) -> bytes:
        """The staged rows `first`..`last` as COPY text, for another connection's stage (load_stage). PostgreSQL."""
        with self._copy(f"COPY (SELECT {{names}} FROM import_stage WHERE rn BETWEEN {int(first)} AND {int(last)} "
                        "ORDER BY rn) TO STDOUT") as copy:
            return b"".join(bytes(block) for block in copy)

    @contextmanager
    def _copy(self, statement: str) -> Iterator[Any]:
        """A COPY on this connection's driver connection; `{names}` in `statement`: the stage's columns."""
        raw = self.connection.connection.driver_connection
        with raw.cursor() as cursor, cursor.copy(statement.format(names=", ".join(("rn", *self.columns)))) as copy:  # type: ignore[union-attr]
            yield copy

    def clear_stage(self) -> None:
        self.connection.exec_driver_sql("TRUNCATE import_stage")

    # check --------------------------------------------------------------------------------------------------

    def check(self) -> None:
        """Run the set-based checks, report what they refuse and leave those rows out of the stage."""
        if self.postgres:
            self.connection.exec_driver_sql("ANALYZE import_stage")
        self._checks.run(self.connection, self.kind, self.postgres)
        run = self.connection.execute
        refused_rows = run(text("SELECT count(DISTINCT rn) FROM import_refused")).scalar_one()
        self.report.refused_rows += refused_rows
        if refused_rows:
            for number, name, reason in run(text(
                    "SELECT rn, field, reason FROM import_refused ORDER BY rn, field LIMIT :n"), {"n": MAX_LISTED_ERRORS}):
                self.report.add_reasons(number, {name: reason})
            total = run(text("SELECT count(*) FROM import_refused")).scalar_one()
            self.report.unlisted += max(0, total - MAX_LISTED_ERRORS)
            run(text("DELETE FROM import_stage WHERE rn IN (SELECT rn FROM import_refused)"))
            self.staged -= refused_rows
        self.report.errors.sort(key=lambda error: error.row)

    # apply --------------------------------------------------------------------------------------------------

    def ranges(self, size: int) -> Iterator[tuple[int, int, int]]:
        """(first, last, count): the staged rows in row order, `size` at a time, each range found only when the
        previous one was applied (a writer may remove the rows it wrote from the stage)."""
        while True:
            last, count = self.connection.execute(text(
                "SELECT max(rn), count(*) FROM (SELECT rn FROM import_stage WHERE rn > :after ORDER BY rn LIMIT :n) b"),
                {"after": self._after, "n": size}).one()
            if not count:
                return
            yield self._after + 1, int(last), int(count)
            self._after = int(last)

    def rows_in(self, first: int, last: int) -> list[dict[str, Any]]:
        """The staged rows `first`..`last`. The kinds written by INSERT ... SELECT from the stage read the range
        themselves: for them, only its two ends."""
        if self.reads_range:
            return [{"rn": first}, {"rn": last}]
        return [dict(row) for row in self.connection.execute(text(
            f"SELECT {', '.join(('rn', *self.columns))} FROM import_stage WHERE rn BETWEEN :first AND :last ORDER BY rn"),
            {"first": first, "last": last}).mappings()]

    @property
    def reads_range(self) -> bool:
        return self.kind in self._writers.FROM_STAGE

    def apply_batch(self, rows: list[dict[str, Any]], count: int | None = None) -> list[int]:
        """Write one batch (`count` rows: by default, as many as `rows`); the ids of the register entries it created
        or changed (to publish). The rows a register writer kept (their entries changed online since imported) are
        counted apart from those loaded."""
        changed = self._writer(self.connection, rows, self.today)
        kept = getattr(changed, "kept", ())
        self.report.keep(kept)
        self.report.loaded += (len(rows) if count is None else count) - len(kept)
        self.report.applied = True
        return changed

    @property
    def register(self) -> str | None:
        return {"institutions": "institution", "physicians": "physician", "nurses": "nurse"}.get(self.kind)

    def publish_counts(self) -> None:
        """Have PostgreSQL publish this transaction's row counts as soon as it commits (PostgreSQL 15 and later):
        a backend otherwise publishes them at most once a second, or when idle for ten, and analyze_grown, on this
        connection or another, missed what the last batches had written (a register loaded on two connections
        was left with no statistics at all)."""
        if self.postgres and (self.connection.dialect.server_version_info or (0,)) >= (15,):
            self.connection.exec_driver_sql("SELECT pg_stat_force_next_flush()")

    def analyze_grown(self, *, during_load: bool = False) -> list[str]:
        """ANALYZE the tables this import has doubled (or changed half of) since their statistics were taken.

        Without it the batches of a big load into an empty register are planned with the statistics of empty tables
        (autovacuum catches up a minute or more later): each batch's look-ups of what is already there become
        scans of everything loaded so far. Doubling (not a fifth, as autovacuum) keeps it to a few ANALYZEs per
        load (log2 of its batches).

        `during_load`: between batches, where only the batches' plans need the statistics (row counts, the keys
        they join on), each table is sampled at a tenth of the usual size: a full ANALYZE of persons or public
        records took about a second, sixteen of a hundred seconds of PostgreSQL in a 480,000-row register import.
        Those tables are remembered (`sketched`) and the final call, after the last batch, gives them full
        statistics with the grown ones, for the searches and lists that read them afterwards. PostgreSQL only;
        outside a transaction of the import's own."""
        if not self.postgres:
            return []
        grown = [name for (name,) in self.connection.exec_driver_sql(
            "SELECT relname FROM pg_stat_user_tables WHERE schemaname = 'public' AND n_mod_since_analyze > 1000 "
            "AND n_mod_since_analyze >= 0.5 * n_live_tup ORDER BY relname")]
        if during_load:
            if grown:
                self.connection.exec_driver_sql(f"SET LOCAL default_statistics_target = {LOAD_STATISTICS_TARGET}")
            self.sketched.update(grown)
        else:
            grown = sorted(set(grown) | self.sketched)
            self.sketched.clear()
        for name in grown:
            self.connection.exec_driver_sql(f'ANALYZE "{name}"')
        return grown

    def clean_gin_pending(self) -> None:
        """Merge the pending lists of the GIN (name) indexes into the indexes: a load leaves megabytes of entries
        there that every search would read one by one until VACUUM merged them. PostgreSQL only."""
        if self.postgres:
            self.connection.exec_driver_sql(
                "SELECT gin_clean_pending_list(i.indexrelid) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
                "JOIN pg_am a ON a.oid = c.relam WHERE a.amname = 'gin'")

    def drop_stage(self) -> None:
        for table in ("import_stage", "import_refused", "import_ancestry", "import_new", "import_fresh"):
            self.connection.exec_driver_sql(f"DROP TABLE IF EXISTS {'pg_temp.' if self.postgres else 'temp.'}{table}")
