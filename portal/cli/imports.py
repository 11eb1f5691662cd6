"""`medreg import KIND FILE.csv`: load reference data or legacy registers, with a progress bar and a
reason per refused row. Exit 0 all loaded, 1 some rows refused (the good ones are loaded), 2 unknown
kind or unreadable file."""
from __future__ import annotations

import argparse
import csv
from pathlib import Path

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from models.db import session_scope
from models.imports import COLUMNS, LOADERS, ImportReport, missing_columns
from models.settings import load_settings
from portal.cli.output import CommandError, err, out
from publisher.disclosure import publish_changed

LATER_KINDS = ("physicians", "nurses")
KIND_LABELS = {
    "divisions": "行政区划",
    "physician-qualifications": "医师资格",
    "institutions": "医疗机构",
    "nurse-exams": "护士执业资格考试合格记录",
    "assessments": "医师定期考核结果",
}


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("import", help="从CSV文件导入基础数据或存量登记（可重复导入）")
    parser.add_argument("kind", metavar="KIND", help=f"数据类型：{'、'.join([*LOADERS, *LATER_KINDS])}")
    parser.add_argument("file", metavar="FILE.csv", type=Path, help="UTF-8编码、带表头的CSV文件")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    try:
        check_kind(args.kind)
        rows = read_rows(args.kind, args.file)
    except CommandError as error:
        err().print(error.message)
        return error.exit_code
    report = load(args.kind, rows)
    show(report)
    return 1 if report.refused else 0


def check_kind(kind: str) -> None:
    if kind in LATER_KINDS:
        raise CommandError(f"导入类型 {kind} 暂未支持", exit_code=2)
    if kind not in LOADERS:
        raise CommandError(f"未知的导入类型 {kind}；可用类型：{'、'.join(LOADERS)}", exit_code=2)


def read_rows(kind: str, path: Path) -> list[dict[str, str]]:
    """Every row of the file; the header must name the kind's columns (a BOM, as Excel writes, is fine)."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            missing = missing_columns(kind, reader.fieldnames)
            if missing:
                raise CommandError(
                    f"文件 {path} 缺少列：{'、'.join(missing)}（{kind} 需要表头 {','.join(COLUMNS[kind])}）", exit_code=2
                )
            return [{(key or "").strip(): value for key, value in row.items()} for row in reader]
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        raise CommandError(f"无法读取文件 {path}：{reason(error)}", exit_code=2) from None


def reason(error: Exception) -> str:
    if isinstance(error, FileNotFoundError):
        return "文件不存在"
    if isinstance(error, IsADirectoryError):
        return "这是一个目录"
    if isinstance(error, PermissionError):
        return "没有读取权限"
    if isinstance(error, UnicodeDecodeError):
        return "不是UTF-8编码"
    return str(error)


def load(kind: str, rows: list[dict[str, str]]) -> ImportReport:
    settings = load_settings()
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    console = err()
    with Progress(*columns, console=console, transient=True, disable=not console.is_terminal) as progress:
        task = progress.add_task(f"导入{KIND_LABELS[kind]}", total=len(rows))
        with session_scope(settings.database_url) as session:
            report = LOADERS[kind](session, settings, rows, progress=lambda: progress.advance(task))
            publish_changed(session, settings, report.changed)
            return report


def show(report: ImportReport) -> None:
    problems = err()
    for error in report.errors:
        column = "" if error.field == "*" else f" {error.field}"
        problems.print(f"第{error.row}行{column}：{error.reason}")
    out().print(f"{KIND_LABELS[report.kind]}：已导入 {report.loaded} 行，拒绝 {report.refused} 行")
