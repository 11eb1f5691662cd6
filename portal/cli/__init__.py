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


def interrupted_by_sigterm() -> AbstractContextManager[None]:
    """SIGTERM (`kill`, a supervisor's stop) stops a command as Ctrl-C does: what it has in hand rolled back, its worker
    processes stopped, 已中断 — not a death that leaves an import's workers to fail with tracebacks on a broken pipe.
    The long-running processes set their own handlers (`medreg serve` drains its requests) or exec another program."""
    from models.processes import handling

    return handling({signal.SIGTERM: signal.default_int_handler})
