"""The OpenAPI 3.1 document of /api/v1, kept beside the views it describes.

Enums come from pipeline/ (kinds, statuses, code lists) so the document cannot drift from the rules;
tests/api/test_openapi.py checks that every route and method the app serves is described here.
"""
from __future__ import annotations

from pipeline import codes
from pipeline.accounts import SignUp
from pipeline.fields import CODES
from pipeline.identifiers import REGISTER_LETTERS
from pipeline.kinds import KINDS
from pipeline.lifecycle import STATUS_LABELS, Status
from pipeline.persons import PROFESSIONS
from pipeline.registers.institutions import STATUS_LABELS as INSTITUTION_STATUS_LABELS
from pipeline.registers.physicians import STATUS_LABELS as PHYSICIAN_STATUS_LABELS
from portal.api.schemas import kind_data_schemas, kind_facts, model_schema
from portal.services.accounts import ACTIVATION_CODE_TTL
from portal.services.lockout import LOCK_AFTER_FAILURES
from portal.services.public import MAX_LIMIT

IDENTIFIER_PATTERN = f"^[{''.join(REGISTER_LETTERS.values())}][0-9]{{17}}[0-9A-Z]$"
DIVISION_PATTERN = "^[0-9]{6}$"

ERRORS = {
    400: ("BadRequest", "输入有误：fields 按字段给出原因；未做任何更改"),
    401: ("Unauthorized", "未登录或令牌无效、已过期"),
    403: ("Forbidden", "已登录，但当前角色无权进行此操作"),
    404: ("NotFound", "不存在，或不在调用者的可见范围内（越权访问一律答 404，不泄露是否存在）"),
    409: ("Conflict", "状态冲突或重复（例如重复提交、当前状态不允许该操作）"),
    429: ("TooManyRequests", "请求过于频繁（限流）"),
}


# --- small builders ------------------------------------------------------------------------------


def ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def obj(properties: dict, required: list[str] | tuple[str, ...] = (), **extra) -> dict:
    schema = {"type": "object", "properties": properties, **extra}
    if required:
        schema["required"] = list(required)
    return schema


def string(description: str = "", **extra) -> dict:
    schema = {"type": "string", **extra}
    if description:
        schema["description"] = description
    return schema


def nullable(schema: dict) -> dict:
    return {"anyOf": [schema, {"type": "null"}]}


def enum(values, description: str = "") -> dict:
    return string(description, enum=[str(v) for v in values])


def labelled(labels: dict[str, str]) -> str:
    return "；".join(f"`{value}` {label}" for value, label in labels.items())


def items_of(schema: dict, **extra_properties) -> dict:
    return obj({"items": {"type": "array", "items": schema}, **extra_properties}, ["items", *extra_properties])


def json_content(schema: dict) -> dict:
    return {"application/json": {"schema": schema}}


def body(schema: dict, required: bool = True, description: str = "") -> dict:
    request_body = {"required": required, "content": json_content(schema)}
    if description:
        request_body["description"] = description
    return request_body


def answer(description: str, schema: dict) -> dict:
    return {"description": description, "content": json_content(schema)}


def error_refs(*statuses: int) -> dict:
    return {str(status): {"$ref": f"#/components/responses/{ERRORS[status][0]}"} for status in statuses}


def query(name: str, schema: dict, description: str) -> dict:
    return {"name": name, "in": "query", "required": False, "schema": schema, "description": description}


def path_id(description: str = "申请编号") -> dict:
    return {"name": "id", "in": "path", "required": True, "schema": {"type": "integer", "minimum": 1}, "description": description}


def operation(
    summary: str,
    tag: str,
    ok: tuple[int, dict],
    errors: tuple[int, ...] = (),
    *,
    public: bool = False,
    request: dict | None = None,
    parameters: list[dict] | None = None,
    description: str = "",
) -> dict:
    status, response = ok
    op: dict = {"summary": summary, "tags": [tag], "responses": {str(status): response, **error_refs(*errors)}}
    if description:
        op["description"] = description
    if public:
        op["security"] = []
    if request is not None:
        op["requestBody"] = request
    if parameters:
        op["parameters"] = parameters
    return op


