"""`medreg`: the command line of medreg (set-up, data loading, accounts, and the processes to run).

Each command lives in its own module with `add_parser(subparsers)` and `run(args) -> int`; the return
value is the exit code: 0 done, 1 done in part or refused, 2 unusable input.
"""
from __future__ import annotations

import argparse
import signal
import sys
from collections.abc import Sequence
from contextlib import AbstractContextManager

from sqlalchemy.exc import DBAPIError, IntegrityError, InterfaceError, OperationalError, ProgrammingError

from models.logs import configure_logging, level_of
from portal.cli import (
    audit,
    database,
    exports,
    generate,
    imports,
    kinds,
    licences,
    publishing,
    secrets,
    servers,
    status,
    users,
)
from portal.cli.output import err
from portal.command import INTERRUPTED, INTERRUPTED_STATUS

COMMANDS = (database, imports, generate, users, servers, exports, publishing, licences, audit, secrets, kinds, status)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="medreg", description="医疗机构、医师、护士电子化注册系统")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module in COMMANDS:
        module.add_parser(subparsers)
    from portal import demo

    demo.add_parser(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    # What the commands log (not what they print): JSON lines on standard error, warnings and worse unless
    # MEDREG_LOG_LEVEL says otherwise; `medreg serve` logs from INFO (its access log).
    configure_logging(level_of(None, "WARNING"))
    try:
        with interrupted_by_sigterm():
            return args.run(args)
    except KeyboardInterrupt:
        print(INTERRUPTED, file=sys.stderr)
        return INTERRUPTED_STATUS
    except DBAPIError as error:
        err().print(database_failure(error))
        return 1


def database_failure(error: DBAPIError) -> str:
    """What a command says when the database refuses it — not a traceback: which of the usual causes it is (no server
    or no such database, a database never migrated, another run writing the same rows at the same moment) and what
    to do; the driver's own first line after it. Every command's writes are whole transactions, so nothing half-done
    is left behind."""
    from portal.health import first_line

    detail = first_line(error.orig) if error.orig is not None else first_line(error)
    if isinstance(error, IntegrityError):
        return (f"另一项同时进行的操作（例如同一文件的另一次导入）写入了相同的数据，本次未完成；"
                f"待其结束后重新运行即可（导入可安全重跑）。（{detail}）")
    if isinstance(error, ProgrammingError | OperationalError) and _missing_table(error):
        return f"数据库尚未建立表结构或不是最新版本：请先运行 medreg init-db。（{detail}）"
    if isinstance(error, OperationalError | InterfaceError):
        return f"无法连接数据库：请检查 MEDREG_DATABASE_URL 指向的数据库是否存在、服务是否在运行。（{detail}）"
    return f"数据库拒绝了本次操作，未完成：（{detail}）"


def _missing_table(error: DBAPIError) -> bool:
    code = getattr(error.orig, "sqlstate", None)
    return code in ("42P01", "42703") or "no such table" in str(error.orig)


def interrupted_by_sigterm() -> AbstractContextManager[None]:
    """SIGTERM (`kill`, a supervisor's stop) stops a command as Ctrl-C does: what it has in hand rolled back, its worker
    processes stopped, 已中断 — not a death that leaves an import's workers to fail with tracebacks on a broken pipe.
    The long-running processes set their own handlers (`medreg serve` drains its requests) or exec another program."""
    from models.processes import handling

    return handling({signal.SIGTERM: signal.default_int_handler})
