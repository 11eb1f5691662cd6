"""The long-running processes: `medreg serve` (the portal), `medreg relay` (the outbox relay) and
`medreg receiver` (a reference disclosure site). Each runs in the foreground until Ctrl-C or SIGTERM.

`medreg serve` writes only JSON lines (models/logs.py): its start and stop on standard output (the address it
listens on is in the line), everything else — the access log, errors — on standard error."""
from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
import time

from models.logs import configure_logging, json_handler
from portal.cli.output import CommandError, err, listen_failure, out

log = logging.getLogger("medreg.serve")

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
    serve.add_argument("--processes", type=int, default=None,
                       help="进程数，共用同一监听端口（默认：本机CPU核数；1 则在本进程内运行）")
    serve.add_argument("--threads", type=int, default=PORTAL_THREADS, help=f"每个进程的线程数（默认 {PORTAL_THREADS}）")
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


STOP_SIGNALS = {signal.SIGINT, signal.SIGTERM}
SHUTDOWN_SECONDS = 20.0


def shutdown_seconds() -> float:
    """How long a stopping portal lets the requests in hand finish (`MEDREG_SHUTDOWN_SECONDS`, default 20)."""
    value = os.environ.get("MEDREG_SHUTDOWN_SECONDS", "").strip()
    if not value:
        return SHUTDOWN_SECONDS
    try:
        seconds = float(value)
    except ValueError:
        seconds = -1.0
    if not 0 <= seconds < float("inf"):  # NaN fails this too
        raise CommandError("MEDREG_SHUTDOWN_SECONDS（停止时等待请求完成的秒数）应为非负数", exit_code=2)
    return seconds


def run_serve(args: argparse.Namespace) -> int:
    """Pre-fork: this process opens the listening socket, then runs `--processes` waitress servers on it
    (default: one per CPU), each its own process with its own app and database pool; the kernel hands each
    connection to one of them. The start line comes once every server has its app and accepts; SIGTERM or Ctrl-C
    stops them all gracefully (`drain_and_stop`) and the command exits 0 with one stop line, never a traceback."""
    stop = stop_on_signals()  # from the first moment: a signal during the start is a stop, not a KeyboardInterrupt
    configure_logging()
    announce = announcer()
    processes = (os.cpu_count() or 1) if args.processes is None else args.processes
    if processes < 1 or args.threads < 1:
        log.error("--processes 与 --threads 应为正整数")
        return 2
    try:
        grace = shutdown_seconds()
    except CommandError as error:
        log.error(error.message)
        return error.exit_code
    try:
        sock = listening_socket(args.host, args.port)
    except OSError as error:
        log.error(listen_failure(args.host, args.port, error))
        return 2
    port = sock.getsockname()[1]
    options = waitress_options(args)
    url = f"http://{args.host}:{port}/"
    if processes == 1:
        def ready() -> None:
            announce.info(f"门户已启动：{url}", extra={"url": url, "processes": 1, "threads": args.threads})

        code = serve_on(sock, options, grace, stop, ready=ready)
    else:
        def all_ready() -> None:
            announce.info(f"门户已启动：{url}（{processes} 个进程，每个 {args.threads} 个线程）",
                          extra={"url": url, "processes": processes, "threads": args.threads})

        with shared_metrics():
            code = PreFork(sock, processes, options, grace).run(stop, all_ready)
    announce.info("门户已停止")
    return code


def announcer() -> logging.Logger:
    """The logger of the portal's start and stop: JSON lines on standard output (where a supervisor or a test looks
    for the address), not mixed into the access log on standard error."""
    announce = logging.getLogger("medreg.serve.lifecycle")
    announce.handlers = [json_handler("stdout")]
    announce.propagate = False
    announce.setLevel(logging.INFO)
    return announce


