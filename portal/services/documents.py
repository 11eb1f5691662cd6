"""The receipt 受理回执 and the decision 决定书 of an application, as PDF (drawn by publisher/documents.py), for
whoever may see the application: the applicant, the institution that confirms or filed it, the commissions of
the jurisdiction. Every date and time on them is Beijing time."""
from __future__ import annotations

from datetime import datetime
from urllib.parse import quote

from sqlalchemy.orm import Session

from models import Account, Application, Commission, Institution, Person
from models.attachments import attachments_of
from pipeline import clock
from pipeline.kinds import KINDS
from pipeline.lifecycle import STATUS_LABELS, Status
from pipeline.materials import missing as missing_materials
from portal.errors import conflict
from portal.services.applications import visible_application
from portal.services.attachments import ATTACHABLE
from publisher.documents import Document, pdf

DECIDED = {Status.approved: True, Status.issued: True, Status.published: True, Status.rejected: False}
SYSTEM = "医疗机构、医师、护士电子化注册系统"


def decision_number(application: Application, decided_at: datetime) -> str:
    """卫注决〔YEAR〕第N号: the year of the decision (Beijing) and the application's number, so it is unique and stable."""
    return f"卫注决〔{clock.in_china(decided_at).year}〕第{application.id}号"


def day_text(moment: datetime) -> str:
    local = clock.in_china(moment)
    return f"{local.year}年{local.month}月{local.day}日"


def applicant_name(session: Session, application: Application) -> str:
    person = session.get(Person, application.person_id) if application.person_id else None
    if person is not None:
        return person.name
    institution = session.get(Institution, application.institution_id) if application.institution_id else None
    if institution is not None:
        return institution.name
    return str((application.data or {}).get("name") or "—")


def institution_name(session: Session, application: Application) -> str | None:
    institution = session.get(Institution, application.institution_id) if application.institution_id else None
    return institution.name if institution else None


def commission_name(session: Session, code: str | None) -> str:
    commission = session.get(Commission, code) if code else None
    return commission.name if commission else "卫生健康委员会"


def decision_event(application: Application):
    """The history row of the commission's decision (or of the counter's entry): the last move into a decided status
    from 待审批, or the first row of counter business."""
    kind = KINDS[application.kind]
    if kind.counter:
        return application.history[0] if application.history else None
    target = Status.rejected if application.status == Status.rejected else Status.approved
    return next((e for e in reversed(application.history) if e.to_status == target and e.from_status == Status.pending_approval), None)


def decision_available(application: Application) -> bool:
    kind = KINDS.get(application.kind)
    return kind is not None and (kind.commission_approves or kind.counter) and application.status in DECIDED \
        and decision_event(application) is not None


def receipt_document(session: Session, application: Application) -> Document:
    kind = KINDS[application.kind]
    files = attachments_of(session, application.id)
    labels = {m.name: m.label for m in kind.materials}
    received = "；".join(f"{labels.get(f.material, '其他材料')}（{f.name}）" for f in files) or "未通过系统提交材料"
    limit = (f"{kind.time_limit.working_days}个工作日，自申请到达卫生健康委之日起算（{kind.time_limit.basis}）"
             if kind.time_limit and kind.commission_approves else "无需卫生健康委审批，经机构确认即办结" if not kind.commission_approves
             else "窗口录入即办结")
    rows = [("申请编号", f"第{application.id}号"), ("业务类型", kind.label), ("申请人", applicant_name(session, application))]
    if (name := institution_name(session, application)) and kind.profession != "institution":
        rows.append(("执业机构", name))
    rows += [("提交时间", clock.shown(application.submitted_at) + "（北京时间）"), ("已收材料", received), ("办理时限", limit),
             ("当前状态", STATUS_LABELS.get(application.status, "办理中"))]
    missing = [m.label for m in missing_materials(kind.materials, (f.material for f in files))]
    return Document(title="受理回执", number=f"申请编号 第{application.id}号", rows=rows,
                    paragraphs=receipt_paragraphs(application, missing),
                    signature=[SYSTEM, f"打印日期：{day_text(clock.now())}"], footer="本回执由系统生成，时间均为北京时间")


