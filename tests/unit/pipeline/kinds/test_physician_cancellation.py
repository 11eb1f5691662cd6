"""physician.cancellation: its data (a comment for "other"), and only the main institution cancels."""

from dataclasses import replace

import pytest

from pipeline.kinds.physician_cancellation import KIND
from tests.unit.pipeline.samples import PHYSICIAN_ENTRY, TODAY, errors

GOOD = {"identifier": "D11010520260000001X", "reason": "受刑事处罚", "occurred_on": "2026-01-01"}


def refused(data):
    return errors(KIND.clean, data, today=TODAY)


def test_the_reason_is_kept_as_its_code():
    assert KIND.clean(GOOD, today=TODAY) == {**GOOD, "reason": "criminal_penalty"}
    assert KIND.clean({**GOOD, "reason": "death", "occurred_on": "2026-06-15"}, today=TODAY)["reason"] == "death"


def test_other_wants_a_comment():
    assert refused({**GOOD, "reason": "other"}) == {"comment": ("注销原因为“其他”时须填写说明", "required")}
    assert refused({**GOOD, "reason": "其他", "comment": "  "}) == {"comment": ("注销原因为“其他”时须填写说明", "required")}
    assert KIND.clean({**GOOD, "reason": "其他", "comment": "调往外省"}, today=TODAY)["comment"] == "调往外省"


def test_bad_data():
    assert refused({}) == dict.fromkeys(("identifier", "reason", "occurred_on"), ("必填", "required"))
    assert refused({**GOOD, "comment": "x" * 201}) == {"comment": ("说明长度应为1至200个字符", "too_long")}
    assert refused({**GOOD, "occurred_on": "2026-06-16"}) == {"occurred_on": ("发生日期不能晚于今天", "future")}
    assert refused({**GOOD, "reason": "retirement"})["reason"][1] == "choice"  # a departure reason is no cancellation


MULTI = replace(PHYSICIAN_ENTRY, institution_ids=frozenset({12, 13}))


@pytest.mark.parametrize(("physician", "institution_id", "expected"), [
    (MULTI, 12, []),
    (MULTI, 13, ["该医师不是以本机构为主要执业机构的在册医师"]),
    (replace(PHYSICIAN_ENTRY, status="cancelled"), 12, ["医师注册状态为“注销”，不能办理此项业务"]),
    (replace(PHYSICIAN_ENTRY, status="filed"), 12, ["医师注册状态为“备案（非在册）”，不能办理此项业务"]),
    (None, 12, ["尚无医师注册记录，请先办理医师首次注册"]),
])
def test_only_the_main_institution_cancels(physician, institution_id, expected):
    assert KIND.refuse(physician=physician, institution_id=institution_id) == expected