AUTHED = (401, 403)


# --- schemas -------------------------------------------------------------------------------------


def error_schema() -> dict:
    return obj(
        {
            "error": obj(
                {
                    "code": string("机器可读的错误代码，如 invalid、unauthorized、forbidden、locked、not_activated、not_found、conflict"),
                    "message": string("给人看的中文说明"),
                    "fields": {"type": "object", "additionalProperties": {"type": "string"}, "description": "字段 → 原因（仅 400 时非空）"},
                    "codes": {"type": "object", "additionalProperties": {"type": "string", "enum": list(CODES)},
                              "description": "字段 → 机器可读的原因代码（与 fields 的字段相同）：" + "；".join(f"{k} {v}" for k, v in CODES.items())},
                },
                ["code", "message", "fields", "codes"],
            )
        },
        ["error"],
    )


def login_result_schema() -> dict:
    return obj(
        {
            "token": string("Bearer 令牌，12小时内有效；每次请求仍会检查账号状态"),
            "role": enum(("person", "institution", "commission")),
            "account_id": {"type": "integer"},
            "institution_id": nullable({"type": "integer"}),
            "division": nullable(string(pattern=DIVISION_PATTERN, description="卫健委账号的行政区划代码")),
            "name": string("个人账号：姓名；机构账号：机构名称"),
            "profession": enum(PROFESSIONS, "个人账号的职业"),
            "must_change_password": {"type": "boolean", "description": "true：分发的初始密码，须先 POST /api/v1/password"},
        },
        ["token", "role", "account_id", "institution_id", "division"],
    )


def submission_schema_name(kind_name: str) -> str:
    return f"Submission.{kind_name}"


def submission_schemas() -> dict[str, dict]:
    """One schema per kind: {"kind": const, "data": ...}; the described kinds say what data holds."""
    schemas = {}
    for name, kind in KINDS.items():
        data, description = ref(f"Data.{name}"), kind.label
        schemas[submission_schema_name(name)] = obj(
            {"kind": {"const": name}, "data": data}, ["kind", "data"], description=description, **kind_facts(kind)
        )
    return schemas


def submission_schema() -> dict:
    return {
        "description": "提交申请：kind 选择 data 的结构（见各 Data.<kind>）。",
        "oneOf": [ref(submission_schema_name(name)) for name in KINDS],
        "discriminator": {
            "propertyName": "kind",
            "mapping": {name: f"#/components/schemas/{submission_schema_name(name)}" for name in KINDS},
        },
    }


def history_entry_schema() -> dict:
    status = enum(Status)
    return obj(
        {
            "at": string(format="date-time"),
            "actor": string("谁：申请人、机构、卫健委工作人员或系统服务（核验服务、分派服务、国家赋码服务、公示服务）"),
            "from": nullable(status),
            "to": status,
            "comment": string(),
        },
        ["at", "actor", "from", "to", "comment"],
    )


def application_properties() -> dict:
    return {
        "id": {"type": "integer"},
        "kind": enum(KINDS),
        "status": enum(Status, labelled(STATUS_LABELS)),
        "data": {"type": "object", "description": "提交时经校验、规范化后的申请内容"},
        "findings": {"type": "array", "items": string(), "description": "核验未通过的原因（核验通过时为空列表）"},
        "identifier": nullable(string("电子化注册识别码（赋码后）", pattern=IDENTIFIER_PATTERN)),
        "institution_id": nullable({"type": "integer"}),
        "commission": nullable(string("受理审批的卫健委行政区划代码（分派后）", pattern=DIVISION_PATTERN)),
        "submitted_at": string(format="date-time"),
        "updated_at": string(format="date-time"),
    }


SUMMARY_FIELDS = ("id", "kind", "status", "data", "findings", "identifier", "institution_id", "commission", "submitted_at", "updated_at")


def application_summary_schema() -> dict:
    return obj(application_properties(), SUMMARY_FIELDS, description="申请（列表中不含 history）")


