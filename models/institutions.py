from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, utcnow


class Institution(Base):
    """A medical institution in the institution register."""

    __tablename__ = "institutions"

    id: Mapped[int] = mapped_column(primary_key=True)
    uscc: Mapped[str | None] = mapped_column(String(18), unique=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    type: Mapped[str] = mapped_column(String(50))
    division_code: Mapped[str] = mapped_column(ForeignKey("divisions.code"), index=True)
    registered_by: Mapped[str] = mapped_column(ForeignKey("commissions.division_code"), index=True)
    address: Mapped[str] = mapped_column(String(300), default="")
    beds: Mapped[int] = mapped_column(Integer, default=0)
    legal_rep: Mapped[str] = mapped_column(String(50), default="")
    principal: Mapped[str] = mapped_column(String(50), default="")
    phone: Mapped[str] = mapped_column(String(30), default="")
    fax: Mapped[str] = mapped_column(String(30), default="")
    # setup (设置审批 entered, not yet registered) | operating | suspended | cancelled
    status: Mapped[str] = mapped_column(String(20), default="operating")
    identifier: Mapped[str | None] = mapped_column(String(19), unique=True)
    # The responsible person's mobile, where the commission sent the account (never public).
    mobile: Mapped[str] = mapped_column(String(20), default="")
    # The set-up approval 设置审批 as the commission entered it; practice registration is pre-filled from it.
    setup: Mapped[dict] = mapped_column(default=dict)
    registered_on: Mapped[date | None]
    next_verification_on: Mapped[date | None] = mapped_column(index=True)
    # "" | due | overdue: set by the periodic verification check 校验提醒.
    verification_state: Mapped[str] = mapped_column(String(20), default="")
    public_version: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    departments: Mapped[list[InstitutionDepartment]] = relationship(
        cascade="all, delete-orphan", order_by="InstitutionDepartment.department"
    )
    scope_map: Mapped[list[DepartmentScope]] = relationship(cascade="all, delete-orphan")

    @property
    def department_names(self) -> list[str]:
        return [d.department for d in self.departments]


class InstitutionDepartment(Base):
    """A clinical department 诊疗科目 the institution is licensed for."""

    __tablename__ = "institution_departments"

    institution_id: Mapped[int] = mapped_column(ForeignKey("institutions.id"), primary_key=True)
    department: Mapped[str] = mapped_column(String(50), primary_key=True)


class DepartmentScope(Base):
    """The institution's map from a clinical department to a physician practice scope."""

    __tablename__ = "department_scopes"
    __table_args__ = (UniqueConstraint("institution_id", "department", "scope"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    institution_id: Mapped[int] = mapped_column(ForeignKey("institutions.id"), index=True)
    department: Mapped[str] = mapped_column(String(50))
    scope: Mapped[str] = mapped_column(String(50))
