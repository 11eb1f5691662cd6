"""pipeline.persons: resident IDs and other ID documents, mobile, password, birth date, photo, and the applicant's profession."""

from __future__ import annotations

import base64
from datetime import date, timedelta

import pytest

from pipeline.fields import CODES, FieldError
from pipeline.persons import (
    MAX_PHOTO_BYTES,
    PROVINCE_PREFIXES,
    PersonFacts,
    birth_date,
    id_number,
    is_profession,
    mobile,
    other_id,
    password,
    photo,
    resident_id,
    resident_id_birth_date,
    resident_id_check_character,
)
from tests.unit.pipeline.samples import NURSE, PHYSICIAN, TODAY, mod11_2, wrong_check
from tests.unit.pipeline.samples import resident_id as make_id

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 32


def b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def refusal(check, *args) -> tuple[str, str]:
    with pytest.raises(FieldError) as info:
        check(*args)
    assert info.value.code in CODES
    return str(info.value), info.value.code


# --- resident ID numbers ----------------------------------------------------------------------------------------

ALL_PROVINCES = "11 12 13 14 15 21 22 23 31 32 33 34 35 36 37 41 42 43 44 45 46 50 51 52 53 54 61 62 63 64 65 71 81 82 83"


def test_the_province_prefixes_are_those_of_gb_t_2260_and_the_residence_permits():
    assert frozenset(ALL_PROVINCES.split()) == PROVINCE_PREFIXES


def _real_shaped() -> list[str]:
    """One number per province prefix and decade 1930–2020, birth day and serial varied so X check characters occur."""
    numbers = []
    for p, prefix in enumerate(sorted(PROVINCE_PREFIXES)):
        for d, decade in enumerate(range(1930, 2030, 10)):
            year = decade + (p + d) % (6 if decade == 2020 else 10)  # the 2020s up to 2025: never after TODAY
            birth = date(year, (p + d) % 12 + 1, (p * 3 + d) % 28 + 1)
            place = f"{prefix}{(p * 7 + d) % 100:02d}{d + 1:02d}"
            numbers.append(make_id(birth, place=place, serial=f"{(p * 37 + d * 11) % 1000:03d}"))
    return numbers


REAL_SHAPED = _real_shaped()


@pytest.mark.parametrize("number", REAL_SHAPED)
def test_real_shaped_numbers_of_every_province_and_decade_are_accepted(number):
    assert resident_id(number, TODAY) == number
    assert resident_id_check_character(number[:17]) == mod11_2(number[:17]) == number[17]


@pytest.mark.parametrize("body", ["1101051990010112", "1101051990010112X", "11010519900101120 ", "1101051990010112１", ""])
def test_the_check_character_is_only_of_seventeen_ascii_digits(body):
    with pytest.raises(ValueError):
        resident_id_check_character(body)


def test_the_table_covers_x_and_digit_check_characters():
    assert {number[-1] for number in REAL_SHAPED} == set("0123456789X")
    assert {number[:2] for number in REAL_SHAPED} == PROVINCE_PREFIXES
    assert {number[6:9] for number in REAL_SHAPED} == {"193", "194", "195", "196", "197", "198", "199", "200", "201", "202"}


# County codes no longer in force, or never in the mainland's GB/T 2260 county list: a number keeps the
# code of the division that issued it, so all of them are accepted (python-stdnum refuses every one).
@pytest.mark.parametrize(("place", "birth"), [
    ("419001", date(1990, 1, 1)),   # 济源市
    ("419001", date(1985, 1, 1)),   # before 济源 became a city
    ("110103", date(2015, 1, 1)),   # 崇文区, merged into 东城区 in 2010
    ("110104", date(2012, 5, 1)),   # 宣武区, merged into 西城区 in 2010
    ("310103", date(2015, 1, 1)),   # 卢湾区, merged into 黄浦区 in 2011
    ("310108", date(2020, 1, 1)),   # 闸北区, merged into 静安区 in 2015
    ("500101", date(1930, 1, 1)),   # 万州区, before Chongqing was a municipality
    ("710000", date(1990, 1, 1)),   # 台湾省
    ("810000", date(1990, 1, 1)),   # 香港 (residence permit)
    ("820000", date(1990, 1, 1)),   # 澳门 (residence permit)
    ("830000", date(1990, 1, 1)),   # 台湾 (residence permit)
])
def test_county_codes_that_no_longer_exist_are_accepted(place, birth):
    number = make_id(birth, place=place)
    assert resident_id(number, TODAY) == number


