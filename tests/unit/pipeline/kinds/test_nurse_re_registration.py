"""nurse.re_registration: its data, and every reason it is refused (only after expiry or cancellation)."""

from dataclasses import replace

import pytest

from pipeline.kinds.nurse_re_registration import KIND
from tests.unit.pipeline.samples import INST, NURSE, NURSE_ENTRY, TODAY, errors

EXPIRED = replace(NURSE_ENTRY, status="expired")


def test_the_data_is_an_institution_and_a_department():
    assert KIND.clean({"institution_id": "3", "department": "儿科"}) == {"institution_id": 3, "department": "儿科"}
    assert errors(KIND.clean, {"institution_id": "三"}, today=TODAY) == {
        "institution_id": ("执业机构编号应为正整数", "type"), "department": ("必填", "required")}


@pytest.mark.parametrize(("kwargs", "expected"), [
    ({"nurse": EXPIRED}, []),
    ({"nurse": replace(NURSE_ENTRY, status="cancelled")}, []),
    ({"nurse": NURSE_ENTRY}, ["护士注册仍在有效期内，无需重新注册（可办理延续或变更注册）"]),
    ({"nurse": None}, ["尚无护士注册记录，请办理首次注册"]),
    ({"nurse": replace(EXPIRED, identifier=None)}, ["尚无护士注册记录，请办理首次注册"]),
    ({"nurse": EXPIRED, "institution": None}, ["未找到所填执业机构"]),
    ({"nurse": EXPIRED, "institution": replace(INST, status="suspended")}, ["执业机构“朝阳医院”已停业，不能办理注册"]),
    ({"nurse": EXPIRED, "person": replace(NURSE, profession="physician")}, ["申请人不是护士，不能办理护士注册业务"]),
])
def test_re_registration_reasons(kwargs, expected):
    args = {"person": NURSE, "institution": INST, **kwargs}
    assert KIND.refuse(**args) == expected
