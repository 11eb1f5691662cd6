"""physician.foreign_short_term_practice (counter): its data, the document and the period (at most a year).

The periods lie just after TODAY (the samples' day, given to every check): a start more than a year ahead is refused.
"""

from datetime import date

import pytest

from pipeline.kinds.physician_foreign_short_term_practice import KIND
from tests.unit.pipeline.samples import TODAY, errors

SHORT = {"name": "John Smith", "id_type": "passport", "id_number": "E12345678", "nationality": "英国", "sex": "男",
         "birth_date": "1975-01-02", "licence_no": "gmc1234", "practice_category": "临床", "practice_scope": ["内科专业"],
         "institution_id": 12, "start_date": "2026-07-01", "end_date": "2027-06-30"}


def refused(data, today=TODAY):
    return errors(KIND.clean, data, today=today)


def test_the_data_is_cleaned():
    assert KIND.clean(SHORT, today=TODAY) == {**SHORT, "licence_no": "GMC1234"}
    assert KIND.clean({**SHORT, "id_type": "foreign_permanent", "mobile": "13800138000"}, today=TODAY)["mobile"] == "13800138000"


@pytest.mark.parametrize(("changes", "expected"), [
    ({"id_type": "taiwan_permit"}, {"id_type": ("外国医师应使用护照或外国人永久居留身份证", "mismatch")}),
    ({"id_type": "hk_macao_permit"}, {"id_type": ("外国医师应使用护照或外国人永久居留身份证", "mismatch")}),
    ({"mobile": "123"}, {"mobile": ("手机号码应为11位中国大陆手机号", "format")}),
    ({"birth_date": "2015-01-01", "sex": "x"}, {"birth_date": ("年龄应在16至100岁之间", "out_of_range"),
                                                "sex": ("性别应为以下之一：男、女", "choice")}),
    ({"licence_no": "g1"}, {"licence_no": ("境外医师执业证书编号长度应为3至30个字符", "too_short")}),
    ({"nationality": "英"}, {"nationality": ("国籍长度应为2至50个字符", "too_short")}),
    ({"practice_scope": ["口腔专业"]}, {"practice_scope": ("执业范围口腔专业不属于临床类别", "mismatch")}),
    ({"region": "香港"}, {"region": ("不支持的字段", "unknown_field")}),
    ({"start_date": "2026-02-30"}, {"start_date": ("开始日期不是有效的日期", "date")}),
])
def test_bad_data(changes, expected):
    assert refused({**SHORT, **changes}) == expected


@pytest.mark.parametrize(("start", "end", "reason"), [
    ("2026-07-01", "2026-07-01", "结束日期应晚于开始日期"),
    ("2026-07-02", "2026-07-01", "结束日期应晚于开始日期"),
    ("2026-01-01", "2026-06-14", "结束日期已过"),
    ("2026-07-01", "2027-07-02", "短期行医期限不能超过一年"),
])
def test_foreign_short_term_period(start, end, reason):
    assert refused({**SHORT, "start_date": start, "end_date": end}) == {"end_date": (reason, "out_of_range")}


def test_a_start_more_than_a_year_ahead_is_refused():
    assert refused({**SHORT, "start_date": "2027-06-17", "end_date": "2027-12-31"}) == {
        "start_date": ("开始日期不能晚于一年之后", "out_of_range")}
    assert KIND.clean({**SHORT, "start_date": "2027-06-16", "end_date": "2027-12-31"}, today=TODAY)["start_date"] == "2027-06-16"


def test_the_foreign_period_may_last_exactly_a_year():
    assert KIND.clean({**SHORT, "start_date": "2026-07-01", "end_date": "2027-07-01"}, today=TODAY)["end_date"] == "2027-07-01"


def test_the_period_is_checked_against_the_given_today():
    data = {**SHORT, "birth_date": "1975-01-02", "start_date": "2019-02-01", "end_date": "2019-12-31"}
    assert KIND.clean(data, today=date(2019, 1, 1))["end_date"] == "2019-12-31"


def test_counter_business():
    assert KIND.counter and KIND.refuse is None and not KIND.commission_approves