@pytest.mark.parametrize(("number", "reason", "code"), [
    (make_id(place="000000"), "身份证号码的前两位不是有效的省级行政区划代码", "format"),
    (make_id(place="990000"), "身份证号码的前两位不是有效的省级行政区划代码", "format"),
    (make_id(place="100000"), "身份证号码的前两位不是有效的省级行政区划代码", "format"),
    (make_id(place="720000"), "身份证号码的前两位不是有效的省级行政区划代码", "format"),
    (make_id("19900231"), "身份证号码中的出生日期无效", "date"),
    (make_id("19000229"), "身份证号码中的出生日期无效", "date"),  # 1900 was not a leap year
    (make_id("19901301"), "身份证号码中的出生日期无效", "date"),
    (make_id("19900000"), "身份证号码中的出生日期无效", "date"),
    (make_id("18991231"), "身份证号码中的出生日期无效", "date"),
    (make_id(TODAY + timedelta(days=1)), "身份证号码中的出生日期无效", "date"),
    (make_id("20991231"), "身份证号码中的出生日期无效", "date"),
    (wrong_check(make_id()), "身份证号码校验位错误", "checksum"),
    (make_id()[:17], "身份证号码应为18位", "format"),
    (make_id() + "1", "身份证号码应为18位", "format"),
    ("", "身份证号码应为18位", "format"),
    ("11010519900307A23" + "0", "身份证号码前17位应为数字，最后一位为数字或X", "format"),
    ("ABCDEFGHIJKLMNOPQR", "身份证号码前17位应为数字，最后一位为数字或X", "format"),
    (make_id()[:17] + "Y", "身份证号码前17位应为数字，最后一位为数字或X", "format"),
    (110105199003071239, "身份证号码应为文本", "type"),
    (None, "身份证号码应为文本", "type"),
])
def test_invalid_resident_ids_are_refused_with_their_code(number, reason, code):
    assert refusal(resident_id, number, TODAY) == (reason, code)


def _digits_from(zero: int, number: str, start: int = 0) -> str:
    """`number` with its digits from `start` to the 17th written in another Unicode digit block."""
    return number[:start] + "".join(chr(zero + int(c)) for c in number[start:17]) + number[17:]


FULL_WIDTH, ARABIC_INDIC = 0xFF10, 0x0660


def test_a_number_written_in_full_width_digits_is_refused():
    assert refusal(resident_id, _digits_from(FULL_WIDTH, make_id()), TODAY)[1] == "format"


@pytest.mark.parametrize("zero", [FULL_WIDTH, ARABIC_INDIC])
def test_non_ascii_digits_after_the_prefix_are_refused(zero):
    assert refusal(resident_id, _digits_from(zero, make_id(), start=2), TODAY)[1] == "format"


def test_born_today_is_accepted_and_29_february_of_a_leap_year_too():
    for birth in (TODAY, date(2000, 2, 29), date(1904, 2, 29), date(1900, 1, 1)):
        assert resident_id(make_id(birth), TODAY) == make_id(birth)


def test_the_birth_date_is_checked_against_the_given_today():
    number = make_id(date(2026, 6, 16))
    assert refusal(resident_id, number, TODAY)[1] == "date"
    assert resident_id(number, date(2026, 6, 16)) == number


def _ending_in_x() -> str:
    return next(number for serial in range(1000) if (number := make_id(serial=f"{serial:03d}")).endswith("X"))


