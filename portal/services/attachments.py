"""Supporting documents 申请材料 of an application: the applicant uploads them while the application is still open
to changes; whoever may see the application (the applicant, the institution that confirms or filed it, the
commissions of the jurisdiction) lists and downloads them; anyone else gets 404, as for the application itself."""
from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, undefer

from models import Account, Application, Institution
from models.attachments import Attachment, attachments_of
from models.audit import audit
from pipeline import clock, materials
from pipeline.errors import ValidationFailed
from pipeline.kinds import KINDS
from pipeline.lifecycle import STATUS_LABELS, WITHDRAWABLE
from portal.errors import conflict, not_found
from portal.services.applications import is_own, own_application, visible_application

# The applicant may attach while the application can still be withdrawn: from submission until the commission
# decides (verification, the institution's confirmation and routing take seconds to minutes, so "submitted or
# returned" alone would leave almost no time to attach after submitting).
ATTACHABLE = WITHDRAWABLE
CHUNK = 64 * 1024


def can_attach(account: Account, application: Application) -> bool:
    """Whether the page offers the upload form: the account's own application, of a kind with materials, still open."""
    kind = KINDS[application.kind]
    own = is_own(account, application)
    return own and account.role in kind.applicants and bool(kind.materials) and application.status in ATTACHABLE


def upload(session: Session, account: Account, application_id: int, material_name: object, filename: str,
           raw: bytes) -> Attachment:
    """Attach a file to one of the account's own applications: 404 outside it, 400 for an unknown material or a bad
    file (the reason names the material), 409 once the application is decided or closed."""
    application = own_application(session, account, application_id, lock=True)
    kind = KINDS[application.kind]
    if account.role not in kind.applicants:
        raise not_found("申请")
    material = kind.material(material_name)
    if material is None:
        offered = "、".join(m.label for m in kind.materials) or "无"
        raise ValidationFailed.one("material", "choice", f"“{kind.label}”不收这种材料；可上传的材料：{offered}")
    if application.status not in ATTACHABLE:
        raise conflict(f"申请{STATUS_LABELS.get(application.status, '已办结')}，不能再上传材料")
    # Counted under the application's row lock: two uploads at once cannot both take the last place.
    materials.check_count(session.scalar(select(func.count()).select_from(Attachment)
                                         .where(Attachment.application_id == application.id)) or 0, material)
    checked = materials.check_file(raw, filename, material)
    attachment = Attachment(application_id=application.id, material=material.name, name=checked.name,
                            content_type=checked.content_type, size=checked.size, sha256=checked.sha256, content=raw,
                            uploaded_by=account.id)
    session.add(attachment)
    session.flush()
    institution = session.get(Institution, application.institution_id) if application.institution_id else None
    division = application.commission_code or (institution.division_code if institution else None)
    audit(session, f"account:{account.id}", "attach_material", f"application:{application.id}", division,
          material=material.name, attachment_id=attachment.id, sha256=checked.sha256, size=checked.size)
    return attachment


def listing(session: Session, account: Account, application_id: int) -> tuple[Application, list[Attachment]]:
    application = visible_application(session, account, application_id)
    return application, attachments_of(session, application.id)


def one(session: Session, account: Account, application_id: int, attachment_id: int) -> Attachment:
    """An attachment of an application the account may see, with its bytes; 404 otherwise."""
    application = visible_application(session, account, application_id)
    attachment = session.scalar(select(Attachment).options(undefer(Attachment.content))
                                .where(Attachment.id == attachment_id, Attachment.application_id == application.id))
    if attachment is None:
        raise not_found("材料")
    return attachment


def chunks(content: bytes) -> Iterator[bytes]:
    """The file in pieces, for a streamed download."""
    view = memoryview(content)
    for start in range(0, len(view), CHUNK):
        yield bytes(view[start : start + CHUNK])


def content_disposition(name: str) -> str:
    """`attachment` with the name in RFC 5987 form (Chinese names survive), and an ASCII fallback."""
    from urllib.parse import quote

    extension = name.rsplit(".", 1)[-1] if "." in name else "bin"
    return f"attachment; filename=\"attachment.{extension}\"; filename*=UTF-8''{quote(name)}"


def attachment_json(attachment: Attachment) -> dict[str, Any]:
    kind_materials = {m.name: m.label for kind in KINDS.values() for m in kind.materials}
    return {
        "id": attachment.id, "application_id": attachment.application_id, "material": attachment.material,
        "material_label": kind_materials.get(attachment.material, "其他材料"), "name": attachment.name,
        "content_type": attachment.content_type, "size": attachment.size, "sha256": attachment.sha256,
        "uploaded_at": clock.iso(attachment.uploaded_at),
    }


def listing_json(application: Application, found: list[Attachment]) -> dict[str, Any]:
    kind = KINDS[application.kind]
    return {
        "items": [attachment_json(a) for a in found],
        "materials": [{"material": m.name, "label": m.label, "required": m.required} for m in kind.materials],
        "missing": [{"material": m.name, "label": m.label, "required": m.required}
                    for m in materials.missing(kind.materials, (a.material for a in found))],
    }
