"""The OpenAPI description of the commission end's workbench, accounts, query, statistics and audit log
(merged into portal/api/spec.py's document)."""
from __future__ import annotations

from pipeline.kinds import KINDS
from pipeline.lifecycle import Status
from pipeline.time_limits import MARKER_LABELS, NEAR_DAYS
from portal.services.audit_log import PER_PAGE as AUDIT_PER_PAGE
from portal.services.statistics import GROUPS, REPORTS
from portal.services.workbench import MAX_BATCH, MAX_PER_PAGE, SORTS


class _SpecBuilders:
    """spec.py's builders, looked up when first used: spec.py builds its document on import and calls this
    module to do so, so importing it here at the top would be circular."""

    def __getattr__(self, name: str):
        from portal.api import spec

        return getattr(spec, name)


sp = _SpecBuilders()
TAG = "卫健委端"
INT = {"type": "integer"}
NUMBER_OR_NULL = {"anyOf": [{"type": "number"}, {"type": "null"}]}
DATE = {"type": "string", "format": "date"}


def deadline_schema() -> dict:
    return sp.obj(
        {"limit": {**INT, "description": "时限（工作日）"}, "started": {**DATE, "description": "到达卫健委之日"},
         "due": {**DATE, "description": "到期日"}, "elapsed": {**INT, "description": "已用工作日"},
         "remaining": {**INT, "description": "剩余工作日（负数为已超出）"},
         "marker": sp.enum(MARKER_LABELS, sp.labelled(MARKER_LABELS)), "label": sp.string()},
        ["limit", "started", "due", "elapsed", "remaining", "marker", "label"],
        description=f"办理时限：按业务类型的工作日数（扣除周末和法定节假日、计入调休上班日）；剩余不超过{NEAR_DAYS}个工作日为 due_soon，超过到期日为 overdue",
    )


def queue_item_schema() -> dict:
    return {"allOf": [sp.ref("Application"), sp.obj({
        "applicant": sp.nullable(sp.string("申请人姓名")), "institution": sp.nullable(sp.string("执业机构名称")),
        "waiting_since": sp.nullable(sp.string("最近一次进入待审批的时间", format="date-time")),
        "deadline": sp.nullable(sp.ref("Deadline")),
    }, ["applicant", "institution", "waiting_since", "deadline"])]}


def account_schema() -> dict:
    return sp.obj(
        {"id": INT, "username": sp.nullable(sp.string()), "role": sp.enum(("institution", "commission")), "status": sp.string(),
         "institution_id": sp.nullable(INT), "division": sp.nullable(sp.string(pattern=sp.DIVISION_PATTERN)), "admin": {"type": "boolean"},
         "must_change_password": {"type": "boolean"}, "whose": sp.string("机构名称或卫健委名称"), "created_at": sp.string(format="date-time")},
        ["id", "username", "role", "status", "admin", "must_change_password", "whose", "created_at"],
    )


def commission_schemas() -> dict:
    return {"Deadline": deadline_schema(), "QueueItem": queue_item_schema(), "ManagedAccount": account_schema()}


def queue_parameters() -> list[dict]:
    return [
        sp.query("status", {"type": "string", "enum": [*map(str, Status), "all"], "default": "pending_approval"}, "状态；all 为全部"),
        sp.query("kind", sp.enum(KINDS), "业务类型"),
        sp.query("division", sp.string(pattern=sp.DIVISION_PATTERN), "受理卫健委所在行政区划（须在本辖区内，含其下级）"),
        sp.query("institution", {**INT, "minimum": 1}, "执业机构编号"),
        sp.query("waiting_min", {**INT, "minimum": 0}, "在卫健委已等待的工作日数，至少"),
        sp.query("marker", sp.enum(MARKER_LABELS), "时限标记：" + sp.labelled(MARKER_LABELS)),
        sp.query("sort", {**sp.enum(SORTS), "default": "waiting"}, "排序：" + sp.labelled(SORTS)),
        sp.query("page", {**INT, "minimum": 1, "default": 1}, "页码"),
        sp.query("per_page", {**INT, "minimum": 1, "maximum": MAX_PER_PAGE, "default": MAX_PER_PAGE}, "每页件数"),
    ]


def period_parameters() -> list[dict]:
    return [sp.query("since", DATE, "提交日期起（含）"), sp.query("until", DATE, "提交日期止（含）")]


def account_action(summary: str, description: str = "") -> dict:
    return {"post": sp.operation(summary, TAG, (200, sp.answer("账号状态", sp.obj({"id": INT, "status": sp.string()}, ["id", "status"]))),
                              (*sp.AUTHED, 404, 409), parameters=[sp.path_id("账号编号")], description=description)}


