"""Applications as requests name them: a submission (kind + data), a resubmission, a withdrawal, and the
decisions of an institution and of a commission (on one item or on several).

The kind is checked here; its `data` is checked by the kind's own model (`Kind.clean`) once the service
knows the account may submit that kind at all (403 before 400). A decision is checked by the service after
it has found the item (404 before 400), so it is declared loosely here and documented in full; so is the length
of its comment (意见, at most COMMENT_MAX characters: `decision_comment`; a withdrawal's 说明 likewise). Every one
of them refuses unknown keys (`unknown_field`, like the rest of the API: `DataModel`).
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import ConfigDict

from pipeline.fields import DataModel, FieldError, Given, Loose, checked, free_text
from pipeline.kinds import KINDS, unknown_kind


def kind_name(value: Any) -> str:
    """The name of a kind of application (the reason names what was given)."""
    if not isinstance(value, str) or value not in KINDS:
        code, reason = unknown_kind(value)
        raise FieldError(reason, code)
    return value


KindName = checked(kind_name, "业务类型", schema={"type": "string", "enum": list(KINDS)})
# A decision's 意见 is kept in the application's history and shown wherever it is: a paragraph, not a document.
COMMENT_MAX = 500


def decision_comment(value: Any, what: str = "意见") -> str:
    """A comment kept in an application's history — a decision's 意见, a withdrawal's 说明 —, stripped ("" if none):
    text of at most COMMENT_MAX characters."""
    return free_text(value, COMMENT_MAX, what)


def decision(*values: str) -> Any:
    return Loose("决定", {"type": "string", "enum": list(values)})


class Submission(DataModel):
    """A new application: the kind chooses what `data` holds (the kind's `Data` model)."""

    model_config = ConfigDict(title="提交申请")

    kind: Annotated[str, KindName]
    data: Annotated[Any, Loose("申请内容", {"type": "object"}, description="该业务种类的 data（见 Data.<kind>）")]


class CounterEntry(Submission):
    """Business entered by commission staff at the counter: any kind, its data plus whom it is for (pipeline/counter.py)."""

    model_config = ConfigDict(title="窗口业务录入")


class Resubmission(DataModel):
    """A returned application, corrected: data of the same kind."""

    model_config = ConfigDict(title="重新提交")

    data: Annotated[Any, Loose("申请内容", {"type": "object"}, description="与提交时同一种类的 data")]


class Withdrawal(DataModel):
    """The party that filed an application withdraws it, with a 说明 if it likes (checked like a decision's comment,
    once the application is found)."""

    model_config = ConfigDict(title="撤回申请")

    comment: Annotated[str, Given("说明", description=f"可省略；至多{COMMENT_MAX}个字符", maxLength=COMMENT_MAX)] | None = None


class InstitutionDecision(DataModel):
    """An institution confirms or returns an application of its staff."""

    model_config = ConfigDict(title="机构确认或退回")

    decision: Annotated[Any, decision("confirm", "return")]
    comment: Annotated[str, Given("意见", description=f"退回时必填；至多{COMMENT_MAX}个字符", maxLength=COMMENT_MAX)] | None = None


class CommissionDecision(DataModel):
    """The commission that received an application approves, rejects or returns it."""

    model_config = ConfigDict(title="审批")

    decision: Annotated[Any, decision("approve", "reject", "return")]
    comment: Annotated[str, Given("意见", description=f"不予批准或退回时必填；至多{COMMENT_MAX}个字符",
                                  maxLength=COMMENT_MAX)] | None = None


class BatchDecision(CommissionDecision):
    """One decision on several items of the commission's queue."""

    model_config = ConfigDict(title="批量审批")

    ids: Annotated[Any, Loose("申请编号", {"type": "array", "items": {"type": "integer", "minimum": 1}, "minItems": 1})]
