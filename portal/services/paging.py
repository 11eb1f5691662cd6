"""What the commission's long lists share: a count that stops at COUNT_CAP, so a page costs the same however many
items the list holds (the pages link the next page by its keyset cursor, not by a page number to skip to)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

# Counted exactly up to here; a list longer than this shows "10000 件以上". Counting the national commission's
# five million applications for every page took a second (bench/national.py, step paging).
COUNT_CAP = 10_000


@dataclass(frozen=True)
class Count:
    total: int  # exact, or COUNT_CAP when `capped`
    capped: bool  # the list holds more than COUNT_CAP items

    def pages(self, per_page: int) -> int | None:
        """How many pages, or None when the count stopped at the cap."""
        return None if self.capped else max(1, -(-self.total // per_page))


def count_up_to(session: Session, model: Any, conditions: list[Any], cap: int | None = None) -> Count:
    """How many rows of `model` meet `conditions`, reading at most one past the cap."""
    cap = COUNT_CAP if cap is None else cap
    found = session.scalar(select(func.count()).select_from(select(1).select_from(model).where(*conditions)
                                                            .limit(cap + 1).subquery())) or 0
    return Count(min(found, cap), found > cap)
