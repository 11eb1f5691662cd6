"""physician.first_registration: its data, and every reason it is refused."""

from dataclasses import replace

import pytest

from pipeline.kinds.physician_first_registration import KIND, refuse
from tests.unit.pipeline.samples import INST, PHYSICIAN, PHYSICIAN_ENTRY, QUALIFICATION, TODAY, errors


def application(**changes):
    data = {"certificate_no": " 110110000001 ", "practice_category": "临床",
            "practice_scope": ["内科专业", "全科医学专业", "内科专业"], "institution_id": "12"}
    data.update(changes)
    return {k: v for k, v in data.items() if v is not ...}


def refused(data):
    return errors(KIND.clean, data, today=TODAY)


def test_valid_first_registration():
    assert KIND.clean(application(), today=TODAY) == {
        "certificate_no": "110110000001", "practice_category": "临床",
        "practice_scope": ["全科医学专业", "内科专业"], "institution_id": 12,
    }
    assert KIND.clean(application(practice_scope="口腔专业", practice_category="口腔"))["practice_scope"] == ["口腔专业"]
    assert KIND.clean(application(practice_scope="全科医学专业", practice_category="中医"))["practice_scope"] == ["全科医学专业"]


def test_missing_fields():
    fields = ("certificate_no", "practice_category", "institution_id", "practice_scope")
    assert refused({}) == dict.fromkeys(fields, ("必填", "required"))


@pytest.mark.parametrize(("field", "value", "reason", "code"), [
    ("certificate_no", "1234", "医师资格证书编号长度应为5至30个字符", "too_short"),
    ("certificate_no", "1" * 31, "医师资格证书编号长度应为5至30个字符", "too_long"),
    ("certificate_no", 123456, "医师资格证书编号应为文本", "type"),
    ("practice_category", "西医", "执业类别应为以下之一：临床、口腔、公共卫生、中医", "choice"),
    ("practice_scope", [], "必填", "required"),
    ("practice_scope", [""], "执业范围的每一项应为非空文本", "type"),
    ("practice_scope", 5, "执业范围应为文本或非空列表", "type"),
    ("institution_id", 0, "执业机构编号应为正整数", "type"),
    ("institution_id", "abc", "执业机构编号应为正整数", "type"),
])
def test_bad_field(field, value, reason, code):
    assert refused(application(**{field: value})) == {field: (reason, code)}


def test_scope_errors_name_the_scope():
    assert refused(application(practice_scope=["内科专业", "中医专业"])) == {
        "practice_scope": ("执业范围中医专业不属于临床类别", "mismatch")}
    assert refused(application(practice_scope=["火星医学专业"])) == {
        "practice_scope": ("不支持的执业范围：火星医学专业", "choice")}


def test_extra_keys_and_non_objects_are_refused():
    assert refused(application(hobby="x")) == {"hobby": ("不支持的字段", "unknown_field")}
    assert refused("nope") == {"data": ("请求内容应为JSON对象", "not_object")}


# --- refusal ------------------------------------------------------------------------------------------------

DATA = {"certificate_no": "110110000001", "practice_category": "临床", "practice_scope": ["内科专业"], "institution_id": 12}


def verify(data=DATA, person=PHYSICIAN, qualification=QUALIFICATION, institution=INST, physician=None):
    return KIND.refuse(data=data, person=person, qualification=qualification, institution=institution, physician=physician)


def test_passes():
    assert verify() == []
    assert KIND.refuse is refuse
    assert KIND.facts == ("data", "person", "qualification", "institution", "physician")


def test_a_filed_or_cancelled_physician_may_register_again_from_scratch():
    assert verify(physician=replace(PHYSICIAN_ENTRY, status="filed")) == []
    assert verify(physician=replace(PHYSICIAN_ENTRY, status="cancelled")) == []


@pytest.mark.parametrize(("kwargs", "expected"), [
    ({"qualification": None}, "未找到证书编号为110110000001的医师资格记录"),
    ({"qualification": replace(QUALIFICATION, name="李四")}, "医师资格记录中的姓名与申请人姓名不一致"),
    ({"qualification": replace(QUALIFICATION, id_number_hash="hash-b")}, "医师资格记录中的身份证件号码与申请人不一致"),
    ({"person": replace(PHYSICIAN, profession="nurse")}, "申请人不是医师，不能办理医师注册业务"),
    ({"qualification": replace(QUALIFICATION, category="口腔")}, "执业类别“临床”与医师资格类别“口腔”不一致"),
    ({"institution": None}, "未找到所填执业机构"),
    ({"institution": replace(INST, identifier=None)}, "执业机构“朝阳医院”尚未取得电子化注册识别码"),
    ({"institution": replace(INST, status="suspended")}, "执业机构“朝阳医院”已停业，不能办理注册"),
    ({"institution": replace(INST, status="cancelled")}, "执业机构“朝阳医院”已注销，不能办理注册"),
    ({"data": {**DATA, "practice_scope": ["内科专业", "儿科专业"]}},
     "执业范围“儿科专业”不在执业机构“朝阳医院”诊疗科目对应的执业范围内"),
    ({"physician": PHYSICIAN_ENTRY}, "申请人已是注册医师，不能再次办理首次注册"),
])
def test_each_reason(kwargs, expected):
    assert verify(**kwargs) == [expected]


def test_every_reason_is_reported_in_order():
    assert verify(person=replace(PHYSICIAN, profession="nurse", name="王五"),
                  qualification=replace(QUALIFICATION, category="中医", id_number_hash="x"),
                  institution=replace(INST, identifier=None, status="suspended"),
                  data={**DATA, "practice_scope": ["儿科专业", "眼耳鼻咽喉科专业"]},
                  physician=PHYSICIAN_ENTRY) == [
        "申请人不是医师，不能办理医师注册业务",
        "医师资格记录中的姓名与申请人姓名不一致",
        "医师资格记录中的身份证件号码与申请人不一致",
        "执业类别“临床”与医师资格类别“中医”不一致",
        "执业机构“朝阳医院”尚未取得电子化注册识别码",
        "执业机构“朝阳医院”已停业，不能办理注册",
        "执业范围“儿科专业”不在执业机构“朝阳医院”诊疗科目对应的执业范围内",
        "执业范围“眼耳鼻咽喉科专业”不在执业机构“朝阳医院”诊疗科目对应的执业范围内",
        "申请人已是注册医师，不能再次办理首次注册",
    ]
