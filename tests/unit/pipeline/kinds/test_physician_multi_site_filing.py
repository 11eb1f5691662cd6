"""physician.multi_site_filing: its data, and every reason it is refused."""

from dataclasses import replace

import pytest

from pipeline.kinds.physician_multi_site_filing import KIND
from tests.unit.pipeline.samples import INST, OTHER, PHYSICIAN, PHYSICIAN_ENTRY, TODAY, errors


def test_the_data_is_one_institution():
    assert KIND.clean({"institution_id": 5}) == {"institution_id": 5}
    assert KIND.clean({"institution_id": "5"}) == {"institution_id": 5}
    assert errors(KIND.clean, {"institution_id": True}, today=TODAY) == {"institution_id": ("执业机构编号应为正整数", "type")}
    assert errors(KIND.clean, {}, today=TODAY) == {"institution_id": ("必填", "required")}


def multi_site(person=PHYSICIAN, physician=PHYSICIAN_ENTRY, institution=OTHER):
    return KIND.refuse(person=person, physician=physician, institution=institution)


def test_a_filing_at_a_further_institution_passes():
    assert multi_site() == []


@pytest.mark.parametrize(("kwargs", "expected"), [
    ({"person": replace(PHYSICIAN, profession="nurse")}, ["申请人不是医师，不能办理医师注册业务"]),
    ({"physician": replace(PHYSICIAN_ENTRY, identifier=None)}, ["医师注册记录尚未取得电子化注册识别码，不能办理后续业务"]),
    ({"physician": replace(PHYSICIAN_ENTRY, status="filed")}, ["医师注册状态为“备案（非在册）”，不能办理此项业务"]),
    ({"physician": None}, ["尚无医师注册记录，请先办理医师首次注册"]),
    ({"institution": None}, ["未找到所填执业机构"]),
    ({"institution": replace(OTHER, status="cancelled")}, ["执业机构“海淀医院”已注销，不能办理注册"]),
    ({"institution": INST}, ["已在“朝阳医院”执业，无需备案"]),
    ({"physician": replace(PHYSICIAN_ENTRY, institution_ids=frozenset({12, 13}))}, ["已在“海淀医院”执业，无需备案"]),
    ({"institution": replace(OTHER, departments=frozenset({"儿科"}))},
     ["执业范围“内科专业”不在执业机构“海淀医院”诊疗科目对应的执业范围内"]),
])
def test_each_reason_a_multi_site_filing_is_refused(kwargs, expected):
    assert multi_site(**kwargs) == expected
