"""pipeline.accounts: the real-name sign-up of a physician or nurse."""

from datetime import date

import pytest

from pipeline.accounts import (
    Activation,
    Login,
    OneTimePassword,
    PasswordChange,
    PasswordReset,
    PasswordResetRequest,
    SignUp,
    StaffAccount,
    clean_signup,
)
from pipeline.fields import validate
from tests.unit.pipeline.samples import errors, resident_id, wrong_check

TODAY = date(2026, 5, 1)


def signup(**changes):
    data = {
        "profession": "physician", "name": "  张三  ", "sex": "男", "birth_date": "1990-03-07",
        "id_type": "resident_id", "id_number": resident_id(), "mobile": "13800138000",
        "password": "secret123", "institution_id": 7,
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not ...}


def refused(data):
    return errors(clean_signup, data, today=TODAY)


def test_valid_signup_is_cleaned():
    assert clean_signup(signup(institution_id="7"), today=TODAY) == {
        "profession": "physician", "name": "张三", "sex": "男", "birth_date": date(1990, 3, 7),
        "id_type": "resident_id", "id_number": resident_id(), "mobile": "13800138000",
        "password": "secret123", "institution_id": 7,
    }


@pytest.mark.parametrize(("given", "expected"), [("M", "男"), ("female", "女"), ("F", "女"), ("Male", "男"), ("女", "女")])
def test_sex_spellings(given, expected):
    number = resident_id(serial="123" if expected == "男" else "124")  # GB 11643: odd for a man, even for a woman
    assert clean_signup(signup(sex=given, id_number=number), today=TODAY)["sex"] == expected


@pytest.mark.parametrize(("sex", "serial"), [("女", "123"), ("男", "124")])
def test_a_sex_the_resident_id_contradicts_is_refused_on_the_id_number(sex, serial):
    assert refused(signup(sex=sex, id_number=resident_id(serial=serial))) == {"id_number": ("身份证号码中的性别与所填性别不一致", "mismatch")}


def test_a_passport_carries_no_sex_to_check():
    assert clean_signup(signup(sex="女", id_type="passport", id_number="E12345678"), today=TODAY)["sex"] == "女"


@pytest.mark.parametrize(("given", "expected"), [("physician", "physician"), ("护士", "nurse"), ("医师", "physician")])
def test_a_profession_by_value_or_label(given, expected):
    assert clean_signup(signup(profession=given), today=TODAY)["profession"] == expected


def test_lowercase_x_is_normalised():
    number = next(n for s in range(1000) if (n := resident_id(serial=f"{s:03d}")).endswith("X"))
    assert clean_signup(signup(id_number=number.lower()), today=TODAY)["id_number"] == number


def test_every_missing_field_is_reported():
    fields = ["profession", "name", "sex", "birth_date", "id_type", "id_number", "mobile", "password", "institution_id"]
    assert refused({}) == dict.fromkeys(fields, ("必填", "required"))
    assert refused(signup(name="   ")) == {"name": ("必填", "required")}


def test_all_errors_are_collected():
    assert refused(signup(profession="dentist", sex="x", mobile="12345", password="short")) == {
        "profession": ("职业应为以下之一：医师、护士", "choice"),
        "sex": ("性别应为以下之一：男、女", "choice"),
        "mobile": ("手机号码应为11位中国大陆手机号", "format"),
        "password": ("密码长度应为8至128个字符", "too_short"),
    }


ID_TYPES = "证件类型应为以下之一：居民身份证、护照、港澳居民来往内地通行证、台湾居民来往大陆通行证、外国人永久居留身份证"


