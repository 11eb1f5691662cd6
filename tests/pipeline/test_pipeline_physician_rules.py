"""Pure rules and schemas of the physician business after the first registration: every reason a kind is
refused, every field error of its schema, the waiting periods before re-registration, short-term lapses."""
from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
from stdnum.cn import ric

from pipeline import physician_rules as rules
from pipeline import physician_schemas as schemas
from pipeline.codes import default_scope_map
from pipeline.errors import ValidationFailed
from pipeline.physician_rules import PhysicianEntryFacts
from pipeline.verification import InstitutionFacts, PersonFacts

TODAY = date(2026, 6, 15)
PERSON = PersonFacts("张三", "hash-a", "physician")
INST = InstitutionFacts(12, "朝阳医院", "H11010520260000001X", "operating", "110105", "110105",
                        frozenset({"内科", "重症医学科"}), default_scope_map())
OTHER = replace(INST, id=13, name="海淀医院")
ENTRY = PhysicianEntryFacts("D11010520260000001X", "registered", "临床", "临床", frozenset({"内科专业"}), 12,
                            frozenset({12}))
CHANGE = {"institution_id": 13, "practice_category": "临床", "practice_scope": ["内科专业"]}


def resident_id(birth: date, region: str = "110105", serial: str = "002") -> str:
    first17 = f"{region}{birth:%Y%m%d}{serial}"
    return first17 + ric.calc_check_digit(first17 + "0")


def errors_of(clean, data, **kwargs) -> dict[str, str]:
    with pytest.raises(ValidationFailed) as refused:
        clean(data, **kwargs)
    return refused.value.fields


# --- entry and status --------------------------------------------------------------------------


def test_only_an_entry_with_an_identifier_takes_further_business():
    assert rules.entry_reasons(None) == ["尚无医师注册记录，请先办理医师首次注册"]
    assert rules.entry_reasons(replace(ENTRY, identifier=None)) == ["医师注册记录尚未取得电子化注册识别码，不能办理后续业务"]
    assert rules.entry_reasons(ENTRY) == []


@pytest.mark.parametrize("status,label", [("filed", "备案（非在册）"), ("cancelled", "注销"), ("odd", "odd")])
def test_only_a_registered_entry_passes_registered_reasons(status, label):
    assert rules.registered_reasons(replace(ENTRY, status=status)) == [f"医师注册状态为“{label}”，不能办理此项业务"]
    assert rules.registered_reasons(ENTRY) == []


# --- change --------------------------------------------------------------------------------------


def change(data=CHANGE, person=PERSON, entry=ENTRY, institution=OTHER, open_duplicate=False):
    return rules.verify_physician_change(data, person, entry, institution, open_duplicate)


def test_a_change_to_another_institution_passes():
    assert change() == []


@pytest.mark.parametrize("kwargs,expected", [
    ({"person": replace(PERSON, profession="nurse")}, "申请人不是医师，不能办理医师注册业务"),
    ({"entry": None}, "尚无医师注册记录，请先办理医师首次注册"),
    ({"entry": replace(ENTRY, status="filed")}, "医师注册状态为“备案（非在册）”，不能办理此项业务"),
    ({"institution": None}, "未找到所填执业机构"),
    ({"institution": replace(OTHER, identifier=None)}, "执业机构“海淀医院”尚未取得电子化注册识别码"),
    ({"institution": replace(OTHER, status="suspended")}, "执业机构“海淀医院”已停业，不能办理注册"),
    ({"data": {**CHANGE, "practice_scope": ["儿科专业"]}}, "执业范围“儿科专业”不在执业机构“海淀医院”诊疗科目对应的执业范围内"),
    ({"data": {**CHANGE, "practice_category": "口腔"}}, "执业类别“口腔”与医师资格类别“临床”不一致"),
    ({"data": {**CHANGE, "institution_id": 12}}, "申请内容与现有注册信息相同，无需变更"),
    ({"open_duplicate": True}, "已有一件未办结的医师变更注册申请，不能重复申请"),
])
def test_each_reason_a_change_is_refused(kwargs, expected):
    assert expected in change(**kwargs)


def test_a_change_of_scope_alone_at_the_same_institution_passes():
    assert change(data={**CHANGE, "institution_id": 12, "practice_scope": ["外科专业"]}, institution=INST) == []


# --- multi-site filing --------------------------------------------------------------------------


def multi_site(person=PERSON, entry=ENTRY, institution=OTHER, open_duplicate=False):
    return rules.verify_physician_multi_site_filing({"institution_id": institution and institution.id}, person, entry,
                                                    institution, open_duplicate)


