import pytest

from pipeline.codes import default_scope_map
from pipeline.verification import (
    InstitutionFacts, PersonFacts, QualificationFacts, allowed_scopes,
    verify_physician_first_registration,
)

PERSON = PersonFacts("张三", "hash-a", "physician")
QUAL = QualificationFacts("110110000001", "张三", "hash-a", "执业医师", "临床")
INST = InstitutionFacts(12, "朝阳医院", "H11010520260000001X", "operating", "110105", "110105",
                        frozenset({"内科", "重症医学科"}), default_scope_map())
DATA = {"certificate_no": "110110000001", "practice_category": "临床",
        "practice_scope": ["内科专业"], "institution_id": 12}


def verify(data=DATA, person=PERSON, qualification=QUAL, institution=INST,
           open_duplicate=False, already_registered=False):
    return verify_physician_first_registration(
        data, person, qualification, institution, open_duplicate, already_registered)


def replace(obj, **changes):
    from dataclasses import replace as dc_replace
    return dc_replace(obj, **changes)


def test_passes():
    assert verify() == []


def test_allowed_scopes():
    assert allowed_scopes(INST) == {"内科专业", "外科专业"} == INST.allowed_scopes()
    assert allowed_scopes(replace(INST, departments=frozenset({"无此科"}))) == frozenset()


@pytest.mark.parametrize("kwargs,expected", [
    ({"qualification": None}, "未找到证书编号为110110000001的医师资格记录"),
    ({"qualification": replace(QUAL, name="李四")}, "医师资格记录中的姓名与申请人姓名不一致"),
    ({"qualification": replace(QUAL, id_number_hash="hash-b")}, "医师资格记录中的身份证件号码与申请人不一致"),
    ({"person": replace(PERSON, profession="nurse")}, "申请人不是医师，不能申请医师注册"),
    ({"qualification": replace(QUAL, category="口腔")}, "执业类别“临床”与医师资格类别“口腔”不一致"),
    ({"institution": None}, "未找到所填执业机构"),
    ({"institution": replace(INST, identifier=None)}, "执业机构“朝阳医院”尚未取得电子化注册识别码"),
    ({"institution": replace(INST, status="suspended")}, "执业机构“朝阳医院”已停业，不能办理注册"),
    ({"institution": replace(INST, status="cancelled")}, "执业机构“朝阳医院”已注销，不能办理注册"),
    ({"data": {**DATA, "practice_scope": ["内科专业", "儿科专业"]}},
     "执业范围“儿科专业”不在执业机构“朝阳医院”诊疗科目对应的执业范围内"),
    ({"open_duplicate": True}, "已有一件未办结的医师首次注册申请，不能重复申请"),
    ({"already_registered": True}, "申请人已是注册医师，不能再次办理首次注册"),
])
def test_each_reason(kwargs, expected):
    assert verify(**kwargs) == [expected]


def test_every_reason_is_reported():
    reasons = verify(person=replace(PERSON, profession="nurse", name="王五"),
                     qualification=replace(QUAL, category="中医", id_number_hash="x"),
                     institution=replace(INST, identifier=None, status="suspended"),
                     data={**DATA, "practice_scope": ["儿科专业", "眼耳鼻咽喉科专业"]},
                     open_duplicate=True, already_registered=True)
    assert len(reasons) == 10
