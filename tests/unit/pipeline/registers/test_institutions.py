"""pipeline.registers.institutions: register field checks, the set-up approval and the pre-filled registration,
whether staff can be registered at an institution, its own business's status, and verification due dates."""

from dataclasses import replace
from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from stdnum.cn import uscc as stdnum_uscc

from pipeline.codes import default_scope_map
from pipeline.fields import CODES, FieldError, clean
from pipeline.registers import institutions as rules
from pipeline.registers.institutions import RegisterFields, SetupApproval
from tests.unit.pipeline.samples import INST, errors, institution


def credit_code(body: str = "91110105MA01ABCDE") -> str:
    """A valid unified social credit code: 17 characters, then the GB 32100 check digit."""
    return body + stdnum_uscc.calc_check_digit(body)


def refusal(check, *args) -> tuple[str, str]:
    with pytest.raises(FieldError) as info:
        check(*args)
    assert info.value.code in CODES
    return str(info.value), info.value.code


# --- field checks -------------------------------------------------------------------------------------------


def test_a_credit_code_is_stripped_and_upper_cased():
    assert rules.uscc(" " + credit_code().lower() + " ") == credit_code()


@pytest.mark.parametrize(("value", "reason", "code"), [
    (credit_code()[:-1] + ("0" if credit_code()[-1] != "0" else "1"), "统一社会信用代码校验位错误", "checksum"),
    (credit_code()[:-1], "统一社会信用代码应为18位", "format"),
    ("A" + credit_code()[1:], "统一社会信用代码格式错误", "format"),
    (911101051234567890, "统一社会信用代码应为文本", "type"),
])
def test_bad_credit_codes(value, reason, code):
    assert refusal(rules.uscc, value) == (reason, code)


def by_stdnum(value: str) -> object:
    """What python-stdnum alone makes of a code: the code, or the kind of its refusal."""
    try:
        return stdnum_uscc.validate(value.strip().upper())
    except Exception as error:  # its class is the answer
        return type(error).__name__


def ours(value: str) -> object:
    try:
        return rules.uscc(value)
    except FieldError as error:
        return {"统一社会信用代码校验位错误": "InvalidChecksum", "统一社会信用代码应为18位": "InvalidLength"}.get(str(error), "InvalidFormat")


ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CODE_BODIES = st.builds(lambda digits, rest: digits + rest, st.text("0123456789", min_size=8, max_size=8),
                        st.text(ALPHABET, min_size=9, max_size=9))
NOISE = st.text(ALPHABET + "IOSVZabcxy -\u00a0一٣", max_size=20)


@given(body=CODE_BODIES, noise=NOISE, cut=st.integers(0, 19), case=st.booleans())
@settings(max_examples=600)
def test_credit_codes_are_judged_as_python_stdnum_judges_them(body, noise, cut, case):
    """The direct check of a well-formed code (the fast path of a register import) agrees with python-stdnum on any
    text: valid codes, in either case and spaced; one character off; cut short or run long; and random text."""
    valid = body + stdnum_uscc.calc_check_digit(body)
    lettered = body[:cut % 8] + "A" + body[cut % 8 + 1:]  # a letter where GB 32100 has digits, with its check character
    for value in (valid, valid.lower() if case else f" {valid[:6]} {valid[6:]}-", valid[:cut] + noise[:1] + valid[cut + 1:],
                  valid[:cut], valid + noise, noise, lettered + stdnum_uscc.calc_check_digit(lettered)):
        assert ours(value) == by_stdnum(value), value


@pytest.mark.parametrize(("value", "clean_"), [
    (["外科", "内科"], ["内科", "外科"]),
    ("外科；内科、外科, 妇产科", sorted(["内科", "外科", "妇产科"])),
    ("内科;外科，儿科", sorted(["内科", "外科", "儿科"])),
    ([" 内科 ", "内科", ""], ["内科"]),
])
def test_departments_are_sorted_and_deduplicated(value, clean_):
    assert rules.departments(value) == clean_


@pytest.mark.parametrize(("value", "reason", "code"), [
    (["内科", "占星科", "炼丹科"], "不在《医疗机构诊疗科目名录》中的科目：占星科、炼丹科", "choice"),
    ("；、", "必填", "required"),
    ([], "必填", "required"),
    (["内科", 3], "诊疗科目应为科目名称的列表", "type"),
    ({"内科": True}, "诊疗科目应为科目名称的列表", "type"),
    (5, "诊疗科目应为科目名称的列表", "type"),
])
def test_bad_departments(value, reason, code):
    assert refusal(rules.departments, value) == (reason, code)


@pytest.mark.parametrize(("value", "clean_"), [(0, 0), ("  35 ", 35), (99999, 99999), ("00012", 12)])
def test_beds(value, clean_):
    assert rules.beds(value) == clean_


@pytest.mark.parametrize("value", [-1, 100000, "100000", "-3"])
def test_beds_out_of_range(value):
    assert refusal(rules.beds, value) == ("床位数应为0至99999的整数", "out_of_range")