def test_a_filing_at_a_further_institution_passes():
    assert multi_site() == []


@pytest.mark.parametrize("kwargs,expected", [
    ({"person": replace(PERSON, profession="nurse")}, "申请人不是医师，不能办理医师注册业务"),
    ({"entry": replace(ENTRY, identifier=None)}, "医师注册记录尚未取得电子化注册识别码，不能办理后续业务"),
    ({"institution": None}, "未找到所填执业机构"),
    ({"institution": replace(OTHER, status="cancelled")}, "执业机构“海淀医院”已注销，不能办理注册"),
    ({"institution": INST}, "已在“朝阳医院”执业，无需备案"),
    ({"entry": replace(ENTRY, institution_ids=frozenset({12, 13}))}, "已在“海淀医院”执业，无需备案"),
    ({"institution": replace(OTHER, departments=frozenset({"儿科"}))},
     "执业范围“内科专业”不在执业机构“海淀医院”诊疗科目对应的执业范围内"),
    ({"open_duplicate": True}, "已有一件未办结的医师多机构执业备案申请，不能重复申请"),
])
def test_each_reason_a_multi_site_filing_is_refused(kwargs, expected):
    assert expected in multi_site(**kwargs)


# --- re-registration and its waiting periods -------------------------------------------------------


def re_registration(entry, today=TODAY, data=CHANGE, institution=OTHER, person=PERSON, open_duplicate=False):
    return rules.verify_physician_re_registration({**data, "statement": "已满足条件"}, person, entry, institution,
                                                  open_duplicate, today)


FILED = replace(ENTRY, status="filed", status_reason="transfer", status_since=date(2025, 1, 1))


def test_a_filed_physician_re_registers():
    assert re_registration(FILED) == []


@pytest.mark.parametrize("kwargs,expected", [
    ({"entry": ENTRY}, "医师注册状态为“注册”，无需重新注册；如需更换执业机构请申请变更注册"),
    ({"entry": None}, "尚无医师注册记录，请先办理医师首次注册"),
    ({"entry": replace(FILED, status="cancelled", status_reason="death")}, "医师已因死亡注销注册，不能重新注册"),
    ({"entry": replace(FILED, status="cancelled", status_reason=schemas.SHORT_TERM_EXPIRED)},
     "短期行医注册期满后，请到卫生健康委窗口重新办理短期行医"),
    ({"entry": FILED, "data": {**CHANGE, "practice_category": "中医", "practice_scope": ["中医专业"]}},
     "执业类别“中医”与医师资格类别“临床”不一致"),
    ({"entry": FILED, "institution": replace(OTHER, status="suspended")}, "执业机构“海淀医院”已停业，不能办理注册"),
    ({"entry": FILED, "data": {**CHANGE, "practice_scope": ["儿科专业"]}},
     "执业范围“儿科专业”不在执业机构“海淀医院”诊疗科目对应的执业范围内"),
    ({"entry": FILED, "person": replace(PERSON, profession="nurse")}, "申请人不是医师，不能办理医师注册业务"),
    ({"entry": FILED, "open_duplicate": True}, "已有一件未办结的医师重新注册申请，不能重复申请"),
])
def test_each_reason_a_re_registration_is_refused(kwargs, expected):
    assert expected in re_registration(**kwargs)


@pytest.mark.parametrize("reason,label", [("criminal_penalty", "受刑事处罚"), ("licence_revoked", "受吊销医师执业证书行政处罚")])
def test_re_registration_waits_two_years_after_a_penalty(reason, label):
    entry = replace(FILED, status="cancelled", status_reason=reason, status_since=date(2024, 3, 10))
    assert re_registration(entry, today=date(2026, 3, 9)) == [
        f"因“{label}”注销注册未满2年，2026-03-10起方可申请重新注册"]
    assert re_registration(entry, today=date(2026, 3, 10)) == []


def test_the_waiting_period_from_29_february_ends_on_28_february():
    entry = replace(FILED, status="cancelled", status_reason="criminal_penalty", status_since=date(2024, 2, 29))
    assert rules.re_registration_cause_reasons(entry, date(2026, 2, 27)) == [
        "因“受刑事处罚”注销注册未满2年，2026-02-28起方可申请重新注册"]
    assert rules.re_registration_cause_reasons(entry, date(2026, 2, 28)) == []


@pytest.mark.parametrize("reason", ["declared_missing", "assessment_failed", "suspended_two_years", "incapacity",
                                    "other", "retirement"])
def test_other_causes_do_not_wait(reason):
    entry = replace(FILED, status="cancelled", status_reason=reason, status_since=TODAY)
    assert rules.re_registration_cause_reasons(entry, TODAY) == []