def application_schema() -> dict:
    return obj(
        {**application_properties(), "history": {"type": "array", "items": ref("HistoryEntry")}},
        [*SUMMARY_FIELDS, "history"],
        description="申请及其全部状态变更记录",
    )


def notification_schema() -> dict:
    return obj(
        {
            "id": {"type": "integer"},
            "event": string("事件：verification_failed、awaiting_institution（发给机构）、returned、rejected、published"),
            "text": string("中文通知内容"),
            "application_id": nullable({"type": "integer"}),
            "at": string(format="date-time"),
        },
        ["id", "event", "text", "application_id", "at"],
    )


def my_registration_schema() -> dict:
    registration = obj(
        {
            "identifier": nullable(string(pattern=IDENTIFIER_PATTERN)),
            "status": enum(PHYSICIAN_STATUS_LABELS, labelled(PHYSICIAN_STATUS_LABELS)),
            "level": enum(codes.QUALIFICATION_LEVELS),
            "qualification_category": enum(codes.QUALIFICATION_CATEGORIES),
            "certificate_no": string(),
            "practice_category": enum(codes.practice_categories()),
            "practice_scopes": {"type": "array", "items": enum(codes.practice_scopes())},
            "institution": obj({"id": {"type": "integer"}, "name": string()}, ["id", "name"]),
            "registering_authority": string("登记机关的行政区划代码", pattern=DIVISION_PATTERN),
            "registered_on": string(format="date"),
        },
        ["identifier", "status", "level", "qualification_category", "certificate_no", "practice_category",
         "practice_scopes", "institution", "registering_authority", "registered_on"],
    )
    return obj(
        {
            "profession": enum(PROFESSIONS),
            "name": string(),
            "registration": {"anyOf": [registration, ref("NurseRegistration"), {"type": "null"}]},
            "profile": nullable({"type": "object", "description": "照片（是否已有）、学历、毕业学校、职称"}),
            "assessments": {"type": "array", "items": ref("Assessment"), "description": "定期考核结果（医师），按考核周期倒序"},
            "history": {
                "type": "array",
                "items": obj(
                    {"application_id": {"type": "integer"}, "kind": enum(KINDS), "status": enum(Status), "at": string(format="date-time")},
                    ["application_id", "kind", "status", "at"],
                ),
                "description": "已办结（已公示）的申请",
            },
        },
        ["profession", "name", "registration", "assessments", "history"],
        description="本人的执业注册记录（目前为医师注册；护士注册记录随后续议题提供）",
    )


def staff_account_schema() -> dict:
    return obj(
        {
            "id": {"type": "integer"},
            "status": string(),
            "name": string(),
            "profession": enum(PROFESSIONS),
            "sex": string(),
            "mobile": string(),
            "created_at": string(format="date-time"),
        },
        ["id", "status", "name", "profession", "sex", "mobile", "created_at"],
    )


def registering_authority_schema() -> dict:
    return obj({"division": string(pattern=DIVISION_PATTERN), "name": string()}, ["division", "name"])


def physician_record_schema() -> dict:
    institution = obj(
        {"id": {"type": "integer"}, "name": string(), "identifier": nullable(string(pattern=IDENTIFIER_PATTERN)), "main": {"type": "boolean"}},
        ["id", "name", "identifier", "main"],
    )
    return obj(
        {
            "identifier": string(pattern=IDENTIFIER_PATTERN),
            "kind": {"const": "physician"},
            "version": {"type": "integer", "minimum": 1},
            "name": string(),
            "sex": string(),
            "status": enum(PHYSICIAN_STATUS_LABELS, labelled(PHYSICIAN_STATUS_LABELS)),
            "status_label": string(),
            "division": string("主要执业机构所在行政区划", pattern=DIVISION_PATTERN),
            "level": enum(codes.QUALIFICATION_LEVELS),
            "qualification_category": enum(codes.QUALIFICATION_CATEGORIES),
            "practice_category": enum(codes.practice_categories()),
            "practice_scopes": {"type": "array", "items": enum(codes.practice_scopes())},
            "institutions": {"type": "array", "items": institution},
            "registering_authority": ref("RegisteringAuthority"),
            "registered_on": string(format="date"),
        },
        ["identifier", "kind", "version", "name", "status", "division", "institutions", "registering_authority"],
        description="医师公示记录。只含公示字段：不含证件号码、手机号码、出生日期和住址。",
    )


