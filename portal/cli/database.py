"""`medreg init-db`: create or migrate the database to the newest schema."""
from __future__ import annotations

import argparse
from pathlib import Path

from sqlalchemy.engine import make_url

from models.migrate import upgrade
from models.settings import load_settings
from portal.cli.output import out


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("init-db", help="创建数据库或迁移到最新结构（MEDREG_DATABASE_URL）")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    url = load_settings().database_url
    init_database(url)
    out().print(f"数据库已是最新结构：{shown(url)}")
    return 0


def init_database(url: str) -> None:
    ensure_sqlite_directory(url)
    upgrade(url)


def ensure_sqlite_directory(url: str) -> None:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)


def shown(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)
