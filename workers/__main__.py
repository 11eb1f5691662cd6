"""`python -m workers relay` (the outbox relay, what `medreg relay` runs) and `python -m workers declare-queues`
(create the broker's queues before several processes race to: `medreg demo` runs it first).

The workers' own entry points, so the portal's commands start worker processes without importing them.
"""
from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading

from models.logs import configure_logging
from models.settings import load_settings

log = logging.getLogger("workers.relay")


def relay(args: argparse.Namespace) -> int:
    from workers.app import app, configure
    from workers.relay import run_relay

    configure(app, load_settings())
    stop = threading.Event()
    for number in (signal.SIGINT, signal.SIGTERM):
        signal.signal(number, lambda *_: stop.set())
    if args.parent:
        threading.Thread(target=stop_without_parent, args=(args.parent, stop), daemon=True).start()
    log.info("发件箱转发已启动，按 Ctrl-C 停止")
    run_relay(app, app.conf.medreg, stop, idle_sleep=args.idle_sleep)
    log.info("发件箱转发已停止")
    return 0


def stop_without_parent(parent: int, stop: threading.Event, every: float = 1.0) -> None:
    """A worker's relay child stops when its worker is gone (reparented: the worker was killed and could not stop it)."""
    while not stop.wait(every):
        if os.getppid() != parent:
            log.warning("所属工作进程已退出，发件箱转发随之停止")
            stop.set()


def declare_queues(args: argparse.Namespace) -> int:
    from workers.app import app, configure

    configure(app, load_settings())
    with app.connection_for_write() as connection:
        channel = connection.default_channel
        for queue in app.conf.task_queues:
            queue(channel).declare()
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m workers")
    commands = parser.add_subparsers(dest="command", required=True)
    relay_command = commands.add_parser("relay", help="运行发件箱转发进程")
    relay_command.add_argument("--idle-sleep", type=float, default=0.05, help="无待发消息时的等待秒数（默认 0.05）")
    relay_command.add_argument("--parent", type=int, default=0, help=argparse.SUPPRESS)  # the worker that started it
    relay_command.set_defaults(run=relay)
    commands.add_parser("declare-queues", help="在消息队列中创建各阶段的队列").set_defaults(run=declare_queues)
    args = parser.parse_args(argv)
    configure_logging()  # JSON lines on standard error (MEDREG_LOG_LEVEL, default INFO)
    return int(args.run(args))


if __name__ == "__main__":
    sys.exit(main())
