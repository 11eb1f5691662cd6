"""physician.qualification_backfill (counter): its data; the clerk checked the rest."""

from datetime import date

from pipeline.kinds.physician_qualification_backfill import KIND
from tests.unit.pipeline.samples import TODAY, errors, resident_id, wrong_check

BIRTH = date(1980, 4, 5)
BACKFILL = {"name": "王五", "id_type": "resident_id", "id_number": resident_id(BIRTH, serial="002"),
            "certificate_no": "abc12345", "level": "执业医师", "category": "临床", "issued_on": "2005-07-01"}


def refused(data):
    return errors(KIND.clean, data, today=TODAY)


def test_the_data_is_cleaned():
    assert KIND.clean(BACKFILL, today=TODAY) == {**BACKFILL, "certificate_no": "ABC12345"}
    assert KIND.clean({**BACKFILL, "level": "执业助理医师", "category": "公共卫生"}, today=TODAY)["level"] == "执业助理医师"


def test_every_bad_field_is_named():
    assert refused({**BACKFILL, "name": "王", "level": "主任", "category": "兽医", "issued_on": "2026-07-01",
                    "id_number": wrong_check(BACKFILL["id_number"])}) == {
        "name": ("姓名长度应为2至30个字符", "too_short"),
        "level": ("医师级别应为以下之一：执业医师、执业助理医师", "choice"),
        "category": ("资格类别应为以下之一：临床、中医、口腔、公共卫生", "choice"),
        "issued_on": ("资格取得日期不能晚于今天", "future"),
        "id_number": ("身份证号码校验位错误", "checksum"),
    }


def test_the_id_number_follows_its_type():
    assert refused({**BACKFILL, "id_number": ""}) == {"id_number": ("必填", "required")}
    assert refused({**BACKFILL, "id_type": "passport", "id_number": "ab"}) == {
        "id_number": ("证件号码应为5至30位字母或数字", "format")}
    assert KIND.clean({**BACKFILL, "id_type": "passport", "id_number": "e1234567"}, today=TODAY)["id_number"] == "E1234567"


def test_a_qualification_issued_today_is_accepted_and_tomorrow_is_not():
    assert KIND.clean({**BACKFILL, "issued_on": "2026-06-15"}, today=TODAY)["issued_on"] == "2026-06-15"
    assert refused({**BACKFILL, "issued_on": "2026-06-16"}) == {"issued_on": ("资格取得日期不能晚于今天", "future")}


def test_counter_business_has_no_refusal_rule():
    assert KIND.refuse is None and KIND.counter and KIND.facts == ()
