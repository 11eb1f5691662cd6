"""Supporting documents 申请材料 attached to an application: the file's bytes in PostgreSQL, beside its name, type,
size and SHA-256, in a table of their own so that reading applications never reads files.

Why in the database and not under a directory: an attachment is written in the transaction of its upload and
audit entry, backed up, restored and replicated with the application it belongs to, and needs no shared disk
between portal processes. Files are small (pipeline/materials.py: at most 5 MB, PDF, JPEG or PNG recognised by
content); `content` is deferred, so lists never load it, and a download streams it in chunks.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, LargeBinary, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from models.base import Base, utcnow


class Attachment(Base):
    __tablename__ = "attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"), index=True)
    material: Mapped[str] = mapped_column(String(50))  # the kind's Material.name
    name: Mapped[str] = mapped_column(String(200))  # the file name shown and offered on download
    content_type: Mapped[str] = mapped_column(String(50))  # as recognised from the first bytes
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    uploaded_by: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)


def attachments_of(session: Session, application_id: int) -> list[Attachment]:
    """The application's attachments, oldest first, without their bytes."""
    return list(session.scalars(select(Attachment).where(Attachment.application_id == application_id).order_by(Attachment.id)))