def test_a_lower_case_x_and_spaces_are_normalised():
    number = _ending_in_x()
    assert resident_id(f"  {number.lower()} ", TODAY) == number


def test_the_birth_date_of_a_number():
    assert resident_id_birth_date(make_id(date(1975, 2, 3))) == date(1975, 2, 3)


# --- other ID documents ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(("id_type", "value", "clean"), [
    ("passport", " e1234567 ", "E1234567"),
    ("hk_macao_permit", "H12345678", "H12345678"),
    ("taiwan_permit", "12345", "12345"),
    ("foreign_permanent", "A" * 30, "A" * 30),
    ("resident_id", make_id().lower(), make_id()),
])
def test_id_numbers_of_each_type(id_type, value, clean):
    assert id_number(value, id_type, None, TODAY) == clean


@pytest.mark.parametrize(("id_type", "value"), [
    ("hk_macao_permit", "H12"), ("taiwan_permit", "12-345678"), ("foreign_permanent", "A" * 31), ("passport", "E1234 567"),
    ("passport", 12345678), ("passport", "护照12345"),
])
def test_bad_other_id_numbers(id_type, value):
    assert refusal(id_number, value, id_type, None, TODAY) == ("证件号码应为5至30位字母或数字", "format")
    assert refusal(other_id, value) == ("证件号码应为5至30位字母或数字", "format")


def test_a_resident_id_must_encode_the_given_birth_date():
    number = make_id(date(1991, 3, 7))
    assert refusal(id_number, number, "resident_id", date(1990, 3, 7), TODAY) == (
        "身份证号码中的出生日期与所填出生日期不一致", "mismatch")
    assert id_number(number, "resident_id", date(1991, 3, 7), TODAY) == number
    assert id_number(number, "resident_id", None, TODAY) == number


def test_a_passport_is_not_compared_with_the_birth_date():
    assert id_number("E1234567", "passport", date(1990, 3, 7), TODAY) == "E1234567"


# --- mobile, password, birth date --------------------------------------------------------------------------------


@pytest.mark.parametrize(("value", "clean"), [("13800138000", "13800138000"), (" 19912345678 ", "19912345678")])
def test_mobile(value, clean):
    assert mobile(value) == clean


@pytest.mark.parametrize("value", [
    "12800138000", "1380013800", "138001380000", "1380013800٠", "+8613800138000", 13800138000, None])
def test_bad_mobile(value):
    assert refusal(mobile, value) == ("手机号码应为11位中国大陆手机号", "format")


@pytest.mark.parametrize("value", ["secret12", "a1" * 64, "密码很长的abc1", "A1234567"])
def test_password(value):
    assert password(value) == value


@pytest.mark.parametrize(("value", "reason", "code"), [
    ("a1b2c3", "密码长度应为8至128个字符", "too_short"),
    ("a1b2c3d", "密码长度应为8至128个字符", "too_short"),
    ("a1" * 64 + "x", "密码长度应为8至128个字符", "too_long"),
    ("a1" * 65, "密码长度应为8至128个字符", "too_long"),
    ("abcdefgh", "密码应同时包含字母和数字", "format"),
    ("12345678", "密码应同时包含字母和数字", "format"),
    ("密码密码密码密码", "密码应同时包含字母和数字", "format"),
])
def test_bad_password(value, reason, code):
    assert refusal(password, value) == (reason, code)


def test_a_password_that_is_not_text_is_refused():
    assert refusal(password, 12345678)[0] == "密码应为文本"


def test_a_password_that_is_not_text_has_the_code_type():
    assert refusal(password, 12345678)[1] == "type"


# 16 from the 16th birthday; 100 up to the day before the 101st.
@pytest.mark.parametrize("birth", [date(2010, 6, 15), date(1926, 6, 15), date(1925, 6, 16), date(1990, 3, 7)])
def test_birth_dates_between_16_and_100_years_old(birth):
    assert birth_date(birth.isoformat(), TODAY) == birth


