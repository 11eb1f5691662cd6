"""What the API answers, one model per shape, for the document (portal/api/spec.py): the views build plain
dicts, and tests/conftest.py checks every answer of the functional suite against these schemas.

Conventions (portal/api/schemas.py, ResponseSchema): `X | None` is a field that is always there and may be
null; a field with a default (`absent()`) may be left out. Unknown fields are refused (`additionalProperties:
false`) wherever the shape is ours, so an answer that grows a field fails the tests until it is described here.
Docstrings and descriptions are the document's text (Chinese).
"""
from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, RootModel, WithJsonSchema

from models.crypto import TOKEN_TTL_SECONDS
from pipeline import codes
from pipeline.fields import CODES
from pipeline.identifiers import REGISTER_LETTERS
from pipeline.kinds import KINDS
from pipeline.lifecycle import STATUS_LABELS
from pipeline.materials import TYPE_LABELS as MATERIAL_TYPES
from pipeline.persons import PROFESSIONS
from pipeline.registers.institutions import STATUS_LABELS as INSTITUTION_STATUS_LABELS
from pipeline.registers.nurses import STATUS_LABELS as NURSE_STATUS_LABELS
from pipeline.registers.physicians import STATUS_LABELS as PHYSICIAN_STATUS_LABELS
from pipeline.time_limits import MARKER_LABELS
from portal.services.accounts import ACTIVATION_CODE_TTL
from portal.services.deliveries import STATUSES as DELIVERY_STATUSES
from portal.services.paging import COUNT_CAP
from portal.services.statistics import GROUPS

