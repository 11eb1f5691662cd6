"""physician.info_change: its data (at least one item), and every reason it is refused."""

import base64
from dataclasses import replace

from pipeline.kinds.physician_info_change import KIND
from tests.unit.pipeline.samples import NURSE, PHYSICIAN, PHYSICIAN_ENTRY, TODAY, errors

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def refused(data):
    return errors(KIND.clean, data, today=TODAY)


def test_the_data_needs_at_least_one_item():
    assert refused({}) == {"data": ("请至少填写一项要变更的信息：照片、学历、毕业学校或职称", "required_one")}
    assert refused({"title": "  "}) == {"data": ("请至少填写一项要变更的信息：照片、学历、毕业学校或职称", "required_one")}


def test_each_item():
    assert KIND.clean({"title": "主治医师"}) == {"title": "主治医师"}
    clean = KIND.clean({"photo": base64.b64encode(PNG).decode(), "education": "硕士研究生", "school": "北京医学院"})
    assert clean["photo"]["content_type"] == "image/png" and clean["photo"]["bytes"] == len(PNG)
    assert clean["education"] == "硕士研究生" and clean["school"] == "北京医学院"


def test_bad_items():
    assert refused({"title": "主管护师"}) == {"title": ("职称应为以下之一：医士、医师、主治医师、副主任医师、主任医师", "choice")}
    assert refused({"department": "内科"}) == {"department": ("不支持的字段", "unknown_field")}
    assert refused({"photo": "bm90IGFuIGltYWdl"}) == {"photo": ("照片只能是JPEG或PNG格式", "file_type")}
    assert refused({"education": "小学", "school": "校"}) == {
        "education": ("学历应为以下之一：中专、大专、本科、硕士研究生、博士研究生", "choice"),
        "school": ("毕业学校长度应为2至100个字符", "too_short")}


def test_info_change_reasons():
    assert KIND.refuse(person=PHYSICIAN, physician=PHYSICIAN_ENTRY) == []
    assert KIND.refuse(person=PHYSICIAN, physician=replace(PHYSICIAN_ENTRY, status="filed")) == []
    assert KIND.refuse(person=PHYSICIAN, physician=replace(PHYSICIAN_ENTRY, status="cancelled")) == [
        "医师注册已注销，不能变更个人信息"]
    assert KIND.refuse(person=PHYSICIAN, physician=replace(PHYSICIAN_ENTRY, identifier=None)) == [
        "医师注册记录尚未取得电子化注册识别码，不能办理后续业务"]
    assert KIND.refuse(person=NURSE, physician=None) == [
        "申请人不是医师，不能办理医师注册业务", "尚无医师注册记录，请先办理医师首次注册"]