@pytest.mark.parametrize(("value", "reason", "code"), [
    ("2010-06-16", "年龄应在16至100岁之间", "out_of_range"),   # one day short of 16
    ("1925-06-15", "年龄应在16至100岁之间", "out_of_range"),   # 101 today
    ("2026-06-16", "出生日期不能晚于今天", "future"),
    ("1990/03/07", "出生日期格式应为YYYY-MM-DD", "format"),
    ("1990-02-30", "出生日期不是有效的日期", "date"),
])
def test_bad_birth_dates(value, reason, code):
    assert refusal(birth_date, value, TODAY) == (reason, code)


# --- photo -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("raw", "mime"), [(PNG, "image/png"), (JPEG, "image/jpeg")])
def test_a_photo_is_recognised_by_its_first_bytes(raw, mime):
    assert photo(b64(raw)) == {"content_type": mime, "base64": b64(raw), "bytes": len(raw)}
    assert photo(f"data:{mime};base64," + b64(raw))["content_type"] == mime
    assert photo("data:image/gif;base64," + b64(raw))["content_type"] == mime  # the bytes decide, not the label


@pytest.mark.parametrize(("value", "reason", "code"), [
    (b64(b"GIF89a" + b"\x00" * 16), "照片只能是JPEG或PNG格式", "file_type"),
    (b64(b"BM" + b"\x00" * 16), "照片只能是JPEG或PNG格式", "file_type"),
    (b64(b"\xff\xd8" + b"\x00" * 16), "照片只能是JPEG或PNG格式", "file_type"),  # a truncated JPEG signature
    (b64(b"\x89PNG\r\n" + b"\x00" * 16), "照片只能是JPEG或PNG格式", "file_type"),  # a truncated PNG signature
    ("", "照片只能是JPEG或PNG格式", "file_type"),
    ("not base64!", "照片应为base64编码的JPEG或PNG图片", "format"),
    (b64(PNG)[:-1], "照片应为base64编码的JPEG或PNG图片", "format"),
    (123, "照片应为base64编码的JPEG或PNG图片", "type"),
    (PNG, "照片应为base64编码的JPEG或PNG图片", "type"),
])
def test_a_bad_photo_is_refused(value, reason, code):
    assert refusal(photo, value) == (reason, code)


def test_a_photo_may_be_exactly_the_size_limit_and_not_a_byte_more():
    at_limit = JPEG + b"\x00" * (MAX_PHOTO_BYTES - len(JPEG))
    assert photo(b64(at_limit))["bytes"] == MAX_PHOTO_BYTES == 2 * 1024 * 1024
    assert refusal(photo, b64(at_limit + b"\x00")) == ("照片不能超过2MB", "too_large")
    assert refusal(photo, "A" * (MAX_PHOTO_BYTES * 2)) == ("照片不能超过2MB", "too_large")  # refused before decoding


# --- facts -------------------------------------------------------------------------------------------------------


def test_is_profession():
    assert is_profession(PHYSICIAN, "physician") == [] == is_profession(NURSE, "nurse")
    assert is_profession(NURSE, "physician") == ["申请人不是医师，不能办理医师注册业务"]
    assert is_profession(PHYSICIAN, "nurse") == ["申请人不是护士，不能办理护士注册业务"]
    assert is_profession(PersonFacts("王五", "h", "physician"), "dentist") == ["申请人不是dentist，不能办理dentist注册业务"]


def test_a_mobile_is_masked_to_its_first_three_and_last_four_digits_or_entirely():
    from pipeline.persons import mask_mobile, masked

    assert mask_mobile("13800000002") == "138****0002"
    assert [mask_mobile(value) for value in ("13800138", "+8613800000002", "", None)] == ["****"] * 4
    assert (masked("11010519880309131X", 6, 4), masked("abcd", 2, 2), masked("abcde", 2, 2)) == (
        "110105********131X", "****", "ab*de")
