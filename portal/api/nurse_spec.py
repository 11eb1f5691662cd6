"""The OpenAPI description of the nurse kinds, the counter, password reset and assessment results (merged into
portal/api/spec.py's document)."""
from __future__ import annotations

from pipeline.nurse_rules import NURSE_STATUS_LABELS
from pipeline.nurse_schemas import EDUCATIONS, MAX_PHOTO_BYTES, NURSE_TITLES, PRE2008_BEFORE_YEAR
from portal.services.lockout import LOCK_AFTER_FAILURES, LOCK_DURATION

NURSE_DESCRIBED_KINDS = (
    "nurse.first_registration", "nurse.change", "nurse.re_registration", "nurse.renewal", "nurse.cancellation",
    "nurse.info_change", "nurse.pre2008_first_registration",
)


class _SpecBuilders:
    """spec.py's builders, looked up when first used (spec.py imports this module while it is being built)."""

    def __getattr__(self, name: str):
        from portal.api import spec

        return getattr(spec, name)


sp = _SpecBuilders()


def _practice(description: str) -> dict:
    return sp.obj(
        {"institution_id": sp.institution_id_schema("执业机构编号（须已取得识别码且在执业状态）"),
         "department": sp.string("工作科室", minLength=1, maxLength=50)},
        ["institution_id", "department"], additionalProperties=False, description=description,
    )


def nurse_data_schemas() -> dict:
    photo = sp.string(f"照片：base64 编码（可为 data: URL）的 JPEG 或 PNG，按文件头识别，不超过 {MAX_PHOTO_BYTES // 1024 // 1024}MB")
    return {
        "Data.nurse.first_registration": sp.obj(
            {"certificate_no": sp.string("护士执业资格考试合格证明编号（须在考试合格记录中，姓名、证件号码与申请人一致；"
                                         f"{PRE2008_BEFORE_YEAR}年前合格者到窗口办理）", minLength=5, maxLength=30),
             "institution_id": sp.institution_id_schema("执业机构编号"),
             "department": sp.string("工作科室", minLength=1, maxLength=50)},
            ["certificate_no", "institution_id", "department"], additionalProperties=False,
            description="护士首次注册。有效期五年。",
        ),
        "Data.nurse.change": _practice("护士变更注册：新的执业机构（由其确认，其登记机关审批）和科室"),
        "Data.nurse.re_registration": _practice("护士重新注册：注册已过期或注销后，在新的（或原）执业机构重新注册"),
        "Data.nurse.renewal": sp.obj({}, additionalProperties=False, description=(
            "护士延续注册：无需填写内容。须在有效期届满前的延续申请期内提交（默认届满前30日起，可由 MEDREG_RENEWAL_WINDOW_DAYS 配置）；"
            "批准后有效期延长五年。已过期的注册不能延续，应办理重新注册。")),
        "Data.nurse.cancellation": sp.obj(
            {"reason": sp.string("注销原因", minLength=2, maxLength=200),
             "identifier": sp.string("机构代为申请时必填：该护士的电子化注册识别码", pattern="^N[0-9]{17}[0-9A-Z]$")},
            ["reason"], additionalProperties=False,
            description="护士注销注册：护士本人申请（所在机构确认），或机构申请（无确认步骤）；均由卫健委审批。",
        ),
        "Data.nurse.info_change": sp.obj(
            {"photo": photo, "education": sp.enum(EDUCATIONS, "学历"), "school": sp.string("毕业学校", minLength=2, maxLength=100),
             "title": sp.enum(NURSE_TITLES, "职称"), "department": sp.string("工作科室", minLength=1, maxLength=50)},
            additionalProperties=False, minProperties=1,
            description="护士个人信息变更：至少一项。所在机构确认即生效（无卫健委审批）。",
        ),
        "Data.nurse.pre2008_first_registration": sp.obj(
            {"name": sp.string(minLength=2, maxLength=30), "sex": sp.string("男或女"), "birth_date": sp.string(format="date"),
             "id_type": sp.string("证件类型，同实名注册"), "id_number": sp.string("证件号码（不在申请内容中保存明文）"),
             "mobile": sp.string(pattern="^1[3-9][0-9]{9}$"), "certificate_no": sp.string(minLength=5, maxLength=30),
             "passed_year": {"type": "integer", "maximum": PRE2008_BEFORE_YEAR - 1, "minimum": 1950},
             "institution_id": sp.institution_id_schema("执业机构编号（须在本卫健委辖区内）"),
             "department": sp.string(minLength=1, maxLength=50)},
            ["name", "sex", "birth_date", "id_type", "id_number", "mobile", "certificate_no", "passed_year",
             "institution_id", "department"],
            additionalProperties=False,
            description=f"{PRE2008_BEFORE_YEAR}年前考试合格护士的首次注册：窗口录入（POST /api/v1/commission/counter），录入即批准。",
        ),
    }


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
        **nurse_data_schemas(),
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
                request=sp.body(sp.obj({"kind": sp.string("窗口业务种类，如 nurse.pre2008_first_registration"),
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
