"""The public end: search the published registers, read one record, follow the feed. No login."""
from __future__ import annotations

import orjson
from sqlalchemy import Engine, Text, cast, literal, select, tuple_
from sqlalchemy.orm import Session

from models import Institution, PublicRecord, PublicVersion
from models import search as name_index
from models.divisions import within
from pipeline import clock
from pipeline import search as ranking
from pipeline.identifiers import is_valid_identifier
from pipeline.numbers import is_count
from pipeline.registers.institutions import STATUS_LABELS as INSTITUTION_STATUS_LABELS
from portal.errors import invalid, not_found
from portal.services.paging import BAD_CURSOR, page_limit, search_text

KINDS = {"physicians": "physician", "nurses": "nurse", "institutions": "institution"}
MAX_LIMIT = 100


def search(session: Session, plural_kind: str, params: dict[str, str]) -> dict:
    """Without a name: keyset paging on the identifier. With a name: ranked (exact name, then names starting with it,
    then names containing it; pipeline/search.py), keyset paging on (rank, name, identifier) with an opaque cursor.
    Either way any page is as cheap as the first, and there is no cap on depth."""
    limit = page_limit(params.get("limit"), 20, MAX_LIMIT)
    conditions = filters(session, plural_kind, params)
    cursor = (params.get("cursor") or "").strip()
    if name := search_text(params.get("name"), "name", "名称"):
        return ranked(session, name, conditions, cursor, limit, ranking.division_prefix((params.get("division") or "").strip()))
    query = select(PublicRecord).where(*conditions)
    if cursor:
        # The `next` of a search without a name is the last identifier of its page: anything else is no cursor of
        # ours (a ranked one, a typo), refused as the ranked search refuses one, not read as "nothing after it".
        if not is_valid_identifier(cursor.upper()):
            raise invalid({"cursor": BAD_CURSOR})
        query = query.where(PublicRecord.identifier > cursor.upper())
    rows = list(session.scalars(query.order_by(PublicRecord.identifier).limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    return {"items": [row.body for row in rows], "next": rows[-1].identifier if more else None}


def filters(session: Session, plural_kind: str, params: dict[str, str]) -> list:
    conditions: list = [PublicRecord.kind == KINDS[plural_kind]]
    if division := (params.get("division") or "").strip():
        if not is_count(division) or len(division) > 6:
            raise invalid({"division": "行政区划代码应为不超过 6 位的数字"})
        conditions += within(PublicRecord.division, ranking.division_prefix(division))
    if institution := search_text(params.get("institution"), "institution", "执业机构"):
        if is_count(institution):
            conditions.append(PublicRecord.institution_id == int(institution))
        else:
            ids = select(Institution.id).where(name_index.contains(session, Institution.name, institution))
            conditions.append(PublicRecord.institution_id.in_(ids))
    if uscc := search_text(params.get("uscc"), "uscc", "统一社会信用代码"):
        conditions.append(PublicRecord.uscc == uscc.upper())
    if identifier := search_text(params.get("identifier"), "identifier", "电子化注册识别码"):
        conditions.append(PublicRecord.identifier == identifier.upper())
    return conditions


def ranked(session: Session, name: str, conditions: list, cursor: str, limit: int, division: str = "") -> dict:
    """Each rank is its own query, in order, until the page (and one more, to know there is a next page) is full.
    `division`: the prefix the division filter in `conditions` asks for, which the gram index can match too."""
    after: tuple[int, str, str] | None = None
    if cursor:
        try:
            after = ranking.decode_cursor(cursor)
        except ranking.BadCursor:
            raise invalid({"cursor": BAD_CURSOR}) from None
    escaped = name.replace("/", "//").replace("%", "/%").replace("_", "/_")
    tiers = {
        ranking.EXACT: [PublicRecord.name == name],
        ranking.PREFIX: [PublicRecord.name.like(f"{escaped}%", escape="/"), PublicRecord.name != name],
        ranking.INSIDE: [name_index.record_contains(session, PublicRecord.name, PublicRecord.division, name, division),
                         PublicRecord.name.not_like(f"{escaped}%", escape="/")],
    }
    found: list[tuple[int, PublicRecord]] = []
    for tier, matches in tiers.items():
        if after is not None and tier < after[0]:
            continue
        query = select(PublicRecord).where(*conditions, *matches)
        if after is not None and tier == after[0]:
            query = query.where(tuple_(PublicRecord.name, PublicRecord.identifier) > tuple_(literal(after[1]), literal(after[2])))
        wanted = limit + 1 - len(found)
        found += [(tier, row) for row in session.scalars(query.order_by(PublicRecord.name, PublicRecord.identifier).limit(wanted))]
        if len(found) > limit:
            break
    more = len(found) > limit
    found = found[:limit]
    last = found[-1] if found else None
    return {"items": [row.body for _, row in found],
            "next": ranking.encode_cursor(last[0], last[1].name, last[1].identifier) if more and last else None}


RECORD_SQL = "SELECT body::text FROM public_records WHERE identifier = %(identifier)s"


def record_key(identifier: str) -> str:
    """The key of a record by the identifier in a URL (trimmed, upper case). What is not an identifier at all
    (pipeline/identifiers.py: format and check character) names no record: 404 before any query, which it might
    not even survive (a NUL fails in PostgreSQL rather than finding nothing)."""
    key = identifier.strip().upper()
    if not is_valid_identifier(key):
        raise not_found("公示记录")
    return key


def record_text(reader: Engine, identifier: str) -> str:
    """One record's JSON text as stored: no session, no transaction, no parsing and serialising again (but for a
    text stored with \\uXXXX escapes, which is re-encoded so that the answer is UTF-8 as every other)."""
    identifier = record_key(identifier)
    with reader.connect() as connection:
        if connection.dialect.name == "postgresql":  # plain SQL: no statement to build, compile or look up in the cache
            text = connection.exec_driver_sql(RECORD_SQL, {"identifier": identifier}).scalar()
        else:
            text = connection.execute(select(cast(PublicRecord.body, Text)).where(PublicRecord.identifier == identifier)).scalar()
    if text is None:
        raise not_found("公示记录")
    if "\\u" in text:  # stored with \uXXXX escapes (the ORM's default): answer raw UTF-8 as every other answer
        return orjson.dumps(orjson.loads(text)).decode()
    return text


def record(session: Session, identifier: str) -> dict:
    row = session.get(PublicRecord, record_key(identifier))
    if row is None:
        raise not_found("公示记录")
    return row.body


def feed(session: Session, since: str | None, limit_raw: str | None) -> dict:
    since_id = 0
    if since not in (None, ""):
        if not is_count(str(since)):
            raise invalid({"since": "游标应为非负整数"})
        since_id = int(since)
    limit = page_limit(limit_raw, 100, MAX_LIMIT)
    rows = list(
        session.scalars(select(PublicVersion).where(PublicVersion.id > since_id).order_by(PublicVersion.id).limit(limit))
    )
    return {
        "items": [{"cursor": str(row.id), "published_at": clock.iso(row.published_at), "record": row.body} for row in rows],
        "next": str(rows[-1].id) if rows else str(since_id),
    }


# A person's record carries its label (publisher/records.py); an institution's does not, so this names every status of
# the institution register (pipeline.registers.institutions), in the public end's shorter words where it has them.
STATUS_LABELS = {
    **INSTITUTION_STATUS_LABELS,
    "registered": "注册", "filed": "备案（非在册）", "cancelled": "注销", "expired": "已过期", "suspended": "停业",
    "operating": "执业", "revoked": "吊销",
}


def status_label(record: dict) -> str:
    """The Chinese word for a record's status, whatever its kind (a search result or a record page)."""
    status = record.get("status", "")
    return record.get("status_label") or STATUS_LABELS.get(status, "其他状态")


def history(session: Session, identifier: str, facts: tuple[str, ...] = ()) -> dict:
    """Every published version of one record, oldest first: its status over time, with dates; and `facts`, fields of
    each version's record besides (the page shows valid_until, so that a renewal shows; the API answers none)."""
    identifier = record_key(identifier)
    if session.get(PublicRecord, identifier) is None:
        raise not_found("公示记录")
    rows = session.scalars(
        select(PublicVersion).where(PublicVersion.identifier == identifier).order_by(PublicVersion.version)
    ).all()
    return {
        "identifier": identifier,
        "items": [
            {
                "version": row.version,
                "status": row.body.get("status", ""),
                "status_label": status_label(row.body),
                "status_since": row.body.get("status_since"),
                "published_at": clock.iso(row.published_at),
                **{name: row.body.get(name) for name in facts},
            }
            for row in rows
        ],
    }
