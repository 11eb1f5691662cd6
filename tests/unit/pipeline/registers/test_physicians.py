"""pipeline.registers.physicians: statuses and labels, shared field checks, short-term periods, entry reasons."""

from dataclasses import replace
from datetime import date

import pytest

from pipeline.errors import ValidationFailed
from pipeline.fields import CODES, FieldError
from pipeline.registers import physicians as rules
from tests.unit.pipeline.samples import PHYSICIAN, PHYSICIAN_ENTRY, QUALIFICATION, TODAY

ENTRY = PHYSICIAN_ENTRY
MULTI = replace(ENTRY, institution_ids=frozenset({12, 13}))


def refusal(check, *args) -> tuple[str, str]:
    with pytest.raises(FieldError) as info:
        check(*args)
    assert info.value.code in CODES
    return str(info.value), info.value.code


def one_field(call) -> tuple[dict, dict]:
    with pytest.raises(ValidationFailed) as info:
        call()
    return info.value.fields, info.value.codes


# --- entry and status -----------------------------------------------------------------------------------------


def test_only_an_entry_with_an_identifier_takes_further_business():
    assert rules.entry_reasons(None) == ["尚无医师注册记录，请先办理医师首次注册"]
    assert rules.entry_reasons(replace(ENTRY, identifier=None)) == ["医师注册记录尚未取得电子化注册识别码，不能办理后续业务"]
    assert rules.entry_reasons(ENTRY) == []
    assert rules.entry_reasons(replace(ENTRY, status="filed")) == []


@pytest.mark.parametrize(("status", "label"), [("filed", "备案（非在册）"), ("cancelled", "注销"), ("odd", "odd")])
def test_only_a_registered_entry_passes_registered_reasons(status, label):
    assert rules.registered_reasons(replace(ENTRY, status=status)) == [f"医师注册状态为“{label}”，不能办理此项业务"]
    assert rules.registered_reasons(ENTRY) == []


def test_registered_reasons_need_an_identifier_first():
    assert rules.registered_reasons(None) == ["尚无医师注册记录，请先办理医师首次注册"]
    assert rules.registered_reasons(replace(ENTRY, identifier=None, status="filed")) == [
        "医师注册记录尚未取得电子化注册识别码，不能办理后续业务"]


@pytest.mark.parametrize(("entry", "institution_id", "main_only", "expected"), [
    (MULTI, 13, False, []),
    (MULTI, 12, False, []),
    (ENTRY, 13, False, ["该医师不是在本机构执业的在册医师"]),
    (MULTI, 12, True, []),
    (MULTI, 13, True, ["该医师不是以本机构为主要执业机构的在册医师"]),
    (ENTRY, None, True, ["该医师不是以本机构为主要执业机构的在册医师"]),
    (replace(ENTRY, status="filed"), 12, False, ["医师注册状态为“备案（非在册）”，不能办理此项业务"]),
    (replace(ENTRY, status="cancelled"), 12, True, ["医师注册状态为“注销”，不能办理此项业务"]),
    (None, 12, False, ["尚无医师注册记录，请先办理医师首次注册"]),
])
def test_staff_reasons(entry, institution_id, main_only, expected):
    assert rules.staff_reasons(entry, institution_id, main_only) == expected


def test_a_departure_from_the_main_institution_ends_the_registration():
    assert rules.departure_ends_registration(MULTI, 12) is True
    assert rules.departure_ends_registration(MULTI, 13) is False


def test_a_short_term_practice_lapses_the_day_after_its_end_date():
    assert rules.is_lapsed(date(2026, 6, 14), "registered", TODAY) is True
    assert rules.is_lapsed(TODAY, "registered", TODAY) is False
    assert rules.is_lapsed(date(2026, 6, 14), "cancelled", TODAY) is False
    assert rules.is_lapsed(date(2026, 6, 14), "filed", TODAY) is False
    assert rules.is_lapsed(None, "registered", TODAY) is False


def test_labels():
    assert rules.departure_label("retirement") == "退休"
    assert rules.departure_label("death") == "死亡"
    assert rules.departure_label(rules.SHORT_TERM_EXPIRED) == "短期行医期满"
    assert rules.departure_label("unknown") == "unknown"
    assert rules.status_label("filed") == "备案（非在册）"
    assert rules.status_label("registered") == "注册"
    assert rules.status_label("odd") == "odd"


def test_reason_lists_do_not_overlap_and_the_waits_are_for_cancellations():
    assert not set(rules.DEPARTURE_REASONS) & set(rules.CANCELLATION_REASONS)
    assert set(rules.WAIT_YEARS_AFTER) <= set(rules.CANCELLATION_REASONS)
    assert set(rules.NO_RE_REGISTRATION) == {"death", rules.SHORT_TERM_EXPIRED}


# --- qualification and category ----------------------------------------------------------------------------------

DATA = {"certificate_no": "110110000001", "practice_category": "临床"}


