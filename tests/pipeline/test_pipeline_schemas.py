from datetime import date

import pytest
from stdnum.cn import ric

from pipeline.errors import ValidationFailed
from pipeline.schemas import clean_application, clean_signup

TODAY = date(2026, 5, 1)


def resident_id(birth: str = "19900307", place: str = "110105", seq: str = "123") -> str:
    """A valid resident ID: 17 digits, then the GB 11643 check digit."""
    body = place + birth + seq
    return body + ric.calc_check_digit(body + "0")  # stdnum expects a placeholder check digit


def with_x() -> str:
    for seq in range(1000):
        number = resident_id(seq=f"{seq:03d}")
        if number.endswith("X"):
            return number
    raise AssertionError("no X")


def signup(**changes):
    data = {
        "profession": "physician", "name": "  张三  ", "sex": "男", "birth_date": "1990-03-07",
        "id_type": "resident_id", "id_number": resident_id(), "mobile": "13800138000",
        "password": "secret123", "institution_id": 7,
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not ...}


def errors(data, **kwargs):
    with pytest.raises(ValidationFailed) as info:
        clean_signup(data, today=TODAY, **kwargs)
    return info.value.fields


def test_valid_signup_is_cleaned():
    clean = clean_signup(signup(institution_id="7"), today=TODAY)
    assert clean == {
        "profession": "physician", "name": "张三", "sex": "男", "birth_date": date(1990, 3, 7),
        "id_type": "resident_id", "id_number": resident_id(), "mobile": "13800138000",
        "password": "secret123", "institution_id": 7,
    }
    assert ric.is_valid(clean["id_number"])


@pytest.mark.parametrize("given,expected", [("M", "男"), ("female", "女"), ("F", "女"), ("Male", "男")])
def test_sex_spellings(given, expected):
    assert clean_signup(signup(sex=given), today=TODAY)["sex"] == expected


def test_lowercase_x_is_normalised():
    number = with_x()
    birth = f"{number[6:10]}-{number[10:12]}-{number[12:14]}"
    clean = clean_signup(signup(id_number=number.lower(), birth_date=birth), today=TODAY)
    assert clean["id_number"] == number


def test_every_missing_field_is_reported():
    fields = ["profession", "name", "sex", "birth_date", "id_type", "id_number", "mobile",
              "password", "institution_id"]
    assert errors({}) == {field: "必填" for field in fields}
    assert errors(signup(name="   "))["name"] == "必填"


def test_all_errors_are_collected():
    got = errors(signup(profession="dentist", sex="x", mobile="12345", password="short"))
    assert set(got) == {"profession", "sex", "mobile", "password"}


@pytest.mark.parametrize("field,value", [
    ("profession", "dentist"), ("name", "张"), ("name", "张" * 31), ("name", 12),
    ("sex", "未知"), ("birth_date", "1990/03/07"), ("birth_date", "1990-02-30"),
    ("birth_date", "2027-01-01"), ("birth_date", "2015-01-01"), ("birth_date", "1920-01-01"),
    ("id_type", "driver_licence"), ("mobile", "12800138000"), ("mobile", "1380013800"),
    ("mobile", "1380013800٠"), ("password", "abcdefgh"), ("password", "12345678"),
    ("password", "a1" * 65), ("password", "a1b2c3"), ("institution_id", 0),
    ("institution_id", -3), ("institution_id", "x"), ("institution_id", True),
    ("institution_id", 1.5),
])
def test_bad_field(field, value):
    assert field in errors(signup(**{field: value}))


def test_bad_birth_date_does_not_also_blame_id_number():
    assert set(errors(signup(birth_date="2027-01-01"))) == {"birth_date"}


@pytest.mark.parametrize("number,reason", [
    (resident_id()[:-1], "身份证号码应为18位"),
    ("11010519900307A23" + "0", "身份证号码前17位应为数字"),
    (resident_id()[:-1] + ("1" if resident_id()[-1] == "0" else "0"), "身份证号码校验位错误"),
    (resident_id(birth="19900230"), "身份证号码中的出生日期或地区码无效"),
])
def test_bad_resident_id(number, reason):
    assert errors(signup(id_number=number))["id_number"] == reason


def test_resident_id_birth_date_must_match():
    got = errors(signup(id_number=resident_id(birth="19910307")))
    assert got == {"id_number": "身份证号码中的出生日期与所填出生日期不一致"}


def test_other_id_types():
    clean = clean_signup(signup(id_type="passport", id_number=" e1234567 "), today=TODAY)
    assert clean["id_number"] == "E1234567"
    assert "id_number" in errors(signup(id_type="hk_macao_permit", id_number="H12"))
    assert "id_number" in errors(signup(id_type="taiwan_permit", id_number="12-345678"))
    assert "id_number" in errors(signup(id_type="foreign_permanent", id_number="A" * 31))


def test_non_mapping_body():
    with pytest.raises(ValidationFailed) as info:
        clean_signup(["not", "a", "dict"])
    assert set(info.value.fields) == {"body"}


# --- applications ---------------------------------------------------------------------

FIRST = "physician.first_registration"


def application(**changes):
    data = {"certificate_no": " 110110000001 ", "practice_category": "临床",
            "practice_scope": ["内科专业", "全科医学专业", "内科专业"], "institution_id": "12"}
    data.update(changes)
    return {k: v for k, v in data.items() if v is not ...}


def app_errors(data, kind=FIRST):
    with pytest.raises(ValidationFailed) as info:
        clean_application(kind, data)
    return info.value.fields


def test_valid_first_registration():
    assert clean_application(FIRST, application()) == {
        "certificate_no": "110110000001", "practice_category": "临床",
        "practice_scope": ["全科医学专业", "内科专业"], "institution_id": 12,
    }
    assert clean_application(FIRST, application(practice_scope="口腔专业", practice_category="口腔"))[
        "practice_scope"] == ["口腔专业"]
    assert clean_application(FIRST, application(practice_scope="全科医学专业", practice_category="中医"))[
        "practice_scope"] == ["全科医学专业"]


def test_missing_application_fields():
    assert app_errors({}) == {f: "必填" for f in
                              ("certificate_no", "practice_category", "institution_id", "practice_scope")}


@pytest.mark.parametrize("field,value", [
    ("certificate_no", "1234"), ("certificate_no", "1" * 31), ("certificate_no", 123456),
    ("practice_category", "西医"), ("practice_scope", []), ("practice_scope", [""]),
    ("practice_scope", 5), ("institution_id", 0), ("institution_id", "abc"),
])
def test_bad_application_field(field, value):
    assert field in app_errors(application(**{field: value}))


def test_scope_errors_name_the_scope():
    got = app_errors(application(practice_scope=["内科专业", "中医专业"]))
    assert "中医专业" in got["practice_scope"] and "内科专业" not in got["practice_scope"]
    got = app_errors(application(practice_scope=["火星医学专业"]))
    assert "火星医学专业" in got["practice_scope"]


def test_extra_keys_are_refused():
    assert app_errors(application(hobby="x")) == {"hobby": "不支持的字段"}


def test_kind_errors():
    assert app_errors(application(), kind="physician.teleport") == {
        "kind": "不支持的业务类型：physician.teleport"}
    # A kind whose schema has not landed yet says so (nurse.renewal has landed: its data is empty).
    assert app_errors(application(), kind="nurse.renewal") == {key: "不支持的字段" for key in application()}
    assert set(app_errors("nope")) == {"data"}
