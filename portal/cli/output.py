"""What the commands print: rich consoles for results (stdout) and problems (stderr)."""
from __future__ import annotations

from typing import Any

from rich.console import Console

from pipeline.fields import escaped


class PlainConsole(Console):
    """Prints text as it is: no rich markup (a cell or a file name holding "[/x]" crashed the command, "[bold]" was
    swallowed), and control and direction characters shown as escapes (pipeline.fields.escaped)."""

    def print(self, *objects: Any, **kwargs: Any) -> None:
        super().print(*(escaped(item) if isinstance(item, str) else item for item in objects), **kwargs)


def out(markup: bool = False) -> Console:
    """Results (stdout). `markup=True` only for a command that writes its own markup and escapes every value in it
    (`medreg status`)."""
    return Console(highlight=False, soft_wrap=True) if markup else PlainConsole(highlight=False, soft_wrap=True, markup=False)


def err() -> Console:
    return PlainConsole(stderr=True, highlight=False, soft_wrap=True, markup=False)


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