@pytest.mark.parametrize("value", [12.5, True, "十张", "1e3", None, "１２"])
def test_beds_that_are_not_a_whole_number(value):
    assert refusal(rules.beds, value) == ("床位数应为0至99999的整数", "type")


def test_phone_and_fax():
    assert rules.phone(" 010-6500 1234 ") == "010-6500 1234"
    assert rules.phone("  ") == ""  # a blank number clears it
    assert refusal(rules.phone, "010-abc") == ("电话只能包含数字、空格和 + - ( )，长度5至30", "format")
    for no_number in ("-----", "+++++", "( ) ( )", "010 - -"):
        assert refusal(rules.phone, no_number) == ("电话应至少含5位数字", "format")
    assert rules.phone("(010) 8888") == "(010) 8888" and rules.phone("") == ""
    assert refusal(rules.phone, "010-abc", "传真") == ("传真只能包含数字、空格和 + - ( )，长度5至30", "format")
    assert refusal(rules.phone, 65001234) == ("电话应为文本", "type")


@pytest.mark.parametrize("value", ["11010", "11010X", "1101050", 110105, "１１０１０５"])
def test_bad_division_codes(value):
    assert rules.division_code(" 110105 ") == "110105"
    assert refusal(rules.division_code, value) == ("行政区划代码应为6位数字", "format")


def test_institution_type():
    assert rules.institution_type(" 诊所 ") == "诊所"
    reason, code = refusal(rules.institution_type, "美容院")
    assert reason.startswith("机构类别应为以下之一：综合医院、") and "诊所" in reason and code == "choice"


def test_the_register_fields_are_all_required():
    assert errors(lambda d: clean(RegisterFields, d), {}) == dict.fromkeys(rules.REGISTER_FIELDS, ("必填", "required"))
    assert list(RegisterFields.model_fields) == list(rules.REGISTER_FIELDS)


# --- the set-up approval ----------------------------------------------------------------------------------------


def setup_approval(**changes):
    data = {
        "name": "望京社区卫生服务中心", "type": "社区卫生服务中心", "division_code": "110105", "address": "北京市朝阳区望京街2号",
        "departments": "全科医疗科；预防保健科", "beds": "0", "legal_rep": "李四", "principal": "钱七", "mobile": "13800138000",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not ...}


def clean_setup(data):
    """As the commission's hand-out service cleans it."""
    return clean(SetupApproval, data, whole="body")


def test_a_setup_approval_is_cleaned():
    cleaned = clean_setup(setup_approval(approved_on="2026-03-01", approval_no="京朝卫设〔2026〕12号"))
    assert cleaned["beds"] == 0
    assert cleaned["departments"] == sorted(["全科医疗科", "预防保健科"])
    assert cleaned["approved_on"] == "2026-03-01"
    assert cleaned["approval_no"] == "京朝卫设〔2026〕12号"
    assert "phone" not in cleaned and "fax" not in cleaned


@pytest.mark.parametrize(("field", "value", "reason", "code"), [
    ("mobile", "1380013800", "手机号码应为11位中国大陆手机号", "format"),
    ("mobile", "12800138000", "手机号码应为11位中国大陆手机号", "format"),
    ("division_code", "11010", "行政区划代码应为6位数字", "format"),
    ("division_code", "11010X", "行政区划代码应为6位数字", "format"),
    ("approved_on", "2026-02-30", "批准日期不是有效的日期", "date"),
    ("approved_on", "2026/03/01", "批准日期格式应为YYYY-MM-DD", "format"),
    ("fax", "fax", "传真只能包含数字、空格和 + - ( )，长度5至30", "format"),
    ("approval_no", "号", "设置审批文号长度应为2至50个字符", "too_short"),
    ("beds", "-1", "床位数应为0至99999的整数", "out_of_range"),
    ("uscc", credit_code(), "不支持的字段", "unknown_field"),
    # [] is blank only for the list of departments; for a text, a date or a number it is the wrong type.
    ("approval_no", [], "设置审批文号应为文本", "type"),
    ("approved_on", [], "批准日期格式应为YYYY-MM-DD", "format"),
    ("phone", [], "电话应为文本", "type"),
    ("beds", [], "床位数应为0至99999的整数", "type"),
    ("departments", [], "必填", "required"),
])
def test_a_bad_setup_approval_names_the_field(field, value, reason, code):
    assert errors(clean_setup, setup_approval(**{field: value})) == {field: (reason, code)}


def test_a_setup_approval_needs_the_mobile_and_division():
    assert errors(clean_setup, setup_approval(mobile=..., division_code=...)) == {
        "mobile": ("必填", "required"), "division_code": ("必填", "required")}


def test_a_setup_approval_that_is_not_an_object_is_refused():
    assert errors(clean_setup, ["望京"]) == {"body": ("请求内容应为JSON对象", "not_object")}