class shared_metrics:
    """The serving processes count requests in one PROMETHEUS_MULTIPROC_DIR (portal/metrics.py), so a scrape answered
    by any of them reports all: a fresh temporary directory unless one is given (then its old counts are cleared)."""

    def __enter__(self) -> None:
        import tempfile
        from pathlib import Path

        self.made: str | None = None
        given = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
        if given:
            for stale in Path(given).glob("*.db"):
                stale.unlink(missing_ok=True)
        else:
            self.made = tempfile.mkdtemp(prefix="medreg-metrics-")
            os.environ["PROMETHEUS_MULTIPROC_DIR"] = self.made

    def __exit__(self, *_: object) -> None:
        if self.made:
            import shutil

            shutil.rmtree(self.made, ignore_errors=True)
            os.environ.pop("PROMETHEUS_MULTIPROC_DIR", None)


def listening_socket(host: str, port: int):
    import socket

    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
        sock.listen(1024)
    except OSError:
        sock.close()
        raise
    sock.setblocking(False)
    return sock


def server_body_limit() -> int:
    """Waitress's hard bound on a request body: twice the app's own limit (portal/headers.py). A body over the app's
    limit but within this one reaches the app, which refuses it in its own words (the contract's JSON 413, a Chinese
    page); only a bigger one gets waitress's plain-text 413, declared up front or once that much of a chunked body
    has come. Waitress keeps a body over 512 KB (`inbuf_overflow`) in a temporary file, not in memory."""
    from portal.headers import MAX_BODY_BYTES

    return 2 * MAX_BODY_BYTES


def waitress_options(args: argparse.Namespace) -> dict:
    """Threads, the hard bound on a body (a larger one is refused before it is read) and the proxy whose forwarded
    headers are believed: only then do the rate limits and failure counts see the real client."""
    proxy = {"trusted_proxy": args.trusted_proxy, "trusted_proxy_count": args.trusted_proxy_count,
             "trusted_proxy_headers": "x-forwarded-for x-forwarded-proto x-forwarded-host",
             "clear_untrusted_proxy_headers": True} if args.trusted_proxy else {}
    return {"threads": args.threads, "max_request_body_size": server_body_limit(), **SLOW_CLIENT_OPTIONS, **proxy}


# Slow clients (slow-loris). Waitress alone closes a connection after 120 s without a byte and stops accepting at 100
# open connections per process: 100 connections each sending a byte of a header now and then froze a process for
# everyone, from one address. Now a request's line and headers must arrive within HEADER_SECONDS of its first byte,
# its body at MIN_BODY_RATE at least (a 16 MB upload: 27 minutes), a connection with nothing asked closes after
# IDLE_SECONDS, and a process holds up to CONNECTION_LIMIT connections (polled: select() fails past 1024
# descriptors). Holding them all then takes a new connection per slot every IDLE_SECONDS: a flood, the reverse
# proxy's to limit (security.md).
HEADER_SECONDS = 10
MIN_BODY_RATE = 10_000  # bytes/s
IDLE_SECONDS = 20
CONNECTION_LIMIT = 1000
SLOW_CLIENT_OPTIONS = {"channel_timeout": IDLE_SECONDS, "cleanup_interval": 2, "connection_limit": CONNECTION_LIMIT,
                       "asyncore_use_poll": True}


def request_overdue(channel, now: float) -> bool:
    """Whether the request a waitress channel is still reading has taken too long to arrive: its headers past
    HEADER_SECONDS from its first byte, its body slower than MIN_BODY_RATE."""
    parser, began = getattr(channel, "request", None), getattr(channel, "request_began", None)
    if parser is None or began is None or channel.requests:
        return False
    allowed: float = HEADER_SECONDS
    if parser.headers_finished:
        declared = parser.content_length or (server_body_limit() if parser.chunked else 0)
        allowed += declared / MIN_BODY_RATE
    return now - began > allowed