def commission_admin_paths() -> dict:
    result = sp.obj({"id": INT, "ok": {"type": "boolean"}, "status": sp.enum(Status),
                  "error": sp.obj({"code": sp.string(), "message": sp.string()}, ["code", "message"])}, ["id", "ok"])
    counts = sp.obj({"group_by": sp.enum(GROUPS), "rows": {"type": "array", "items": sp.obj(
        {"key": sp.string(), "label": sp.string(), "count": INT}, ["key", "label", "count"])}, "total": INT}, ["group_by", "rows", "total"])
    stage = sp.obj({"stage": sp.string(), "label": sp.string(), "count": INT, "median_hours": NUMBER_OR_NULL, "p90_hours": NUMBER_OR_NULL},
                ["stage", "label", "count", "median_hours", "p90_hours"])
    return {
        "/api/v1/commission/queue": {"get": sp.operation(
            "审批工作台：辖区内的申请，可筛选、排序、分页，带办理时限标记", TAG,
            (200, sp.answer("一页申请", sp.obj({"items": {"type": "array", "items": sp.ref("QueueItem")}, "total": INT, "page": INT,
                                        "per_page": INT}, ["items", "total", "page", "per_page"]))),
            (400, *sp.AUTHED), parameters=queue_parameters(),
            description="辖区为本行政区划及其下级。上级卫健委可查看下级受理的申请，只有受理该申请的卫健委可以审批。"
            "时限默认值见 pipeline/data/time_limits.csv，可用 MEDREG_TIME_LIMITS（kind=天数,…）覆盖。")},
        "/api/v1/commission/queue/decisions": {"post": sp.operation(
            "批量审批：对多件申请作同一决定，逐件给出结果", TAG,
            (200, sp.answer("逐件结果；一件被拒不影响其他件", sp.obj(
                {"results": {"type": "array", "items": result}, "decided": INT, "refused": INT}, ["results", "decided", "refused"]))),
            (400, *sp.AUTHED),
            request=sp.body(sp.obj({"ids": {"type": "array", "items": {**INT, "minimum": 1}, "minItems": 1, "maxItems": MAX_BATCH},
                              "decision": sp.enum(("approve", "reject", "return")), "comment": sp.string("不予批准或退回时必填")},
                             ["ids", "decision"])),
            description="每件在各自的保存点内办理：不在本辖区（404）、非本级受理（403）或状态不允许（409）的件在结果中说明原因，"
            "其余照常办理。请求本身有误（ids、decision、comment）答 400，不办理任何一件。")},
        "/api/v1/commission/accounts": {
            "get": sp.operation(
                "辖区内的账号：医疗机构账号，或（管理员）本级及下级卫健委工作人员账号", TAG,
                (200, sp.answer("最多500个", sp.items_of(sp.ref("ManagedAccount")))), (400, *sp.AUTHED),
                parameters=[sp.query("role", {**sp.enum(("institution", "commission")), "default": "institution"}, "账号类别"),
                            sp.query("status", sp.enum(("active", "disabled", "pending_activation")), "账号状态"),
                            sp.query("q", sp.string(), "机构名称、统一社会信用代码或用户名")]),
            "post": sp.operation(
                "创建本级或下级卫健委工作人员账号（仅管理员）", TAG,
                (201, sp.answer("已创建；首次登录须修改密码", sp.ref("ManagedAccount"))), (400, *sp.AUTHED, 409),
                request=sp.body(sp.obj({"username": sp.string("字母开头，3至64位字母、数字或 _ . -"), "password": sp.string("初始密码，8至128位，含字母和数字"),
                                  "division": sp.string("本级或下级行政区划代码，默认本级", pattern=sp.DIVISION_PATTERN),
                                  "admin": {"type": "boolean", "default": False}}, ["username", "password"])),
                description="密码不会出现在任何应答中。用户名已存在答 409。"),
        },
        "/api/v1/commission/accounts/{id}/disable": account_action("停用账号", "辖区内的医疗机构账号；管理员还可停用本级及下级工作人员账号（本人除外）。"),
        "/api/v1/commission/accounts/{id}/enable": account_action("重新启用账号"),
        "/api/v1/commission/accounts/{id}/password-reset": {"post": sp.operation(
            "重置密码：生成一次性密码，短信发送，首次登录须修改", TAG,
            (202, sp.answer("已重置，短信发送中；应答不含密码", sp.obj({"id": INT, "sent_to": sp.string("打码后的手机号码"),
                                                             "must_change_password": {"const": True}}, ["id", "sent_to"]))),
            (400, *sp.AUTHED, 404), parameters=[sp.path_id("账号编号")],
            request=sp.body(sp.obj({"mobile": sp.string("接收新密码的手机号码；省略则发往机构登记的负责人手机")}), required=False))},
        "/api/v1/commission/search": {"get": sp.operation(
            "信息查询：辖区内的人员、机构、注册记录和申请", TAG,
            (200, sp.answer("各类结果，每类最多50条", sp.obj({"persons": {"type": "array", "items": {"type": "object"}},
                                                     "institutions": {"type": "array", "items": {"type": "object"}},
                                                     "registrations": {"type": "array", "items": {"type": "object"}},
                                                     "applications": {"type": "array", "items": {"type": "object"}}},
                                                    ["persons", "institutions", "registrations", "applications"]))),
            (400, *sp.AUTHED),
            parameters=[sp.query("q", sp.string(), "姓名（包含）、证件号码、手机号码、电子化注册识别码、统一社会信用代码或申请编号")],
            description="人员结果含卫健委可见的非公开字段：证件号码（解密显示）、出生日期、手机号码。")},
        "/api/v1/commission/stats": {"get": sp.operation(
            "业务申请统计：按受理机关、业务类型、状态或提交月份计数", TAG, (200, sp.answer("计数", counts)), (400, *sp.AUTHED),
            parameters=[sp.query("group_by", {**sp.enum(GROUPS), "default": "kind"}, sp.labelled(GROUPS)), *period_parameters()])},
        "/api/v1/commission/stats/registers": {"get": sp.operation(
            "注册医师、护士和登记机构数，按行政区划和机构类别", TAG,
            (200, sp.answer("表", sp.obj({"rows": {"type": "array", "items": {"type": "object"}}, "totals": {"type": "object"},
                                    "nurses_counted": {"type": "boolean"}}, ["rows", "totals"]))), sp.AUTHED)},
        "/api/v1/commission/stats/processing": {"get": sp.operation(
            "各环节办理时长（中位数、第90百分位，小时）", TAG,
            (200, sp.answer("按环节", sp.obj({"stages": {"type": "array", "items": stage}, "applications": INT}, ["stages", "applications"]))),
            (400, *sp.AUTHED), parameters=period_parameters(),
            description="由申请的办理记录计算：每个环节从进入到离开的时长；百分位为线性插值（同 Excel PERCENTILE.INC）。")},
        "/api/v1/commission/stats/backlog": {"get": sp.operation(
            "辖区内各卫健委的待审批积压", TAG,
            (200, sp.answer("按卫健委", sp.obj({"rows": {"type": "array", "items": {"type": "object"}}, "total": INT}, ["rows", "total"]))),
            sp.AUTHED)},
        "/api/v1/commission/export": {"get": sp.operation(
            "导出统计报表（CSV 或 XLSX）", TAG,
            (200, {"description": "文件下载", "content": {
                "text/csv": {"schema": {"type": "string"}},
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {"schema": {"type": "string", "format": "binary"}},
            }}),
            (400, *sp.AUTHED),
            parameters=[sp.query("report", sp.enum(REPORTS), sp.labelled(REPORTS)), sp.query("format", {**sp.enum(("csv", "xlsx")), "default": "csv"}, "文件格式"),
                        sp.query("group_by", sp.enum(GROUPS), "report=applications 时的分组"), *period_parameters()],
            description="CSV 为带 BOM 的 UTF-8。")},
        "/api/v1/commission/audit": {"get": sp.operation(
            "辖区的审计日志", TAG,
            (200, sp.answer(f"新的在前，每页{AUDIT_PER_PAGE}条", sp.obj({"items": {"type": "array", "items": {"type": "object"}},
                                                              "total": INT, "page": INT, "per_page": INT}, ["items", "total", "page", "per_page"]))),
            (400, *sp.AUTHED),
            parameters=[sp.query("actor", sp.string(), "操作者（包含）"), sp.query("action", sp.string(), "操作"),
                        sp.query("since", sp.string(), "起：YYYY-MM-DD 或带时区的 ISO 8601 时间"),
                        sp.query("until", sp.string(), "止：YYYY-MM-DD（含当日）或带时区的 ISO 8601 时间"),
                        sp.query("page", {**INT, "minimum": 1, "default": 1}, "页码")],
            description="`medreg audit verify` 校验哈希链。")},
    }
