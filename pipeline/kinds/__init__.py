"""The kinds of application 业务类型: one module per kind in this package declares all the system needs to know
of it — who takes part, its data model (fields, Chinese titles, checks), its label and page text, its
statutory time limit and its verification rule. Everything keyed by kind elsewhere is derived from here
(the register effects in models/registers register themselves against these objects).

Adding a kind: docs/architecture.md, "How to add a kind".
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from pipeline.errors import ValidationFailed
from pipeline.fields import DataModel, FieldSpec, clean, field_specs
from pipeline.materials import Material

PERSON, INSTITUTION, COMMISSION = "person", "institution", "commission"
PARTIES: dict[str, str] = {PERSON: "个人", INSTITUTION: "医疗机构", COMMISSION: "卫生健康委"}
PROFESSIONS: dict[str, str] = {"physician": "医师", "nurse": "护士", "institution": "医疗机构"}


@dataclass(frozen=True)
class TimeLimit:
    """The commission's time limit 办理时限, in working days from the day the application reaches it."""

    working_days: int
    basis: str


@dataclass(frozen=True)
class PageHints:
    """What the form of a kind says beyond its fields.

    intro: a line above the form (who confirms, who approves, what to bring).
    hidden: fields a page leaves out (they are filled in from the account or the roll it is opened from).
    confirm: what the applicant must tick before a form that ends something can be sent (注销, 停业): the
    consequence, in words; empty for a kind that ends nothing.
    """

    intro: str = ""
    submit: str = "提交申请"
    hidden: tuple[str, ...] = ()
    confirm: str = ""


Refusal = Callable[..., list[str]]
# (the register entry as it is now — None before a first registration —, the application's data) → the entry's
# fields the approval would set beyond those the data names itself (a status, a new validity, a list grown by one).
Preview = Callable[[Mapping[str, Any] | None, Mapping[str, Any]], dict[str, Any]]


@dataclass(frozen=True)
class Kind:
    """One kind of application.

    profession: the register it changes — physician, nurse or institution.
    submitted_by: person, institution, or commission (counter business, entered as approved).
    also_submitted_by: a second party that may submit it too (a nurse's cancellation, filed by the institution).
    refuse: the verification rule — facts → every Chinese reason to refuse (empty: it passes). Its parameters
        name the facts it needs (`person`, `institution`, `nurse`, `data`, `today` …); models/facts.py
        loads each by that name. Counter business has none: the clerk checked it at the counter.
    prefill: for an institution's own kind, (its set-up approval, submitted data) → the data to clean.
    materials: the supporting documents it asks for (pipeline/attachments.py checks the files).
    preview: what the approval sets in the register entry beyond the data's own fields (`Preview`); the review
        page's before/after table (pipeline/review.py) adds it to the data laid over the entry.
    """

    name: str
    label: str
    profession: str
    submitted_by: str
    data: type[DataModel]
    page: PageHints = PageHints()
    refuse: Refusal | None = None
    time_limit: TimeLimit | None = None
    institution_confirms: bool = False
    commission_approves: bool = True
    also_submitted_by: str | None = None
    prefill: Callable[[Mapping[str, Any], Mapping[str, Any]], dict[str, Any]] | None = None
    materials: tuple[Material, ...] = ()
    preview: Preview | None = None
    facts: tuple[str, ...] = field(init=False, default=())

    def __post_init__(self) -> None:
        needed = tuple(inspect.signature(self.refuse).parameters) if self.refuse is not None else ()
        object.__setattr__(self, "facts", needed)

    @property
    def counter(self) -> bool:
        """Counter business 窗口业务: entered by commission staff, approved on entry."""
        return self.submitted_by == COMMISSION

    @property
    def applicants(self) -> frozenset[str]:
        """Every party that may submit, resubmit or withdraw this kind."""
        return frozenset({self.submitted_by} | ({self.also_submitted_by} if self.also_submitted_by else set()))

    @property
    def short_name(self) -> str:
        """The name within its profession (`renewal` of the nurse's renewal), for page addresses."""
        return self.name.split(".", 1)[1]

    def clean(self, data: object, today: Any = None) -> dict[str, Any]:
        """The clean `data` of an application of this kind, or ValidationFailed with a reason per field."""
        return clean(self.data, data, today=today)

    def material(self, name: object) -> Material | None:
        return next((material for material in self.materials if material.name == name), None)

    def fields(self) -> list[FieldSpec]:
        """The fields a form of this kind shows, in order (a batch upload's columns, too)."""
        return [spec for spec in field_specs(self.data) if spec.name not in self.page.hidden]


