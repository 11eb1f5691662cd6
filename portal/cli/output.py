"""What the commands print: rich consoles for results (stdout) and problems (stderr)."""
from __future__ import annotations

from rich.console import Console


def out() -> Console:
    return Console(highlight=False, soft_wrap=True)


def err() -> Console:
    return Console(stderr=True, highlight=False, soft_wrap=True)


class CommandError(Exception):
    """A refusal to show the user as is (in Chinese), with the exit code to end with."""

    def __init__(self, message: str, exit_code: int = 1) -> None:
        super().__init__(message)
        self.message = message
        self.exit_code = exit_code


def listen_failure(host: str, port: int, error: OSError) -> str:
    import errno

    reasons = {errno.EADDRINUSE: "端口已被占用", errno.EACCES: "没有权限使用该端口", errno.EADDRNOTAVAIL: "本机没有这个地址"}
    return f"无法监听 {host}:{port}：{reasons.get(error.errno or 0, error.strerror or str(error))}"