@pytest.mark.parametrize(("field", "value", "reason", "code"), [
    ("profession", "dentist", "职业应为以下之一：医师、护士", "choice"),
    ("name", "张", "姓名长度应为2至30个字符", "too_short"),
    ("name", "张" * 31, "姓名长度应为2至30个字符", "too_long"),
    ("name", 12, "姓名应为文本", "type"),
    ("sex", "未知", "性别应为以下之一：男、女", "choice"),
    ("birth_date", "1990/03/07", "出生日期格式应为YYYY-MM-DD", "format"),
    ("birth_date", "1990-02-30", "出生日期不是有效的日期", "date"),
    ("birth_date", "2027-01-01", "出生日期不能晚于今天", "future"),
    ("birth_date", "2015-01-01", "年龄应在16至100岁之间", "out_of_range"),
    ("birth_date", "1920-01-01", "年龄应在16至100岁之间", "out_of_range"),
    ("id_type", "driver_licence", ID_TYPES, "choice"),
    ("mobile", "12800138000", "手机号码应为11位中国大陆手机号", "format"),
    ("mobile", "1380013800", "手机号码应为11位中国大陆手机号", "format"),
    ("mobile", "1380013800٠", "手机号码应为11位中国大陆手机号", "format"),
    ("password", "abcdefgh", "密码应同时包含字母和数字", "format"),
    ("password", "12345678", "密码应同时包含字母和数字", "format"),
    ("password", "a1" * 65, "密码长度应为8至128个字符", "too_long"),
    ("password", "a1b2c3", "密码长度应为8至128个字符", "too_short"),
    ("institution_id", 0, "机构编号应为正整数", "type"),
    ("institution_id", -3, "机构编号应为正整数", "type"),
    ("institution_id", "x", "机构编号应为正整数", "type"),
    ("institution_id", True, "机构编号应为正整数", "type"),
    ("institution_id", 1.5, "机构编号应为正整数", "type"),
    ("institution_id", 2**31, "机构编号超出允许范围", "out_of_range"),
])
def test_bad_field(field, value, reason, code):
    assert refused(signup(**{field: value})) == {field: (reason, code)}


def test_a_bad_birth_date_does_not_also_blame_the_id_number():
    assert refused(signup(birth_date="2027-01-01")) == {"birth_date": ("出生日期不能晚于今天", "future")}
    assert set(refused(signup(birth_date="1990-02-30"))) == {"birth_date"}


@pytest.mark.parametrize(("number", "reason", "code"), [
    (resident_id()[:-1], "身份证号码应为18位", "format"),
    ("11010519900307A23" + "0", "身份证号码前17位应为数字，最后一位为数字或X", "format"),
    (wrong_check(resident_id()), "身份证号码校验位错误", "checksum"),
    (resident_id("19900230"), "身份证号码中的出生日期无效", "date"),
    (resident_id(place="990105"), "身份证号码的前两位不是有效的省级行政区划代码", "format"),
    (12345, "身份证号码应为文本", "type"),
])
def test_bad_resident_id(number, reason, code):
    assert refused(signup(id_number=number)) == {"id_number": (reason, code)}


def test_a_resident_id_born_after_the_given_today_is_refused():
    number = resident_id(date(2026, 5, 2))
    assert refused(signup(id_number=number, birth_date=...)) == {
        "birth_date": ("必填", "required"), "id_number": ("身份证号码中的出生日期无效", "date")}


def test_resident_id_birth_date_must_match():
    assert refused(signup(id_number=resident_id(date(1991, 3, 7)))) == {
        "id_number": ("身份证号码中的出生日期与所填出生日期不一致", "mismatch")}


def test_other_id_types():
    assert clean_signup(signup(id_type="passport", id_number=" e1234567 "), today=TODAY)["id_number"] == "E1234567"
    assert clean_signup(signup(id_type="护照", id_number="E1234567"), today=TODAY)["id_type"] == "passport"
    for id_type, number in (("hk_macao_permit", "H12"), ("taiwan_permit", "12-345678"), ("foreign_permanent", "A" * 31)):
        assert refused(signup(id_type=id_type, id_number=number)) == {
            "id_number": ("证件号码应为5至30位字母或数字", "format")}


