"""pipeline.registers.nurses: five-year validity and its 29 February edge, the renewal window, expiry notices,
shared field checks, and the reasons most nurse business shares."""

from dataclasses import replace
from datetime import date

import pytest

from pipeline.fields import CODES, FieldError
from pipeline.registers import nurses as rules
from tests.unit.pipeline.samples import EXAM, NURSE, NURSE_ENTRY

ENTRY = NURSE_ENTRY


def refusal(check, *args) -> tuple[str, str]:
    with pytest.raises(FieldError) as info:
        check(*args)
    assert info.value.code in CODES
    return str(info.value), info.value.code


# --- validity, renewal window, notices ---------------------------------------------------------------------------


def test_a_registration_is_valid_five_years_to_the_day_before_the_anniversary():
    assert rules.first_valid_until(date(2026, 6, 15)) == date(2031, 6, 14)
    assert rules.first_valid_until(date(2024, 2, 29)) == date(2029, 2, 27)
    assert rules.first_valid_until(date(2026, 1, 1)) == date(2030, 12, 31)
    assert rules.renewed_until(date(2031, 6, 14)) == date(2036, 6, 14)
    assert rules.renewed_until(date(2028, 2, 29)) == date(2033, 2, 28)
    assert rules.years_later(date(2028, 2, 29), 2) == date(2030, 2, 28)
    assert rules.years_later(date(2028, 2, 29), 4) == date(2032, 2, 29)


def test_the_renewal_window_spans_window_days_up_to_the_last_valid_day():
    assert rules.renewal_window(date(2026, 7, 1), 30) == (date(2026, 6, 1), date(2026, 7, 1))
    assert rules.renewal_window(date(2026, 7, 1), 90) == (date(2026, 4, 2), date(2026, 7, 1))


def test_a_registration_lapses_the_day_after_its_last_valid_day():
    assert rules.is_lapsed(ENTRY, date(2026, 7, 2)) is True
    assert rules.is_lapsed(ENTRY, date(2026, 7, 1)) is False
    assert rules.is_lapsed(replace(ENTRY, status="cancelled"), date(2027, 1, 1)) is False
    assert rules.is_lapsed(replace(ENTRY, status="expired"), date(2027, 1, 1)) is False


@pytest.mark.parametrize(("today", "sent", "expected"), [
    (date(2026, 3, 1), [], None),            # 122 days left: nothing yet
    (date(2026, 4, 1), [], None),            # 91 days left
    (date(2026, 4, 2), [], 90),              # exactly 90 days left
    (date(2026, 4, 2), [90], None),
    (date(2026, 6, 1), [90], 30),            # exactly 30 days left
    (date(2026, 6, 1), [], 30),              # only the nearest, never a stale 90
    (date(2026, 6, 1), (90, 30), None),
    (date(2026, 6, 20), [90, 30], None),
    (date(2026, 7, 1), [], 30),              # the last valid day
    (date(2026, 7, 2), [], None),            # expired: no notice
])
def test_expiry_notices(today, sent, expected):
    assert rules.due_notice(ENTRY.valid_until, today, sent) == expected


# --- reasons ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("entry", "expected"), [
    (ENTRY, []),
    (None, ["尚无取得电子化注册识别码的护士注册，不能办理变更注册"]),
    (replace(ENTRY, identifier=None), ["尚无取得电子化注册识别码的护士注册，不能办理变更注册"]),
    (replace(ENTRY, status="expired"), ["护士注册已过期（有效期至2026-07-01），不能办理变更注册，请办理重新注册"]),
    (replace(ENTRY, status="cancelled"), ["护士注册状态为“注销”，不能办理变更注册"]),
    (replace(ENTRY, status="odd"), ["护士注册状态为“odd”，不能办理变更注册"]),
])
def test_registered_reasons_name_the_business(entry, expected):
    assert rules.registered_reasons(entry, "变更注册") == expected


@pytest.mark.parametrize(("exam", "data", "expected"), [
    (EXAM, {"certificate_no": "N2015000000001"}, []),
    (replace(EXAM, passed_year=2008), {}, []),
    (None, {"certificate_no": "N2015000000001"}, ["未找到编号为N2015000000001的护士执业资格考试合格记录"]),
    (replace(EXAM, name="王五"), {}, ["护士执业资格考试记录中的姓名与申请人姓名不一致"]),
    (replace(EXAM, id_number_hash="hash-b"), {}, ["护士执业资格考试记录中的身份证件号码与申请人不一致"]),
    (replace(EXAM, passed_year=2007), {}, ["2008年之前考试合格的护士，首次注册请到卫生健康行政部门窗口办理"]),
    (replace(EXAM, name="王五", id_number_hash="x", passed_year=1990), {}, [
        "护士执业资格考试记录中的姓名与申请人姓名不一致", "护士执业资格考试记录中的身份证件号码与申请人不一致",
        "2008年之前考试合格的护士，首次注册请到卫生健康行政部门窗口办理"]),
])
def test_exam_reasons(exam, data, expected):
    assert rules.exam_reasons(data, NURSE, exam) == expected


# --- field checks ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("value", "reason", "code"), [
    ("D11010520260000001X", "应为护士的电子化注册识别码（以N开头）", "format"),
    ("N1", "电子化注册识别码长度应为19个字符，现有2个", "too_short"),
    (19, "电子化注册识别码应为文本", "type"),
])
def test_nurse_identifier(value, reason, code):
    assert rules.nurse_identifier("n11010520260000001x") == "N11010520260000001X"
    assert refusal(rules.nurse_identifier, value) == (reason, code)


@pytest.mark.parametrize(("year", "ok"), [
    (1949, False), (1950, True), ("1998", True), (2007, True), (2008, False), (2015, False)])
def test_the_pre2008_exam_year_edges(year, ok):
    if ok:
        assert rules.passed_year_before_2008(year) == int(year)
    else:
        assert refusal(rules.passed_year_before_2008, year) == (
            "窗口办理的首次注册限2008年之前考试合格的护士（1950至2007年）", "out_of_range")


def test_a_pre2008_exam_year_must_be_a_number():
    assert refusal(rules.passed_year_before_2008, "一九九八") == ("考试合格年份应为正整数", "type")
