"""The OpenAPI description of the nurse kinds, the counter, password reset and assessment results (merged into
portal/api/spec.py's document)."""
from __future__ import annotations

from pipeline.registers.nurses import STATUS_LABELS as NURSE_STATUS_LABELS
from portal.services.lockout import LOCK_AFTER_FAILURES, LOCK_DURATION


class _SpecBuilders:
    """spec.py's builders, looked up when first used (spec.py imports this module while it is being built)."""

    def __getattr__(self, name: str):
        from portal.api import spec

        return getattr(spec, name)


sp = _SpecBuilders()


def nurse_record_schema() -> dict:
    institution = sp.obj({"id": {"type": "integer"}, "name": sp.string(), "identifier": sp.nullable(sp.string()),
                          "main": {"type": "boolean"}}, ["id", "name"])
    return sp.obj(
        {
            "identifier": sp.string(pattern=sp.IDENTIFIER_PATTERN),
            "kind": {"const": "nurse"},
            "version": {"type": "integer", "minimum": 1},
            "name": sp.string(),
            "sex": sp.string(),
            "status": sp.enum(NURSE_STATUS_LABELS, sp.labelled(NURSE_STATUS_LABELS)),
            "status_label": sp.string(),
            "division": sp.string(pattern=sp.DIVISION_PATTERN),
            "department": sp.nullable(sp.string("工作科室")),
            "institutions": {"type": "array", "items": institution},
            "registering_authority": sp.ref("RegisteringAuthority"),
            "registered_on": sp.string(format="date"),
            "valid_until": sp.string("注册有效期至", format="date"),
        },
        ["identifier", "kind", "version", "name", "status", "division", "institutions", "registering_authority", "valid_until"],
        description="护士公示记录。只含公示字段：不含证件号码、手机号码、出生日期和住址。",
    )


def nurse_registration_schema() -> dict:
    event = sp.obj(
        {"at": sp.string(format="date-time"), "event": sp.string("如 护士首次注册、护士延续注册、有效期届满"),
         "actor": sp.string(), "from": sp.nullable(sp.string()), "to": sp.string(),
         "valid_until": sp.nullable(sp.string(format="date")), "comment": sp.string(),
         "application_id": sp.nullable({"type": "integer"})},
        ["at", "event", "actor", "to"],
    )
    return sp.obj(
        {
            "identifier": sp.nullable(sp.string(pattern=sp.IDENTIFIER_PATTERN)),
            "status": sp.enum(NURSE_STATUS_LABELS, sp.labelled(NURSE_STATUS_LABELS)),
            "status_label": sp.string(),
            "certificate_no": sp.string(),
            "passed_year": {"type": "integer"},
            "institution": sp.obj({"id": {"type": "integer"}, "name": sp.string()}, ["id", "name"]),
            "department": sp.string(),
            "registering_authority": sp.string(pattern=sp.DIVISION_PATTERN),
            "registered_on": sp.string(format="date"),
            "valid_until": sp.string(format="date"),
            "history": {"type": "array", "items": event, "description": "注册记录的每一次变化"},
        },
        ["identifier", "status", "institution", "valid_until", "history"],
        description="本人的护士注册记录",
    )


def assessment_schema() -> dict:
    return sp.obj(
        {"period": sp.string("考核周期，如 2022-2024"), "result": sp.enum(("合格", "基本合格", "不合格")),
         "assessed_on": sp.string(format="date"), "assessor": sp.string("考核机构"),
         "name": sp.string("医师姓名（机构查询时）"), "identifier": sp.nullable(sp.string()), "certificate_no": sp.string()},
        ["period", "result", "assessed_on", "assessor"],
    )


def nurse_schemas() -> dict:
    return {
        "NurseRecord": nurse_record_schema(),
        "NurseRegistration": nurse_registration_schema(),
        "Assessment": assessment_schema(),
    }


def nurse_paths() -> dict:
    minutes = int(LOCK_DURATION.total_seconds() // 60)
    return {
        "/api/v1/commission/counter": {
            "post": sp.operation(
                "窗口业务录入（录入即批准，随后赋码、公示）",
                "卫健委端",
                (201, sp.answer("已录入的申请", sp.ref("Application"))),
                (400, *sp.AUTHED, 409),
                request=sp.body(sp.obj({"kind": sp.string("窗口业务种类（见 Data.<kind> 中 x-counter-only 为 true 的种类）"),
                                        "data": {"type": "object"}}, ["kind", "data"])),
                description="机构须在录入人员所属卫健委辖区内、执业中并已取得识别码；不是窗口业务的种类答 400（字段 kind）；已有注册记录答 409。",
            )
        },
        "/api/v1/institution/assessments": {
            "get": sp.operation(
                "本机构医师的定期考核结果",
                "机构端",
                (200, sp.answer("按考核周期倒序", sp.items_of(sp.ref("Assessment")))),
                (400, *sp.AUTHED),
                parameters=[sp.query("period", {"type": "string"}, "只看某一考核周期")],
            )
        },
        "/api/v1/password-reset/request": {
            "post": sp.operation(
                "找回密码：向账号登记的手机发送验证码",
                "账号",
                (200, sp.answer("无论账号是否存在，回答都相同", sp.obj(
                    {"status": {"const": "sent_if_exists"}, "message": sp.string()}, ["status", "message"]))),
                (400,),
                public=True,
                request=sp.body(sp.obj({"username": sp.string("证件号码、手机号码或用户名")}, ["username"])),
                description="验证码6位、10分钟内有效、只能使用一次；再次申请使之前的验证码作废（60秒内不重发）。",
            )
        },
        "/api/v1/password-reset/confirm": {
            "post": sp.operation(
                "找回密码：用短信验证码设置新密码",
                "账号",
                (200, sp.answer("密码已修改", sp.obj({"account_id": {"type": "integer"}, "status": {"const": "password_changed"}},
                                                     ["account_id", "status"]))),
                (400,),
                public=True,
                request=sp.body(sp.obj({"username": sp.string(), "code": sp.string(pattern="^[0-9]{6}$"),
                                        "password": sp.string("新密码：8至128个字符，须同时包含字母和数字")},
                                       ["username", "code", "password"])),
                description=f"验证码错误答 400（字段 code）并计入次数，错误5次后作废。成功后解除登录锁定"
                f"（连续 {LOCK_AFTER_FAILURES} 次密码错误锁定 {minutes} 分钟）。",
            )
        },
    }