@pytest.mark.parametrize(("qualification", "person", "data", "expected"), [
    (QUALIFICATION, PHYSICIAN, DATA, []),
    (None, PHYSICIAN, DATA, ["未找到证书编号为110110000001的医师资格记录"]),
    (None, PHYSICIAN, {}, ["未找到证书编号为的医师资格记录"]),
    (replace(QUALIFICATION, name="李四"), PHYSICIAN, DATA, ["医师资格记录中的姓名与申请人姓名不一致"]),
    (replace(QUALIFICATION, id_number_hash="hash-b"), PHYSICIAN, DATA, ["医师资格记录中的身份证件号码与申请人不一致"]),
    (replace(QUALIFICATION, category="口腔"), PHYSICIAN, DATA, ["执业类别“临床”与医师资格类别“口腔”不一致"]),
    (replace(QUALIFICATION, category="兽医"), PHYSICIAN, DATA, ["执业类别“临床”与医师资格类别“兽医”不一致"]),
])
def test_qualification_reasons(qualification, person, data, expected):
    assert rules.qualification_reasons(data, person, qualification) == expected


def test_category_reasons():
    assert rules.category_reasons({"practice_category": "临床"}, ENTRY) == []
    assert rules.category_reasons({"practice_category": "中医"}, ENTRY) == ["执业类别“中医”与医师资格类别“临床”不一致"]


# --- field checks ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("value", "category", "clean"), [
    ("内科专业", "临床", ["内科专业"]),
    (["内科专业", " 全科医学专业 ", "内科专业"], "临床", ["全科医学专业", "内科专业"]),
    (["全科医学专业"], "中医", ["全科医学专业"]),
    (["口腔专业"], None, ["口腔专业"]),  # no valid category: only known scopes are checked
])
def test_practice_scope(value, category, clean):
    assert rules.practice_scope(value, category) == clean


@pytest.mark.parametrize(("value", "category", "reason", "code"), [
    ([], "临床", "执业范围应为文本或非空列表", "type"),
    (5, "临床", "执业范围应为文本或非空列表", "type"),
    ({"内科专业": 1}, "临床", "执业范围应为文本或非空列表", "type"),
    ([""], "临床", "执业范围的每一项应为非空文本", "type"),
    (["内科专业", 3], "临床", "执业范围的每一项应为非空文本", "type"),
    (["火星医学专业", "星际专业"], "临床", "不支持的执业范围：星际专业、火星医学专业", "choice"),
    (["内科专业", "中医专业", "口腔专业"], "临床", "执业范围中医专业、口腔专业不属于临床类别", "mismatch"),
])
def test_bad_practice_scope(value, category, reason, code):
    assert refusal(rules.practice_scope, value, category) == (reason, code)


@pytest.mark.parametrize(("value", "reason", "code"), [
    ("N11010520260000001X", "应为医师的电子化注册识别码（以D开头）", "format"),
    ("D1", "电子化注册识别码长度应为19个字符，现有2个", "too_short"),
    ("D11010520260000001X0", "电子化注册识别码长度应为19个字符，现有20个", "too_long"),
    (None, "电子化注册识别码应为文本", "type"),
    (" ", "必填", "required"),
])
def test_physician_identifier(value, reason, code):
    assert rules.physician_identifier(" d11010520260000001x ") == "D11010520260000001X"
    assert refusal(rules.physician_identifier, value) == (reason, code)


# --- short-term practice ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("start", "end", "max_days", "reason"), [
    (date(2026, 7, 1), date(2026, 7, 1), 365, "结束日期应晚于开始日期"),
    (date(2026, 7, 2), date(2026, 7, 1), 365, "结束日期应晚于开始日期"),
    (date(2026, 1, 1), date(2026, 6, 14), 365, "结束日期已过"),
    (date(2026, 7, 1), date(2027, 7, 2), 365, "短期行医期限不能超过一年"),
])
def test_a_bad_short_term_period(start, end, max_days, reason):
    fields, codes = one_field(lambda: rules.short_term_period(start, end, max_days, "一年", today=TODAY))
    assert (fields, codes) == ({"end_date": reason}, {"end_date": "out_of_range"})


@pytest.mark.parametrize(("start", "end", "today"), [
    (date(2026, 7, 1), date(2027, 7, 1), TODAY),            # exactly the longest
    (date(2026, 1, 1), TODAY, TODAY),                        # ends today
    (date(2019, 1, 1), date(2019, 6, 1), date(2019, 1, 1)),  # past by the calendar, not by the given today
])
def test_a_good_short_term_period(start, end, today):
    assert rules.short_term_period(start, end, 365, "一年", today=today) is None


@pytest.mark.parametrize(("region", "id_type"), [
    ("香港", "hk_macao_permit"), ("澳门", "hk_macao_permit"), ("台湾", "taiwan_permit")])
def test_each_region_has_its_permit(region, id_type):
    assert rules.region_matches_id_type(region, id_type) is None
    other = "taiwan_permit" if id_type == "hk_macao_permit" else "hk_macao_permit"
    permit = {"hk_macao_permit": "港澳居民来往内地通行证", "taiwan_permit": "台湾居民来往大陆通行证"}[id_type]
    assert one_field(lambda: rules.region_matches_id_type(region, other)) == (
        {"id_type": f"{region}居民应使用{permit}"}, {"id_type": "mismatch"})


def test_an_unknown_region_is_left_to_its_own_check():
    assert rules.region_matches_id_type("新加坡", "passport") is None
