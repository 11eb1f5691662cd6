"""The OpenAPI 3.1 document of /api/v1: one line per operation, over schemas generated from models.

Request bodies are the pipeline/ models the views validate with (and each kind's `Data`); answers are the
models of portal/api/responses.py; both become `components/schemas` (portal/api/schemas.py) and are referred
to by `$ref`. What is written here is only the path and operation layer: method, path, summary, tag, request
and answer models, error statuses, parameters, and a description where it says what a schema cannot.

tests/functional/api/test_openapi.py checks that every route and method the app serves is described here, and
tests/conftest.py that every JSON answer of the functional suite matches its operation and status.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from models.batches import MAX_BYTES, MAX_ROWS
from pipeline import accounts as acc
from pipeline import applications as app
from pipeline import institutions as inst
from pipeline.kinds import KINDS
from pipeline.lifecycle import Status
from pipeline.materials import MAX_ATTACHMENT_BYTES
from pipeline.registers.institutions import SetupApproval
from pipeline.search import MAX_SEARCH
from pipeline.time_limits import MARKER_LABELS
from portal.api import responses as r
from portal.api.schemas import OpenApiSchema, ResponseSchema, component_schemas, kind_schemas, ref
from portal.headers import MAX_BODY_BYTES, MAX_JSON_BYTES
from portal.services.applications import OWN_MOST
from portal.services.attachments import ATTACHABLE
from portal.services.attempts import LOGIN
from portal.services.commission_accounts import MAX_LIST as MAX_ACCOUNTS
from portal.services.deliveries import MAX_SHOWN as MAX_DELIVERIES
from portal.services.deliveries import STATUSES as DELIVERY_STATUSES
from portal.services.follow_ups import A_PAGE as FOLLOW_UPS_A_PAGE
from portal.services.institution_desk import BATCHES_MOST, HISTORY_MOST, STAFF_A_PAGE
from portal.services.institution_desk import MAX_LIST as MAX_INSTITUTION_LIST
from portal.services.notifications import API_MOST as NOTIFICATIONS_MOST
from portal.services.practice_records import ASSESSMENTS_MOST
from portal.services.public import MAX_LIMIT
from portal.services.register_exports import HEADERS as REGISTER_HEADERS
from portal.services.register_exports import REGISTERS
from portal.services.statistics import GROUPS, REPORTS
from portal.services.workbench import MAX_BATCH, MAX_PER_PAGE, SORTS

ACCOUNTS, PERSON, INSTITUTION, COMMISSION, PUBLIC = "账号", "个人端", "机构端", "卫健委端", "公示端"
ERRORS = {
    400: ("BadRequest", "输入有误：fields 按字段给出原因，codes 给出机器可读的原因代码；未做任何更改"),
    401: ("Unauthorized", "未登录，或令牌无效、已过期，或账号已停用"),
    403: ("Forbidden", "已登录，但当前角色无权进行此操作（首次登录未改密码：password_change_required；已注销机构的账号"
               "办理任何业务：institution_cancelled，只能查阅）"),
    404: ("NotFound", "不存在，或不在调用者的可见范围内（越权访问一律答 404，不泄露是否存在）"),
    409: ("Conflict", "状态冲突或重复（例如重复提交、当前状态不允许该操作）"),
    413: ("PayloadTooLarge", f"请求体过大：JSON 不超过 {MAX_JSON_BYTES // 1024 // 1024} MB，其他（CSV 上传）不超过 "
                             f"{MAX_BODY_BYTES // 1024 // 1024} MB（docs/security.md）"),
    429: ("TooManyRequests", "请求过于频繁（公示端按客户端限流；同一客户端失败次数过多）；Retry-After 给出等待秒数"),
    503: ("ServiceUnavailable", "暂不可用：数据库暂时无法访问（code 为 unavailable，Retry-After 给出建议等待秒数，稍后重试），"
                                "或运营方尚未配置所需的设置（电子证照未配置签名密钥时 code 为 licence_keys）"),
}
DONE = {200: "成功", 201: "已创建", 202: "已受理，后台办理中"}
PATH_PARAMS = {
    "id": {"type": "integer", "minimum": 1},
    "identifier": {"type": "string", "pattern": r.IDENTIFIER_PATTERN},
    "name": {"type": "string"},
    "attachment_id": {"type": "integer", "minimum": 1},
}


@dataclass(frozen=True)
class Files:
    """An answer that is a file, not JSON: its media types."""

    description: str
    types: tuple[str, ...]
    binary: bool = True


@dataclass(frozen=True)
class Op:
    """One operation. `answer`: a model (200), or {status: model | Files | {media type: model}}. `auth`: the error
    statuses of authorisation, added to `errors` (none for a public operation)."""

    method: str
    path: str  # below /api/v1
    summary: str
    tag: str
    answer: Any
    errors: tuple[int, ...] = ()
    body: type[BaseModel] | dict | None = None  # a request model, or the content of an upload
    public: bool = False
    params: tuple[dict, ...] = ()
    text: str = ""
    id_of: str = "申请"
    auth: tuple[int, ...] = (401, 403)
    body_required: bool = True


def q(name: str, schema: dict | tuple | list, description: str, default: Any = None) -> dict:
    """A query parameter; a tuple or list is an enum of strings."""
    if not isinstance(schema, dict):
        schema = {"type": "string", "enum": [str(v) for v in schema]}
    if default is not None:
        schema = {**schema, "default": default}
    return {"name": name, "in": "query", "required": False, "schema": schema, "description": description}


def labelled(labels: dict) -> str:
    return "；".join(f"`{value}` {label}" for value, label in labels.items())


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
INT, STRING, DATE = {"type": "integer"}, {"type": "string"}, {"type": "string", "format": "date"}
TYPED = {"type": "string", "maxLength": MAX_SEARCH}  # a search string a person types (400 too_long beyond)
DIVISION = {"type": "string", "pattern": r.DIVISION_PATTERN}
PAGE = q("page", {"type": "integer", "minimum": 1}, "页码", 1)


def paged(most: int, per_page: str, same: str, order: str = "按编号") -> tuple[dict, dict]:
    """`limit` and `cursor` of a list paged by portal/services/paging.py (`same`: what must not change between pages)."""
    return (q("limit", {"type": "integer", "minimum": 1, "maximum": most}, per_page, most),
            q("cursor", STRING, f"上一页返回的 next{same}：{order}翻页，任意深度都一样快"))
PERIOD = (q("since", DATE, "提交日期起（含）"), q("until", DATE, "提交日期止（含）"))
SEARCH = (
    q("name", TYPED, "姓名或名称包含；结果按相关度排序：与之相同、以之开头、其余包含它的"),
    q("division", {"type": "string", "pattern": "^[0-9]{1,6}$"}, "行政区划代码或其前缀；6位代码包含其下级"),
    q("institution", TYPED, "机构编号，或机构名称包含"),
    q("uscc", TYPED, "统一社会信用代码（机构）"),
    q("identifier", TYPED, "电子化注册识别码"),
    q("cursor", STRING, "上一页返回的 next（不透明，原样传回）"),
    q("limit", {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT}, f"每页条数，1至{MAX_LIMIT}", 20),
)
CSV_UPLOAD = {"multipart/form-data": {"schema": {"type": "object", "properties": {"file": {"type": "string", "format": "binary"}},
                                               "required": ["file"]}},
              "text/csv": {"schema": {"type": "string"}}}
ATTACHMENT_UPLOAD = {"multipart/form-data": {"schema": {
    "type": "object", "required": ["file", "material"],
    "properties": {"file": {"type": "string", "format": "binary", "description": "PDF、JPEG 或 PNG 文件"},
                   "material": {"type": "string", "enum": list(r.MATERIAL_NAMES),
                                "description": "材料代码：" + labelled(r.MATERIAL_NAMES)}}}}}
ATTACHABLE_TEXT = "、".join(str(status) for status in sorted(ATTACHABLE))
SEARCHED = {"physicians": ("检索医师公示记录", r.PhysicianPage), "nurses": ("检索护士公示记录", r.NursePage),
            "institutions": ("检索医疗机构公示记录", r.InstitutionPage)}
LOCK = (f"同一客户端连续 {LOGIN.pair.failures} 次、所有客户端合计 {LOGIN.subject.failures if LOGIN.subject else 0} 次密码错误后"
        f"锁定 {int(LOGIN.pair.lock.total_seconds() // 60)} 分钟（403 locked）")

OPERATIONS: list[Op] = [
    # --- accounts ----------------------------------------------------------------------------------
    Op("POST", "/login", "登录，取得 Bearer 令牌", ACCOUNTS, r.LoginResult, (400, 401, 403, 429), acc.Login, public=True,
       text=f"用户名不存在与密码错误的应答相同，均计入失败次数：{LOCK}；成功登录清零。同一客户端失败过多答 429。"
       "未激活的个人账号答 403 not_activated，停用账号答 403 disabled。"
       "已绑定动态口令（TOTP：SHA-1、6位、30秒）的卫健委、医疗机构账号还须填写 otp（认证应用当前显示的6位数字，前后各容差30秒，"
       "同一时间步的口令只能用一次）：密码正确而未填 otp 答 400（字段 otp，代码 required，不计入失败次数）；"
       "otp 错误或已用过，与密码错误的应答相同（401），并计入同一失败次数限制。未绑定的账号（个人、短信分发的机构账号）无需 otp。"),
    Op("POST", "/signup", "实名注册（医师、护士）", PERSON, {201: r.SignedUp}, (400,), acc.SignUp, public=True,
       text="注册后由所在机构发放激活码。无论证件号码或手机号码是否已登记账号，应答都相同（已登记时短信告知其登记手机，"
       "不新建账号）。未知字段被忽略。"),
    Op("POST", "/activate", "用机构发放的激活码激活账号", PERSON, r.Activated, (400, 403, 429), acc.Activation, public=True,
       text="账号不存在、已激活、激活码错误或失效一律答 400（字段 code）并计入次数：一个激活码错误5次作废，"
       "同一账号、同一客户端另有上限（403 locked、429，见 docs/security.md）。"),
    Op("POST", "/logout", "退出登录：该账号的全部令牌和页面会话立即失效（所有设备）", ACCOUNTS, r.LoggedOut, auth=(401,)),
    Op("POST", "/totp/enrol", "绑定动态口令：获取密钥（卫健委、医疗机构工作人员账号）", ACCOUNTS, r.TotpSecret, (400, 409, 429),
       acc.TotpEnrol, text="先核对登录密码（错误答 400 并计入次数，同修改密码）。个人账号答 403。已绑定的账号答 409：更换（如手机遗失）"
       "须由运维人员用 medreg enrol-totp 办理。再次申请会换发新的待绑定密钥；确认前登录不受影响。"),
    Op("POST", "/totp/confirm", "绑定动态口令：提交认证应用显示的6位数字，完成绑定", ACCOUNTS, r.TotpEnrolled, (400, 409, 429),
       acc.TotpConfirm, text="口令错误答 400（字段 otp）并计入次数（同一客户端5次、合计10次后锁定，403 locked）。"
       "未先获取密钥或已绑定答 409。绑定后登录须同时填写 otp。"),
    Op("POST", "/password", "修改密码（首次登录必须先修改）", ACCOUNTS, r.PasswordChanged, (400, 403, 429), acc.PasswordChange,
       auth=(401,),
       text="分发的初始密码（must_change_password）登录后，其余接口一律答 403 password_change_required，直至在此修改。"
       "原密码错误计入次数（403 locked、429）。修改后该账号原有的全部令牌和会话失效，应答给出新令牌。"),
    Op("POST", "/password-reset/request", "找回密码：向账号登记的手机发送验证码", ACCOUNTS, r.ResetCodeSent, (400, 429),
       acc.PasswordResetRequest, public=True,
       text="验证码10分钟内有效、只能使用一次；60秒内不重发，已发出的最近3个验证码均可使用。同一账号一天内验证码错误过多后，"
       "新验证码改为10位字母数字。同一客户端每小时最多申请20次（429）。"),
    Op("POST", "/password-reset/confirm", "找回密码：用短信验证码设置新密码", ACCOUNTS, r.PasswordResetDone, (400, 403, 429),
       acc.PasswordReset, public=True,
       text=f"验证码错误（或账号不存在）一律答 400（字段 code）并计入次数，每个验证码错误5次后作废。成功后解除登录锁定（{LOCK}），"
       "该账号的全部令牌和会话失效。"),
    # --- the personal end (and an institution's own submissions) --------------------------------------
    Op("POST", "/applications", "提交申请", PERSON, {201: r.Submitted}, (400, 409), app.Submission,
       text="个人提交本人职业的个人业务；机构提交机构业务（含医师注册备案、注销和护士注销）。业务种类不适用于当前账号答 403；"
       "同一人同一种类已有办理中的申请答 409。"),
    Op("GET", "/applications", "本人（本账号）提交的申请，新的在前，按游标分页", PERSON, r.ApplicationList, (400,),
       params=paged(OWN_MOST, "每页件数", "", "按编号倒序")),
    Op("GET", "/applications/{id}", "一件申请及其全部记录", PERSON, r.Application, (404,),
       text="个人可见本人的申请；机构可见本机构人员的申请（核验通过后）和本机构提交的申请；卫健委可见辖区内的申请。"),
    Op("POST", "/applications/{id}/withdraw", "撤回申请（批准前）", PERSON, r.Application, (400, 404, 409), app.Withdrawal,
       body_required=False),
    Op("POST", "/applications/{id}/resubmit", "修改被退回的申请并重新提交", PERSON, r.Application, (400, 404, 409),
       app.Resubmission,
       text="只有“已退回”（returned）的申请可以重新提交，否则答 409。"),
    Op("POST", "/applications/{id}/attachments", "上传一份申请材料（PDF、JPEG 或 PNG）", PERSON, {201: r.AttachmentInfo},
       (400, 404, 409), ATTACHMENT_UPLOAD,
       text=f"multipart/form-data：file 为文件，material 为该业务规定的材料代码（见 GET 的 materials 与 docs/kinds.md）。只有申请人"
       f"（个人或提交该业务的机构）可以上传，且申请须尚未办结（可撤回的状态：{ATTACHABLE_TEXT}），否则答 409。类型按文件开头字节识别"
       f"（改扩展名无效），不超过 {MAX_ATTACHMENT_BYTES // 1024 // 1024}MB；不符合的答 400，fields.file 写明是哪种材料、什么原因。"
       "缺少必需材料不阻止提交，审核页面列为“缺少材料”。"),
    Op("GET", "/applications/{id}/attachments", "一件申请的材料：已上传的、规定的和尚缺的", PERSON, r.AttachmentList, (404,),
       text="可见范围与申请相同：申请人、确认或提交该申请的机构、辖区内的卫健委；其他人答 404。"),
    Op("GET", "/applications/{id}/attachments/{attachment_id}", "下载一份申请材料", PERSON,
       Files("材料文件（Content-Type 为识别出的类型，Content-Disposition 带文件名）", ("application/pdf", "image/jpeg", "image/png")),
       (404,), id_of="申请", text="可见范围与申请相同，其他人答 404。"),
    Op("GET", "/applications/{id}/receipt", "受理回执（PDF）", PERSON, Files("受理回执 PDF", ("application/pdf",)), (404,),
       text="业务类型、申请编号、提交时间（北京时间）、已收材料、办理时限（工作日）。申请人、相关机构和辖区内的卫健委可下载。"),
    Op("GET", "/applications/{id}/decision", "卫健委的决定书（PDF）：准予注册决定书或不予注册决定书", PERSON,
       Files("决定书 PDF", ("application/pdf",)), (404, 409),
       text="批准（含其后的赋码、公示）或不予批准后可下载；决定书编号为 卫注决〔年份〕第N号（N 为申请编号），日期为北京时间，"
       "不予注册的写明理由。尚未决定、或该业务无需卫健委审批的答 409。"),
    Op("POST", "/applications/{id}/id-number", "查看申请人的完整证件号码（写入审计日志）", INSTITUTION, r.RevealedIdNumber, (404,),
       text="页面上的证件号码默认遮蔽（如 110105********131X）。仅能看到该申请的机构、卫健委工作人员可调用，每次调用写入审计日志 "
       "reveal_id_number（谁、看了谁的）；个人账号与看不到该申请的答 404。"),
    Op("GET", "/me/registration", "本人的执业注册记录", PERSON, r.MyRegistration),
    Op("GET", "/me/notifications", "通知（站内信），新的在前，按游标分页", PERSON, r.NotificationList, (400,),
       params=paged(NOTIFICATIONS_MOST, "每页条数", "", "按编号倒序"),
       text="个人：发给本账号的通知；机构账号：发给本机构的通知（如待确认的申请）。"),
    # --- the institution end ---------------------------------------------------------------------------
    Op("GET", "/institution/accounts", "本机构人员的账号", INSTITUTION, r.PersonAccountList, (400,),
       params=(q("status", STRING, "账号状态", "pending_activation"), q("profession", ("physician", "nurse"), "职业"),
               *paged(MAX_INSTITUTION_LIST, "每页条数", "（筛选条件须相同）"))),
    Op("POST", "/institution/accounts/{id}/activation-code", "为本机构人员发放激活码（同时短信发送）", INSTITUTION,
       r.ActivationCodeIssued, (404, 409), id_of="账号", text="新激活码使之前未用的激活码作废。账号已激活答 409。"),
    Op("POST", "/institution/accounts/{id}/reject", "驳回本机构的待激活注册（不认识的注册人）", INSTITUTION, r.AccountStatus,
       (404, 409), id_of="账号", text="账号作废（status 为 rejected），其证件号码和手机号码可重新注册；注册时所留手机收到短信。"
       "账号已激活答 409。"),
    Op("GET", "/institution/tasks", "待本机构确认的申请（联网确认），按编号分页", INSTITUTION, r.TaskList, (400,),
       params=(q("status", tuple(Status), "按申请状态筛选", str(Status.awaiting_institution)),
               q("kind", tuple(KINDS), "业务类型"),
               q("profession", ("physician", "nurse", "institution"), "人员类别（institution：本机构自身业务）"),
               *paged(MAX_INSTITUTION_LIST, "每页件数", "（筛选条件须相同）"))),
    Op("POST", "/institution/tasks/{id}", "确认或退回本机构人员的申请", INSTITUTION, r.Application, (400, 404, 409),
       app.InstitutionDecision, text="确认后：需卫健委审批的进入待审批并分派；个人信息变更等无需审批的直接批准。"),
    Op("GET", "/institution/assessments", "本机构医师的定期考核结果", INSTITUTION, r.StaffAssessmentList, (400,),
       params=(q("period", STRING, "只看某一考核周期"),
               *paged(ASSESSMENTS_MOST, "每页条数", "（考核周期须相同）", "按考核周期倒序、姓名"))),
    Op("GET", "/institution/profile", "本机构信息", INSTITUTION, r.InstitutionProfile),
    Op("PATCH", "/institution/profile", "修改联系电话、传真（无需审批，记入历史）", INSTITUTION, r.InstitutionProfile, (400,),
       inst.ProfileChange, text="其他登记事项须申请变更登记，在此修改答 400。"),
    Op("GET", "/institution/history", "本机构的全部业务与信息变更历史", INSTITUTION, r.InstitutionHistory, (400,),
       params=paged(HISTORY_MOST, "每页历史记录条数", "", "新的在前")),
    Op("GET", "/institution/staff", "本机构人员：医师、护士或其他人员", INSTITUTION, r.StaffList, (400,),
       params=(q("profession", ("physician", "nurse", "other"), "人员类别", "physician"),
               *paged(STAFF_A_PAGE, "每页人数（医师、护士）", "", "按姓名"))),
    Op("POST", "/institution/staff", "新增其他人员（机构自行维护，不公示）", INSTITUTION, {201: r.OtherStaff}, (400,),
       inst.StaffMember),
    Op("PATCH", "/institution/staff/{id}", "修改其他人员", INSTITUTION, r.OtherStaff, (400, 404), inst.StaffMemberChange,
       id_of="人员"),
    Op("DELETE", "/institution/staff/{id}", "删除其他人员", INSTITUTION, r.Removed, (404,), id_of="人员"),
    Op("GET", "/institution/scope-map", "诊疗科目与执业范围对照", INSTITUTION, r.ScopeMap),
    Op("PUT", "/institution/scope-map", "修改诊疗科目与执业范围对照（所列科目整体替换）", INSTITUTION, r.ScopeMap, (400,),
       inst.ScopeMapChange, text="不是本机构登记的科目、不支持的执业范围，按 map.<科目> 字段答 400。"),
    Op("PUT", "/institution/webhook", "登记人员状态提醒的回调地址", INSTITUTION, r.WebhookSet, (400,), inst.Webhook,
       text="本机构人员注册状态变化（approved、filed、cancelled、expired、expiring）时 POST JSON，带 X-Medreg-Signature: "
       "sha256=HMAC-SHA256(secret, TIMESTAMP.BODY)、X-Medreg-Timestamp、X-Medreg-Event；非2xx 按退避重试。站内信总会写入。"),
    Op("DELETE", "/institution/webhook", "删除回调地址", INSTITUTION, r.Removed, (404,)),
    Op("POST", "/institution/batches", "批量提交人员业务（CSV）", INSTITUTION, {202: r.Batch}, (400,), CSV_UPLOAD,
       text=f"multipart/form-data 的 file 字段，或 text/csv 请求体。UTF-8 CSV，表头含 kind（业务类型）；个人业务另含 id_number"
       f"（人员证件号码，机构代为提交），其余列为该业务的 data（含 ; 的单元格视为列表）。最多 {MAX_ROWS} 行、"
       f"{MAX_BYTES // 1024 // 1024}MB。每行按 POST /api/v1/applications 的规则核验并报告（行号、字段、原因）；"
       "全部有效行在同一事务中提交，要么全部提交，要么都不提交。"),
    Op("GET", "/institution/batches", "本机构的批次，新的在前，按游标分页", INSTITUTION, r.BatchList, (400,),
       params=paged(BATCHES_MOST, "每页个数", "", "按编号倒序")),
    Op("GET", "/institution/batches/{id}", "一个批次：进度与逐行结果", INSTITUTION, r.Batch, (404,), id_of="批次"),
    Op("GET", "/verify/physician-qualification", "医师资格信息验证", INSTITUTION, r.QualificationCheck, (400,),
       params=(q("certificate_no", TYPED, "医师资格证书编号（必填）"), q("name", TYPED, "姓名（必填）"))),
    Op("GET", "/verify/registration", "医师、护士执业注册信息验证", INSTITUTION, r.RegistrationCheck, (400,),
       params=(q("identifier", STRING, "电子化注册识别码（必填）"),)),
    Op("GET", "/verify/institutions", "全国医疗机构查询（同公示检索）", INSTITUTION, r.InstitutionPage, (400,), params=SEARCH),
    # --- the commission end ------------------------------------------------------------------------------
    Op("POST", "/commission/institutions", "录入设置审批并分发医疗机构账号", COMMISSION, {201: r.HandedOut}, (400, 409),
       SetupApproval,
       text="所在行政区划须在本卫健委辖区内。用户名和初始密码以短信发送至负责人手机；首次登录须修改密码。"
            "同一行政区划内已有同名（未注销）或设置审批文号相同的机构时答 409，不重复录入。"),
    Op("POST", "/commission/institutions/{id}/account", "为在册医疗机构分发账号（导入或窗口登记、尚无账号的机构）", COMMISSION,
       {201: r.AccountHandedOut}, (400, 404, 409), acc.InstitutionHandout, id_of="机构",
       text="机构须在本卫健委辖区内，否则（或机构不存在）答 404。所填手机号码登记为机构的负责人手机；用户名和初始密码以短信发送至该号码，"
       "应答不含密码；首次登录须修改密码。机构已有账号（任何状态）或已注销答 409，需要新密码时由管理员重置。"
       "发往的不是原登记的负责人手机时，该账号的密码视为经办人指定，经办人不能审批该机构参与确认或提交的申请（职责分离）。"),
    Op("GET", "/commission/follow-ups", "待跟进的人员注册（如执业机构已注销）", COMMISSION, r.FollowUpList, (400,),
       params=paged(FOLLOW_UPS_A_PAGE, "每页条数", "")),
    Op("GET", "/commission/queue", "审批工作台：辖区内的申请，可筛选、排序、分页，带办理时限标记", COMMISSION, r.QueuePage,
       (400,), params=(q("status", [*map(str, Status), "all"], "状态；all 为全部", "pending_approval"),
                       q("kind", tuple(KINDS), "业务类型"),
               q("division", DIVISION, "受理卫健委所在行政区划（须在本辖区内，含其下级）"),
               q("institution", {"type": "integer", "minimum": 1}, "执业机构编号"),
               q("waiting_min", {"type": "integer", "minimum": 0}, "在卫健委已等待的工作日数，至少"),
               q("marker", tuple(MARKER_LABELS), "时限标记：" + labelled(MARKER_LABELS)),
               q("sort", tuple(SORTS), "排序：" + labelled(SORTS), "waiting"), PAGE,
               q("per_page", {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE}, "每页件数", MAX_PER_PAGE),
               q("cursor", STRING, "上一页返回的 next（排序须相同）：按游标翻页，任意深度都一样快；给出时忽略 page")),
       text="辖区为本行政区划及其下级。上级卫健委可查看下级受理的申请，只有受理该申请的卫健委可以审批。时限默认值见 "
       "pipeline/data/time_limits.csv，可用 MEDREG_TIME_LIMITS（kind=天数,…）覆盖；临近到期为 due_soon，超过到期日为 overdue。"),
    Op("GET", "/commission/queue/{id}", "辖区内的一件申请", COMMISSION, r.Application, (404,)),
    Op("POST", "/commission/queue/{id}", "审批：批准、不予批准或退回", COMMISSION, r.Application, (400, 404, 409),
       app.CommissionDecision,
       text="不是受理该申请的卫健委（如上级）答 403。"),
    Op("POST", "/commission/queue/decisions", "批量审批：对多件申请作同一决定，逐件给出结果", COMMISSION, r.DecisionResults,
       (400,), app.BatchDecision,
       text=f"一次最多{MAX_BATCH}件。每件在各自的保存点内办理：不在本辖区（404）、非本级受理（403）或状态不允许"
       "（409）的件在结果中说明原因，其余照常办理。请求本身有误（ids、decision、comment）答 400，不办理任何一件。"),
    Op("POST", "/commission/assessments", "上传医师定期考核结果（CSV，规则同 medreg import assessments）", COMMISSION,
       r.AssessmentUpload, (400,), CSV_UPLOAD,
       text="表头 certificate_no,period,result,assessed_on,assessor；任何一行有误则整个文件不导入，逐行说明原因。"),
    Op("POST", "/commission/counter", "窗口业务录入（录入即批准，随后赋码、公示）", COMMISSION, {201: r.Application}, (400, 409),
       app.CounterEntry, text="任何业务种类均可在窗口录入：窗口专办业务（x-counter-only），以及为到窗口办理的人员或机构代办的各项业务"
       "（Counter.<kind>）。代办业务与网上申请同样核验，核验不通过答 409 并写明全部原因；机构须在录入人员所属卫健委辖区内。"),
    Op("GET", "/commission/accounts", "辖区内的账号：医疗机构账号，或（管理员）本级及下级卫健委工作人员账号", COMMISSION,
       r.ManagedAccountList, (400,),
       params=(q("role", ("institution", "commission"), "账号类别", "institution"),
               q("status", ("active", "disabled", "pending_activation"), "账号状态"),
               q("q", TYPED, "机构名称、统一社会信用代码或用户名"),
               *paged(MAX_ACCOUNTS, "每页条数", "（筛选条件须相同）"))),
    Op("POST", "/commission/accounts", "创建本级或下级卫健委工作人员账号（仅管理员）", COMMISSION, {201: r.ManagedAccount},
       (400, 409),
       acc.StaffAccount, text="密码不会出现在任何应答中；首次登录须修改。用户名已存在答 409。"),
    Op("POST", "/commission/accounts/{id}/disable", "停用账号（仅管理员）", COMMISSION, r.AccountStatus, (404, 409), id_of="账号",
       text="辖区内的医疗机构账号和本级及下级工作人员账号（本人除外）；非管理员答 403。停用后该账号的全部令牌和会话立即失效。"),
    Op("POST", "/commission/accounts/{id}/enable", "重新启用账号（仅管理员）", COMMISSION, r.AccountStatus, (404, 409),
       id_of="账号"),
    Op("POST", "/commission/accounts/{id}/password-reset", "重置密码：生成一次性密码，短信发送，首次登录须修改（仅管理员）",
       COMMISSION, {202: r.OneTimePasswordSent}, (400, 404), acc.OneTimePassword, id_of="账号", body_required=False,
       text="发往登记的手机（机构负责人手机、工作人员本人手机）时立即重置；发往其他手机时只生成待批准请求（status "
       "awaiting_second_admin），须另一名管理员批准。"),
    Op("GET", "/commission/account-requests", "待另一名管理员批准的请求（仅管理员）", COMMISSION, r.AccountRequestList),
    Op("POST", "/commission/account-requests/{id}/approve", "批准另一名管理员发起的重置密码请求（仅管理员）", COMMISSION,
       {202: r.OneTimePasswordSent}, (404,), id_of="请求", text="发起人本人不能批准（403 second_admin_required）。"),
    Op("GET", "/commission/search", "信息查询：辖区内的人员、机构、注册记录和申请", COMMISSION, r.SearchResults, (400,),
       params=(q("q", STRING, "姓名（包含）、证件号码、手机号码、电子化注册识别码、统一社会信用代码或申请编号，至多100个字"),
               q("section", ("persons", "institutions", "registrations", "applications"), "只查这一类（翻页时必填）"),
               q("cursor", STRING, "该类上一页返回的 next 中的游标"),
               q("limit", {"type": "integer", "minimum": 1, "maximum": 200}, "每类每页条数，1至200", 50)),
       text="人员、机构按编号升序，注册记录先医师后护士、各按编号升序，申请按编号降序；翻页用游标，任意深度都一样快。"
       "证件号码和手机号码一律打码，人员不含出生日期；完整证件号码只能在申请页逐人查看（POST /applications/{id}/id-number，"
       "写入审计日志）。每次查询写入审计日志：查询内容打码，查询内容为有效的身份证号码或辖区内人员的证件号码时记为 "
       "search_by_id_number。"),
    Op("GET", "/commission/stats", "业务申请统计：按受理机关、业务类型、状态或提交月份计数", COMMISSION, r.ApplicationCounts,
       (400,), params=(q("group_by", tuple(GROUPS), labelled(GROUPS), "kind"), *PERIOD)),
    Op("GET", "/commission/stats/registers", "注册医师、护士和登记机构数，按行政区划和机构类别", COMMISSION, r.RegisterCounts),
    Op("GET", "/commission/stats/processing", "各环节办理时长（中位数、第90百分位，小时）", COMMISSION, r.ProcessingTimes, (400,),
       params=PERIOD),
    Op("GET", "/commission/stats/backlog", "辖区内各卫健委的待审批积压", COMMISSION, r.Backlog),
    Op("GET", "/commission/export", "导出统计报表（CSV 或 XLSX）", COMMISSION,
       Files("文件下载；CSV 为带 BOM 的 UTF-8", ("text/csv", XLSX)),
       (400,), params=(q("report", tuple(REPORTS), labelled(REPORTS) + "（不填即 applications：与统计接口相同的数字）",
                         "applications"),
                       q("format", ("csv", "xlsx"), "文件格式", "csv"),
                       q("group_by", tuple(GROUPS), "report=applications 时的分组", "kind"), *PERIOD)),
    Op("GET", "/commission/registers/export", "导出辖区的登记名册：医师、护士或医疗机构（CSV 或 XLSX，流式传输）", COMMISSION,
       Files("文件下载；CSV 为带 BOM 的 UTF-8；响应头 X-Medreg-Rows 为行数（不含表头）", ("text/csv", XLSX)),
       (400,), params=({**q("register", tuple(REGISTERS), labelled(REGISTERS)), "required": True},
                       q("format", ("csv", "xlsx"), "文件格式", "csv")),
       text="辖区内（含下级）执业机构所在的全部登记条目，各种状态都在内，按编号升序，表头为中文："
            + "；".join(f"{REGISTERS[name]}：{'、'.join(headers)}" for name, headers in REGISTER_HEADERS.items())
            + "。不含身份证件号码、出生日期和手机号码（docs/commission.md）。每次导出写一条审计日志（export_register，"
              "含名册、格式和行数）。XLSX 超过工作表行数上限（1048575 行）时答 400，请导出 CSV。"),
    Op("GET", "/commission/audit", "辖区的审计日志", COMMISSION, r.AuditPage, (400,),
       params=(q("actor", STRING, "操作者（包含）"), q("action", STRING, "操作"),
               q("since", STRING, "起：YYYY-MM-DD 或带时区的 ISO 8601 时间"),
               q("until", STRING, "止：YYYY-MM-DD（含当日）或带时区的 ISO 8601 时间"), PAGE,
               q("cursor", STRING, "上一页返回的 next（筛选条件须相同）：按游标翻页，任意深度都一样快；给出时忽略 page"))),
    Op("GET", "/commission/deliveries", "辖区内记录的公示推送（默认：已暂停的）", COMMISSION, r.DeliveryList, (400,),
       params=(q("status", tuple(DELIVERY_STATUSES), labelled(DELIVERY_STATUSES), "parked"),
               *paged(MAX_DELIVERIES, "每页条数", "（状态须相同）")),
       text="连续失败达到 park_after_attempts 次的推送为 parked，由 medreg publish replay 重新推送。"),
    # --- the public end (no login; rate-limited per client) ---------------------------------------------
    *(Op("GET", f"/public/{plural}", summary, PUBLIC, page, (400, 429), public=True, params=SEARCH,
         text="一页结果。不带 name 时按识别码排序；带 name 时按相关度：姓名（名称）与之相同的在前，其次以之开头的，"
              "再次其余包含它的，同一档内按名称（Unicode 码位）再按识别码。把 next 作为下一页的 cursor，"
              "next 为 null 表示没有下一页（任意深度都一样快）。")
      for plural, (summary, page) in SEARCHED.items()),
    Op("GET", "/public/records/{identifier}", "一条公示记录（最新版本）", PUBLIC,
       {200: {"application/json": r.PublicRecord, "application/fhir+json": r.FhirResource}}, (400, 404, 429), public=True,
       params=(q("format", ("json", "fhir"), "json：本系统的 JSON；fhir：HL7 FHIR R4", "json"),)),
    Op("GET", "/public/records/{identifier}/history", "一条记录的状态变更记录（每个公示版本）", PUBLIC, r.RecordHistory,
       (404, 429),
       public=True),
    Op("GET", "/public/records/{identifier}/licence", "电子证照（PDF、PNG 或 OFD），含签名二维码", PUBLIC,
       Files("电子证照文件；响应头 X-Medreg-Licence-Payload 为二维码内容", ("application/pdf", "image/png", "application/ofd")),
       (400, 404, 409, 429, 503),
       public=True, params=(q("format", ("pdf", "png", "ofd"), "文件格式：pdf、png，或 ofd（GB/T 33190 版式文档）", "pdf"),),
       text="只为注册（执业）状态的记录签发；备案、注销、过期、停业的记录答 409。二维码内容为 MEDREG1.<base64url 规范化 JSON>."
       "<base64url 签名>，JSON 含 kid（密钥编号）；签名为 Ed25519，或 SM2（SM3 杂凑，此时 JSON 含 \"alg\": \"SM2\"），"
       "以 kid 所指密钥的算法为准，可离线核验（公钥见 /public/licence-keys）。OFD 为 ZIP 容器："
       "OFD.xml 的 DocInfo 含标题（证照名称与识别码）与 CustomData（证照标识、持证者、发证机关、签发日期、签名密钥编号、"
       "签名数据即二维码内容），页面为矢量文字、边框与二维码图片。"),
    Op("GET", "/public/verify-licence", "核验电子证照二维码内容", PUBLIC, r.LicenceCheck, (400, 429, 503), public=True,
       params=(q("payload", STRING, "扫描二维码得到的内容（MEDREG1. 开头）"),),
       text="签名无效或密钥未知答 200 且 authentic 为 false；内容根本不是证照二维码答 400。"),
    Op("GET", "/public/licence-keys", "核验电子证照签名的公钥（算法、状态、有效期）", PUBLIC, r.LicenceKeys, (429, 503),
       public=True,
       text="离线核验方用它核验二维码内容：按内容中的 kid 取公钥，以该公钥的 algorithm 对第二段解码后的字节核验第三段签名"
            "（SM2 签名为 r‖s 64 字节，签名者 ID 1234567812345678）。只列公钥，从不含私钥；未配置签名密钥时答 503。"),
    Op("GET", "/public/feed", "公示流：按公示顺序列出每条记录的每个版本", PUBLIC, r.Feed, (400, 429), public=True,
       params=(q("since", {"type": "string", "pattern": "^[0-9]*$"}, "上次返回的 next；省略则从头开始"),
               q("limit", {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT}, f"1至{MAX_LIMIT}", 100)),
       text="接收方可能多次收到同一版本，应保留版本号最高者。"),
    Op("GET", "/public/bulk", "公示数据批量文件列表（最新一次导出）", PUBLIC, r.BulkListing, (429,), public=True),
    Op("GET", "/public/bulk/{name}", "下载一个批量文件", PUBLIC, Files("CSV 或 NDJSON", ("text/csv", "application/x-ndjson")),
       (404, 429), public=True),
    Op("GET", "/openapi.json", "本文档", PUBLIC, r.Document, public=True),
    Op("GET", "/docs", "本文档的浏览页面（Swagger UI）", PUBLIC, Files("HTML 页面", ("text/html",), binary=False), public=True,
       text="给人看的页面，不是 JSON 接口；页面所用的脚本与样式由本服务在 /api/v1/docs/static/ 下提供。"),
]


# --- the document ----------------------------------------------------------------------------------


def content(answer: Any) -> dict:
    """The content of an answer: a model as JSON, {media type: model}, or Files."""
    if isinstance(answer, Files):
        schema = {"type": "string", "format": "binary"} if answer.binary else {"type": "string"}
        return {media: {"schema": schema} for media in answer.types}
    media = answer if isinstance(answer, dict) else {"application/json": answer}
    return {kind: {"schema": ref(model.__name__)} for kind, model in media.items()}


def responses(op: Op) -> dict:
    answers = op.answer if isinstance(op.answer, dict) and all(isinstance(k, int) for k in op.answer) else {200: op.answer}
    shown = {str(status): {"description": answer.description if isinstance(answer, Files) else DONE[status],
                           "content": content(answer)} for status, answer in answers.items()}
    # Any request may be malformed (400: not UTF-8, a bad parameter), any body too large (413, portal/headers.py), and
    # any request may meet the database away for a moment (503 unavailable, portal/errors.py).
    always = (400, 413, 503) if op.method in ("POST", "PUT", "PATCH") else (400, 503)
    errors = sorted({*op.errors, *always, *(() if op.public else op.auth)})
    return {**shown, **{str(status): {"$ref": f"#/components/responses/{ERRORS[status][0]}"} for status in errors}}


def parameters(op: Op) -> list[dict]:
    in_path = [{"name": name, "in": "path", "required": True, "schema": PATH_PARAMS[name],
                **({"description": f"{op.id_of}编号"} if name == "id" else {})} for name in re.findall(r"\{(\w+)\}", op.path)]
    return in_path + list(op.params)


def operation(op: Op) -> dict:
    built: dict = {"summary": op.summary, "tags": [op.tag], "responses": responses(op)}
    if op.text:
        built["description"] = op.text
    if op.public:
        built["security"] = []
    if params := parameters(op):
        built["parameters"] = params
    if op.body is not None:
        body = op.body if isinstance(op.body, dict) else {"application/json": {"schema": ref(op.body.__name__)}}
        built["requestBody"] = {"required": op.body_required, "content": body}
    return built


def answer_models(op: Op) -> list[type[BaseModel]]:
    answers = op.answer.values() if isinstance(op.answer, dict) and all(isinstance(k, int) for k in op.answer) else [op.answer]
    found: list[type[BaseModel]] = []
    for answer in answers:
        if isinstance(answer, dict):
            found += answer.values()
        elif not isinstance(answer, Files):
            found.append(answer)
    return found


def schemas() -> dict:
    requests = component_schemas([op.body for op in OPERATIONS if isinstance(op.body, type)], OpenApiSchema)
    answers = component_schemas([r.Error, *(model for op in OPERATIONS for model in answer_models(op))], ResponseSchema)
    clash = {name for name in set(requests) & set(answers) if requests[name] != answers[name]}
    if clash:
        raise RuntimeError(f"a request and an answer model share a name: {sorted(clash)}")
    return {**requests, **kind_schemas(), **answers}


def build_openapi() -> dict:
    paths: dict[str, dict] = {}
    for op in OPERATIONS:
        paths.setdefault("/api/v1" + op.path, {})[op.method.lower()] = operation(op)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "医疗机构、医师、护士电子化注册系统 API",
            "version": "1",
            "description": "错误一律为 {\"error\": {\"code\", \"message\", \"fields\", \"codes\"}}（见 Error）。"
            "登录后以 Authorization: Bearer TOKEN 调用；公示端无需登录。越出调用者范围的数据一律答 404。"
            "公示端（/api/v1/public/）按客户端限流：超限答 429，Retry-After 给出等待秒数。" + LOCK + "。",
        },
        "servers": [{"url": "/"}],
        "security": [{"bearer": []}],
        "tags": [{"name": name} for name in (ACCOUNTS, PERSON, INSTITUTION, COMMISSION, PUBLIC)],
        "paths": paths,
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer", "description": "POST /api/v1/login 返回的 token"}},
            "schemas": schemas(),
            "responses": {name: {"description": text, "content": {"application/json": {"schema": ref("Error")}}}
                          for name, text in ERRORS.values()},
        },
    }


OPENAPI: dict = build_openapi()
