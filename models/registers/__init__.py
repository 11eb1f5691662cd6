"""The registers 注册库 (physicians, nurses, institutions) and the reference databases (qualifications, nurse
exams): one module each, holding its tables and what an approved application changes in it.

A register effect ("applier") registers itself here against the kind object it serves, with `@applies(KIND)`;
the issue stage calls `apply_to_register`. `problems()` names every kind without one (start-up check, tests).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from pipeline.kinds import KINDS, Kind

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from models.applications import Application

# An applier writes the approved application into its register and returns the entry it changed, to identify and
# publish — or None when it changed reference data only (a qualification record: no identifier, nothing public).
Applier = Callable[["Session", "Application"], Any]
A = TypeVar("A", bound=Applier)

APPLIERS: dict[str, Applier] = {}


def applies(*kinds: Kind) -> Callable[[A], A]:
    """Register the decorated function as the register effect of `kinds`."""
    def register(function: A) -> A:
        for kind in kinds:
            if kind.name in APPLIERS:
                raise RuntimeError(f"{kind.name} has two register effects")
            APPLIERS[kind.name] = function
        return function

    return register


def apply_to_register(session: Session, application: Application) -> Any:
    """The register entry the approval changed; None when it changed reference data only."""
    return APPLIERS[application.kind](session, application)


def decided_by(application: Application) -> str:
    """Who made the decision that takes effect: the last actor in the application's history."""
    return application.history[-1].actor if application.history else "系统"


def problems() -> list[str]:
    return [f"{name}: no register effect" for name in KINDS if name not in APPLIERS]
