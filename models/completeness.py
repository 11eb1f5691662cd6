"""The start-up check: every kind has all its parts — the pure ones (pipeline/kinds: label, data model, rule,
time limit) and those of this layer (a register effect, a loader for every fact its rule names, a counter
entry handler for counter business). The portal and the workers refuse to start without them."""

from __future__ import annotations

from models import counter, facts, registers
from pipeline.kinds import KINDS
from pipeline.kinds import problems as kind_problems


def problems() -> list[str]:
    found = [f"{name}: {problem}" for name, kind in KINDS.items() for problem in kind_problems(kind)]
    return found + registers.problems() + facts.problems() + counter.problems()


def check() -> None:
    found = problems()
    if found:
        raise RuntimeError("kinds are incomplete: " + "; ".join(found))
