"""nurse.cancellation: asked for by the nurse or filed by the institution; its data and its reasons."""

from dataclasses import replace

import pytest

from pipeline.kinds.nurse_cancellation import KIND
from tests.unit.pipeline.samples import NURSE, NURSE_ENTRY, TODAY, errors


def refused(data):
    return errors(KIND.clean, data, today=TODAY)


def test_the_schema_takes_an_identifier_only_from_the_institution():
    assert KIND.clean({"reason": "离职"}) == {"reason": "离职"}
    assert KIND.clean({"reason": "离职", "identifier": "n11010520260000001x"}) == {
        "reason": "离职", "identifier": "N11010520260000001X"}
    assert refused({"reason": "离"}) == {"reason": ("注销原因长度应为2至200个字符", "too_short")}
    assert refused({"identifier": "D11010520260000001X"}) == {
        "reason": ("必填", "required"), "identifier": ("应为护士的电子化注册识别码（以N开头）", "format")}
    assert refused({"reason": "离职", "identifier": "N1"}) == {
        "identifier": ("电子化注册识别码长度应为19个字符，现有2个", "too_short")}


@pytest.mark.parametrize(("kwargs", "expected"), [
    ({}, []),
    ({"nurse": replace(NURSE_ENTRY, status="expired")}, []),
    ({"nurse": None}, ["尚无取得电子化注册识别码的护士注册，无需注销"]),
    ({"nurse": replace(NURSE_ENTRY, identifier=None)}, ["尚无取得电子化注册识别码的护士注册，无需注销"]),
    ({"nurse": replace(NURSE_ENTRY, status="cancelled")}, ["护士注册已注销"]),
    ({"institution_id": 13}, ["只能由护士注册所在的执业机构确认或申请注销"]),
    ({"institution_id": None}, ["只能由护士注册所在的执业机构确认或申请注销"]),
    ({"person": replace(NURSE, profession="physician")}, ["申请人不是护士，不能办理护士注册业务"]),
])
def test_cancellation_reasons(kwargs, expected):
    args = {"person": NURSE, "nurse": NURSE_ENTRY, "institution_id": 12, **kwargs}
    assert KIND.refuse(**args) == expected


def test_the_nurse_or_the_institution_applies():
    assert KIND.applicants == {"person", "institution"} and KIND.institution_confirms
