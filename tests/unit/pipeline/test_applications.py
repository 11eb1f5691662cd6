"""pipeline.applications: the bodies of a submission, a resubmission, a withdrawal and the decisions."""

import pytest

from pipeline.applications import (
    COMMENT_MAX,
    BatchDecision,
    CommissionDecision,
    CounterEntry,
    InstitutionDecision,
    Resubmission,
    Submission,
    Withdrawal,
    decision_comment,
)
from pipeline.fields import FieldError, validate
from tests.unit.pipeline.samples import errors


def refused(model, data):
    return errors(lambda d: validate(model, d, whole="body"), data)


def test_a_submission_names_a_known_kind_and_leaves_its_data_to_the_kind():
    body = validate(Submission, {"kind": "physician.first_registration", "data": {"anything": 1}})
    assert (body.kind, body.data) == ("physician.first_registration", {"anything": 1})
    assert refused(Submission, {"kind": "physician.first_registration", "data": {}, "extra": 1}) == {
        "extra": ("不支持的字段", "unknown_field")}
    assert refused(CounterEntry, {"kind": "nurse.renewal", "data": {}, "extra": 1}) == {"extra": ("不支持的字段", "unknown_field")}
    assert refused(Submission, {"kind": "", "data": {}}) == {"kind": ("必填", "required")}
    assert refused(Submission, {"kind": "physician.time_travel", "data": "x"}) == {
        "kind": ("不支持的业务类型：physician.time_travel", "choice"), "data": ("申请内容应为对象", "type")}
    assert refused(CounterEntry, {"data": {}}) == {"kind": ("必填", "required")}


def test_a_resubmission_and_a_withdrawal():
    assert validate(Resubmission, {"data": {}}).data == {}
    assert refused(Resubmission, {}) == {"data": ("必填", "required")}
    assert validate(Withdrawal, {}).comment is None
    assert validate(Withdrawal, {"comment": " 不办了 "}).comment == " 不办了 "
    assert refused(Withdrawal, {"reason": "x"}) == {"reason": ("不支持的字段", "unknown_field")}
    assert refused(Resubmission, {"data": {}, "kind": "nurse.renewal"}) == {"kind": ("不支持的字段", "unknown_field")}


@pytest.mark.parametrize("model", [InstitutionDecision, CommissionDecision])
def test_a_decision_is_checked_by_the_service_once_it_found_the_item(model):
    # 404 before 400: an unknown decision on another's item must still be "not found", so it passes here.
    assert validate(model, {"decision": "maybe"}).decision == "maybe"
    assert refused(model, {"decision": 1}) == {"decision": ("决定应为文本", "type")}
    assert refused(model, {}) == {"decision": ("必填", "required")}


def test_a_batch_leaves_the_ids_as_given_for_the_service():
    assert validate(BatchDecision, {"ids": ["1"], "decision": "approve"}).ids == ["1"]
    assert refused(BatchDecision, {"ids": [], "decision": "approve"}) == {"ids": ("必填", "required")}
    assert refused(BatchDecision, {"ids": 1, "decision": "approve"}) == {"ids": ("申请编号应为列表", "type")}


@pytest.mark.parametrize("model", [InstitutionDecision, CommissionDecision, BatchDecision])
def test_a_decision_refuses_fields_it_does_not_take(model):
    body = {"decision": "return", "comment": "材料不全", "extra": 1, **({"ids": [1]} if model is BatchDecision else {})}
    assert refused(model, body) == {"extra": ("不支持的字段", "unknown_field")}


def test_a_decision_comment_is_text_of_at_most_the_maximum():
    assert decision_comment(None) == "" and decision_comment("  材料不全 ") == "材料不全"
    assert decision_comment(" " + "意" * COMMENT_MAX + " ") == "意" * COMMENT_MAX
    with pytest.raises(FieldError) as too_long:
        decision_comment("意" * (COMMENT_MAX + 1))
    assert (too_long.value.code, str(too_long.value)) == ("too_long", f"意见不能超过{COMMENT_MAX}个字符（现有{COMMENT_MAX + 1}个）")
    with pytest.raises(FieldError) as not_text:
        decision_comment(["意见"])
    assert (not_text.value.code, str(not_text.value)) == ("type", "意见应为文本")