def test_a_penalty_without_a_date_does_not_block():
    entry = replace(FILED, status="cancelled", status_reason="criminal_penalty", status_since=None)
    assert rules.re_registration_cause_reasons(entry, TODAY) == []


# --- info change, departure filing, cancellation ---------------------------------------------------


def test_info_change_reasons():
    assert rules.verify_physician_info_change(PERSON, replace(ENTRY, status="filed"), False) == []
    assert rules.verify_physician_info_change(replace(PERSON, profession="nurse"), None, True) == [
        "申请人不是医师，不能办理医师注册业务", "尚无医师注册记录，请先办理医师首次注册",
        "已有一件未办结的医师个人信息变更申请，不能重复申请"]


def test_a_departure_filing_is_for_any_institution_the_physician_practises_at():
    multi = replace(ENTRY, institution_ids=frozenset({12, 13}))
    assert rules.verify_physician_departure_filing(multi, 13, False) == []
    assert rules.verify_physician_departure_filing(ENTRY, 13, False) == ["该医师不是在本机构执业的在册医师"]
    assert rules.verify_physician_departure_filing(replace(ENTRY, status="filed"), 12, False) == [
        "医师注册状态为“备案（非在册）”，不能办理此项业务"]
    assert rules.verify_physician_departure_filing(None, 12, False) == ["尚无医师注册记录，请先办理医师首次注册"]
    assert rules.verify_physician_departure_filing(ENTRY, 12, True) == ["已有一件未办结的医师注册备案申请，不能重复申请"]


def test_only_the_main_institution_cancels():
    multi = replace(ENTRY, institution_ids=frozenset({12, 13}))
    assert rules.verify_physician_cancellation(multi, 12, False) == []
    assert rules.verify_physician_cancellation(multi, 13, False) == ["该医师不是以本机构为主要执业机构的在册医师"]
    assert rules.verify_physician_cancellation(replace(ENTRY, status="cancelled"), 12, False) == [
        "医师注册状态为“注销”，不能办理此项业务"]
    assert rules.verify_physician_cancellation(ENTRY, 12, True) == ["已有一件未办结的医师注销注册申请，不能重复申请"]


def test_a_departure_from_the_main_institution_ends_the_registration():
    multi = replace(ENTRY, institution_ids=frozenset({12, 13}))
    assert rules.departure_ends_registration(multi, 12) is True
    assert rules.departure_ends_registration(multi, 13) is False


def test_a_short_term_practice_lapses_the_day_after_its_end_date():
    assert rules.is_lapsed(date(2026, 6, 14), "registered", TODAY) is True
    assert rules.is_lapsed(TODAY, "registered", TODAY) is False
    assert rules.is_lapsed(date(2026, 6, 14), "cancelled", TODAY) is False
    assert rules.is_lapsed(None, "registered", TODAY) is False


def test_labels():
    assert rules.departure_label("retirement") == "退休"
    assert rules.departure_label("death") == "死亡"
    assert rules.departure_label(schemas.SHORT_TERM_EXPIRED) == "短期行医期满"
    assert rules.departure_label("unknown") == "unknown"
    assert rules.status_label("filed") == "备案（非在册）"


# --- schemas ----------------------------------------------------------------------------------------


def test_change_schema_cleans_and_names_bad_fields():
    assert schemas.clean_physician_change({**CHANGE, "institution_id": "13", "practice_scope": "内科专业"}) == {
        "institution_id": 13, "practice_category": "临床", "practice_scope": ["内科专业"]}
    assert errors_of(schemas.clean_physician_change, {}) == {
        "institution_id": "必填", "practice_category": "必填", "practice_scope": "必填"}
    assert errors_of(schemas.clean_physician_change, {"institution_id": 0, "practice_category": "兽医",
                                                      "practice_scope": ["口腔专业"], "extra": 1}) == {
        "institution_id": "执业机构编号应为正整数", "practice_category": "执业类别应为以下之一：临床、口腔、公共卫生、中医",
        "extra": "不支持的字段"}  # with no valid category the scope is checked only against the known scopes
    assert errors_of(schemas.clean_physician_change, {**CHANGE, "practice_scope": ["口腔专业"]}) == {
        "practice_scope": "执业范围口腔专业不属于临床类别"}
    assert errors_of(schemas.clean_physician_change, {**CHANGE, "practice_scope": ["星际专业"]}) == {
        "practice_scope": "不支持的执业范围：星际专业"}