# One line per kind, in the order pages and lists offer them: the module of this package that declares it.
MODULES: tuple[str, ...] = (
    "physician_first_registration",
    "physician_change",
    "physician_multi_site_filing",
    "physician_re_registration",
    "physician_info_change",
    "physician_departure_filing",
    "physician_cancellation",
    "nurse_first_registration",
    "nurse_change",
    "nurse_renewal",
    "nurse_re_registration",
    "nurse_cancellation",
    "nurse_info_change",
    "institution_practice_registration",
    "institution_change",
    "institution_verification",
    "institution_suspension",
    "institution_resumption",
    "institution_cancellation",
    "physician_qualification_backfill",
    "physician_hmt_qualification_recognition",
    "physician_hmt_short_term_practice",
    "physician_foreign_short_term_practice",
    "nurse_pre2008_first_registration",
)


def _load() -> dict[str, Kind]:
    found: dict[str, Kind] = {}
    for module in MODULES:
        kind = importlib.import_module(f"{__name__}.{module}").KIND
        if kind.name.replace(".", "_") != module or kind.name in found:
            raise RuntimeError(f"kind module {module} declares {kind.name}")
        found[kind.name] = kind
    return found


KINDS: dict[str, Kind] = _load()
ORDER: dict[str, int] = {name: position for position, name in enumerate(KINDS)}


ECHOED_MOST = 60  # characters of an unknown kind's name echoed in the reason: enough to spot a typo, not a document


def unknown_kind(name: object) -> tuple[str, str]:
    """(code, reason) for a kind name that is none: a name is echoed (cut short), anything else is not text."""
    if not isinstance(name, str):
        return "type", "业务类型应为文本（业务类型名称）"
    shown = name if len(name) <= ECHOED_MOST else name[:ECHOED_MOST] + "…"
    return "choice", f"不支持的业务类型：{shown}"


def get_kind(name: object) -> Kind:
    """The kind called `name`, or ValidationFailed on field "kind"."""
    kind = KINDS.get(name) if isinstance(name, str) else None
    if kind is None:
        raise ValidationFailed.one("kind", *unknown_kind(name))
    return kind


def kinds_where(*, profession: str | None = None, submitted_by: str | None = None, counter: bool | None = None) -> list[Kind]:
    """The kinds matching every given condition, in declaration order."""
    return [
        kind for kind in KINDS.values()
        if (profession is None or kind.profession == profession)
        and (submitted_by is None or submitted_by in kind.applicants)
        and (counter is None or kind.counter == counter)
    ]


def problems(kind: Kind) -> list[str]:
    """What a kind lacks (the start-up check and tests/unit/pipeline/kinds/test_registry.py walk every kind)."""
    found = []
    if not kind.label:
        found.append("no label")
    if kind.profession not in PROFESSIONS:
        found.append(f"unknown profession {kind.profession!r}")
    if kind.submitted_by not in PARTIES:
        found.append(f"unknown party {kind.submitted_by!r}")
    if not (isinstance(kind.data, type) and issubclass(kind.data, DataModel)):
        found.append("no data model")
    if not kind.counter and kind.refuse is None:
        found.append("no verification rule")
    if kind.commission_approves and not kind.counter and kind.time_limit is None:
        found.append("no time limit")
    if kind.counter and kind.institution_confirms:
        found.append("counter business cannot wait for an institution")
    if kind.prefill is not None and kind.submitted_by != INSTITUTION:
        found.append("only an institution's own kind is pre-filled")
    if not kind.name.startswith(f"{kind.profession}."):
        found.append("its name does not start with its profession")
    names = [material.name for material in kind.materials]
    if len(set(names)) != len(names) or not all(material.label for material in kind.materials):
        found.append("materials need distinct names and a label each")
    return found


def check_registry() -> None:
    """Refuse to start with an incomplete kind."""
    broken = {name: found for name, kind in KINDS.items() if (found := problems(kind))}
    if broken:
        raise RuntimeError(f"incomplete kinds: {broken}")