def test_the_registration_is_prefilled_from_the_setup_approval():
    setup = {**setup_approval(), "phone": "010-1234567", "fax": "", "approval_no": "京朝卫设〔2026〕12号"}
    data = rules.prefilled_registration(setup, {"uscc": credit_code(), "beds": 20})
    assert data == {
        "name": "望京社区卫生服务中心", "type": "社区卫生服务中心", "address": "北京市朝阳区望京街2号",
        "departments": "全科医疗科；预防保健科", "beds": 20, "legal_rep": "李四", "principal": "钱七",
        "phone": "010-1234567", "uscc": credit_code(),
    }  # what was submitted wins; a blank fax, the mobile, division and approval number stay behind


def test_a_submitted_phone_wins_over_the_setup_approval():
    data = rules.prefilled_registration({"phone": "010-1234567"}, {"phone": "010-7654321"})
    assert data == {"phone": "010-7654321"}


def test_field_labels_cover_every_register_and_profile_field():
    assert set(rules.REGISTER_FIELDS) | set(rules.PROFILE_FIELDS) | {"uscc"} <= set(rules.FIELD_LABELS)
    assert rules.FIELD_LABELS["beds"] == "床位数" and rules.FIELD_LABELS["mobile"] == "负责人手机号码"


# --- staff at an institution --------------------------------------------------------------------------------------


def test_allowed_scopes_are_the_union_over_its_departments():
    assert INST.allowed_scopes() == {"内科专业", "外科专业"}
    assert replace(INST, departments=frozenset({"无此科"})).allowed_scopes() == frozenset()
    assert replace(INST, scope_map={}).allowed_scopes() == frozenset()
    assert replace(INST, departments=frozenset({"内科", "口腔科"})).allowed_scopes() == (
        default_scope_map()["内科"] | default_scope_map()["口腔科"])


@pytest.mark.parametrize(("facts", "expected"), [
    (INST, []),
    (None, ["未找到所填执业机构"]),
    (replace(INST, identifier=None), ["执业机构“朝阳医院”尚未取得电子化注册识别码"]),
    (replace(INST, status="suspended"), ["执业机构“朝阳医院”已停业，不能办理注册"]),
    (replace(INST, status="cancelled"), ["执业机构“朝阳医院”已注销，不能办理注册"]),
    (replace(INST, status="setup"), ["执业机构“朝阳医院”已设置审批（未执业登记），不能办理注册"]),
    (replace(INST, identifier=None, status="suspended"), [
        "执业机构“朝阳医院”尚未取得电子化注册识别码", "执业机构“朝阳医院”已停业，不能办理注册"]),
])
def test_institution_reasons(facts, expected):
    assert rules.institution_reasons(facts) == expected


@pytest.mark.parametrize(("scopes", "expected"), [
    (["内科专业", "外科专业"], []),
    ("内科专业", []),
    (None, []),
    (["内科专业", "儿科专业"], ["执业范围“儿科专业”不在执业机构“朝阳医院”诊疗科目对应的执业范围内"]),
    ("儿科专业", ["执业范围“儿科专业”不在执业机构“朝阳医院”诊疗科目对应的执业范围内"]),
])
def test_scope_reasons(scopes, expected):
    assert rules.scope_reasons(scopes, INST) == expected
    assert rules.scope_reasons(scopes, None) == []


# --- an institution's own business -----------------------------------------------------------------------------------


def test_own_business_reasons():
    allowed = frozenset({"operating"})
    assert rules.own_business_reasons(institution("operating"), allowed, "不能办理") == []
    assert rules.own_business_reasons(institution("suspended"), allowed, "不能办理") == ["医疗机构“朝阳康复医院”已停业，不能办理"]
    assert rules.own_business_reasons(institution("operating", None), allowed, "不能办理") == [
        "医疗机构“朝阳康复医院”尚未取得电子化注册识别码，不能办理后续业务"]
    assert rules.own_business_reasons(institution("operating", None), allowed, "不能办理", needs_identifier=False) == []
    assert rules.own_business_reasons(institution("odd"), allowed, "不能办理") == ["医疗机构“朝阳康复医院”odd，不能办理"]


# --- when verification falls due -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("beds", "years"), [(0, 1), (99, 1), (100, 3), (500, 3)])
def test_verification_is_yearly_under_100_beds_and_three_yearly_from_100(beds, years):
    assert rules.verification_interval_years(beds) == years
    assert rules.next_verification(date(2026, 4, 15), beds) == date(2026 + years, 4, 15)


def test_a_verification_on_29_february_falls_due_on_28_february():
    assert rules.next_verification(date(2028, 2, 29), 20) == date(2029, 2, 28)
    assert rules.next_verification(date(2028, 2, 29), 100) == date(2031, 2, 28)
    assert rules.add_years(date(2028, 2, 29), 4) == date(2032, 2, 29)


DAY = date(2026, 6, 1)


@pytest.mark.parametrize(("next_on", "expected"), [
    (None, ""),
    (DAY - timedelta(days=1), "overdue"),
    (DAY, "due"),
    (DAY + timedelta(days=30), "due"),
    (DAY + timedelta(days=31), ""),
])
def test_verification_is_due_within_30_days_and_overdue_after_the_date(next_on, expected):
    assert rules.verification_state(next_on, DAY) == expected
