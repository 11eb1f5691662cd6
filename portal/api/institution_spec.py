"""The OpenAPI description of the institution end (profile, history, staff, scope map, webhook, batches,
verification tools), the institution kinds' data, account hand-out and password change (merged into spec.py)."""
from __future__ import annotations

from models.batches import MAX_BYTES, MAX_ROWS
from pipeline import codes
from pipeline.registers.institutions import STATUS_LABELS, SetupApproval
from portal.api.schemas import model_schema


class _SpecBuilders:
    """spec.py's builders, looked up when first used (spec.py imports this module while it is being built)."""

    def __getattr__(self, name: str):
        from portal.api import spec

        return getattr(spec, name)


sp = _SpecBuilders()
TAG = "机构端"
INT = {"type": "integer"}


PHONE = {"type": "string", "pattern": "^[0-9+()\\- ]{5,30}$|^$"}


def setup_approval_schema() -> dict:
    return model_schema(SetupApproval, description="设置审批：所在行政区划须在本卫健委辖区内；用户名和初始密码以短信发送至负责人手机号码")


def profile_schema() -> dict:
    text, nullable_text = {"type": "string"}, sp.nullable({"type": "string"})
    return sp.obj(
        {"id": INT, "name": text, "uscc": nullable_text, "type": text, "division": text, "registered_by": text,
         "address": text, "beds": INT, "legal_rep": text, "principal": text, "phone": text, "fax": text,
         "departments": {"type": "array", "items": text},
         "status": sp.enum(STATUS_LABELS, sp.labelled(STATUS_LABELS)), "status_label": text,
         "identifier": nullable_text, "registered_on": nullable_text, "next_verification_on": nullable_text,
         "verification_state": sp.enum(("", "due", "overdue"), "校验提醒：due 将到期（30日内），overdue 已逾期"),
         "setup": {"type": "object", "description": "设置审批"},
         "webhook": sp.nullable(sp.obj({"url": text, "updated_at": text}, ["url", "updated_at"]))},
        ["id", "name", "status", "identifier", "phone", "fax", "departments", "verification_state"],
    )


def staff_schema() -> dict:
    return sp.obj(
        {"profession": sp.enum(("physician", "nurse", "other")), "count": INT,
         "counts": {"type": "object", "additionalProperties": INT, "description": "按状态计数"},
         "items": {"type": "array", "items": {"type": "object"}}},
        ["profession", "count", "counts", "items"],
        description="医师、护士：本机构的注册记录；其他人员：机构自行维护，不公示",
    )


def other_staff_schema() -> dict:
    return sp.obj({"id": INT, "name": {"type": "string"}, "sex": {"type": "string"}, "post": {"type": "string"},
                   "title": {"type": "string"}, "phone": {"type": "string"}, "status": {"type": "string"}},
                  ["id", "name", "sex", "post"])


def other_staff_body(required: bool) -> dict:
    return sp.body(sp.obj({"name": {"type": "string"}, "sex": sp.enum(("男", "女")), "post": sp.string("岗位"),
                           "title": sp.string("职称"), "phone": PHONE},
                          ["name", "sex", "post"] if required else [], additionalProperties=False))


def scope_map_schema() -> dict:
    return sp.obj(
        {"departments": {"type": "array", "items": {"type": "string"}},
         "map": {"type": "object", "additionalProperties": {"type": "array", "items": {"type": "string"}}},
         "scopes": {"type": "array", "items": {"type": "string"}}},
        ["departments", "map", "scopes"],
    )


def batch_schema() -> dict:
    row = sp.obj({"row": INT, "kind": {"type": "string"}, "status": sp.enum(("valid", "refused", "submitted")),
                  "errors": {"type": "array", "items": sp.obj({"field": {"type": "string"}, "reason": {"type": "string"}},
                                                              ["field", "reason"])},
                  "application_id": sp.nullable(INT)}, ["row", "status", "errors"])
    return sp.obj(
        {"id": INT, "status": sp.enum(("queued", "checking", "done")), "filename": {"type": "string"}, "total": INT,
         "checked": INT, "submitted": INT, "refused": INT, "progress": {"type": "integer", "minimum": 0, "maximum": 100},
         "created_at": {"type": "string"}, "finished_at": sp.nullable({"type": "string"}),
         "rows": {"type": "array", "items": row}},
        ["id", "status", "total", "checked", "submitted", "refused", "progress"],
    )


