"""The long-running processes: `medreg serve` (the portal), `medreg relay` (the outbox relay) and
`medreg receiver` (a reference disclosure site). Each runs in the foreground until Ctrl-C or SIGTERM."""
from __future__ import annotations

import argparse
import os
import signal
import sys
import threading

from portal.cli.output import CommandError, err, listen_failure, out

PORTAL_THREADS = 8


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    serve = subparsers.add_parser("serve", help="用生产级WSGI服务器（waitress）运行门户，配置取自环境变量")
    serve.add_argument("--host", default="0.0.0.0", help="监听地址（默认 0.0.0.0）")
    serve.add_argument("--port", type=int, default=6543, help="端口（默认 6543）")
    serve.add_argument("--trusted-proxy", default=os.environ.get("MEDREG_TRUSTED_PROXY", ""),
                       help="反向代理的地址（如 127.0.0.1，或 * 表示任意）：只信任它转发的 X-Forwarded-For/-Proto，"
                            "限流和失败计数才看到真实客户端（默认取 MEDREG_TRUSTED_PROXY，不设置则不信任任何代理）")
    serve.add_argument("--trusted-proxy-count", type=int, default=int(os.environ.get("MEDREG_TRUSTED_PROXY_COUNT", "1")),
                       help="客户端与门户之间的代理层数（默认 1）")
    serve.set_defaults(run=run_serve)

    relay = subparsers.add_parser("relay", help="运行发件箱转发进程：把已提交的消息发布到消息队列")
    relay.add_argument("--idle-sleep", type=float, default=0.05, help="无待发消息时的等待秒数（默认 0.05）")
    relay.set_defaults(run=run_relay)

    receiver = subparsers.add_parser("receiver", help="运行参考公示接收端，接收签名推送")
    receiver.add_argument("--host", default="127.0.0.1", help="监听地址（默认 127.0.0.1）")
    receiver.add_argument("--port", type=int, default=8765, help="端口（默认 8765）")
    receiver.add_argument(
        "--channel", action="append", required=True, metavar="NAME=SECRET", help="渠道名与共享密钥，可重复"
    )
    receiver.set_defaults(run=run_receiver)


def stop_on_signals() -> threading.Event:
    """An event set by Ctrl-C or SIGTERM, so a foreground process can finish its current pass and exit."""
    stop = threading.Event()
    for number in (signal.SIGINT, signal.SIGTERM):
        signal.signal(number, lambda *_: stop.set())
    return stop


def run_serve(args: argparse.Namespace) -> int:
    from waitress.server import create_server

    from portal import main
    from portal.headers import MAX_BODY_BYTES

    proxy = {"trusted_proxy": args.trusted_proxy, "trusted_proxy_count": args.trusted_proxy_count,
             "trusted_proxy_headers": "x-forwarded-for x-forwarded-proto x-forwarded-host",
             "clear_untrusted_proxy_headers": True} if args.trusted_proxy else {}
    try:
        server = create_server(main({}), host=args.host, port=args.port, threads=PORTAL_THREADS,
                               max_request_body_size=MAX_BODY_BYTES, **proxy)
    except OSError as error:
        err().print(listen_failure(args.host, args.port, error))
        return 2
    out().print(f"门户已启动：http://{args.host}:{server.effective_port}/")
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    out().print("门户已停止")
    return 0


def run_relay(args: argparse.Namespace) -> int:
    """The relay is the workers' process (`python -m workers relay`): become it, signals and all."""
    os.execv(sys.executable, [sys.executable, "-m", "workers", "relay", "--idle-sleep", str(args.idle_sleep)])
    return 0  # not reached


def parse_channels(values: list[str]) -> dict[str, str]:
    secrets: dict[str, str] = {}
    for value in values:
        name, sep, secret = value.partition("=")
        if not sep or not name.strip() or not secret:
            raise CommandError(f"--channel 应写作 NAME=SECRET：{value}", exit_code=2)
        secrets[name.strip()] = secret
    return secrets


def run_receiver(args: argparse.Namespace) -> int:
    from publisher.receiver import Receiver

    try:
        secrets = parse_channels(args.channel)
        receiver = Receiver(secrets, host=args.host, port=args.port)
    except CommandError as error:
        err().print(error.message)
        return error.exit_code
    except OSError as error:
        err().print(listen_failure(args.host, args.port, error))
        return 2
    stop = stop_on_signals()
    with receiver:
        for name in secrets:
            out().print(f"公示接收端 {name}：http://{args.host}:{receiver.port}/{name}")
        stop.wait()
    out().print("公示接收端已停止")
    return 0