def guard_slow_clients(server) -> None:
    """Make every listening server of `server` (as create_server returns it) time the requests it reads and close a
    connection whose request is overdue, at its regular clean-up (every `cleanup_interval` seconds)."""
    from waitress.channel import HTTPChannel
    from waitress.server import BaseWSGIServer

    class TimedChannel(HTTPChannel):
        request_began: float | None = None

        def received(self, data: bytes) -> bool:
            if self.request is None and data:
                self.request_began = time.time()  # the first byte of a new request
            return super().received(data)

    listeners = [server] if isinstance(server, BaseWSGIServer) else [
        dispatcher for dispatcher in server.map.values() if isinstance(dispatcher, BaseWSGIServer)]
    for listener in listeners:
        listener.channel_class = TimedChannel
        regular = listener.maintenance

        def maintenance(now: float, listener=listener, regular=regular) -> None:
            regular(now)
            for channel in list(listener.active_channels.values()):
                if request_overdue(channel, now):
                    channel.will_close = True
                    channel.request = None

        listener.maintenance = maintenance


def serve_on(sock, options: dict, grace: float, stop: threading.Event, ready=None) -> int:
    """One waitress server on an open socket until Ctrl-C or SIGTERM, then `drain_and_stop`. `ready` is called once
    the app is built and the server accepts; a stop asked for while the app is still being built waits for it, so the
    connections already queued on the socket are served, not reset, and no KeyboardInterrupt is ever raised."""
    from waitress.server import create_server

    server = None

    def wake(*_) -> None:
        stop.set()
        if server is not None:
            server.pull_trigger()  # out of its poll at once

    for number in STOP_SIGNALS:
        signal.signal(number, wake)

    from portal import main

    server = create_server(main({}), sockets=[sock], **options)
    guard_slow_clients(server)
    if ready is not None and not stop.is_set():
        ready()
    while not stop.is_set():
        server.asyncore.loop(timeout=server.adj.asyncore_loop_timeout, map=dispatchers(server),
                             use_poll=server.adj.asyncore_use_poll, count=1)
    return drain_and_stop(server, grace)


def dispatchers(server) -> dict:
    """The socket map of a server as create_server returns it: one listener (its own map) or several (theirs)."""
    return server.map if hasattr(server, "map") else server._map


def drain_and_stop(server, grace: float) -> int:
    """Stop a waitress server gracefully: take every connection already queued on the listening socket (closing it
    would reset them), close the listening socket (a new connection is refused once every process has closed it),
    close each connection as soon as it has no request in hand, and let the requests in hand — being read, run or
    sent — finish for up to `grace` seconds (MEDREG_SHUTDOWN_SECONDS). Returns 0: this is the asked-for stop."""
    from waitress import wasyncore
    from waitress.channel import HTTPChannel
    from waitress.server import BaseWSGIServer

    every = dispatchers(server)
    listeners = [dispatcher for dispatcher in list(every.values()) if isinstance(dispatcher, BaseWSGIServer)]
    for listener in listeners:
        while True:  # accept() answers None once the queue is empty
            before = len(every)
            listener.handle_accept()
            if len(every) == before:
                break
        listener.accepting = False
        wasyncore.dispatcher.close(listener)  # its socket only: the trigger stays for the running tasks

    def channels() -> list:
        return [dispatcher for dispatcher in list(every.values()) if isinstance(dispatcher, HTTPChannel)]

    deadline = time.monotonic() + grace
    while time.monotonic() < deadline:
        open_channels = channels()
        if not open_channels:
            break
        for channel in open_channels:
            if idle(channel):
                channel.will_close = True  # closed by the loop's next write pass
        server.asyncore.loop(timeout=0.05, map=every, use_poll=server.adj.asyncore_use_poll, count=1)
    unfinished = len(channels())
    if unfinished:
        log.warning(f"停止等待已满 {grace:g} 秒，仍有 {unfinished} 个连接未完成，予以关闭")
    server.task_dispatcher.shutdown(timeout=max(0.0, deadline - time.monotonic()))
    wasyncore.close_all(every)
    return 0


IDLE_AT_STOP_SECONDS = 0.5


def idle(channel) -> bool:
    """Whether a connection can be closed at a stop without cutting anything: no request being read, run or sent,
    nothing unread waiting on it (closing over unread bytes would reset it), and quiet for IDLE_AT_STOP_SECONDS, so
    a connection just taken from the queue gets its request read first."""
    import socket

    if channel.requests or channel.request is not None or channel.total_outbufs_len:
        return False
    if time.time() - channel.last_activity < IDLE_AT_STOP_SECONDS:
        return False
    try:
        waiting = channel.socket.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT)
    except BlockingIOError:
        return True
    except OSError:
        return True
    return not waiting  # b"": the client has closed it