def institution_record_schema() -> dict:
    return obj(
        {
            "identifier": string(pattern=IDENTIFIER_PATTERN),
            "kind": {"const": "institution"},
            "version": {"type": "integer", "minimum": 1},
            "institution_id": {"type": "integer", "description": "signup 和申请中使用的机构编号"},
            "name": string(),
            "uscc": nullable(string("统一社会信用代码")),
            "type": string("医疗机构类别"),
            "status": enum(INSTITUTION_STATUS_LABELS, labelled(INSTITUTION_STATUS_LABELS)),
            "division": string(pattern=DIVISION_PATTERN),
            "address": string(),
            "departments": {"type": "array", "items": string(), "description": "诊疗科目"},
            "beds": {"type": "integer"},
            "registering_authority": ref("RegisteringAuthority"),
        },
        ["identifier", "kind", "version", "institution_id", "name", "status", "division", "registering_authority"],
        description="医疗机构公示记录",
    )


def public_record_schema() -> dict:
    return {
        "description": "公示记录（护士公示记录随后续议题提供）",
        "oneOf": [ref("PhysicianRecord"), ref("InstitutionRecord"), ref("NurseRecord")],
    }


def fhir_schema() -> dict:
    return obj(
        {"resourceType": enum(("Bundle", "Organization"))},
        ["resourceType"],
        description="HL7 FHIR R4：医师为 Bundle（Practitioner + 每个执业机构一个 PractitionerRole），医疗机构为 Organization",
    )


def schemas() -> dict:
    return {
        "Error": error_schema(),
        "Signup": model_schema(SignUp, description="实名注册。未知字段被忽略。"),
        "LoginResult": login_result_schema(),
        "HistoryEntry": history_entry_schema(),
        "ApplicationSummary": application_summary_schema(),
        "Application": application_schema(),
        "Submission": submission_schema(),
        **submission_schemas(),
        **kind_data_schemas(),
        "Notification": notification_schema(),
        "MyRegistration": my_registration_schema(),
        "StaffAccount": staff_account_schema(),
        "RegisteringAuthority": registering_authority_schema(),
        "PhysicianRecord": physician_record_schema(),
        "InstitutionRecord": institution_record_schema(),
        "PublicRecord": public_record_schema(),
        "FhirResource": fhir_schema(),
    }


def error_responses() -> dict:
    return {name: answer(description, ref("Error")) for name, description in ERRORS.values()}


# --- paths ---------------------------------------------------------------------------------------


def decision_body(decisions: tuple[str, ...], comment_rule: str) -> dict:
    return body(
        obj({"decision": enum(decisions), "comment": string(comment_rule)}, ["decision"], additionalProperties=True)
    )


def status_filter(default: Status) -> dict:
    return query("status", {**enum(Status), "default": str(default)}, "按申请状态筛选；未知状态答 400")


def account_paths() -> dict:
    return {
        "/api/v1/login": {
            "post": operation(
                "登录，取得 Bearer 令牌",
                "账号",
                (200, answer("登录成功", ref("LoginResult"))),
                (400, 401, 403),
                public=True,
                request=body(obj(
                    {"username": string("机构、卫健委账号：用户名；个人：证件号码或手机号码"), "password": string()},
                    ["username", "password"],
                )),
                description=f"密码错误计入失败次数；连续失败 {LOCK_AFTER_FAILURES} 次后账号锁定（403 locked）。"
                "未激活的个人账号答 403 not_activated，停用账号答 403 disabled。",
            )
        },
        "/api/v1/signup": {
            "post": operation(
                "实名注册（医师、护士）",
                "个人端",
                (201, answer("已创建，待所在机构激活", obj(
                    {"account_id": {"type": "integer"}, "status": {"const": "pending_activation"}}, ["account_id", "status"]
                ))),
                (400, 409),
                public=True,
                request=body(ref("Signup")),
                description="证件号码或手机号码已被其他账号使用时答 409。",
            )
        },
        "/api/v1/activate": {
            "post": operation(
                "用机构发放的激活码激活账号",
                "个人端",
                (200, answer("已激活", obj({"account_id": {"type": "integer"}, "status": {"const": "active"}}, ["account_id", "status"]))),
                (400, 409),
                public=True,
                request=body(obj(
                    {"username": string("证件号码或手机号码"), "code": string("6位激活码")}, ["username", "code"]
                )),
                description="激活码无效或过期答 400（字段 code）；账号已激活答 409。",
            )
        },
    }