def test_multi_site_and_re_registration_schemas():
    assert schemas.clean_physician_multi_site_filing({"institution_id": 5}) == {"institution_id": 5}
    assert errors_of(schemas.clean_physician_multi_site_filing, {"institution_id": True}) == {
        "institution_id": "执业机构编号应为正整数"}
    assert errors_of(schemas.clean_physician_re_registration, CHANGE) == {"statement": "必填"}
    assert errors_of(schemas.clean_physician_re_registration, {**CHANGE, "statement": "短"}) == {
        "statement": "情况说明长度应为2至500个字符"}
    assert schemas.clean_physician_re_registration({**CHANGE, "statement": "已满两年"})["statement"] == "已满两年"


def test_info_change_schema():
    assert errors_of(schemas.clean_physician_info_change, {}) == {
        "data": "请至少填写一项要变更的信息：照片、学历、毕业学校或职称"}
    assert schemas.clean_physician_info_change({"title": "主治医师"}) == {"title": "主治医师"}
    assert errors_of(schemas.clean_physician_info_change, {"title": "主管护师"})["title"].startswith("职称应为以下之一")
    assert errors_of(schemas.clean_physician_info_change, {"department": "内科"}) == {"department": "不支持的字段"}
    assert errors_of(schemas.clean_physician_info_change, {"photo": "bm90IGFuIGltYWdl"}) == {
        "photo": "照片只能是JPEG或PNG格式"}


IDENTIFIER = "D11010520260000001X"


def test_departure_filing_schema():
    good = {"identifier": IDENTIFIER.lower(), "reason": "退休", "left_on": "2026-06-15"}
    assert schemas.clean_physician_departure_filing(good, today=TODAY) == {
        "identifier": IDENTIFIER, "reason": "retirement", "left_on": "2026-06-15"}
    errors = errors_of(schemas.clean_physician_departure_filing, {
        "identifier": "N11010520260000001X", "reason": "death", "left_on": "2026-06-16", "comment": ""}, today=TODAY)
    reason = errors.pop("reason")  # a cancellation reason is no departure reason
    assert reason.startswith("备案原因应为以下之一：") and "退休" in reason and "retirement" not in reason
    assert errors == {"identifier": "应为医师的电子化注册识别码（以D开头）", "left_on": "离岗日期不能晚于今天"}
    assert errors_of(schemas.clean_physician_departure_filing, {
        "identifier": "D1", "reason": "transfer", "left_on": "2026-02-30"}, today=TODAY) == {
        "identifier": "电子化注册识别码长度应为19至19个字符", "left_on": "离岗日期不是有效的日期"}
    assert errors_of(schemas.clean_physician_departure_filing, {
        "identifier": IDENTIFIER, "reason": "transfer", "left_on": "15/06/2026"}, today=TODAY) == {
        "left_on": "离岗日期格式应为YYYY-MM-DD"}


def test_cancellation_schema_wants_a_comment_for_other():
    good = {"identifier": IDENTIFIER, "reason": "受刑事处罚", "occurred_on": "2026-01-01"}
    assert schemas.clean_physician_cancellation(good, today=TODAY)["reason"] == "criminal_penalty"
    assert errors_of(schemas.clean_physician_cancellation, {**good, "reason": "other"}, today=TODAY) == {
        "comment": "注销原因为“其他”时须填写说明"}
    assert schemas.clean_physician_cancellation({**good, "reason": "其他", "comment": "调往外省"}, today=TODAY)[
        "comment"] == "调往外省"
    assert errors_of(schemas.clean_physician_cancellation, {}, today=TODAY) == {
        "identifier": "必填", "reason": "必填", "occurred_on": "必填"}
    assert errors_of(schemas.clean_physician_cancellation, {**good, "comment": "x" * 201}, today=TODAY) == {
        "comment": "说明长度应为1至200个字符"}


BIRTH = date(1980, 4, 5)
BACKFILL = {"name": "王五", "id_type": "resident_id", "id_number": resident_id(BIRTH), "certificate_no": "abc12345",
            "level": "执业医师", "category": "临床", "issued_on": "2005-07-01"}


def test_qualification_backfill_schema():
    clean = schemas.clean_physician_qualification_backfill(BACKFILL, today=TODAY)
    assert clean["certificate_no"] == "ABC12345" and clean["id_number"] == BACKFILL["id_number"]
    assert errors_of(schemas.clean_physician_qualification_backfill, {
        **BACKFILL, "name": "王", "level": "主任", "category": "兽医", "issued_on": "2026-07-01",
        "id_number": BACKFILL["id_number"][:-1] + ("0" if BACKFILL["id_number"][-1] != "0" else "1")}, today=TODAY) == {
        "name": "姓名长度应为2至30个字符", "level": "医师级别应为以下之一：执业医师、执业助理医师",
        "category": "资格类别应为以下之一：临床、中医、口腔、公共卫生", "issued_on": "资格取得日期不能晚于今天",
        "id_number": "身份证号码校验位错误"}
    assert errors_of(schemas.clean_physician_qualification_backfill, {**BACKFILL, "id_number": ""}, today=TODAY) == {
        "id_number": "必填"}
    assert errors_of(schemas.clean_physician_qualification_backfill,
                     {**BACKFILL, "id_type": "passport", "id_number": "ab"}, today=TODAY) == {
        "id_number": "证件号码应为5至30位字母或数字"}


