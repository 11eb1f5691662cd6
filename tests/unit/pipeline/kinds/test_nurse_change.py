"""nurse.change: its data (the new institution and department), and every reason it is refused."""

from dataclasses import replace

import pytest

from pipeline.kinds.nurse_change import KIND
from tests.unit.pipeline.samples import INST, NURSE, NURSE_ENTRY, TODAY, errors


def test_the_data_is_an_institution_and_a_department():
    assert KIND.clean({"institution_id": 3, "department": " 儿科 "}) == {"institution_id": 3, "department": "儿科"}
    assert errors(KIND.clean, {"institution_id": "三"}, today=TODAY) == {
        "institution_id": ("执业机构编号应为正整数", "type"), "department": ("必填", "required")}


@pytest.mark.parametrize(("kwargs", "expected"), [
    ({}, []),
    ({"nurse": replace(NURSE_ENTRY, status="expired")},
     ["护士注册已过期（有效期至2026-07-01），不能办理变更注册，请办理重新注册"]),
    ({"nurse": replace(NURSE_ENTRY, status="cancelled")}, ["护士注册状态为“注销”，不能办理变更注册"]),
    ({"nurse": None}, ["尚无取得电子化注册识别码的护士注册，不能办理变更注册"]),
    ({"institution": replace(INST, status="cancelled")}, ["执业机构“朝阳医院”已注销，不能办理注册"]),
    ({"institution": None}, ["未找到所填执业机构"]),
    ({"person": replace(NURSE, profession="physician")}, ["申请人不是护士，不能办理护士注册业务"]),
])
def test_change_reasons(kwargs, expected):
    args = {"person": NURSE, "nurse": NURSE_ENTRY, "institution": INST, **kwargs}
    assert KIND.refuse(**args) == expected
