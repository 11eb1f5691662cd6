"""ORM classes, sessions, settings and migrations: what every other part of medreg stands on."""

from models.accounts import Account, ActivationCode
from models.assessments import AssessmentResult
from models.applications import Application, ApplicationEvent, Notification
from models.audit import AuditEntry
from models.base import Base
from models.divisions import Commission, Division
from models.identifiers import IdentifierSerial, IssuedIdentifier
from models.institutions import DepartmentScope, Institution, InstitutionDepartment
from models.alerts import InstitutionWebhook, WebhookDelivery
from models.follow_ups import StaffFollowUp
from models.institution_history import InstitutionEvent
from models.staff import OtherStaff
from models.uploads import Batch
from models.nurses import NurseExamRecord, NurseRegistration, NurseRegistrationEvent
from models.outbox import OutboxMessage
from models.password_resets import PasswordResetCode
from models.persons import Person, PhysicianQualification
from models.practices import PhysicianPractice, PhysicianRegistrationEvent
from models.profiles import PersonProfile
from models.public import Delivery, PublicRecord, PublicVersion
from models.registers import PhysicianRegistration

__all__ = [
    "Account", "ActivationCode", "Application", "ApplicationEvent", "AuditEntry", "Base", "Commission",
    "Delivery", "DepartmentScope", "Division", "IdentifierSerial", "Institution", "InstitutionDepartment",
    "IssuedIdentifier", "Notification", "OutboxMessage", "Person", "PhysicianQualification",
    "PhysicianRegistration", "PublicRecord", "PublicVersion",
    "AssessmentResult", "NurseExamRecord", "NurseRegistration", "NurseRegistrationEvent", "PasswordResetCode",
    "PersonProfile",
    "Batch", "InstitutionEvent", "InstitutionWebhook", "OtherStaff", "StaffFollowUp", "WebhookDelivery",
    "PhysicianPractice", "PhysicianRegistrationEvent",
]