IDENTIFIER_PATTERN = f"^[{''.join(REGISTER_LETTERS.values())}][0-9]{{17}}[0-9A-Z]$"
DIVISION_PATTERN = "^[0-9]{6}$"
MATERIAL_NAMES = {m.name: m.label for kind in KINDS.values() for m in kind.materials}
ACTIVATION_CODE_HOURS = int(ACTIVATION_CODE_TTL.total_seconds() // 3600)


def enum_of(values: Any, description: str | None = None) -> WithJsonSchema:
    """`Annotated[str, enum_of(values)]`: one of `values` (a mapping: its keys, with their labels in the description)."""
    labels = "；".join(f"`{value}` {label}" for value, label in values.items()) if isinstance(values, dict) else None
    said = "；".join(part for part in (description, labels) if part)
    return WithJsonSchema({"type": "string", "enum": [str(v) for v in values], **({"description": said} if said else {})})


def absent(description: str | None = None) -> Any:
    """A field the answer may leave out."""
    return Field(default=None, description=description)


def text(description: str) -> Any:
    return Field(description=description)


Identifier = Annotated[str, Field(pattern=IDENTIFIER_PATTERN, description="电子化注册识别码")]
NextCursor = Annotated[str | None, Field(description="下一页的游标（作为 cursor 传回）；null 表示没有下一页")]
Division = Annotated[str, Field(pattern=DIVISION_PATTERN, description="行政区划代码")]
ApplicationStatus = Annotated[str, enum_of(STATUS_LABELS)]
KindName = Annotated[str, enum_of({name: kind.label for name, kind in KINDS.items()}, "业务类型")]
Profession = Annotated[str, enum_of(PROFESSIONS)]
PhysicianStatus = Annotated[str, enum_of(PHYSICIAN_STATUS_LABELS)]
NurseStatus = Annotated[str, enum_of(NURSE_STATUS_LABELS)]
InstitutionStatus = Annotated[str, enum_of(INSTITUTION_STATUS_LABELS)]
Level = Annotated[str, enum_of(codes.QUALIFICATION_LEVELS)]
QualificationCategory = Annotated[str, enum_of(codes.QUALIFICATION_CATEGORIES)]
PracticeCategory = Annotated[str, enum_of(codes.practice_categories())]
PracticeScope = Annotated[str, enum_of(codes.practice_scopes())]
Counts = Annotated[dict[str, int], Field(description="状态 → 件数")]


class Answer(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Named(Answer):
    id: int
    name: str


class Removed(Answer):
    removed: Literal[True]


# --- errors ----------------------------------------------------------------------------------------


class ErrorDetail(Answer):
    code: str = text("机器可读的错误代码：invalid、unauthorized、forbidden、locked、not_activated、disabled、"
                     "password_change_required、institution_cancelled、not_found、conflict、rate_limited、unavailable、server_error")
    message: str = text("给人看的中文说明")
    fields: dict[str, str] = text("字段 → 中文原因（仅 400 时非空）")
    codes: dict[str, Annotated[str, enum_of(tuple(CODES))]] = text("字段 → 机器可读的原因代码（与 fields 的字段相同）："
                                           + "；".join(f"{k} {v}" for k, v in CODES.items()))


class Error(Answer):
    """错误：{"error": {"code", "message", "fields", "codes"}}；未做任何更改。"""

    error: ErrorDetail


# --- accounts --------------------------------------------------------------------------------------


class LoginResult(Answer):
    """登录成功。"""

    token: str = text(f"Bearer 令牌，{TOKEN_TTL_SECONDS // 60}分钟内有效；每次请求仍会检查账号状态，修改或重置密码、退出登录、"
                      "账号停用后立即失效")
    expires_in: int = text("令牌有效秒数")
    role: Annotated[str, enum_of(("person", "institution", "commission"))]
    account_id: int
    institution_id: int | None
    division: Division | None = text("卫健委账号的行政区划代码")
    must_change_password: bool = text("true：分发的初始密码，须先 POST /api/v1/password")
    name: str = absent("个人账号：姓名；机构账号：机构名称")
    profession: Profession = absent("个人账号的职业")


class SignedUp(Answer):
    """无论证件号码、手机号码是否已登记账号，回答都相同（已登记时短信告知其登记手机）。"""

    account_id: int = Field(description="新账号的编号（机构发放激活码时使用）；已登记时为一个不会分配给任何账号的编号")
    status: Literal["pending_activation"]
    message: str


class Activated(Answer):
    account_id: int
    status: Literal["active"]


class PasswordChanged(Answer):
    """密码已修改；该账号此前的全部令牌和页面会话均已失效，本次请求的令牌也不例外。"""

    changed: Literal[True]
    must_change_password: Literal[False]
    token: str = text("新的 Bearer 令牌（原令牌已失效）")
    expires_in: int = text("令牌有效秒数")


class LoggedOut(Answer):
    """已退出：该账号的全部令牌和页面会话均已失效（所有设备）。"""

    status: Literal["logged_out"]


class TotpSecret(Answer):
    """待绑定的动态口令密钥，只显示这一次；在认证应用中添加后，用 POST /api/v1/totp/confirm 提交其显示的6位数字。"""

    status: Literal["pending"]
    secret: str = text("Base32 密钥（RFC 6238：SHA-1、6位、30秒）")
    otpauth_uri: str = text("otpauth://totp/… 地址，可生成二维码供认证应用扫描")


class TotpEnrolled(Answer):
    """动态口令已绑定：此后登录须同时填写 otp。"""

    status: Literal["enrolled"]


class ResetCodeSent(Answer):
    """无论账号是否存在，回答都相同。"""

    status: Literal["sent_if_exists"]
    message: str


class PasswordResetDone(Answer):
    account_id: int
    status: Literal["password_changed"]


class ActivationCodeIssued(Answer):
    code: str = Field(pattern="^[0-9]{6}$")
    expires_in_hours: Annotated[int, WithJsonSchema({"type": "integer", "const": ACTIVATION_CODE_HOURS})]


class PersonAccount(Answer):
    id: int
    status: str
    name: str
    profession: Profession
    sex: str
    mobile: str = text("打码后的手机号码（如 138****0002）；激活码以短信发送到完整号码")
    created_at: datetime


class PersonAccountList(Answer):
    """本机构人员的账号；counts 为同一筛选下按状态的计数。"""

    counts: Counts
    items: list[PersonAccount]
    next: NextCursor


class ManagedAccount(Answer):
    id: int
    username: str | None
    role: Annotated[str, enum_of(("institution", "commission"))]
    status: str
    institution_id: int | None
    division: Division | None
    admin: bool
    must_change_password: bool
    whose: str = text("机构名称或卫健委名称")
    created_at: datetime


class ManagedAccountList(Answer):
    items: list[ManagedAccount]
    next: NextCursor


class AccountStatus(Answer):
    id: int
    status: str


class OneTimePasswordSent(Answer):
    """已重置，短信发送中；应答不含密码。发往非登记手机时尚未重置：status 为 awaiting_second_admin，须另一名管理员批准
    （POST /api/v1/commission/account-requests/{request_id}/approve）。"""

    id: int
    sent_to: str = text("打码后的手机号码")
    status: Annotated[str, enum_of({"sent": "已重置并发送", "awaiting_second_admin": "等待另一名管理员批准"})]
    must_change_password: Literal[True] = absent("已重置：首次登录须修改")
    request_id: int = absent("待批准请求的编号")


class AccountRequest(Answer):
    id: int
    account_id: int
    username: str | None
    role: Annotated[str, enum_of(("institution", "commission"))]
    sent_to: str = text("打码后的手机号码")
    requested_by: int = text("发起请求的管理员账号")
    status: Literal["pending"]
    created_at: datetime
    expires_at: datetime


class AccountRequestList(Answer):
    items: list[AccountRequest]


# --- applications --------------------------------------------------------------------------------


class Submitted(Answer):
    """已受理，流水线在后台运行。"""

    id: int
    status: ApplicationStatus


class HistoryEntry(Answer):
    at: datetime
    actor: str = text("谁：申请人、机构、卫健委工作人员或系统服务（核验服务、分派服务、国家赋码服务、公示服务）")
    from_: ApplicationStatus | None = Field(alias="from")
    to: ApplicationStatus
    comment: str


class ApplicationSummary(Answer):
    """申请（列表中不含 history）。"""

    id: int
    kind: KindName
    status: ApplicationStatus
    data: dict[str, Any] = text("提交时经校验、规范化后的申请内容（见 Data.<kind>）")
    findings: list[str] = text("核验未通过的原因（核验通过时为空列表）")
    identifier: Identifier | None = text("电子化注册识别码（赋码后）")
    institution_id: int | None
    commission: Division | None = text("受理审批的卫健委行政区划代码（分派后）")
    submitted_at: datetime
    updated_at: datetime


class Application(ApplicationSummary):
    """申请及其全部状态变更记录。"""

    history: list[HistoryEntry]


class ApplicationList(Answer):
    """新的在前，按游标分页（limit、cursor）：跟随 next 直到 null，每件申请恰好出现一次。"""

    items: list[ApplicationSummary]
    next: NextCursor


class MaterialInfo(Answer):
    """一种申请材料（由业务类型规定，见 docs/kinds.md）。"""

    material: Annotated[str, enum_of(MATERIAL_NAMES, "材料代码")]
    label: str = text("材料名称")
    required: bool = text("true：必需材料；缺少时审核页面列为“缺少材料”（不阻止网上提交）")


class AttachmentInfo(Answer):
    """一份已上传的申请材料；文件本身由 GET /api/v1/applications/{id}/attachments/{attachment_id} 下载。"""

    id: int
    application_id: int
    material: Annotated[str, enum_of(MATERIAL_NAMES, "材料代码")]
    material_label: str = text("材料名称")
    name: str = text("文件名（扩展名按文件内容识别出的类型）")
    content_type: Annotated[str, enum_of(MATERIAL_TYPES, "按文件开头字节识别的类型")]
    size: int = text("字节数")
    sha256: str = Field(pattern="^[0-9a-f]{64}$", description="文件的 SHA-256（十六进制）")
    uploaded_at: datetime


class AttachmentList(Answer):
    """一件申请的材料：已上传的、该业务规定的、尚缺的必需材料。"""

    items: list[AttachmentInfo]
    materials: list[MaterialInfo] = text("该业务类型规定的材料")
    missing: list[MaterialInfo] = text("尚未上传的必需材料")


class RevealedIdNumber(Answer):
    """申请人的完整证件号码（每次查看均写入审计日志 reveal_id_number）。"""

    application_id: int
    person_id: int
    id_number: str


class TaskList(Answer):
    """counts 为同一 kind、profession 筛选下按状态的计数。"""

    items: list[Application]
    counts: Counts
    next: NextCursor


class Deadline(Answer):
    """办理时限：按业务类型的工作日数（扣除周末和法定节假日、计入调休上班日）。"""

    limit: int = text("时限（工作日）")
    started: date = text("到达卫健委之日")
    due: date = text("到期日")
    elapsed: int = text("已用工作日")
    remaining: int = text("剩余工作日（负数为已超出）")
    marker: Annotated[str, enum_of(MARKER_LABELS)]
    label: str


class QueueItem(Application):
    applicant: str | None = text("申请人姓名")
    institution: str | None = text("执业机构名称")
    waiting_since: datetime | None = text("最近一次进入待审批的时间")
    deadline: Deadline | None


class QueuePage(Answer):
    items: list[QueueItem]
    total: int = text(f"符合条件的申请件数；多于 {COUNT_CAP} 件时为 {COUNT_CAP}（见 total_capped）")
    total_capped: bool = text(f"件数超过 {COUNT_CAP}，total 只数到 {COUNT_CAP}")
    page: int
    per_page: int
    next: NextCursor


class RefusedItem(Answer):
    code: str
    message: str


class DecisionResult(Answer):
    id: int
    ok: bool
    status: ApplicationStatus = absent("办理后的状态（ok 时）")
    error: RefusedItem = absent("未办理的原因（非 ok 时）")


class DecisionResults(Answer):
    """逐件结果；一件被拒不影响其他件。"""

    results: list[DecisionResult]
    decided: int
    refused: int


class Notification(Answer):
    id: int
    event: str = text("事件：verification_failed、awaiting_institution（发给机构）、returned、rejected、published 等")
    text: str = Field(description="中文通知内容")
    application_id: int | None
    at: datetime


class NotificationList(Answer):
    """新的在前，按游标分页（limit、cursor）：跟随 next 直到 null，每条通知恰好出现一次。"""

    items: list[Notification]
    next: NextCursor


# --- the person's own record -------------------------------------------------------------------------


class Practice(Answer):
    id: int
    name: str
    main: bool
    since: date
    until: date | None
    current: bool


class RegisterEvent(Answer):
    at: datetime
    event: str
    actor: str
    from_: str | None = Field(alias="from")
    to: str
    changes: dict[str, Any] | None
    comment: str
    application_id: int | None


class PhysicianRegistration(Answer):
    """本人的医师注册记录。"""

    identifier: Identifier | None
    status: PhysicianStatus
    status_label: str
    status_reason: str | None
    status_since: date | None
    valid_until: date | None
    level: Level
    qualification_category: QualificationCategory
    certificate_no: str
    practice_category: PracticeCategory
    practice_scopes: list[PracticeScope]
    institution: Named
    institutions: list[Practice] = text("执业机构（含多机构备案），现在的在前")
    registering_authority: Division = text("登记机关的行政区划代码")
    registered_on: date
    history: list[RegisterEvent] = text("注册记录的每一次变化")


class NurseEvent(Answer):
    at: datetime
    event: str = text("如 护士首次注册、护士延续注册、有效期届满")
    actor: str
    from_: str | None = Field(alias="from")
    to: str
    valid_until: date | None
    comment: str
    application_id: int | None


class NurseRegistration(Answer):
    """本人的护士注册记录。"""

    identifier: Identifier | None
    status: NurseStatus
    status_label: str
    certificate_no: str
    passed_year: int
    institution: Named
    department: str
    registering_authority: Division
    registered_on: date
    valid_until: date
    history: list[NurseEvent] = text("注册记录的每一次变化")


class PersonProfile(Answer):
    has_photo: bool
    photo_type: str | None
    education: str | None
    school: str | None
    title: str | None


class Assessment(Answer):
    period: str = text("考核周期，如 2022-2024")
    result: Annotated[str, enum_of(("合格", "基本合格", "不合格"))]
    assessed_on: date
    assessor: str = text("考核机构")


class PublishedApplication(Answer):
    application_id: int
    kind: KindName
    status: ApplicationStatus
    at: datetime


class MyRegistration(Answer):
    """本人的执业注册记录。"""

    profession: Profession
    name: str
    registration: PhysicianRegistration | NurseRegistration | None
    profile: PersonProfile | None = text("照片（是否已有）、学历、毕业学校、职称")
    assessments: list[Assessment] = text("定期考核结果（医师），按考核周期倒序")
    history: list[PublishedApplication] = text("已办结（已公示）的申请")


# --- the institution end -------------------------------------------------------------------------


class StaffAssessment(Assessment):
    name: str = text("医师姓名")
    identifier: Identifier | None
    certificate_no: str


class StaffAssessmentList(Answer):
    """按考核周期倒序，同一周期按姓名；按游标分页（limit、cursor）：跟随 next 直到 null，每条结果恰好出现一次。"""

    items: list[StaffAssessment]
    next: NextCursor


class WebhookSet(Answer):
    url: str
    updated_at: datetime


class InstitutionProfile(Answer):
    id: int
    name: str
    uscc: str | None
    type: str
    division: Division
    registered_by: Division
    address: str
    beds: int
    legal_rep: str
    principal: str
    phone: str
    fax: str
    departments: list[str]
    status: InstitutionStatus
    status_label: str
    identifier: Identifier | None
    registered_on: date | None
    next_verification_on: date | None
    verification_state: Annotated[str, enum_of(("", "due", "overdue"), "校验提醒：due 将到期（30日内），overdue 已逾期")]
    setup: dict[str, Any] = text("设置审批")
    webhook: WebhookSet | None


class InstitutionEvent(Answer):
    id: int
    at: datetime
    actor: str
    action: str
    text: str = Field(description="中文说明")
    detail: dict[str, Any] | None
    application_id: int | None


class OwnApplication(Answer):
    id: int
    kind: KindName
    label: str
    status: ApplicationStatus
    identifier: Identifier | None
    submitted_at: datetime
    updated_at: datetime


class InstitutionHistory(Answer):
    """本机构的业务与信息变更历史（新的在前，按 limit 分页），及本机构的全部业务申请。"""

    events: list[InstitutionEvent]
    next: str | None = text("历史记录下一页的 cursor；null 表示没有下一页")
    applications: list[OwnApplication] = Field(description="本机构的全部业务申请，新的在前（不分页）")


class RegisteredPhysician(Answer):
    registration_id: int
    person_id: int
    name: str
    sex: str
    identifier: Identifier | None
    status: PhysicianStatus
    registered_on: date
    level: Level
    practice_category: PracticeCategory
    practice_scopes: list[PracticeScope]
    main: bool = Field(description="true：以本机构为主要执业机构；false：经多机构执业备案在本机构执业")


class RegisteredNurse(Answer):
    registration_id: int
    person_id: int
    name: str
    sex: str
    identifier: Identifier | None
    status: NurseStatus
    registered_on: date
    department: str
    valid_until: date


class OtherStaff(Answer):
    """其他人员：机构自行维护，不公示。"""

    id: int
    name: str
    sex: str
    post: str
    title: str
    phone: str
    status: Literal["active"]


class StaffList(Answer):
    """医师、护士：本机构的注册记录；其他人员：机构自行维护，不公示。"""

    profession: Annotated[str, enum_of(("physician", "nurse", "other"))]
    count: int = text("人数（全部，不只是这一页）")
    counts: Counts
    items: list[RegisteredPhysician | RegisteredNurse | OtherStaff]
    next: NextCursor


class ScopeMap(Answer):
    departments: list[str] = text("本机构登记的诊疗科目")
    map: dict[str, list[str]] = text("诊疗科目 → 执业范围")
    scopes: list[str] = text("可选的执业范围")
    allowed: dict[str, list[str]] = text("诊疗科目 → 全国对照中该科目对应的执业范围：本机构的对照只能在其中选取（缩小，不能扩大）")


class BatchError(Answer):
    field: str
    reason: str


class BatchRow(Answer):
    row: int = text("CSV 行号（表头为第1行）")
    kind: str
    status: Annotated[str, enum_of(("valid", "refused", "submitted"))]
    errors: list[BatchError]
    application_id: int | None


class Batch(Answer):
    id: int
    status: Annotated[str, enum_of(("queued", "checking", "done"))]
    filename: str
    total: int
    checked: int
    submitted: int
    refused: int
    progress: int = Field(ge=0, le=100, description="完成百分比")
    created_at: datetime
    finished_at: datetime | None
    rows: list[BatchRow] = absent("逐行结果（列表中不含）")


class ImportRowError(Answer):
    row: int = Field(description="文件中的行号（表头为第1行）")
    field: str = Field(description="列名；* 表示与已有数据冲突")
    reason: str


class AssessmentUpload(Answer):
    """定期考核结果上传的结果：有任何一行被拒绝则整个文件不导入（applied=false）。"""

    loaded: int
    refused: int
    applied: bool
    errors: list[ImportRowError]


class BatchList(Answer):
    """新的在前，按游标分页（limit、cursor）：跟随 next 直到 null，每个批次恰好出现一次。"""

    items: list[Batch]
    next: NextCursor


class QualificationCheck(Answer):
    """编号与姓名一致时 match=true 并给出级别、类别、发证日期；否则只答 match=false。"""

    match: bool
    certificate_no: str
    name: str
    level: str = absent()
    category: str = absent()
    issued_on: date | None = absent()


# --- the commission end ------------------------------------------------------------------------------


class HandedOut(Answer):
    """已创建机构（setup 状态）和账号；用户名与初始密码仅以短信发送。"""

    institution_id: int
    account_id: int
    status: Literal["setup"]
    sms_sent_to: str = text("打码后的负责人手机号码")


class AccountHandedOut(Answer):
    """已为在册机构创建账号；用户名与初始密码仅以短信发送。"""

    institution_id: int
    account_id: int
    must_change_password: Literal[True] = text("首次登录须修改密码")
    sms_sent_to: str = text("打码后的负责人手机号码")


class FollowUp(Answer):
    id: int
    profession: Annotated[str, enum_of(("physician", "nurse"))]
    name: str
    identifier: Identifier | None
    institution_id: int
    institution: str
    reason: str
    reason_label: str
    created_at: datetime


class FollowUpList(Answer):
    items: list[FollowUp]
    next: NextCursor


class FoundPerson(Answer):
    """列表中的人员：证件号码和手机号码打码，不含出生日期（打码的身份证号码加上出生日期即为完整号码）。"""

    id: int
    name: str
    profession: Profession
    sex: str
    id_type: str
    id_number: str | None = text("打码后的证件号码（如 110105********131X；无法解密时为 null）。完整号码只能在申请页逐人查看，"
                                 "每次查看写入审计日志（POST /applications/{id}/id-number）")
    mobile: str = text("打码后的手机号码（如 138****0002）")
    institution: Named


class FoundInstitution(Answer):
    id: int
    name: str
    uscc: str | None
    type: str
    division: Division
    status: InstitutionStatus
    identifier: Identifier | None
    registered_by: Division
    address: str
    legal_rep: str
    principal: str
    phone: str
    mobile: str = text("打码后的负责人手机号码（未登记时为空）")


class FoundRegistration(Answer):
    profession: Annotated[str, enum_of(("physician", "nurse"))]
    id: int
    identifier: Identifier | None
    name: str
    status: str
    institution: str
    commission: Division
    registered_on: date


class FoundApplication(Answer):
    id: int
    kind: KindName
    kind_label: str
    status: ApplicationStatus
    applicant: str | None
    commission: Division | None
    identifier: Identifier | None
    submitted_at: datetime


class SearchNext(Answer):
    """每类的下一页游标（null：没有更多）；以 section=该类、cursor=此值 取下一页。"""

    persons: str | None
    institutions: str | None
    registrations: str | None
    applications: str | None


class SearchResults(Answer):
    """各类结果，每类每页 limit 条（默认50）；给出 section 时只查该类。证件号码和手机号码一律打码；按证件号码或手机号码
    查到的人员，其注册记录和申请也一并列出。"""

    persons: list[FoundPerson]
    institutions: list[FoundInstitution]
    registrations: list[FoundRegistration]
    applications: list[FoundApplication]
    next: SearchNext


class CountRow(Answer):
    key: str
    label: str
    count: int


class ApplicationCounts(Answer):
    group_by: Annotated[str, enum_of(GROUPS)]
    rows: list[CountRow]
    total: int


class RegisterCountRow(Answer):
    division: Division
    division_name: str
    institution_type: str
    physicians: int
    nurses: int
    institutions: int


class RegisterTotals(Answer):
    physicians: int
    nurses: int
    institutions: int


class RegisterCounts(Answer):
    rows: list[RegisterCountRow]
    totals: RegisterTotals
    nurses_counted: bool
    as_of: datetime | None = Field(description="the figures are as of this refresh of the register summary (celery beat); "
                                               "null: counted at the request")


class StageTime(Answer):
    stage: str
    label: str
    count: int
    median_hours: float | None
    p90_hours: float | None


class ProcessingTimes(Answer):
    """由申请的办理记录计算：每个环节从进入到离开的时长；百分位为线性插值（同 Excel PERCENTILE.INC）。"""

    stages: list[StageTime]
    applications: int
    as_of: datetime | None = Field(description="全国或省级、整月的统计取自定时刷新的环节时长直方图（百分位误差不超过0.5%），为其刷新时间；"
                                               "null：请求时计算")


class BacklogRow(Answer):
    commission: Division
    name: str
    pending: int
    due_soon: int
    overdue: int


class Backlog(Answer):
    rows: list[BacklogRow]
    total: int


class AuditEntry(Answer):
    id: int
    at: datetime
    actor: str
    action: str
    target: str
    division: Division | None
    detail: dict[str, Any]
    sealed: bool = text("已纳入哈希链")
    seq: int | None


class AuditPage(Answer):
    """新的在前。`medreg audit verify` 校验哈希链。"""

    items: list[AuditEntry]
    total: int = text(f"符合条件的条数；多于 {COUNT_CAP} 条时为 {COUNT_CAP}（见 total_capped）")
    total_capped: bool = text(f"条数超过 {COUNT_CAP}，total 只数到 {COUNT_CAP}")
    page: int
    per_page: int
    next: NextCursor


class Delivery(Answer):
    id: int
    channel: str
    status: Annotated[str, enum_of(DELIVERY_STATUSES)]
    status_label: str
    attempts: int
    last_error: str
    next_attempt_at: datetime
    delivered_at: datetime | None
    identifier: Identifier
    version: int
    division: str
    name: str
    cursor: str


class DeliveryList(Answer):
    """按编号升序，每页至多 limit 条（默认 500）。"""

    items: list[Delivery]
    next: NextCursor


# --- the public end --------------------------------------------------------------------------------


class RegisteringAuthority(Answer):
    division: Division
    name: str


class PracticePlace(Answer):
    id: int
    name: str
    identifier: Identifier | None
    main: bool


class Record(Answer):
    identifier: Identifier
    version: int = Field(ge=1)
    name: str
    status_label: str = absent()
    division: Division
    registering_authority: RegisteringAuthority
    registered_on: date = absent()
    status_since: date = absent("当前状态的起始日期")


class PhysicianRecord(Record):
    """医师公示记录。只含公示字段：不含证件号码、手机号码、出生日期和住址。"""

    kind: Literal["physician"]
    sex: str = absent()
    status: PhysicianStatus
    level: Level = absent()
    qualification_category: QualificationCategory = absent()
    practice_category: PracticeCategory = absent()
    practice_scopes: list[PracticeScope] = absent()
    institutions: list[PracticePlace]
    valid_until: date = absent("有效期至（短期执业等）")


class NurseRecord(Record):
    """护士公示记录。只含公示字段：不含证件号码、手机号码、出生日期和住址。"""

    kind: Literal["nurse"]
    sex: str = absent()
    status: NurseStatus
    department: str | None = absent("工作科室")
    departments: list[str] = absent()
    institutions: list[PracticePlace]
    valid_until: date = text("注册有效期至")
    exam_year: int = absent()


class InstitutionRecord(Record):
    """医疗机构公示记录。"""

    kind: Literal["institution"]
    institution_id: int = text("signup 和申请中使用的机构编号")
    uscc: str | None = absent("统一社会信用代码")
    type: str = absent("医疗机构类别")
    status: InstitutionStatus
    address: str = absent()
    departments: list[str] = absent("诊疗科目")
    beds: int = absent()
    legal_rep: str = absent()
    principal: str = absent()
    phone: str = absent()
    fax: str = absent()
    valid_until: date = absent()
    next_verification_on: date = absent()


class PublicRecord(RootModel[Annotated[PhysicianRecord | NurseRecord | InstitutionRecord, Field(discriminator="kind")]]):
    """公示记录（最新版本）。"""


class FhirResource(BaseModel):
    """HL7 FHIR R4：医师为 Bundle（Practitioner + 每个执业机构一个 PractitionerRole），医疗机构为 Organization。"""

    model_config = ConfigDict(extra="allow")

    resourceType: Annotated[str, enum_of(("Bundle", "Organization"))]


class PhysicianPage(Answer):
    items: list[PhysicianRecord]
    next: str | None = text("下一页的 cursor；null 表示没有下一页")


class NursePage(Answer):
    items: list[NurseRecord]
    next: str | None = text("下一页的 cursor；null 表示没有下一页")


class InstitutionPage(Answer):
    items: list[InstitutionRecord]
    next: str | None = text("下一页的 cursor；null 表示没有下一页")


class RegistrationCheck(Answer):
    found: bool
    identifier: str
    record: PublicRecord = absent("公示记录（found 时）")


class RecordVersion(Answer):
    version: int
    status: str
    status_label: str
    status_since: date | None
    published_at: datetime


class RecordHistory(Answer):
    """每个公示版本，按版本升序。"""

    identifier: Identifier
    items: list[RecordVersion]


class FeedItem(Answer):
    cursor: str = text("该版本在公示流中的位置")
    published_at: datetime
    record: PublicRecord


class Feed(Answer):
    """一批版本；把 next 作为下次的 since。"""

    items: list[FeedItem]
    next: str = text("下次调用的 since（没有新版本时不变）")


class LicenceRecord(Answer):
    identifier: Identifier
    kind: str
    name: str
    status: str
    status_label: str
    status_since: date | None
    version: int


class LicenceCheck(Answer):
    """核验结论。"""

    authentic: bool = text("签名是否由本系统的密钥签发")
    valid_now: bool = text("签名有效且记录当前仍为注册（执业）状态")
    message: str = text("核验结论")
    key_id: str | None
    licence: dict[str, Any] | None = text("证照上签名的字段")
    record: LicenceRecord | None


class LicenceKey(Answer):
    kid: str = text("密钥编号（证照二维码内容中的 kid）")
    algorithm: Annotated[str, enum_of({"Ed25519": "Ed25519 签名（RFC 8032）",
                                       "SM2": "SM2 签名（GB/T 32918.2），杂凑 SM3，签名者 ID 1234567812345678，签名为 r‖s 64 字节"})]
    public_key: str = text("公钥原始字节的 base64url（无填充）：Ed25519 为 32 字节；SM2 为 65 字节非压缩点 04‖x‖y")
    status: Annotated[str, enum_of({"signing": "当前签发新证照", "verify_only": "已停止签发，仅用于核验此前签发的证照"})]
    valid_from: date | None = text("启用日期（起签发证照）：密钥文件记载的日期，未记载时为本系统首次用其签发或公布的日期；"
                                   "从未在本系统签发且未记载时为 null")
    valid_until: date | None = text("停止签发的日期（密钥文件记载的，或继任密钥的启用日期）；"
                                    "此后签发日期的证照不应再用此密钥签名；仍在签发时为 null")


class LicenceKeys(Answer):
    """核验电子证照签名的公钥（不含私钥）。"""

    keys: list[LicenceKey]


class BulkFile(Answer):
    name: str
    part: Annotated[str, enum_of(("full", "changes"))]
    cursor: int
    since: int | None
    size: int
    sha256: str
    url: str = Field(json_schema_extra={"format": "uri-reference"},
                     description="下载地址：设置了 MEDREG_PUBLIC_URL 时为其下的完整网址，否则为路径（如 /api/v1/public/bulk/文件名）")


class BulkListing(Answer):
    cursor: int | None
    generated_at: str | None
    files: list[BulkFile]


class Document(BaseModel):
    """OpenAPI 3.1。"""

    model_config = ConfigDict(extra="allow")

    openapi: str
