"""ORM classes, sessions, settings and migrations: what every other part of medreg stands on."""

from models.accounts import Account, ActivationCode
from models.applications import Application, ApplicationEvent, Notification
from models.audit import AuditEntry
from models.base import Base
from models.divisions import Commission, Division
from models.identifiers import IdentifierSerial, IssuedIdentifier
from models.institutions import DepartmentScope, Institution, InstitutionDepartment
from models.outbox import OutboxMessage
from models.persons import Person, PhysicianQualification
from models.public import Delivery, PublicRecord, PublicVersion
from models.registers import PhysicianRegistration

__all__ = [
    "Account", "ActivationCode", "Application", "ApplicationEvent", "AuditEntry", "Base", "Commission",
    "Delivery", "DepartmentScope", "Division", "IdentifierSerial", "Institution", "InstitutionDepartment",
    "IssuedIdentifier", "Notification", "OutboxMessage", "Person", "PhysicianQualification",
    "PhysicianRegistration", "PublicRecord", "PublicVersion",
]
