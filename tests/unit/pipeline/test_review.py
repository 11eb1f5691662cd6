"""What a clerk reads: the masked ID number, the data in Chinese, and what an approval would change."""
from __future__ import annotations

from pipeline.kinds import KINDS
from pipeline.review import changes, data_rows, mask_id_number

PHYSICIAN = {"status": "registered", "institution": "朝阳医院", "practice_category": "临床", "practice_scopes": ["内科专业"],
             "institutions": ["朝阳医院"], "photo": False, "education": "本科", "school": None, "title": "医师"}
NURSE = {"status": "registered", "institution": "朝阳医院", "department": "内科", "valid_until": "2026-07-01", "photo": True}


def rows(kind, entry, data, names=None):
    return [(c.label, c.before, c.after) for c in changes(KINDS[kind], entry, data, names or {})]


def test_an_id_number_is_masked_but_for_its_division_and_last_four():
    assert mask_id_number("11010519880309131X") == "110105********131X"
    assert mask_id_number("E12345678") == "E1*****78"
    assert mask_id_number(None) == "—"


def test_data_is_shown_with_titles_labels_and_names_never_keys_or_codes():
    shown = dict(data_rows(KINDS["physician.departure_filing"], {"identifier": "D1", "reason": "transfer", "left_on": "2026-01-02"}, {}))
    assert shown == {"医师": "D1", "备案原因": "调离", "离岗日期": "2026-01-02"}
    change = dict(data_rows(KINDS["institution.change"], {"beds": 150, "departments": ["内科", "外科"]}, {}))
    assert change == {"床位数": "150", "诊疗科目": "内科、外科"}
    photo = dict(data_rows(KINDS["nurse.info_change"], {"photo": {"content_type": "image/png", "base64": "AA==", "bytes": 2048}}, {}))
    assert photo == {"照片": "已上传照片（2KB）"}
    assert dict(data_rows(KINDS["nurse.change"], {"institution_id": 7, "department": "外科"}, {7: "海淀医院"}))["执业机构"] == "海淀医院"
    assert dict(data_rows(KINDS["institution.resumption"], {"note": "完成"}, {})) == {"说明": "完成"}


def test_a_change_shows_only_what_the_approval_changes():
    assert rows("physician.change", PHYSICIAN, {"institution_id": 9, "practice_category": "临床", "practice_scope": ["外科专业"]},
                {9: "海淀医院"}) == [("主要执业机构", "朝阳医院", "海淀医院"), ("执业范围", "内科专业", "外科专业")]
    assert rows("nurse.change", NURSE, {"institution_id": 9, "department": "外科"}, {9: "海淀医院"}) == [
        ("执业机构", "朝阳医院", "海淀医院"), ("执业科室", "内科", "外科")]


def test_what_a_kind_sets_beyond_its_data_status_validity_and_sites():
    assert rows("physician.departure_filing", PHYSICIAN, {"identifier": "D1", "reason": "transfer"}) == [("注册状态", "注册", "备案（非在册）")]
    assert rows("nurse.renewal", NURSE, {}) == [("有效期至", "2026-07-01", "2031-07-01")]
    assert rows("physician.multi_site_filing", PHYSICIAN, {"institution_id": 9}, {9: "海淀医院"}) == [
        ("执业机构（含多机构备案）", "朝阳医院", "朝阳医院、海淀医院")]
    institution = {"status": "operating", "name": "朝阳医院", "beds": 80}
    assert rows("institution.suspension", institution, {"reason": "装修"}) == [("机构状态", "执业中", "已停业")]
    assert rows("institution.change", institution, {"beds": 120}) == [("床位数", "80", "120")]
    assert rows("physician.info_change", PHYSICIAN, {"photo": {"base64": "AA=="}, "title": "主治医师"}) == [
        ("照片", "无", "更换为新照片"), ("职称", "医师", "主治医师")]


def test_a_first_registration_starts_from_nothing():
    assert rows("physician.first_registration", None, {"certificate_no": "1", "practice_category": "临床",
                                                        "practice_scope": ["内科专业"], "institution_id": 3}, {3: "朝阳医院"}) == [
        ("注册状态", "—", "注册"), ("主要执业机构", "—", "朝阳医院"), ("执业类别", "—", "临床"), ("执业范围", "—", "内科专业")]
