"""The Chinese name of every field a person may read about: in a refusal's message (portal/errors.py), beside a
form's field and in a batch's report (the pages). One registry, so a message and a page call a field the same."""
from __future__ import annotations

import functools

from pipeline.counter import counter_data
from pipeline.fields import titles
from pipeline.kinds import KINDS

# The title of every field any kind's data has (the first kind to declare a field names it).
DATA_LABELS: dict[str, str] = {}
for _kind in KINDS.values():
    for _name, _title in titles(_kind.data).items():
        DATA_LABELS.setdefault(_name, _title)

# The fields of the API's own bodies and query strings, which no kind's data holds (or names otherwise).
API_FIELD_NAMES = {
    "kind": "业务类型", "data": "申请内容", "decision": "决定", "comment": "意见", "ids": "申请编号", "body": "请求内容",
    "identifier": "电子化注册识别码", "institution_id": "执业机构", "cursor": "翻页位置", "limit": "每页条数",
    "status": "状态", "profession": "职业", "username": "用户名", "password": "密码", "old_password": "原密码",
    "new_password": "新密码", "code": "验证码", "otp": "动态口令", "mobile": "手机号码", "division": "行政区划",
    "since": "起始", "until": "截止", "group_by": "统计方式", "format": "格式", "q": "查询内容", "payload": "二维码内容",
    "file": "文件", "material": "材料类别", "url": "地址", "secret": "密钥", "phone": "联系电话", "fax": "传真",
}


@functools.cache
def field_names() -> dict[str, str]:
    """Every field's name a refusal's message may need, so it never shows a raw key like institution_id: the API's
    own, then each kind's as the counter takes it (its data, and whom it is for)."""
    names = dict(API_FIELD_NAMES)
    for kind in KINDS.values():
        for key, label in titles(counter_data(kind)).items():
            names.setdefault(key, label)
    return names


def kind_data_labels(kind_name: object) -> dict[str, str]:
    """The titles of one kind's fields over DATA_LABELS: a nurse's certificate_no is her exam certificate, not the
    physician's qualification certificate the first kind to declare the name calls it."""
    kind = KINDS.get(kind_name) if isinstance(kind_name, str) else None
    return {**DATA_LABELS, **titles(kind.data)} if kind is not None else DATA_LABELS
