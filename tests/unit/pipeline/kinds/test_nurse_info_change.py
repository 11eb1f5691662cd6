"""nurse.info_change: its data (at least one item), and every reason it is refused."""

import base64
from dataclasses import replace

import pytest

from pipeline.kinds.nurse_info_change import KIND
from tests.unit.pipeline.samples import NURSE, NURSE_ENTRY, TODAY, errors

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def refused(data):
    return errors(KIND.clean, data, today=TODAY)


def test_the_data_needs_at_least_one_item():
    assert refused({}) == {"data": ("请至少填写一项要变更的信息：照片、学历、毕业学校、职称或工作科室", "required_one")}


def test_every_item_is_cleaned():
    clean = KIND.clean(
        {"photo": b64(PNG), "education": "本科", "school": "北京护理学院", "title": "护师", "department": "急诊科"})
    assert clean == {"photo": {"content_type": "image/png", "base64": b64(PNG), "bytes": len(PNG)},
                     "education": "本科", "school": "北京护理学院", "title": "护师", "department": "急诊科"}


def test_every_bad_item_is_named():
    assert refused({"photo": b64(b"BM" + b"\x00" * 8), "education": "小学", "school": "校", "title": "主治医师"}) == {
        "photo": ("照片只能是JPEG或PNG格式", "file_type"),
        "education": ("学历应为以下之一：中专、大专、本科、硕士研究生、博士研究生", "choice"),
        "school": ("毕业学校长度应为2至100个字符", "too_short"),
        "title": ("职称应为以下之一：护士、护师、主管护师、副主任护师、主任护师", "choice")}


def test_a_photo_over_the_limit_is_too_large():
    assert refused({"photo": "A" * (5 * 1024 * 1024)}) == {"photo": ("照片不能超过2MB", "too_large")}


@pytest.mark.parametrize(("kwargs", "expected"), [
    ({}, []),
    ({"nurse": replace(NURSE_ENTRY, status="expired")}, []),
    ({"nurse": None}, ["尚无取得电子化注册识别码的护士注册，不能变更个人信息"]),
    ({"nurse": replace(NURSE_ENTRY, identifier=None)}, ["尚无取得电子化注册识别码的护士注册，不能变更个人信息"]),
    ({"nurse": replace(NURSE_ENTRY, status="cancelled")}, ["护士注册已注销，不能变更个人信息"]),
    ({"person": replace(NURSE, profession="physician")}, ["申请人不是护士，不能办理护士注册业务"]),
])
def test_info_change_reasons(kwargs, expected):
    args = {"person": NURSE, "nurse": NURSE_ENTRY, **kwargs}
    assert KIND.refuse(**args) == expected