def application_paths() -> dict:
    return {
        "/api/v1/applications": {
            "post": operation(
                "提交申请",
                "个人端",
                (201, answer("已受理，流水线在后台运行", obj(
                    {"id": {"type": "integer"}, "status": enum(Status)}, ["id", "status"]
                ))),
                (400, *AUTHED, 409),
                request=body(ref("Submission")),
                description="个人提交本人职业的个人业务；机构提交机构业务（含医师注册备案、注销和护士注销）。"
                "业务种类不适用于当前账号答 403；同一人同一种类已有办理中的申请答 409。",
            ),
            "get": operation(
                "本人（本账号）提交的申请",
                "个人端",
                (200, answer("最多500件，新的在前", items_of(ref("ApplicationSummary")))),
                (401,),
            ),
        },
        "/api/v1/applications/{id}": {
            "get": operation(
                "一件申请及其全部记录",
                "个人端",
                (200, answer("申请", ref("Application"))),
                (401, 404),
                parameters=[path_id()],
                description="个人可见本人的申请；机构可见本机构人员的申请（核验通过后）和本机构提交的申请；卫健委可见辖区内的申请。",
            )
        },
        "/api/v1/applications/{id}/withdraw": {
            "post": operation(
                "撤回申请（批准前）",
                "个人端",
                (200, answer("已撤回", ref("Application"))),
                (400, 401, 404, 409),
                parameters=[path_id()],
                request=body(obj({"comment": string()}), required=False),
            )
        },
        "/api/v1/applications/{id}/resubmit": {
            "post": operation(
                "修改被退回的申请并重新提交",
                "个人端",
                (200, answer("已重新提交", ref("Application"))),
                (400, 401, 404, 409),
                parameters=[path_id()],
                request=body(obj({"data": {"type": "object", "description": "与提交时同一种类的 data"}}, ["data"])),
                description="只有“已退回”（returned）的申请可以重新提交，否则答 409。",
            )
        },
        "/api/v1/me/registration": {
            "get": operation(
                "本人的执业注册记录",
                "个人端",
                (200, answer("执业记录", ref("MyRegistration"))),
                AUTHED,
            )
        },
        "/api/v1/me/notifications": {
            "get": operation(
                "通知（站内信）",
                "个人端",
                (200, answer("最多200条，新的在前", items_of(ref("Notification")))),
                (401,),
                description="个人：发给本账号的通知；机构账号：发给本机构的通知（如待确认的申请）。",
            )
        },
    }