def institution_end_schemas() -> dict:
    return {
        "SetupApproval": setup_approval_schema(),
        "InstitutionProfile": profile_schema(),
        "StaffList": staff_schema(),
        "OtherStaff": other_staff_schema(),
        "ScopeMap": scope_map_schema(),
        "Batch": batch_schema(),
    }


def _get(summary: str, schema: dict, errors=(401, 403), **extra) -> dict:
    return {"get": sp.operation(summary, TAG, (200, sp.answer(summary, schema)), errors, **extra)}


def institution_end_paths() -> dict:
    ok = {"type": "object"}
    return {
        "/api/v1/commission/institutions": {"post": sp.operation(
            "录入设置审批并分发医疗机构账号", "卫健委端",
            (201, sp.answer("已创建机构（setup 状态）和账号；用户名与初始密码仅以短信发送", sp.obj(
                {"institution_id": INT, "account_id": INT, "status": {"const": "setup"}, "sms_sent_to": {"type": "string"}},
                ["institution_id", "account_id", "status", "sms_sent_to"]))),
            (400, 401, 403), request=sp.body(sp.ref("SetupApproval")),
            description="首次登录须修改密码：登录答 must_change_password=true，其余接口答 403 password_change_required，直至 POST /api/v1/password。")},
        "/api/v1/commission/follow-ups": _get("待跟进的人员注册（如执业机构已注销）", sp.items_of(ok)),
        "/api/v1/password": {"post": sp.operation(
            "修改密码（首次登录必须先修改）", "账号",
            (200, sp.answer("已修改", sp.obj({"changed": {"const": True}, "must_change_password": {"const": False}},
                                              ["changed", "must_change_password"]))),
            (400, 401), request=sp.body(sp.obj({"old_password": {"type": "string"}, "new_password": sp.string(
                "8至128个字符，须同时包含字母和数字，且不同于原密码")}, ["old_password", "new_password"])))},
        "/api/v1/institution/profile": {
            **_get("本机构信息", sp.ref("InstitutionProfile")),
            "patch": sp.operation("修改联系电话、传真（无需审批，记入历史）", TAG, (200, sp.answer("修改后的机构信息", sp.ref("InstitutionProfile"))),
                                  (400, 401, 403), request=sp.body(sp.obj({"phone": PHONE, "fax": PHONE}, additionalProperties=False)),
                                  description="其他登记事项须申请变更登记，在此修改答 400。"),
        },
        "/api/v1/institution/history": _get("本机构的全部业务与信息变更历史", sp.obj(
            {"events": {"type": "array", "items": ok}, "applications": {"type": "array", "items": ok}}, ["events", "applications"])),
        "/api/v1/institution/staff": {
            **_get("本机构人员：医师、护士或其他人员", sp.ref("StaffList"), (400, 401, 403), parameters=[
                sp.query("profession", {**sp.enum(("physician", "nurse", "other")), "default": "physician"}, "人员类别")]),
            "post": sp.operation("新增其他人员（机构自行维护，不公示）", TAG, (201, sp.answer("已新增", sp.ref("OtherStaff"))),
                                 (400, 401, 403), request=other_staff_body(True)),
        },
        "/api/v1/institution/staff/{id}": {
            "patch": sp.operation("修改其他人员", TAG, (200, sp.answer("已修改", sp.ref("OtherStaff"))), (400, 401, 403, 404),
                                  parameters=[sp.path_id("人员编号")], request=other_staff_body(False)),
            "delete": sp.operation("删除其他人员", TAG, (200, sp.answer("已删除", sp.obj({"removed": {"const": True}}, ["removed"]))),
                                   (401, 403, 404), parameters=[sp.path_id("人员编号")]),
        },
        "/api/v1/institution/scope-map": {
            **_get("诊疗科目与执业范围对照", sp.ref("ScopeMap")),
            "put": sp.operation("修改诊疗科目与执业范围对照（所列科目整体替换）", TAG, (200, sp.answer("修改后的对照", sp.ref("ScopeMap"))),
                                (400, 401, 403), request=sp.body(sp.obj({"map": {"type": "object", "additionalProperties": {
                                    "type": "array", "items": sp.enum(codes.practice_scopes())}}}, ["map"]))),
        },
        "/api/v1/institution/webhook": {
            "put": sp.operation(
                "登记人员状态提醒的回调地址", TAG,
                (200, sp.answer("已登记", sp.obj({"url": {"type": "string"}, "updated_at": {"type": "string"}}, ["url", "updated_at"]))),
                (400, 401, 403), request=sp.body(sp.obj({"url": sp.string("http(s) 网址"), "secret": sp.string(
                    "签名密钥，16至200个字符", minLength=16, maxLength=200)}, ["url", "secret"])),
                description="本机构人员注册状态变化（approved、filed、cancelled、expired、expiring）时 POST JSON，"
                "带 X-Medreg-Signature: sha256=HMAC-SHA256(secret, TIMESTAMP.BODY)、X-Medreg-Timestamp、X-Medreg-Event；"
                "非2xx 按退避重试。站内信总会写入。"),
            "delete": sp.operation("删除回调地址", TAG, (200, sp.answer("已删除", sp.obj({"removed": {"const": True}}, ["removed"]))),
                                   (401, 403, 404)),
        },
        "/api/v1/institution/batches": {
            "post": {**sp.operation(
                "批量提交人员业务（CSV）", TAG, (202, sp.answer("已受理，后台逐行核验后提交", sp.ref("Batch"))), (400, 401, 403),
                description=f"UTF-8 CSV，表头含 kind（业务类型）；个人业务另含 id_number（人员证件号码，机构代为提交），"
                f"其余列为该业务的 data（含 ; 的单元格视为列表）。最多 {MAX_ROWS} 行、{MAX_BYTES // 1024 // 1024}MB。"
                "每行按 POST /api/v1/applications 的规则核验并报告（行号、字段、原因）；全部有效行在同一事务中提交，"
                "要么全部提交，要么都不提交。"),
                "requestBody": {"required": True, "content": {
                    "multipart/form-data": {"schema": sp.obj({"file": {"type": "string", "format": "binary"}}, ["file"])},
                    "text/csv": {"schema": {"type": "string"}}}}},
            **_get("本机构的批次（最近100个）", sp.items_of(sp.ref("Batch"))),
        },
        "/api/v1/institution/batches/{id}": _get("一个批次：进度与逐行结果", sp.ref("Batch"), (401, 403, 404),
                                                  parameters=[sp.path_id("批次编号")]),
        "/api/v1/verify/physician-qualification": _get(
            "医师资格信息验证", sp.obj({"match": {"type": "boolean"}}, ["match"]), (400, 401, 403),
            parameters=[sp.query("certificate_no", {"type": "string"}, "医师资格证书编号（必填）"),
                        sp.query("name", {"type": "string"}, "姓名（必填）")],
            description="编号与姓名一致时 match=true 并给出级别、类别、发证日期；否则只答 match=false。"),
        "/api/v1/verify/registration": _get(
            "医师、护士执业注册信息验证", sp.obj({"found": {"type": "boolean"}, "identifier": {"type": "string"},
                                                 "record": sp.ref("PublicRecord")}, ["found", "identifier"]),
            (400, 401, 403), parameters=[sp.query("identifier", {"type": "string"}, "电子化注册识别码（必填）")]),
        "/api/v1/verify/institutions": _get("全国医疗机构查询（同公示检索）", sp.items_of(sp.ref("InstitutionRecord"),
                                                                           next=sp.nullable({"type": "string"})),
                                            (400, 401, 403), parameters=sp.search_parameters()),
    }
