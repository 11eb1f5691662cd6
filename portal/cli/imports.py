"""`medreg import KIND FILE.csv`: load reference data or legacy registers, streamed and in batches, with a
progress bar and a reason per refused row (docs/import-formats.md).

Exit 0: every row loaded, or kept (its register entry changed online since it was imported: the entry stands,
the row is counted and listed apart, not refused). 1: rows refused — nothing was written, or with `--load-good-rows` the good rows were.
2: the file as a whole cannot be loaded (unknown kind, not there, not UTF-8, missing columns, a line too long).
"""
from __future__ import annotations

import argparse
import os
from collections.abc import Callable, Iterable
from pathlib import Path

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

from models.db import engine_for
from models.imports import COLUMNS, LABELS, FileRefused, ImportReport, read_csv
from models.settings import load_settings
from portal.cli.output import CommandError, err, out
from publisher.loading import BATCH_ROWS, run_import

KIND_LABELS = LABELS
# A row kept (ImportReport.kept): its register entry changed online since it was last imported, so the entry stands.
KEPT_REASON = "对应的登记在导入后已办理其他业务（审批、窗口业务、到期等），保留现有登记，未按文件修改"
# Files above this size (about 20,000 register rows) are cleaned in worker processes (ID numbers are hashed and
# encrypted there) while this process stages what they cleaned; below it a pool costs more than it saves.
PARALLEL_FROM_BYTES = 2 << 20


MAX_BATCH_ROWS = 1_000_000  # a transaction's rows: more only makes the lock and the WAL of one commit larger
MAX_WORKERS = 64  # processes and database connections: beyond any machine this runs on, below max_connections


def whole_number(low: int, high: int) -> Callable[[str], int]:
    """An option's integer within low..high, or argparse's refusal (exit 2) saying so in Chinese."""
    def parse(raw: str) -> int:
        if not raw.strip().isdigit() or not low <= int(raw) <= high:
            raise argparse.ArgumentTypeError(f"应为{low}至{high}之间的整数：{raw}")
        return int(raw)

    return parse


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("import", help="从CSV文件导入基础数据或存量登记（可重复导入）")
    parser.add_argument("kind", metavar="KIND", help=f"数据类型：{'、'.join(COLUMNS)}")
    parser.add_argument("file", metavar="FILE.csv", type=Path, help="UTF-8编码、带表头的CSV文件")
    parser.add_argument("--load-good-rows", action="store_true",
                        help="有行被拒绝时仍导入其余正确的行（默认：有任何一行被拒绝，整个文件都不导入）")
    parser.add_argument("--batch-rows", type=whole_number(1, MAX_BATCH_ROWS), default=BATCH_ROWS, metavar="N",
                        help=f"每个事务写入的行数，1至{MAX_BATCH_ROWS}（默认 {BATCH_ROWS}）")
    parser.add_argument("--workers", type=whole_number(0, MAX_WORKERS), default=None, metavar="N",
                        help="清洗与加密用的进程数，也是写入用的数据库连接数"
                             f"，0至{MAX_WORKERS}（默认：大文件用全部CPU核，小文件不另起进程；0 不另起进程）")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    try:
        check_kind(args.kind)
        rows = read_csv(args.kind, args.file)
    except CommandError as error:
        err().print(error.message)
        return error.exit_code
    except FileRefused as error:
        err().print(error.message)
        return 2
    workers = args.workers if args.workers is not None else default_workers(args.file)
    try:
        report = load(args.kind, rows, load_good_rows=args.load_good_rows, batch_rows=args.batch_rows, workers=workers)
    except FileRefused as error:
        err().print(f"{error.message}（文件未导入）")
        return 2
    show(report, args.load_good_rows)
    return 1 if report.refused else 0


def default_workers(path: Path) -> int:
    try:
        big = path.stat().st_size >= PARALLEL_FROM_BYTES
    except OSError:
        big = False
    return (os.cpu_count() or 1) if big else 0


def check_kind(kind: str) -> None:
    if kind not in COLUMNS:
        raise CommandError(f"未知的导入类型 {kind}；可用类型：{'、'.join(COLUMNS)}", exit_code=2)


def load(kind: str, rows: Iterable[tuple[int, dict[str, str]]], *, load_good_rows: bool = False,
         batch_rows: int = BATCH_ROWS, workers: int = 0) -> ImportReport:
    settings = load_settings()
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), TimeRemainingColumn())
    console = err()
    with Progress(*columns, console=console, transient=True, disable=not console.is_terminal) as progress:
        reading = progress.add_task(f"检查{KIND_LABELS[kind]}", total=None)
        writing = progress.add_task(f"写入{KIND_LABELS[kind]}", total=None, visible=False)

        def written(done: int, total: int) -> None:
            progress.update(writing, completed=done, total=total, visible=True)

        with engine_for(settings.database_url).connect() as connection:
            try:
                return run_import(connection, settings, kind, rows, load_good_rows=load_good_rows, batch_rows=batch_rows,
                                  workers=workers, commit=connection.commit,
                                  staged=lambda n: progress.advance(reading, n), written=written)
            except BaseException:
                try:
                    connection.rollback()
                except Exception:  # interrupted inside a command (a COPY begun): the connection can take no other
                    connection.invalidate()  # closed instead, which ends its transaction as a rollback would
                raise


def show(report: ImportReport, load_good_rows: bool = False) -> None:
    problems = err()
    for error in report.errors:
        column = "" if error.field == "*" else f" {error.field}"
        problems.print(f"第{error.row}行{column}：{error.reason}")
    if report.unlisted:
        problems.print(f"……另有 {report.unlisted} 条原因未列出")
    label = KIND_LABELS[report.kind]
    if report.refused and not report.applied and not load_good_rows:
        out().print(f"{label}：已导入 0 行，拒绝 {report.refused} 行（有行被拒绝，整个文件未导入；"
                    "改正后重新导入，或加 --load-good-rows 只导入正确的行）")
        return
    for row in report.kept_rows:
        problems.print(f"第{row}行：{KEPT_REASON}")
    if report.kept > len(report.kept_rows):
        problems.print(f"……另有 {report.kept - len(report.kept_rows)} 行同样保留现有登记，未列出")
    published = f"，公示 {report.published} 条" if report.published else ""
    kept = f"；{report.kept} 行对应的登记在导入后已办理其他业务，保留现有登记，未按文件修改" if report.kept else ""
    out().print(f"{label}：已导入 {report.loaded} 行，拒绝 {report.refused} 行{published}{kept}")