def test_a_bad_id_type_leaves_the_number_to_its_own_reason():
    assert refused(signup(id_type="driver_licence", id_number="whatever")) == {"id_type": (ID_TYPES, "choice")}
    assert refused(signup(id_type="driver_licence", id_number=5)) == {
        "id_type": (ID_TYPES, "choice"), "id_number": ("证件号码应为文本", "type")}


def test_unknown_keys_are_refused():
    assert refused(signup(hobby="x")) == {"hobby": ("不支持的字段", "unknown_field")}


@pytest.mark.parametrize("body", [["not", "a", "dict"], "x", None])
def test_non_mapping_body(body):
    assert refused(body) == {"body": ("请求内容应为JSON对象", "not_object")}


def test_the_fields_a_signup_page_shows():
    assert list(SignUp.model_fields) == [
        "profession", "name", "sex", "birth_date", "id_type", "id_number", "mobile", "password", "institution_id"]


# --- the other requests about an account ---------------------------------------------------------------------


def body(model, data):
    return validate(model, data, whole="body", today=TODAY)


def body_refused(model, data):
    return errors(lambda d: body(model, d), data)


def test_login_takes_the_password_as_given_and_refuses_unknown_keys():
    assert body(Login, {"username": " 13800138000 ", "password": " Secret123 "}).model_dump() == {
        "username": " 13800138000 ", "password": " Secret123 ", "otp": None}
    assert body(Login, {"username": "inst-a", "password": "x", "otp": "123456"}).otp == "123456"
    assert body_refused(Login, {"username": "x", "password": "x", "remember": True}) == {
        "remember": ("不支持的字段", "unknown_field")}
    assert body_refused(Login, {"password": ""}) == {"username": ("必填", "required"), "password": ("必填", "required")}
    assert body_refused(Login, {"username": 5, "password": "x"}) == {"username": ("用户名应为文本", "type")}


def test_an_activation_or_reset_code_sent_as_a_number_is_taken_as_its_digits():
    assert body(Activation, {"username": "x", "code": 123456}).code == "123456"
    assert body_refused(Activation, {"username": "x", "code": [1]}) == {"code": ("激活码应为文本", "type")}


def test_a_password_change_leaves_the_order_of_reasons_to_the_service():
    # The old password is checked first (it needs the account), so a weak new one is not refused here.
    assert body(PasswordChange, {"old_password": "wrong", "new_password": "short"}).new_password == "short"
    assert body_refused(PasswordChange, {}) == {"old_password": ("必填", "required"), "new_password": ("必填", "required")}


def test_a_reset_checks_the_new_password_as_sign_up_does():
    assert body_refused(PasswordReset, {"username": "x", "code": "123456", "password": "short"}) == {
        "password": ("密码长度应为8至128个字符", "too_short")}
    assert body_refused(PasswordResetRequest, {}) == {"username": ("必填", "required")}


@pytest.mark.parametrize(("data", "field", "reason"), [
    ({"username": "1abc"}, "username", "用户名应以字母开头，由3至64位字母、数字或 _ . - 组成"),
    ({"password": "onlyletters"}, "password", "密码应同时包含字母和数字"),
    ({"admin": "yes"}, "admin", "应为 true 或 false"),
    ({"division": 110105}, "division", "行政区划应为文本"),
])
def test_a_staff_account_is_refused_naming_the_field(data, field, reason):
    assert body_refused(StaffAccount, {"username": "clerk.one", "password": "Secret123", **data})[field][0] == reason


def test_a_staff_account_defaults():
    account = body(StaffAccount, {"username": " clerk.one ", "password": "Secret123"})
    assert account.model_dump(exclude_unset=True) == {"username": "clerk.one", "password": "Secret123"}
    assert account.admin is False and account.division is None


def test_a_one_time_password_goes_to_a_good_mobile_or_the_registered_one():
    assert body(OneTimePassword, {}).mobile is None
    assert body_refused(OneTimePassword, {"mobile": "12345"}) == {"mobile": ("手机号码应为11位中国大陆手机号", "format")}
