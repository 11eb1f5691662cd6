"""Errors raised by the rules; the portal maps them to its JSON error format."""

from __future__ import annotations


class ValidationFailed(Exception):
    """Bad input: one Chinese reason per field."""

    def __init__(self, fields: dict[str, str]) -> None:
        self.fields: dict[str, str] = dict(fields)
        super().__init__("；".join(f"{key}：{reason}" for key, reason in self.fields.items()))


class TransitionRefused(Exception):
    """A status change that the lifecycle does not allow."""

    def __init__(self, message: str) -> None:
        self.message: str = message
        super().__init__(message)
