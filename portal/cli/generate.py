"""`medreg generate --out DIR [--scale 1.0] [--seed N]`: a synthetic national register, one CSV file per import kind
(pipeline/synthetic.py), ready for `medreg import` in the order of pipeline.imports.ORDER."""
from __future__ import annotations

import argparse
import csv
from collections.abc import Iterable
from contextlib import ExitStack
from pathlib import Path

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from models.imports import os_reason
from pipeline.imports import COLUMNS, ORDER
from pipeline.synthetic import QUALIFIED_NOT_REGISTERED, Country
from portal.cli.output import err, out


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("generate", help="生成合成的全国注册数据（每种导入类型一个CSV文件），用于测试与压测")
    parser.add_argument("--out", type=Path, required=True, metavar="DIR", help="输出目录")
    parser.add_argument("--scale", type=float, default=1.0, help="规模：1.0 为全国（约107万机构、480万医师、560万护士）；0.01 为百分之一")
    parser.add_argument("--seed", type=int, default=2026, help="随机种子：同一种子生成同样的文件")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    if not 0 < args.scale <= 10:
        err().print("--scale 应在 0 到 10 之间")
        return 2
    try:
        args.out.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        err().print(f"无法创建目录 {args.out}：{os_reason(error)}")
        return 2
    try:
        counts = generate(args.out, args.scale, args.seed)
    except OSError as error:  # a file's name taken by a directory, the disk full …
        err().print(f"无法写入 {error.filename or args.out}：{os_reason(error)}")
        return 2
    for kind in ORDER:
        out().print(f"{args.out / (kind + '.csv')}：{counts[kind]} 行")
    return 0


def generate(directory: Path, scale: float, seed: int) -> dict[str, int]:
    country = Country(scale, seed)
    counts = dict.fromkeys(ORDER, 0)
    console = err()
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=True, disable=not console.is_terminal) as progress, ExitStack() as files:
        writers = {}
        for kind in ORDER:
            handle = files.enter_context((directory / f"{kind}.csv").open("w", encoding="utf-8", newline=""))
            writers[kind] = csv.writer(handle, lineterminator="\n")
            writers[kind].writerow(COLUMNS[kind])

        def write(kind: str, row: dict[str, str] | None) -> None:
            if row is not None:
                writers[kind].writerow([row[name] for name in COLUMNS[kind]])
                counts[kind] += 1

        def walk(label: str, total: int, rows: Iterable[tuple]) -> Iterable[tuple]:
            task = progress.add_task(label, total=total)
            for item in rows:
                yield item
                progress.advance(task)

        for division in country.rows("divisions"):
            write("divisions", division)
        for (institution,) in walk("机构", country.institutions, ((r,) for r in country.rows("institutions"))):
            write("institutions", institution)
        extra = round(country.physicians * QUALIFIED_NOT_REGISTERED)
        for qualification, assessment, physician in walk("医师", country.physicians + extra, country.physician_rows()):
            write("physician-qualifications", qualification)
            write("assessments", assessment)
            write("physicians", physician)
        extra = round(country.nurses * QUALIFIED_NOT_REGISTERED)
        for exam, nurse in walk("护士", country.nurses + extra, country.nurse_rows()):
            write("nurse-exams", exam)
            write("nurses", nurse)
    return counts