def test_hmt_recognition_wants_the_permit_of_its_region():
    data = {**BACKFILL, "region": "香港", "id_type": "hk_macao_permit", "id_number": "H12345678"}
    assert schemas.clean_physician_hmt_qualification_recognition(data, today=TODAY)["region"] == "香港"
    assert errors_of(schemas.clean_physician_hmt_qualification_recognition,
                     {**data, "region": "台湾"}, today=TODAY) == {"id_type": "台湾居民应使用台湾居民来往大陆通行证"}
    assert errors_of(schemas.clean_physician_hmt_qualification_recognition,
                     {**data, "id_type": "passport"}, today=TODAY) == {"id_type": "香港居民应使用港澳居民来往内地通行证"}
    assert errors_of(schemas.clean_physician_hmt_qualification_recognition,
                     {**data, "region": "新加坡"}, today=TODAY) == {"region": "地区应为以下之一：香港、澳门、台湾"}


SHORT = {"name": "John Smith", "id_type": "passport", "id_number": "E12345678", "nationality": "英国", "sex": "男",
         "birth_date": "1975-01-02", "licence_no": "gmc1234", "practice_category": "临床", "practice_scope": ["内科专业"],
         "institution_id": 12, "start_date": "2026-07-01", "end_date": "2027-06-30"}


def test_foreign_short_term_practice_schema():
    clean = schemas.clean_physician_foreign_short_term_practice(SHORT, today=TODAY)
    assert clean["licence_no"] == "GMC1234" and clean["start_date"] == "2026-07-01" and clean["birth_date"] == "1975-01-02"
    assert errors_of(schemas.clean_physician_foreign_short_term_practice,
                     {**SHORT, "id_type": "taiwan_permit"}, today=TODAY) == {"id_type": "外国医师应使用护照或外国人永久居留身份证"}
    assert errors_of(schemas.clean_physician_foreign_short_term_practice, {**SHORT, "mobile": "123"}, today=TODAY) == {
        "mobile": "手机号码应为11位中国大陆手机号"}
    assert errors_of(schemas.clean_physician_foreign_short_term_practice,
                     {**SHORT, "birth_date": "2015-01-01", "sex": "x"}, today=TODAY) == {
        "birth_date": "年龄应在16至100岁之间", "sex": errors_of(
            schemas.clean_physician_foreign_short_term_practice, {**SHORT, "sex": "x"}, today=TODAY)["sex"]}


@pytest.mark.parametrize("start,end,expected", [
    ("2026-07-01", "2026-07-01", "结束日期应晚于开始日期"),
    ("2026-01-01", "2026-06-14", "结束日期已过"),
    ("2026-07-01", "2027-07-02", "短期行医期限不能超过一年"),
])
def test_foreign_short_term_period(start, end, expected):
    assert errors_of(schemas.clean_physician_foreign_short_term_practice,
                     {**SHORT, "start_date": start, "end_date": end}, today=TODAY) == {"end_date": expected}


def test_the_foreign_period_may_last_exactly_a_year_and_the_hmt_one_three():
    assert schemas.clean_physician_foreign_short_term_practice(
        {**SHORT, "start_date": "2026-07-01", "end_date": "2027-07-01"}, today=TODAY)["end_date"] == "2027-07-01"
    hmt = {**SHORT, "region": "澳门", "id_type": "hk_macao_permit", "id_number": "M12345678"}
    del hmt["nationality"]
    assert schemas.clean_physician_hmt_short_term_practice(
        {**hmt, "start_date": "2026-07-01", "end_date": "2029-07-01"}, today=TODAY)["region"] == "澳门"
    assert errors_of(schemas.clean_physician_hmt_short_term_practice,
                     {**hmt, "start_date": "2026-07-01", "end_date": "2029-07-02"}, today=TODAY) == {
        "end_date": "短期行医期限不能超过三年"}
    assert errors_of(schemas.clean_physician_hmt_short_term_practice, {**hmt, "region": "台湾"}, today=TODAY) == {
        "id_type": "台湾居民应使用台湾居民来往大陆通行证"}