def institution_paths() -> dict:
    return {
        "/api/v1/institution/accounts": {
            "get": operation(
                "本机构人员的账号",
                "机构端",
                (200, answer("账号", items_of(ref("StaffAccount"), counts={"type": "object", "additionalProperties": {"type": "integer"}}))),
                (400, *AUTHED),
                parameters=[query("status", {"type": "string", "default": "pending_activation"}, "账号状态，默认待激活"),
                            query("profession", enum(("physician", "nurse")), "职业")],
            )
        },
        "/api/v1/institution/accounts/{id}/activation-code": {
            "post": operation(
                "为本机构人员发放激活码（同时短信发送）",
                "机构端",
                (200, answer("激活码", obj(
                    {"code": string(pattern="^[0-9]{6}$"),
                     "expires_in_hours": {"type": "integer", "const": int(ACTIVATION_CODE_TTL.total_seconds() // 3600)}},
                    ["code", "expires_in_hours"],
                ))),
                (*AUTHED, 404, 409),
                parameters=[path_id("账号编号")],
                description="新激活码使之前未用的激活码作废。账号已激活答 409。",
            )
        },
        "/api/v1/institution/tasks": {
            "get": operation(
                "待本机构确认的申请（联网确认）",
                "机构端",
                (200, answer("最多500件；counts 为同一 kind、profession 筛选下按状态的计数", items_of(ref("Application"), counts={"type": "object", "additionalProperties": {"type": "integer"}}))),
                (400, *AUTHED),
                parameters=[status_filter(Status.awaiting_institution), query("kind", enum(KINDS), "业务类型"),
                            query("profession", enum(("physician", "nurse", "institution")), "人员类别（institution：本机构自身业务）")],
            )
        },
        "/api/v1/institution/tasks/{id}": {
            "post": operation(
                "确认或退回本机构人员的申请",
                "机构端",
                (200, answer("处理后的申请", ref("Application"))),
                (400, *AUTHED, 404, 409),
                parameters=[path_id()],
                request=decision_body(("confirm", "return"), "退回时必填"),
                description="确认后：需卫健委审批的进入待审批并分派；个人信息变更等无需审批的直接批准。",
            )
        },
    }


def commission_paths() -> dict:
    return {
        "/api/v1/commission/queue": {
            "get": operation(
                "辖区内的申请（审批队列）",
                "卫健委端",
                (200, answer("最多500件", items_of(ref("Application")))),
                (400, *AUTHED),
                parameters=[status_filter(Status.pending_approval)],
                description="辖区为本行政区划及其下级。上级卫健委可查看，只有受理该申请的卫健委可以审批。",
            )
        },
        "/api/v1/commission/queue/{id}": {
            "get": operation(
                "辖区内的一件申请",
                "卫健委端",
                (200, answer("申请", ref("Application"))),
                (*AUTHED, 404),
                parameters=[path_id()],
            ),
            "post": operation(
                "审批：批准、不予批准或退回",
                "卫健委端",
                (200, answer("处理后的申请", ref("Application"))),
                (400, *AUTHED, 404, 409),
                parameters=[path_id()],
                request=decision_body(("approve", "reject", "return"), "不予批准或退回时必填"),
                description="不是受理该申请的卫健委（如上级）答 403。",
            ),
        },
    }


SEARCH_TARGETS = {
    "physicians": ("检索医师公示记录", "PhysicianRecord"),
    "nurses": ("检索护士公示记录", "NurseRecord"),
    "institutions": ("检索医疗机构公示记录", "InstitutionRecord"),
}


def search_parameters() -> list[dict]:
    limit = {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": 20}
    return [
        query("name", {"type": "string"}, "姓名或名称包含"),
        query("division", {"type": "string", "pattern": "^[0-9]{1,6}$"}, "行政区划代码或其前缀；6位代码包含其下级"),
        query("institution", {"type": "string"}, "机构编号，或机构名称包含"),
        query("uscc", {"type": "string"}, "统一社会信用代码（机构）"),
        query("identifier", {"type": "string"}, "电子化注册识别码"),
        query("cursor", {"type": "string"}, "上一页返回的 next"),
        query("limit", limit, f"每页条数，1至{MAX_LIMIT}"),
    ]


def public_paths() -> dict:
    paths = {
        f"/api/v1/public/{plural}": {
            "get": operation(
                summary,
                "公示端",
                (200, answer("一页结果，按识别码排序；next 为 null 表示没有下一页", items_of(
                    ref(record), next=nullable(string("下一页的 cursor"))
                ))),
                (400, 429),
                public=True,
                parameters=search_parameters(),
            )
        }
        for plural, (summary, record) in SEARCH_TARGETS.items()
    }
    paths["/api/v1/public/records/{identifier}"] = {
        "get": operation(
            "一条公示记录（最新版本）",
            "公示端",
            (200, {"description": "本系统的 JSON，或 format=fhir 时的 FHIR R4", "content": {
                "application/json": {"schema": {"oneOf": [ref("PublicRecord"), ref("FhirResource")]}}
            }}),
            (400, 404, 429),
            public=True,
            parameters=[
                {"name": "identifier", "in": "path", "required": True, "schema": string(pattern=IDENTIFIER_PATTERN)},
                query("format", {**enum(("json", "fhir")), "default": "json"}, "json 或 fhir"),
            ],
        )
    }
    feed_item = obj(
        {"cursor": string("该版本在公示流中的位置"), "published_at": string(format="date-time"), "record": ref("PublicRecord")},
        ["cursor", "published_at", "record"],
    )
    paths["/api/v1/public/feed"] = {
        "get": operation(
            "公示流：按公示顺序列出每条记录的每个版本",
            "公示端",
            (200, answer("一批版本；把 next 作为下次的 since", items_of(feed_item, next=string("下次调用的 since（没有新版本时不变）")))),
            (400, 429),
            public=True,
            parameters=[
                query("since", {"type": "string", "pattern": "^[0-9]*$"}, "上次返回的 next；省略则从头开始"),
                query("limit", {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": 100}, f"1至{MAX_LIMIT}"),
            ],
            description="接收方可能多次收到同一版本，应保留版本号最高者。",
        )
    }
    paths["/api/v1/openapi.json"] = {
        "get": operation(
            "本文档", "公示端", (200, answer("OpenAPI 3.1", {"type": "object"})), public=True
        )
    }
    paths["/api/v1/docs"] = {
        "get": operation(
            "本文档的浏览页面（Swagger UI）", "公示端",
            (200, {"description": "HTML 页面", "content": {"text/html": {"schema": {"type": "string"}}}}), public=True,
            description="给人看的页面，不是 JSON 接口；页面所用的脚本与样式由本服务在 /api/v1/docs/static/ 下提供。",
        )
    }
    return paths


def binary(description: str, *types: str) -> dict:
    return {"description": description, "content": {kind: {"schema": {"type": "string", "format": "binary"}} for kind in types}}


def identifier_in_path() -> dict:
    return {"name": "identifier", "in": "path", "required": True, "schema": string(pattern=IDENTIFIER_PATTERN)}


def disclosure_paths() -> dict:
    """Issue 6: a record's history, the electronic licence and its check, bulk files, parked deliveries."""
    history_item = obj(
        {"version": {"type": "integer"}, "status": string(), "status_label": string(),
         "status_since": nullable(string(format="date")), "published_at": string(format="date-time")},
        ["version", "status", "status_label", "published_at"],
    )
    verdict = obj(
        {
            "authentic": {"type": "boolean", "description": "签名是否由本系统的密钥签发"},
            "valid_now": {"type": "boolean", "description": "签名有效且记录当前仍为注册（执业）状态"},
            "message": string("核验结论"),
            "key_id": nullable(string()),
            "licence": nullable({"type": "object", "description": "证照上签名的字段"}),
            "record": nullable(obj({"identifier": string(), "kind": string(), "name": string(), "status": string(),
                                    "status_label": string(), "status_since": nullable(string()), "version": {"type": "integer"}})),
        },
        ["authentic", "valid_now", "message"],
    )
    bulk_item = obj(
        {"name": string(), "part": enum(("full", "changes")), "cursor": {"type": "integer"}, "since": nullable({"type": "integer"}),
         "size": {"type": "integer"}, "sha256": string(), "url": string(format="uri")},
        ["name", "part", "cursor", "size", "url"],
    )
    delivery = obj(
        {"id": {"type": "integer"}, "channel": string(), "status": enum(("pending", "retrying", "parked", "delivered")),
         "status_label": string(), "attempts": {"type": "integer"}, "last_error": string(),
         "next_attempt_at": string(format="date-time"), "delivered_at": nullable(string(format="date-time")),
         "identifier": string(), "version": {"type": "integer"}, "division": string(), "name": string(), "cursor": string()},
        ["id", "channel", "status", "attempts", "identifier", "version", "division"],
    )
    return {
        "/api/v1/public/records/{identifier}/history": {
            "get": operation(
                "一条记录的状态变更记录（每个公示版本）", "公示端",
                (200, answer("按版本升序", obj({"identifier": string(), "items": {"type": "array", "items": history_item}}, ["identifier", "items"]))),
                (404, 429), public=True, parameters=[identifier_in_path()],
            )
        },
        "/api/v1/public/records/{identifier}/licence": {
            "get": operation(
                "电子证照（PDF 或 PNG），含签名二维码", "公示端",
                (200, binary("电子证照文件；响应头 X-Medreg-Licence-Payload 为二维码内容", "application/pdf", "image/png")),
                (400, 404, 409, 429), public=True,
                parameters=[identifier_in_path(), query("format", {**enum(("pdf", "png")), "default": "pdf"}, "pdf 或 png")],
                description="只为注册（执业）状态的记录签发；备案、注销、过期、停业的记录答 409。二维码内容为 "
                "MEDREG1.<base64url 规范化 JSON>.<base64url Ed25519 签名>，JSON 含 kid（密钥编号），可离线核验。",
            )
        },
        "/api/v1/public/verify-licence": {
            "get": operation(
                "核验电子证照二维码内容", "公示端", (200, answer("核验结论", verdict)), (400, 429), public=True,
                parameters=[query("payload", string(), "扫描二维码得到的内容（MEDREG1. 开头）")],
                description="签名无效或密钥未知答 200 且 authentic 为 false；内容根本不是证照二维码答 400。",
            )
        },
        "/api/v1/public/bulk": {
            "get": operation(
                "公示数据批量文件列表（最新一次导出）", "公示端",
                (200, answer("文件列表", obj({"cursor": nullable({"type": "integer"}), "generated_at": nullable(string()),
                                               "files": {"type": "array", "items": bulk_item}}, ["files"]))),
                (429,), public=True,
            )
        },
        "/api/v1/public/bulk/{name}": {
            "get": operation(
                "下载一个批量文件", "公示端", (200, binary("CSV 或 NDJSON", "text/csv", "application/x-ndjson")), (404, 429),
                public=True, parameters=[{"name": "name", "in": "path", "required": True, "schema": string()}],
            )
        },
        "/api/v1/commission/deliveries": {
            "get": operation(
                "辖区内记录的公示推送（默认：已暂停的）", "卫健委端",
                (200, answer("最多500条，按编号升序", items_of(delivery))), (400, *AUTHED),
                parameters=[query("status", {**enum(("pending", "retrying", "parked", "delivered")), "default": "parked"}, "推送状态")],
                description="连续失败达到 park_after_attempts 次的推送为 parked，由 medreg publish replay 重新推送。",
            )
        },
    }


# --- the document --------------------------------------------------------------------------------


def build_openapi() -> dict:
    from portal.api.commission_spec import commission_admin_paths, commission_schemas  # imports this module's builders
    from portal.api.institution_spec import institution_end_paths, institution_end_schemas
    from portal.api.nurse_spec import nurse_paths, nurse_schemas

    return {
        "openapi": "3.1.0",
        "info": {
            "title": "医疗机构、医师、护士电子化注册系统 API",
            "version": "1",
            "description": "错误一律为 {\"error\": {\"code\", \"message\", \"fields\"}}。"
            "登录后以 Authorization: Bearer TOKEN 调用；公示端无需登录。越出调用者范围的数据一律答 404。"
            "公示端（/api/v1/public/）按客户端限流：超限答 429，Retry-After 给出等待秒数。"
            f"登录连续失败 {LOCK_AFTER_FAILURES} 次后账号锁定（403 locked）。",
        },
        "servers": [{"url": "/"}],
        "security": [{"bearer": []}],
        "tags": [{"name": name} for name in ("账号", "个人端", "机构端", "卫健委端", "公示端")],
        "paths": {**account_paths(), **application_paths(), **institution_paths(), **commission_paths(), **commission_admin_paths(), **public_paths(), **disclosure_paths(), **nurse_paths(), **institution_end_paths()},
        "components": {
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer", "description": "POST /api/v1/login 返回的 token"}
            },
            "schemas": {**schemas(), **commission_schemas(), **nurse_schemas(), **institution_end_schemas()},
            "responses": error_responses(),
        },
    }


OPENAPI: dict = build_openapi()
