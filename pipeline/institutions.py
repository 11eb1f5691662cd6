"""What an institution keeps up to date itself, without an application: its phone and fax, its other staff
(not public), its clinical department → practice scope map, and the webhook its staff alerts go to.

Changes (PATCH) are not DataModels: there "" is a value that clears a number or a title, not a blank. The
scope map and the webhook are checked in full by the service (against the institution's departments, with
reasons per department), so they are declared loosely here and documented in full.
"""

from __future__ import annotations

from typing import Annotated, Any, ClassVar

from pydantic import ConfigDict, model_validator
from pydantic_core import PydanticCustomError

from pipeline import codes
from pipeline.fields import DataModel, Loose, RequestModel, Text, checked, text
from pipeline.persons import Name, Sex
from pipeline.registers.institutions import FIELD_LABELS, phone

PHONE_SCHEMA = {"type": "string", "pattern": "^(?=(?:[^0-9]*[0-9]){5})[0-9+()\\- ]{5,30}$|^$",
                "description": "数字、空格和 + - ( )，5至30个字符，至少5位数字；空字符串清除"}
ContactPhone = checked(lambda value: phone(value, FIELD_LABELS["phone"]), FIELD_LABELS["phone"], schema=PHONE_SCHEMA)
ContactFax = checked(lambda value: phone(value, FIELD_LABELS["fax"]), FIELD_LABELS["fax"], schema=PHONE_SCHEMA)
Post = Text("岗位", 1, 50)


def staff_title(value: Any) -> str:
    """A title 职称 of at most 50 characters; "" (or only spaces) clears it. Anything but text is refused, a falsy
    number, list or object too (they were stored as "" before)."""
    if isinstance(value, str) and not value.strip():
        return ""
    return text(value, 1, 50, "职称")


StaffTitle = checked(staff_title, "职称", schema={"type": "string", "maxLength": 50})


class ProfileChange(RequestModel):
    """Phone and fax change without approval (each change is kept in the institution's history)."""

    model_config = ConfigDict(title="修改联系电话、传真")
    unknown_field_reason: ClassVar[str] = "只能直接修改联系电话（phone）和传真（fax）；其他登记事项请申请变更登记"

    phone: Annotated[str, ContactPhone] | None = None
    fax: Annotated[str, ContactFax] | None = None

    @model_validator(mode="after")
    def _something_to_change(self) -> ProfileChange:
        if not self.model_fields_set:
            raise PydanticCustomError("required_one", "请填写要修改的 phone 或 fax")
        return self


class StaffMemberChange(RequestModel):
    """Some details of one of the institution's other staff 其他人员 (kept by the institution, never published)."""

    model_config = ConfigDict(title="修改其他人员")

    name: Annotated[str, Name] | None = None
    sex: Annotated[str, Sex] | None = None
    post: Annotated[str, Post] | None = None
    title: Annotated[str, StaffTitle] | None = None
    phone: Annotated[str, ContactPhone] | None = None


class StaffMember(StaffMemberChange):
    """A new one of the institution's other staff."""

    model_config = ConfigDict(title="新增其他人员")

    name: Annotated[str, Name]
    sex: Annotated[str, Sex]
    post: Annotated[str, Post]


class ScopeMapChange(DataModel):
    """The practice scopes each listed clinical department allows; the listed departments are replaced whole."""

    model_config = ConfigDict(title="修改诊疗科目与执业范围对照")

    map: Annotated[Any, Loose("诊疗科目与执业范围对照", {
        "type": "object", "additionalProperties": {"type": "array", "items": {"type": "string", "enum": codes.practice_scopes()}},
    }, description="本机构登记的诊疗科目 → 执业范围列表")]


class Webhook(DataModel):
    """Where the institution's staff alerts are POSTed, and the secret they are signed with."""

    model_config = ConfigDict(title="登记回调地址")

    url: Annotated[str, Loose("回调地址", {"type": "string", "format": "uri", "maxLength": 500},
                              description="http:// 或 https:// 网址")]
    secret: Annotated[str, Loose("签名密钥", {"type": "string", "minLength": 16, "maxLength": 200, "pattern": "^\\S+$"},
                                 description="16至200个非空白字符")]
