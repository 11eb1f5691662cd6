"""Errors raised by the rules and the layers below the portal; the portal maps them to its JSON error format.

None of them is HTTP-shaped: a worker or a command can raise and catch them as well as a view.
"""

from __future__ import annotations

from collections.abc import Mapping

# The machine-readable reason of a refused field, beside its Chinese text (api: `error.codes`).
INVALID = "invalid"
# A field refused for being absent says so in these words; its code, when the refusal names none, is "required", as
# the request models' own (pipeline.fields) — not "invalid", which an integrator cannot tell from a bad value.
REQUIRED_REASON = "必填"
REQUIRED = "required"


class ValidationFailed(Exception):
    """Bad input: one Chinese reason per field, and a code per field that a program can branch on."""

    def __init__(self, fields: Mapping[str, str], codes: Mapping[str, str] | None = None,
                 labels: Mapping[str, str] | None = None) -> None:
        """`labels`: the Chinese name of a field, for the message a person reads (the key where none is given)."""
        self.fields: dict[str, str] = dict(fields)
        self.codes: dict[str, str] = {
            name: (codes or {}).get(name) or (REQUIRED if reason == REQUIRED_REASON else INVALID)
            for name, reason in self.fields.items()
        }
        self.labels: dict[str, str] = dict(labels or {})
        named = "；".join(f"{self.labels.get(key, key)}：{reason}" for key, reason in self.fields.items())
        self.message = "提交的内容有误：" + named
        super().__init__(named)

    def message_naming(self, names: Mapping[str, str]) -> str:
        """The message with each field called by its label, else by its name in `names` (the API's own fields, every
        kind's), else by its key: a person reads 执业机构, not institution_id."""
        def called(key: str) -> str:
            return self.labels.get(key) or names.get(key) or key

        return "提交的内容有误：" + "；".join(f"{called(key)}：{reason}" for key, reason in self.fields.items())

    @classmethod
    def one(cls, field: str, code: str, reason: str) -> ValidationFailed:
        return cls({field: reason}, {field: code})


class TransitionRefused(Exception):
    """A status change that the lifecycle does not allow."""

    def __init__(self, message: str) -> None:
        self.message: str = message
        super().__init__(message)


class Conflict(Exception):
    """A request that clashes with what is already recorded (a duplicate, a state that does not allow it)."""

    def __init__(self, message: str) -> None:
        self.message: str = message
        super().__init__(message)


class Forbidden(Exception):
    """The account may not do this (its role or its place in the process); nothing was changed."""

    def __init__(self, message: str) -> None:
        self.message: str = message
        super().__init__(message)


class NotFound(Exception):
    """Not there, or not the caller's to see (the two are never told apart)."""

    def __init__(self, what: str = "记录") -> None:
        self.message: str = f"{what}不存在或无权查看"
        super().__init__(self.message)
