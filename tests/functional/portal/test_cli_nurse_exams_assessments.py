"""`medreg import nurse-exams` and `medreg import assessments`: good rows load, bad rows say why, loading again updates."""
from __future__ import annotations

import itertools

from sqlalchemy import select

from models import AssessmentResult, NurseExamRecord
from models.crypto import lookup_hash
from tests import factories
from tests.functional.portal.test_cli import run, write_csv

_serial = itertools.count(1)


def test_import_nurse_exams_hashes_the_id_number_refuses_bad_rows_and_updates_on_reload(env, db, tmp_path, capsys):
    good_id, other_id = factories.resident_id(), factories.resident_id(sex="女")
    first, second = f"N2015{next(_serial):06d}X", f"N2016{next(_serial):06d}"
    header = ["certificate_no", "name", "id_number", "passed_year"]
    path = write_csv(tmp_path / "exams.csv", header, [
        [first, "李护士", good_id, "2015"],
        [second, "王护士", other_id, "2016"],
        ["12", "", "110105199001011234", "1899"],
    ])
    code, out, err = run(capsys, "import", "nurse-exams", "--load-good-rows", str(path))
    assert code == 1 and "已导入 2 行，拒绝 1 行" in out
    assert "第4行 certificate_no：证书编号应为6至30位数字或字母" in err
    assert "第4行 name：必填" in err and "第4行 id_number：" in err
    assert "第4行 passed_year：考试合格年份应为1950至今年之间的四位年份" in err
    record = db.get(NurseExamRecord, first.upper())
    assert (record.name, record.passed_year) == ("李护士", 2015)
    assert record.id_number_hash == lookup_hash(env.secret, good_id) and good_id not in str(vars(record))

    write_csv(path, header, [[first, "李护士", good_id, "2014"]])
    code, out, _ = run(capsys, "import", "nurse-exams", str(path))
    assert code == 0 and "已导入 1 行，拒绝 0 行" in out
    db.expire_all()
    assert db.get(NurseExamRecord, first.upper()).passed_year == 2014
    assert len(db.scalars(select(NurseExamRecord).where(NurseExamRecord.certificate_no == first.upper())).all()) == 1


def test_import_assessments_needs_a_known_certificate_and_keeps_one_result_per_period(env, db, tmp_path, capsys):
    certificate_no = factories.qualification(db, env, "赵医生", factories.resident_id())
    db.commit()
    header = ["certificate_no", "period", "result", "assessed_on", "assessor"]
    path = write_csv(tmp_path / "assessments.csv", header, [
        [certificate_no, "2022-2024", "合格", "2024-11-30", "朝阳区医师定期考核委员会"],
        ["999999999999", "2024", "合格", "2024-11-30", "某考核机构"],
        [certificate_no, "2025-2023", "优秀", "2999-01-01", ""],
    ])
    code, out, err = run(capsys, "import", "assessments", "--load-good-rows", str(path))
    assert code == 1 and "已导入 1 行，拒绝 2 行" in out
    assert "第3行 certificate_no：医师资格库中没有该证书编号，请先导入医师资格" in err
    assert "第4行 period：考核周期应为年份（如2024）或起止年份（如2022-2024）" in err
    assert "第4行 result：考核结果应为以下之一：合格、基本合格、不合格" in err
    assert "第4行 assessed_on：考核日期不能晚于今天" in err and "第4行 assessor：必填" in err

    write_csv(path, header, [[certificate_no, "2022-2024", "基本合格", "2024-12-01", "朝阳区医师定期考核委员会"]])
    code, _, _ = run(capsys, "import", "assessments", str(path))
    assert code == 0
    rows = db.scalars(select(AssessmentResult).where(AssessmentResult.certificate_no == certificate_no)).all()
    assert [(row.period, row.result, row.assessed_on.isoformat()) for row in rows] == [("2022-2024", "基本合格", "2024-12-01")]
