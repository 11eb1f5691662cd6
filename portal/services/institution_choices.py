"""The institutions a form offers for an institution field 执业机构: never the register (1.07 million institutions at
national scale), only the few that match what the user typed — part of the name, the 统一社会信用代码, the electronic
registration identifier or the institution's number (the `institution_id` of the public search) — at most LIMIT of
them, and the one already chosen. A form with nothing looked up reads no institution but the one chosen (by id); a
lookup is a statement per rank below, each through an index (id, credit code, identifier, name, the name's grams) and
answering at most LIMIT + 1 rows — none reads the register.

Names rank as in the public search (pipeline/search.py): the name itself, then names starting with the text, then
names containing it (through the gram index, models/search.py); within each, by name."""
from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

from sqlalchemy import or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from models import Institution
from models import search as name_index
from models.divisions import within
from pipeline.numbers import is_count

LIMIT = 50
MAX_TEXT = 200  # as long as the longest name the register holds: longer text is cut, not refused
USCC_LENGTH, IDENTIFIER_LENGTH = 18, 19


@dataclass(frozen=True)
class Scope:
    """Which institutions a field may offer. `prefix`: a commission's jurisdiction (pipeline.routing.jurisdiction_prefix:
    "" the national commission's), None for the whole country. `registered`: only those a person can sign up or register
    with — operating and holding an identifier (accounts.signup and the kinds' verification refuse any other)."""

    prefix: str | None = None
    registered: bool = True

    def conditions(self) -> list[ColumnElement[bool]]:
        conditions = within(Institution.division_code, self.prefix) if self.prefix else []
        if self.registered:
            conditions += [Institution.status == "operating", Institution.identifier.is_not(None)]
        return conditions


class Choice(NamedTuple):
    id: int
    name: str
    division_code: str


COLUMNS = (Institution.id, Institution.name, Institution.division_code)  # what a choice shows: never a whole row


def find(session: Session, text: str, scope: Scope, limit: int = LIMIT) -> tuple[list[Choice], bool]:
    """The institutions of `scope` matching `text`, best first, at most `limit`; and whether there are more."""
    text = " ".join(text.split())[:MAX_TEXT]
    if not text:
        return [], False
    found: dict[int, Choice] = {}
    for matches in tiers(session, text):
        wanted = limit + 1 - len(found)
        query = select(*COLUMNS).where(*scope.conditions(), *matches)
        if found:  # found by a code: not again by name (a name may hold the digits of an id)
            query = query.where(Institution.id.not_in(list(found)))
        for row in session.execute(query.order_by(Institution.name, Institution.id).limit(wanted)):
            found[row.id] = Choice(*row)
        if len(found) > limit:
            break
    rows = list(found.values())
    return rows[:limit], len(rows) > limit


def tiers(session: Session, text: str) -> list[list[ColumnElement[bool]]]:
    """The conditions of each rank, in order: the codes (each unique), the name, names starting with the text, names
    containing it elsewhere. The name ranks exclude each other, so no row is read twice."""
    code = text.upper()
    codes: list[ColumnElement[bool]] = []
    if is_count(text):
        codes.append(Institution.id == int(text))
    if len(code) == USCC_LENGTH:
        codes.append(Institution.uscc == code)
    if len(code) == IDENTIFIER_LENGTH:
        codes.append(Institution.identifier == code)
    inside = name_index.contains(session, Institution.name, text)
    prefix = Institution.name.startswith(text, autoescape=True)
    return [*([[or_(*codes)]] if codes else []),
            [Institution.name == text],
            [inside, prefix, Institution.name != text],
            [inside, ~prefix]]


def chosen(session: Session, value: object, scope: Scope) -> Choice | None:
    """The institution a form has chosen (an id, as posted or prefilled), if it lies in `scope`."""
    raw = str(value).strip() if value is not None else ""
    if not is_count(raw):
        return None
    row = session.execute(select(*COLUMNS).where(Institution.id == int(raw), *scope.conditions())).first()
    return Choice(*row) if row else None
