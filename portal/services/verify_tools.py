"""Verification tools 信息验证 of the institution end: a physician's qualification, a physician's or nurse's
registration, and institutions nationwide (the public search)."""
from __future__ import annotations

from sqlalchemy.orm import Session

from models import PhysicianQualification, PublicRecord
from pipeline.identifiers import is_valid_identifier, parse_identifier
from portal.errors import invalid
from portal.services import public
from portal.services.paging import search_text


def physician_qualification(session: Session, certificate_no: str | None, name: str | None) -> dict:
    """Whether a qualification record with this number belongs to this name; details only on a match."""
    certificate_no, name = search_text(certificate_no, "certificate_no", "医师资格证书编号"), search_text(name, "name", "姓名")
    fields = {k: "必填" for k, v in (("certificate_no", certificate_no), ("name", name)) if not v}
    if fields:
        raise invalid(fields)
    record = session.get(PhysicianQualification, certificate_no)
    if record is None or record.name != name:
        return {"match": False, "certificate_no": certificate_no, "name": name}
    return {
        "match": True, "certificate_no": record.certificate_no, "name": record.name, "level": record.level,
        "category": record.category, "issued_on": record.issued_on.isoformat() if record.issued_on else None,
    }


def registration(session: Session, identifier: str | None) -> dict:
    """The published registration of a physician or nurse by identifier."""
    value = (identifier or "").strip().upper()
    if not value:
        raise invalid({"identifier": "必填"})
    if not is_valid_identifier(value):
        raise invalid({"identifier": "电子化注册识别码格式或校验位错误"})
    if parse_identifier(value)[0] == "institution":
        raise invalid({"identifier": "只能验证医师或护士的识别码；医疗机构请用机构查询"})
    row = session.get(PublicRecord, value)
    if row is None:
        return {"found": False, "identifier": value}
    return {"found": True, "identifier": value, "record": row.body}


def institutions(session: Session, params: dict[str, str]) -> dict:
    return public.search(session, "institutions", params)
