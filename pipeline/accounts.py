"""Accounts: the real-name sign-up of a physician or nurse (个人实名注册), and every other request about an
account — activation, login, password change and reset, and the commission's staff accounts.

Blank values are taken as not given ("必填"); unknown keys are refused (`unknown_field`, as everywhere). Where a service
gives the precise reason (a wrong old password, an unknown division), the field is declared loosely here
(`Given`, `Loose`) and documented in full.
"""

from __future__ import annotations

import dataclasses
import re
from datetime import date
from typing import Annotated, Any

from pydantic import ConfigDict

from pipeline.fields import Choice, DataModel, FieldError, Given, Loose, PositiveInt, checked, validate
from pipeline.persons import PROFESSIONS, BirthDate, IdNumber, IdType, Mobile, Name, Password, Sex
from pipeline.totp import otp

# Starts with a letter, so it can never be taken for a person's ID number or mobile (they log in with those).
USERNAME = re.compile(r"[A-Za-z][A-Za-z0-9_.-]{2,63}")
CODE_PATTERN = "^[0-9]{6}$"


def username(value: Any) -> str:
    if not isinstance(value, str) or not USERNAME.fullmatch(value.strip()):
        raise FieldError("用户名应以字母开头，由3至64位字母、数字或 _ . - 组成", "format")
    return value.strip()


def code(value: Any, what: str) -> str:
    """A code from an SMS or a desk, as text (a number is taken as its digits)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if not isinstance(value, str):
        raise FieldError(f"{what}应为文本", "type")
    return value


def flag(value: Any) -> bool:
    if not isinstance(value, bool):
        raise FieldError("应为 true 或 false", "type")
    return value


LoginName = Given("用户名", description="机构、卫健委账号：用户名；个人：证件号码或手机号码")
PersonLoginName = Given("用户名", description="证件号码或手机号码")
AnyLoginName = Given("用户名", description="证件号码、手机号码或用户名")
IssuedCode = checked(lambda value: code(value, "激活码"), "激活码", schema={"type": "string", "pattern": CODE_PATTERN},
                         description="所在机构发放的6位激活码")
ResetCode = checked(lambda value: code(value, "验证码"), "验证码", schema={"type": "string", "pattern": CODE_PATTERN},
                    description="短信中的6位验证码")
OneTimeCode = checked(otp, "动态口令", schema={"type": "string", "pattern": CODE_PATTERN},
                      description="卫健委和医疗机构工作人员账号如已绑定动态口令（TOTP），须填写认证应用当前显示的6位数字；其他账号省略")
StaffUsername = checked(username, "用户名", schema={"type": "string", "pattern": f"^{USERNAME.pattern}$"},
                        description="字母开头，3至64位字母、数字或 _ . -")


class SignUp(DataModel):
    """What a physician or nurse gives to open an account; their institution then activates it."""

    model_config = ConfigDict(title="实名注册")

    profession: Annotated[str, Choice("职业", PROFESSIONS)]
    name: Annotated[str, Name]
    sex: Annotated[str, Sex]
    birth_date: Annotated[date, BirthDate]
    id_type: Annotated[str, IdType]
    id_number: Annotated[str, IdNumber]
    mobile: Annotated[str, Mobile]
    password: Annotated[str, Password]
    institution_id: Annotated[int, PositiveInt("执业机构", what="机构编号", widget="institution",
                                               description="所在执业机构的编号（公开查询结果中的 institution_id）")]


def clean_signup(data: object, today: date | None = None) -> dict[str, Any]:
    """The clean sign-up (birth_date as a date), or ValidationFailed (an unknown key too)."""
    return validate(SignUp, data, whole="body", today=today).model_dump()


class Activation(DataModel):
    """A person activates their account with the code their institution gave them."""

    model_config = ConfigDict(title="激活账号")

    username: Annotated[str, PersonLoginName]
    code: Annotated[str, IssuedCode]


class Login(DataModel):
    """Any account logs in; the service counts a wrong password (so the password is taken as given), and for an
    account with a second factor a wrong or reused code the same way (so the code is taken as given too)."""

    model_config = ConfigDict(title="登录")

    username: Annotated[str, LoginName]
    password: Annotated[str, Given("密码")]
    otp: Annotated[str, OneTimeCode] | None = None


class TotpEnrol(DataModel):
    """A staff account asks for a secret to bind in its authenticator app; the service checks the password first."""

    model_config = ConfigDict(title="绑定动态口令：获取密钥")

    password: Annotated[str, Given("密码", description="本账号的登录密码")]


class TotpConfirm(DataModel):
    """A staff account confirms the secret it was given by typing the code its app now shows."""

    model_config = ConfigDict(title="绑定动态口令：确认")

    otp: Annotated[str, dataclasses.replace(OneTimeCode, description="认证应用添加该密钥后当前显示的6位数字")]


class PasswordChange(DataModel):
    """A logged-in account sets a new password; the service checks the old one first, then the new one."""

    model_config = ConfigDict(title="修改密码")

    old_password: Annotated[str, Given("原密码")]
    new_password: Annotated[str, Given("新密码", minLength=8, maxLength=128,
                                       description="8至128个字符，须同时包含字母和数字，且不同于原密码")]


class PasswordResetRequest(DataModel):
    """Anyone asks for a reset code; the answer never says whether the account exists."""

    model_config = ConfigDict(title="找回密码：发送验证码")

    username: Annotated[str, AnyLoginName]


class PasswordReset(DataModel):
    """The code from the SMS and the new password; the service counts a wrong code."""

    model_config = ConfigDict(title="找回密码：设置新密码")

    username: Annotated[str, AnyLoginName]
    code: Annotated[str, ResetCode]
    password: Annotated[str, dataclasses.replace(Password, title="新密码")]


class StaffAccount(DataModel):
    """A commission administrator creates a staff account of its own or a lower division."""

    model_config = ConfigDict(title="创建卫健委工作人员账号")

    username: Annotated[str, StaffUsername]
    password: Annotated[str, dataclasses.replace(Password, title="初始密码", description="8至128个字符，须同时包含字母和数字")]
    division: Annotated[str, Loose("行政区划", {"type": "string", "pattern": "^[0-9]{6}$"},
                                   description="本级或下级卫健委的行政区划代码，默认本级")] | None = None
    admin: Annotated[bool, checked(flag, "管理员", schema={"type": "boolean"})] = False
    mobile: Annotated[str, dataclasses.replace(Mobile, title="本人手机", description="登记的本人手机：重置密码时新密码只发往这里，"
                                               "发往其他手机须另一名管理员批准")] | None = None


class InstitutionHandout(DataModel):
    """The commission hands out the account of an institution already in the register (imported, registered at the
    counter), which has none."""

    model_config = ConfigDict(title="分发医疗机构账号")

    mobile: Annotated[str, dataclasses.replace(Mobile, title="负责人手机", description="接收用户名和初始密码的负责人手机号码，"
                                               "同时登记为机构的负责人手机")]


class OneTimePassword(DataModel):
    """The commission gives an account a new one-time password by SMS."""

    model_config = ConfigDict(title="重置密码")

    mobile: Annotated[str, dataclasses.replace(Mobile, description="接收新密码的手机号码；省略则发往负责人手机")] | None = None
