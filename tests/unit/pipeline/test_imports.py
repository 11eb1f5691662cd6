"""Row cleaning of `medreg import`: every reason per column, the registers' cross-checks against the ID number."""
from __future__ import annotations

from datetime import date

import pytest

from pipeline.imports import (
    COLUMNS,
    EXTRA_CELLS,
    Cleaner,
    RowRefused,
    extra_cells_reason,
    missing_columns,
    parent_reason,
    repeated_columns,
    resident_sex,
)
from pipeline.persons import resident_id_check_character

TODAY = date(2026, 6, 1)


def number(body17: str) -> str:
    return body17 + resident_id_check_character(body17)


PHYSICIAN = {
    "id_number": number("11010519850612131"), "name": "王建国", "sex": "男", "birth_date": "1985-06-12",
    "certificate_no": "201111110007919", "level": "执业医师", "category": "临床", "practice_category": "临床",
    "practice_scopes": "内科专业;外科专业", "institution_uscc": "12110105400001010N", "registered_on": "2012-03-01",
    "registered_by": "110105",
}
NURSE = {
    "id_number": number("11010519920315002"), "name": "李静", "sex": "女", "birth_date": "1992-03-15",
    "certificate_no": "N20151101000123", "passed_year": "2015", "institution_uscc": "12110105400001010N",
    "department": "内科", "registered_on": "2015-09-01", "valid_until": "2030-08-31", "registered_by": "110105",
}


def refused(kind: str, row: dict) -> dict[str, str]:
    with pytest.raises(RowRefused) as caught:
        Cleaner(kind, TODAY).clean(row)
    return caught.value.reasons


def test_a_good_physician_row_is_cleaned_with_sorted_scopes():
    clean = Cleaner("physicians", TODAY).clean(PHYSICIAN)
    assert clean["practice_scopes"] == ["内科专业", "外科专业"] and clean["birth_date"] == date(1985, 6, 12)
    assert clean["registered_on"] == date(2012, 3, 1)


def test_the_birth_date_and_sex_must_agree_with_the_id_number():
    reasons = refused("physicians", {**PHYSICIAN, "sex": "女", "birth_date": "1985-06-13"})
    assert reasons == {"birth_date": "出生日期与身份证号码中的出生日期不一致", "sex": "性别与身份证号码不一致"}
    assert resident_sex(PHYSICIAN["id_number"]) == "男" and resident_sex(NURSE["id_number"]) == "女"


def test_every_bad_cell_of_a_row_is_named():
    reasons = refused("physicians", {**PHYSICIAN, "id_number": PHYSICIAN["id_number"][:17] + "0", "level": "主任医师",
                                     "practice_scopes": "魔法专业", "institution_uscc": "12110105400001010X",
                                     "registered_on": "2099-01-01", "registered_by": "", "name": " "})
    assert reasons["id_number"] == "身份证号码校验位错误"
    assert reasons["level"].startswith("医师级别应为以下之一")
    assert "魔法专业" in reasons["practice_scopes"]
    assert reasons["institution_uscc"] == "统一社会信用代码校验位错误"
    assert reasons["registered_on"] == "注册日期不能晚于今天"
    assert reasons["registered_by"] == reasons["name"] == "必填"


def test_scopes_must_belong_to_the_practice_category():
    assert refused("physicians", {**PHYSICIAN, "practice_category": "口腔"}) == {
        "practice_scopes": "执业范围内科专业、外科专业不属于口腔类别"}


def test_a_nurse_row_needs_validity_after_registration():
    assert Cleaner("nurses", TODAY).clean(NURSE)["valid_until"] == date(2030, 8, 31)
    assert refused("nurses", {**NURSE, "valid_until": "2015-09-01"}) == {"valid_until": "有效期至应晚于注册日期"}
    assert refused("nurses", {**NURSE, "passed_year": "1949"})["passed_year"].startswith("考试合格年份应为1950")


def test_a_division_row_names_a_parent_above_it():
    assert parent_reason("110105", "110100") is None and parent_reason("110105", "110000") is None
    assert parent_reason("110105", "310000") == "310000不是110105的上级行政区划"
    assert refused("divisions", {"code": "110105", "name": "朝阳区", "parent_code": "110105"}) == {
        "parent_code": "上级行政区划不能是其本身"}


def test_missing_columns_are_listed_in_contract_order():
    assert missing_columns("nurses", ["name", "id_number"]) == [c for c in COLUMNS["nurses"] if c not in ("name", "id_number")]
    assert missing_columns("physicians", COLUMNS["physicians"]) == []


@pytest.mark.parametrize("kind", ["physician-qualifications", "nurse-exams", "physicians", "nurses"])
def test_an_id_number_born_after_the_import_s_day_is_refused(kind):
    """The import's day, not the clock's: a file checked as of a day refuses a birth date after that day."""
    row = {"certificate_no": "201111110007919", "name": "王建国", "id_number": number("11010520260602131"),
           "level": "执业医师", "category": "临床", "issued_on": "", "passed_year": "2015"}
    if kind in ("physicians", "nurses"):
        row = {**(PHYSICIAN if kind == "physicians" else NURSE), "id_number": row["id_number"], "birth_date": "2026-06-02"}
    assert refused(kind, row)["id_number"] == "身份证号码中的出生日期无效"


@pytest.mark.parametrize("column", ["name", "certificate_no", "department", "registered_by"])
def test_a_nul_character_is_refused_in_its_column_not_left_for_the_database(column):
    # No PostgreSQL text column can hold it: before, the row passed the cleaning and the import died on a traceback.
    row = {**NURSE, column: NURSE[column][:1] + "\x00" + NURSE[column][1:]}
    assert refused("nurses", row) == {column: "不能含有空字符"}


def test_cells_beyond_the_header_refuse_the_row_as_a_whole_beside_its_other_reasons():
    reason = extra_cells_reason(14, 12)
    assert "14个单元格" in reason and "12列" in reason
    assert refused("physicians", {**PHYSICIAN, EXTRA_CELLS: reason}) == {EXTRA_CELLS: reason}
    assert refused("physicians", {**PHYSICIAN, EXTRA_CELLS: reason, "sex": "未知"}).keys() == {EXTRA_CELLS, "sex"}


def test_a_column_named_twice_in_the_header_is_named_in_the_refusal():
    header = [*COLUMNS["nurses"], " name", "remark", "remark"]
    assert repeated_columns("nurses", header) == ["name"]
    assert repeated_columns("nurses", COLUMNS["nurses"]) == []
