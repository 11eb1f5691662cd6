"""physician.departure_filing: its data, and the institution it is filed by."""

from dataclasses import replace

import pytest

from pipeline.kinds.physician_departure_filing import KIND
from tests.unit.pipeline.samples import PHYSICIAN_ENTRY, TODAY, errors

IDENTIFIER = "D11010520260000001X"


def refused(data):
    return errors(KIND.clean, data, today=TODAY)


def test_the_data_is_cleaned():
    assert KIND.clean({"identifier": IDENTIFIER.lower(), "reason": "退休", "left_on": "2026-06-15"}, today=TODAY) == {
        "identifier": IDENTIFIER, "reason": "retirement", "left_on": "2026-06-15"}
    assert KIND.clean({"identifier": IDENTIFIER, "reason": "transfer", "left_on": "2026-06-01", "comment": " 调往外省 "},
                      today=TODAY)["comment"] == "调往外省"


def test_bad_data():
    got = refused({"identifier": "N11010520260000001X", "reason": "death", "left_on": "2026-06-16", "comment": ""})
    # a cancellation reason is no departure reason; the reason lists the labels
    assert got == {"identifier": ("应为医师的电子化注册识别码（以D开头）", "format"),
                   "reason": ("备案原因应为以下之一：调离、退休、退职、被辞退、被开除", "choice"),
                   "left_on": ("离岗日期不能晚于今天", "future")}
    assert refused({"identifier": "D1", "reason": "transfer", "left_on": "2026-02-30"}) == {
        "identifier": ("电子化注册识别码长度应为19个字符，现有2个", "too_short"), "left_on": ("离岗日期不是有效的日期", "date")}
    assert refused({"identifier": IDENTIFIER, "reason": "transfer", "left_on": "15/06/2026"}) == {
        "left_on": ("离岗日期格式应为YYYY-MM-DD", "format")}
    assert refused({}) == dict.fromkeys(("identifier", "reason", "left_on"), ("必填", "required"))


MULTI = replace(PHYSICIAN_ENTRY, institution_ids=frozenset({12, 13}))


@pytest.mark.parametrize(("physician", "institution_id", "expected"), [
    (MULTI, 13, []),
    (MULTI, 12, []),
    (PHYSICIAN_ENTRY, 13, ["该医师不是在本机构执业的在册医师"]),
    (replace(PHYSICIAN_ENTRY, status="filed"), 12, ["医师注册状态为“备案（非在册）”，不能办理此项业务"]),
    (None, 12, ["尚无医师注册记录，请先办理医师首次注册"]),
])
def test_a_departure_filing_is_for_any_institution_the_physician_practises_at(physician, institution_id, expected):
    assert KIND.refuse(physician=physician, institution_id=institution_id) == expected
