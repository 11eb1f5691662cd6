"""The `medreg` script's entry point. The commands take about a second to load (portal.cli imports every one of them,
and they the models); a Ctrl-C in that second ends the command as one later does — 已中断, exit status 130 — instead
of with a Python traceback. This module imports nothing of medreg until then, so it loads in an instant."""
from __future__ import annotations

import signal
import sys
from types import FrameType

INTERRUPTED, INTERRUPTED_STATUS = "已中断", 130  # what a command stopped by Ctrl-C or SIGTERM says, and its exit status


def _leave(_number: int, _frame: FrameType | None) -> None:
    print(INTERRUPTED, file=sys.stderr)
    raise SystemExit(INTERRUPTED_STATUS)


def main() -> int:
    loading_quietly = signal.getsignal(signal.SIGINT) is signal.default_int_handler  # not when Ctrl-C is ignored
    if loading_quietly:
        signal.signal(signal.SIGINT, _leave)
    from portal.cli import main as run

    if loading_quietly:
        signal.signal(signal.SIGINT, signal.default_int_handler)  # from here portal.cli.main says 已中断 itself
    return run()