# What the receipt says of where the application stands, by its status; materials are asked for only while they can
# still be uploaded (portal/services/attachments.py, ATTACHABLE).
RECEIPT_STANDING: dict[str, str] = {
    Status.draft: "你的申请尚未提交，提交后由系统受理。",
    Status.submitted: "你的申请已由系统受理，办理进度可登录系统查看。",
    Status.verifying: "你的申请已由系统受理，正在核验，办理进度可登录系统查看。",
    Status.awaiting_institution: "你的申请已由系统受理并通过核验，正在等待执业机构确认，办理进度可登录系统查看。",
    Status.pending_approval: "你的申请已由系统受理并通过核验，正在等待卫生健康委审批，办理进度可登录系统查看。",
    Status.returned: "你的申请已被退回修改，请登录系统按退回意见修改后重新提交。",
    Status.verification_failed: "你的申请未通过系统核验，办理已终止，未进入审批环节，无需再上传材料。请核对后重新提出申请。",
    Status.approved: "你的申请已获批准，正在办理登记和公示，无需再上传材料。",
    Status.issued: "你的申请已获批准并已完成登记，正在推送公示，无需再上传材料。",
    Status.published: "你的申请已办结，结果已公示，无需再上传材料。",
    Status.rejected: "你的申请已办结：卫生健康委决定不予批准，理由见不予注册决定书。",
    Status.withdrawn: "你的申请已撤回，办理已终止。",
}


def receipt_paragraphs(application: Application, missing: list[str]) -> list[str]:
    """Where the application stands, in its status's words: accepted and in progress (with the materials still
    missing, while they can be uploaded), failed verification (with the reasons), or finished."""
    paragraphs = [RECEIPT_STANDING.get(application.status, "办理进度可登录系统查看。")]
    if application.status == Status.verification_failed and application.findings:
        paragraphs.append("未通过的原因：" + "；".join(str(f).rstrip("。") for f in application.findings) + "。")
    if missing and application.status in ATTACHABLE:
        paragraphs.append("尚缺材料：" + "、".join(missing) + "。请尽快在申请页面上传，以免影响审核。")
    return paragraphs


def decision_document(session: Session, application: Application) -> Document:
    kind = KINDS[application.kind]
    event = decision_event(application)
    if event is None or not decision_available(application):
        raise conflict("该申请尚未由卫生健康委作出决定，没有决定书")
    approved = DECIDED[Status(application.status)]
    commission = commission_name(session, application.commission_code)
    name = applicant_name(session, application)
    rows = [("申请人", name), ("申请事项", kind.label), ("申请编号", f"第{application.id}号"),
            ("申请日期", day_text(application.submitted_at))]
    if (institution := institution_name(session, application)) and kind.profession != "institution":
        rows.append(("执业机构", institution))
    if application.identifier and approved:
        rows.append(("电子化注册识别码", application.identifier))
    if approved:
        paragraphs = [f"{name}：你（单位）于{day_text(application.submitted_at)}提出的{kind.label}申请，经审查，符合规定条件。"
                      f"根据《中华人民共和国行政许可法》第三十八条第一款的规定，本机关决定准予注册。"]
        if event.comment and event.comment not in ("审批通过", "窗口录入，录入即批准"):
            paragraphs.append(f"审批意见：{event.comment}")
    else:
        paragraphs = [f"{name}：你（单位）于{day_text(application.submitted_at)}提出的{kind.label}申请，经审查，不符合规定条件。"
                      f"根据《中华人民共和国行政许可法》第三十八条第二款的规定，本机关决定不予注册。",
                      f"不予注册的理由：{event.comment or '—'}",
                      "如不服本决定，可以自收到本决定书之日起六十日内依法申请行政复议，或者六个月内依法向人民法院提起行政诉讼。"]
    return Document(title="准予注册决定书" if approved else "不予注册决定书", number=decision_number(application, event.at),
                    rows=rows, paragraphs=paragraphs, signature=[commission, day_text(event.at)],
                    footer="本决定书由系统生成，日期为北京时间")


def receipt(session: Session, settings, account: Account, application_id: int) -> tuple[bytes, str]:
    application = visible_application(session, account, application_id)
    return pdf(receipt_document(session, application)), f"受理回执-{application.id}.pdf"


def decision(session: Session, settings, account: Account, application_id: int) -> tuple[bytes, str]:
    application = visible_application(session, account, application_id)
    document = decision_document(session, application)
    return pdf(document), f"{document.title}-{application.id}.pdf"


def disposition(name: str) -> str:
    return f"inline; filename=\"document.pdf\"; filename*=UTF-8''{quote(name)}"
