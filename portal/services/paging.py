"""What long lists share, so that a page costs the same however many items the list holds and however deep it is:
keyset cursors (by id, `by_id`, or by another sort key, `key_cursor`), the `limit` of a page, and a count that stops
at COUNT_CAP. The pages link the next page by its cursor (macros.jinja2 `pager`), not by a page number to skip to."""
from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pipeline.fields import FieldError, free_text
from pipeline.numbers import MAX_INT, is_count
from pipeline.search import MAX_SEARCH, comparable
from portal.errors import invalid

# Counted exactly up to here; a list longer than this shows "10000 件以上". Counting the whole list for every page
# grows with the list: 32 ms for the national commission's 500,000 applications of a scale-0.1 country, where the
# page itself takes 8 (bench/national.py, step paging).
COUNT_CAP = 10_000

BAD_CURSOR = "无效的游标：请使用上一页返回的 next"


@dataclass(frozen=True)
class Count:
    total: int  # exact, or COUNT_CAP when `capped`
    capped: bool  # the list holds more than COUNT_CAP items

    def pages(self, per_page: int) -> int | None:
        """How many pages, or None when the count stopped at the cap."""
        return None if self.capped else max(1, -(-self.total // per_page))


def count_up_to(session: Session, model: Any, conditions: list[Any]) -> Count:
    """How many rows of `model` meet `conditions`, reading at most one past COUNT_CAP."""
    cap = COUNT_CAP
    found = session.scalar(select(func.count()).select_from(select(1).select_from(model).where(*conditions)
                                                            .limit(cap + 1).subquery())) or 0
    return Count(min(found, cap), found > cap)


def id_cursor(raw: str | None) -> int | None:
    """The `cursor` of a list paged by id: the `next` the page before gave, or None; anything else is refused."""
    raw = (raw or "").strip()
    if not raw:
        return None
    if not is_count(raw):
        raise invalid({"cursor": BAD_CURSOR})
    return int(raw)


def search_text(value: object, field: str, what: str, high: int = MAX_SEARCH) -> str:
    """A search string a person typed (query parameter `field`), stripped ("" when not given): 400 on `field` beyond
    `high` characters, so no list is searched with, or answers echoing, a document."""
    try:
        return free_text(value, high, what, lines=False)
    except FieldError as error:
        raise invalid({field: str(error)}, {field: error.code}) from None


def page_limit(raw: str | None, default: int, maximum: int) -> int:
    """`limit`: items a page, 1 to `maximum`."""
    raw = (raw or "").strip()
    if not raw:
        return default
    if not is_count(raw, maximum) or int(raw) < 1:
        raise invalid({"limit": f"必须是 1 到 {maximum} 之间的整数"})
    return int(raw)


def requested(params: Any, most: int) -> tuple[str, int]:
    """The `cursor` and `limit` (default and at most `most`) a request asks a paged list for."""
    return (params.get("cursor") or "", page_limit(params.get("limit"), most, most))


def by_id(session: Session, query: Any, id_column: Any, cursor: str | None, limit: int, page: int = 1,
          descending: bool = False, scalars: bool = False) -> tuple[list[Any], str | None]:
    """One page of `query` in `id_column` order (each row's id: the first entity's, or the scalar's): after `cursor`
    (the `next` of the page before: keyset, as cheap at any depth as the first page), else page `page` by offset
    (a pager's 上一页). (rows, next), next None on the last page."""
    after = id_cursor(cursor)
    if after is not None:
        query = query.where(id_column < after if descending else id_column > after)
    else:
        query = query.offset((page - 1) * limit)
    query = query.order_by(id_column.desc() if descending else id_column).limit(limit + 1)
    rows = list(session.scalars(query)) if scalars else list(session.execute(query).all())
    if len(rows) <= limit:
        return rows, None
    last = rows[limit - 1]
    return rows[:limit], str(last.id if scalars else last[0].id)


def key_cursor(*key: Any) -> str:
    """An opaque cursor holding a sort key (e.g. a name and an id), for lists not in id order."""
    return base64.urlsafe_b64encode(json.dumps(key, ensure_ascii=False, separators=(",", ":")).encode()).decode().rstrip("=")


def key_of(raw: str | None, *types: type) -> tuple[Any, ...] | None:
    """The sort key a `key_cursor` holds, each part of the type given; None without a cursor; anything else is refused."""
    raw = (raw or "").strip()
    if not raw:
        return None
    try:
        key = json.loads(base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)))
    except (ValueError, TypeError):
        key = None
    if not isinstance(key, list) or len(key) != len(types) or not all(map(_fits, key, types)):
        raise invalid({"cursor": BAD_CURSOR})
    return tuple(key)


def _fits(part: Any, kind: type) -> bool:
    """A part of a sort key the database can compare: an id in range, a text as search.comparable has it."""
    if type(part) is not kind:
        return False
    if isinstance(part, int):
        return 0 <= part <= MAX_INT
    return not isinstance(part, str) or comparable(part)
