"""nurse.renewal: nothing to fill in; the window before expiry and every other reason it is refused."""

from dataclasses import replace
from datetime import date

import pytest

from pipeline.kinds.nurse_renewal import KIND
from tests.unit.pipeline.samples import INST, NURSE, NURSE_ENTRY, TODAY, errors

ENTRY = NURSE_ENTRY  # valid until 2026-07-01


def test_there_is_nothing_to_fill_in():
    assert KIND.clean({}) == {}
    assert errors(KIND.clean, {"valid_until": "2030-01-01"}, today=TODAY) == {"valid_until": ("不支持的字段", "unknown_field")}


def renewal(today, nurse=ENTRY, window_days=30, person=NURSE, institution=INST):
    return KIND.refuse(person=person, nurse=nurse, institution=institution, today=today, renewal_window_days=window_days)


@pytest.mark.parametrize("today", [date(2026, 6, 1), date(2026, 6, 20), date(2026, 7, 1)])
def test_renewal_inside_the_window_passes_on_both_edges(today):
    assert renewal(today) == []


def test_renewal_the_day_before_the_window_opens_is_refused():
    assert renewal(date(2026, 5, 31)) == ["延续注册应在有效期届满前30日内申请：有效期至2026-07-01，可于2026-06-01起申请"]


def test_renewal_the_day_after_expiry_is_refused():
    assert renewal(date(2026, 7, 2)) == ["护士注册已于2026-07-01届满，不能延续注册，请办理重新注册"]


def test_the_window_follows_its_setting():
    assert renewal(date(2026, 4, 2), window_days=90) == []
    assert renewal(date(2026, 4, 1), window_days=90) == [
        "延续注册应在有效期届满前90日内申请：有效期至2026-07-01，可于2026-04-02起申请"]


@pytest.mark.parametrize(("kwargs", "expected"), [
    ({"person": replace(NURSE, profession="physician")}, ["申请人不是护士，不能办理护士注册业务"]),
    ({"nurse": None}, ["尚无取得电子化注册识别码的护士注册，不能办理延续注册"]),
    ({"nurse": replace(ENTRY, identifier=None)}, ["尚无取得电子化注册识别码的护士注册，不能办理延续注册"]),
    ({"nurse": replace(ENTRY, status="expired")}, ["护士注册已过期（有效期至2026-07-01），不能办理延续注册，请办理重新注册"]),
    ({"nurse": replace(ENTRY, status="cancelled")}, ["护士注册状态为“注销”，不能办理延续注册"]),
    ({"institution": None}, ["未找到所填执业机构"]),
    ({"institution": replace(INST, status="suspended")}, ["执业机构“朝阳医院”已停业，不能办理注册"]),
])
def test_each_reason_a_renewal_is_refused(kwargs, expected):
    assert renewal(TODAY, **kwargs) == expected


def test_the_window_is_not_checked_for_an_entry_that_cannot_renew():
    assert renewal(date(2026, 5, 1), nurse=replace(ENTRY, status="cancelled")) == ["护士注册状态为“注销”，不能办理延续注册"]
    assert renewal(date(2026, 5, 1), person=replace(NURSE, profession="physician")) == ["申请人不是护士，不能办理护士注册业务"]
