"""physician.hmt_qualification_recognition (counter): its data, and the permit each region's residents use."""

import pytest

from pipeline.kinds.physician_hmt_qualification_recognition import KIND
from tests.unit.pipeline.samples import TODAY, errors

DATA = {"name": "王五", "region": "香港", "id_type": "hk_macao_permit", "id_number": "H12345678",
        "certificate_no": "abc12345", "level": "执业医师", "category": "临床", "issued_on": "2005-07-01"}


def refused(data):
    return errors(KIND.clean, data, today=TODAY)


@pytest.mark.parametrize(("region", "id_type"), [
    ("香港", "hk_macao_permit"), ("澳门", "hk_macao_permit"), ("台湾", "taiwan_permit")])
def test_each_region_with_its_permit(region, id_type):
    clean = KIND.clean({**DATA, "region": region, "id_type": id_type}, today=TODAY)
    assert (clean["region"], clean["id_type"], clean["certificate_no"]) == (region, id_type, "ABC12345")


@pytest.mark.parametrize(("changes", "expected"), [
    ({"region": "台湾"}, {"id_type": ("台湾居民应使用台湾居民来往大陆通行证", "mismatch")}),
    ({"id_type": "passport"}, {"id_type": ("香港居民应使用港澳居民来往内地通行证", "mismatch")}),
    ({"region": "澳门", "id_type": "taiwan_permit"}, {"id_type": ("澳门居民应使用港澳居民来往内地通行证", "mismatch")}),
    ({"region": "新加坡"}, {"region": ("地区应为以下之一：香港、澳门、台湾", "choice")}),
    ({"issued_on": "2026-06-16"}, {"issued_on": ("资格取得日期不能晚于今天", "future")}),
    ({"id_number": "H1"}, {"id_number": ("证件号码应为5至30位字母或数字", "format")}),
])
def test_bad_data(changes, expected):
    assert refused({**DATA, **changes}) == expected


def test_missing_data():
    fields = ("name", "id_type", "id_number", "region", "certificate_no", "level", "category", "issued_on")
    assert refused({}) == dict.fromkeys(fields, ("必填", "required"))
