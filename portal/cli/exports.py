"""`medreg export public --out DIR [--since CURSOR]`: the open-data files of the public registers.

Writes a full snapshot (CSV and NDJSON) at the newest feed cursor and, since a cursor (given, or the one
of the export already in DIR), the changes files; then manifest.json. The portal serves DIR's newest
files at /api/v1/public/bulk when DIR is its MEDREG_BULK_DIR. Exit 0 done, 2 unusable arguments.
"""
from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from models.db import session_scope
from models.settings import load_settings
from portal.cli.output import err, out
from publisher import bulk


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("export", help="导出公示数据：全量快照与增量文件（CSV、NDJSON）")
    parser.add_argument("what", choices=["public"], help="导出内容：public（公示记录）")
    parser.add_argument("--out", required=True, type=Path, metavar="DIR", help="输出目录")
    parser.add_argument("--since", metavar="CURSOR", help="增量文件的起始游标（默认：目录中上次导出的游标；没有则只导出全量）")
    parser.set_defaults(run=run)


def since_cursor(raw: str | None, out_dir: Path) -> int | None:
    if raw is not None:
        if not raw.isdigit():
            raise ValueError(f"--since 应为非负整数游标：{raw}")
        return int(raw)
    previous = bulk.read_manifest(out_dir)
    return int(previous["cursor"]) if previous else None


def run(args: argparse.Namespace) -> int:
    try:
        since = since_cursor(args.since, args.out)
    except ValueError as error:
        err().print(str(error))
        return 2
    if args.out.exists() and not args.out.is_dir():
        err().print(f"{args.out} 不是目录")
        return 2
    settings = load_settings()
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    console = err()
    with Progress(*columns, console=console, transient=True, disable=not console.is_terminal) as progress:

        def bar(description: str, total: int) -> Callable[[int], None]:
            task = progress.add_task(description, total=total)
            return lambda count: progress.advance(task, count)

        with session_scope(settings.database_url) as session:
            result = bulk.export(session, args.out, since, bar)
    out().print(f"全量快照：{result.records} 条记录（游标 {result.cursor}）")
    if result.changes is not None:
        out().print(f"增量：游标 {since} 之后的 {result.changes} 个版本")
    for name in result.files:
        out().print(f"  {args.out / name}")
    return 0
