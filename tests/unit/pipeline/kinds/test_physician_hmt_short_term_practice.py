"""physician.hmt_short_term_practice (counter): its data, the permit of the region and the period (at most three years).

The periods lie just after TODAY (the samples' day, given to every check): a start more than a year ahead is refused.
"""

from datetime import date

import pytest

from pipeline.kinds.physician_hmt_short_term_practice import KIND
from tests.unit.pipeline.samples import TODAY, errors

HMT = {"name": "陈大文", "region": "澳门", "id_type": "hk_macao_permit", "id_number": "M12345678", "sex": "男",
       "birth_date": "1975-01-02", "licence_no": "mc1234", "practice_category": "临床", "practice_scope": ["内科专业"],
       "institution_id": 12, "start_date": "2026-07-01", "end_date": "2028-06-30"}


def refused(data):
    return errors(KIND.clean, data, today=TODAY)


def test_the_data_is_cleaned():
    assert KIND.clean(HMT, today=TODAY) == {**HMT, "licence_no": "MC1234"}


def test_the_period_may_last_three_years_with_its_leap_day():
    # 2026-07-01 to 2029-07-01 holds 29 February 2028: 1096 days
    assert KIND.clean({**HMT, "start_date": "2026-07-01", "end_date": "2029-07-01"}, today=TODAY)["region"] == "澳门"
    assert refused({**HMT, "start_date": "2026-07-01", "end_date": "2029-07-02"}) == {
        "end_date": ("短期行医期限不能超过三年", "out_of_range")}


@pytest.mark.parametrize(("changes", "expected"), [
    ({"region": "台湾"}, {"id_type": ("台湾居民应使用台湾居民来往大陆通行证", "mismatch")}),
    ({"id_type": "passport"}, {"id_type": ("澳门居民应使用港澳居民来往内地通行证", "mismatch")}),
    ({"region": "新加坡"}, {"region": ("地区应为以下之一：香港、澳门、台湾", "choice")}),
    ({"nationality": "英国"}, {"nationality": ("不支持的字段", "unknown_field")}),
    ({"end_date": "2026-07-01"}, {"end_date": ("结束日期应晚于开始日期", "out_of_range")}),
    ({"start_date": "2060-07-01", "end_date": "2062-06-30"}, {"start_date": ("开始日期不能晚于一年之后", "out_of_range")}),
    ({"start_date": "2026-01-01", "end_date": "2026-06-14"}, {"end_date": ("结束日期已过", "out_of_range")}),
])
def test_bad_data(changes, expected):
    assert refused({**HMT, **changes}) == expected


def test_taiwan_with_its_permit():
    data = {**HMT, "region": "台湾", "id_type": "taiwan_permit", "id_number": "12345678"}
    assert KIND.clean(data, today=TODAY)["region"] == "台湾"


def test_the_period_is_checked_against_the_given_today():
    data = {**HMT, "start_date": "2019-02-01", "end_date": "2020-12-31"}
    assert KIND.clean(data, today=date(2019, 1, 1))["end_date"] == "2020-12-31"