class PreFork:
    """The parent of the serving processes: starts them, says the portal is up once every one of them has its app and
    accepts, starts again one that dies (unless it died before it was ready, which is a configuration error: then
    everything stops), and stops them all on SIGTERM or Ctrl-C, each finishing the requests it has in hand."""

    def __init__(self, sock, processes: int, options: dict, grace: float = SHUTDOWN_SECONDS) -> None:
        self.sock, self.processes, self.options, self.grace = sock, processes, options, grace
        self.children: dict[int, int | None] = {}  # pid → the pipe it says it is ready on (None once it has)

    def spawn(self) -> None:
        readable, writable = os.pipe()
        # No stop signal may reach the child before it has its own handlers: blocked across the fork, a pending one
        # is delivered to the child once serve_on has installed them.
        signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
        try:
            pid = os.fork()
        except BaseException:
            signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP_SIGNALS)
            os.close(readable)
            os.close(writable)
            raise
        if pid == 0:  # the child: serve until told to stop, then leave without running the parent's clean-up
            code = 1
            try:
                os.close(readable)
                for other in self.children.values():
                    if other is not None:
                        os.close(other)
                stop = threading.Event()
                for number in STOP_SIGNALS:
                    signal.signal(number, lambda *_: stop.set())
                signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP_SIGNALS)

                def ready() -> None:
                    os.write(writable, b"1")
                    os.close(writable)

                code = serve_on(self.sock, self.options, self.grace, stop, ready=ready)
            except BaseException:
                log.exception("门户进程 %s 出错退出", os.getpid())
            finally:
                os._exit(code)
        signal.pthread_sigmask(signal.SIG_UNBLOCK, STOP_SIGNALS)
        os.close(writable)
        self.children[pid] = readable

    def run(self, stop: threading.Event, on_ready=None) -> int:
        """Serve until `stop` (set by SIGTERM or Ctrl-C); `on_ready` is called once every first child is ready."""
        import select

        for _ in range(self.processes):
            if stop.is_set():
                break
            self.spawn()
        announced = False
        code = 0
        while not stop.is_set():
            starting = {fd: pid for pid, fd in self.children.items() if fd is not None}
            if starting:
                answered, _, _ = select.select(list(starting), [], [], 0.2)
                for fd in answered:
                    if os.read(fd, 1):  # nothing (end of file): it died before it was ready, reaped below
                        os.close(fd)
                        self.children[starting[fd]] = None
            elif not announced:
                announced = True
                if on_ready is not None:
                    on_ready()
            pid, status = os.waitpid(-1, os.WNOHANG)
            if pid == 0:
                if not starting:
                    stop.wait(0.2)
                continue
            if pid not in self.children:
                continue
            pipe = self.children.pop(pid)
            if pipe is not None:
                os.close(pipe)
                log.error(f"门户进程 {pid} 启动即退出（{os.waitstatus_to_exitcode(status)}），停止全部进程")
                code = 1
                break
            log.warning(f"门户进程 {pid} 意外退出（{os.waitstatus_to_exitcode(status)}），重新启动")
            self.spawn()
        self.sock.close()  # the children hold it open until each has taken its queued connections
        self.stop_children()
        return code

    def stop_children(self) -> None:
        for pid in self.children:
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        deadline = time.monotonic() + self.grace + 5  # each child keeps to the grace; this is for one that hangs
        while self.children and time.monotonic() < deadline:
            pid, _ = os.waitpid(-1, os.WNOHANG)
            if pid:
                fd = self.children.pop(pid, None)
                if fd is not None:
                    os.close(fd)
            else:
                time.sleep(0.05)
        for pid, fd in self.children.items():
            if fd is not None:
                os.close(fd)
            try:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
            except (ProcessLookupError, ChildProcessError):
                pass
        self.children.clear()


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
