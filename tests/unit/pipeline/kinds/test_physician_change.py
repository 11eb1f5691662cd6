"""physician.change: its data, and every reason it is refused."""

from dataclasses import replace

import pytest

from pipeline.kinds.physician_change import KIND
from tests.unit.pipeline.samples import INST, OTHER, PHYSICIAN, PHYSICIAN_ENTRY, TODAY, errors

CHANGE = {"institution_id": 13, "practice_category": "临床", "practice_scope": ["内科专业"]}


def refused(data):
    return errors(KIND.clean, data, today=TODAY)


def test_the_data_is_cleaned():
    assert KIND.clean({**CHANGE, "institution_id": "13", "practice_scope": "内科专业"}) == {
        "institution_id": 13, "practice_category": "临床", "practice_scope": ["内科专业"]}


def test_bad_data_names_every_field():
    assert refused({}) == dict.fromkeys(("institution_id", "practice_category", "practice_scope"), ("必填", "required"))
    # with no valid category the scope is checked only against the known scopes
    assert refused({"institution_id": 0, "practice_category": "兽医", "practice_scope": ["口腔专业"], "extra": 1}) == {
        "institution_id": ("执业机构编号应为正整数", "type"),
        "practice_category": ("执业类别应为以下之一：临床、口腔、公共卫生、中医", "choice"),
        "extra": ("不支持的字段", "unknown_field")}
    assert refused({**CHANGE, "practice_scope": ["口腔专业"]}) == {
        "practice_scope": ("执业范围口腔专业不属于临床类别", "mismatch")}
    assert refused({**CHANGE, "practice_scope": ["星际专业"]}) == {"practice_scope": ("不支持的执业范围：星际专业", "choice")}


def change(data=CHANGE, person=PHYSICIAN, physician=PHYSICIAN_ENTRY, institution=OTHER):
    return KIND.refuse(data=data, person=person, physician=physician, institution=institution)


def test_a_change_to_another_institution_passes():
    assert change() == []


@pytest.mark.parametrize(("kwargs", "expected"), [
    ({"person": replace(PHYSICIAN, profession="nurse")}, ["申请人不是医师，不能办理医师注册业务"]),
    ({"physician": None}, ["尚无医师注册记录，请先办理医师首次注册"]),
    ({"physician": replace(PHYSICIAN_ENTRY, identifier=None)}, ["医师注册记录尚未取得电子化注册识别码，不能办理后续业务"]),
    ({"physician": replace(PHYSICIAN_ENTRY, status="filed")}, ["医师注册状态为“备案（非在册）”，不能办理此项业务"]),
    ({"institution": None}, ["未找到所填执业机构"]),
    ({"institution": replace(OTHER, identifier=None)}, ["执业机构“海淀医院”尚未取得电子化注册识别码"]),
    ({"institution": replace(OTHER, status="suspended")}, ["执业机构“海淀医院”已停业，不能办理注册"]),
    ({"data": {**CHANGE, "practice_scope": ["儿科专业"]}}, ["执业范围“儿科专业”不在执业机构“海淀医院”诊疗科目对应的执业范围内"]),
    ({"data": {**CHANGE, "practice_category": "口腔"}}, ["执业类别“口腔”与医师资格类别“临床”不一致"]),
    ({"data": {**CHANGE, "institution_id": 12}, "institution": INST}, ["申请内容与现有注册信息相同，无需变更"]),
])
def test_each_reason_a_change_is_refused(kwargs, expected):
    assert change(**kwargs) == expected


@pytest.mark.parametrize("data", [
    {**CHANGE, "institution_id": 12, "practice_scope": ["外科专业"]},                 # scope alone
    {**CHANGE, "institution_id": 12, "practice_scope": ["内科专业", "外科专业"]},      # a scope added
])
def test_a_change_of_scope_alone_at_the_same_institution_passes(data):
    assert change(data=data, institution=INST) == []
