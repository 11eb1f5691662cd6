"""ORM classes, sessions, settings, migrations and the domain operations both process adapters need
(register effects, identifier issuance, the outbox, CSV loaders): what every other part of medreg stands on.

Importing it never imports Celery, Pyramid or the publisher.
"""

from models.accounts import Account, AccountRequest, ActivationCode
from models.alerts import InstitutionWebhook, WebhookDelivery
from models.applications import Application, ApplicationEvent, Notification
from models.assessments import AssessmentResult
from models.attachments import Attachment
from models.attempts import AttemptCounter
from models.audit import AuditEntry
from models.base import Base
from models.divisions import Commission, Division
from models.follow_ups import StaffFollowUp
from models.identifiers import IdentifierSerial, IssuedIdentifier
from models.outbox import OutboxMessage
from models.password_resets import PasswordResetCode
from models.persons import Person
from models.profiles import PersonProfile
from models.public import Delivery, DeliveryLane, LicenceKeyDay, PublicRecord, PublicVersion
from models.registers.institutions import DepartmentScope, Institution, InstitutionDepartment, InstitutionEvent
from models.registers.nurses import NurseRegistration, NurseRegistrationEvent
from models.registers.physicians import PhysicianPractice, PhysicianRegistration, PhysicianRegistrationEvent
from models.registers.qualifications import NurseExamRecord, PhysicianQualification
from models.staff import OtherStaff
from models.summaries import RegisterSummary, StageTimeHistogram, SummaryRefresh
from models.uploads import Batch

__all__ = [
    "Account", "AccountRequest", "ActivationCode", "Application", "ApplicationEvent", "AssessmentResult", "Attachment", "AttemptCounter",
    "AuditEntry", "Base", "Batch",
    "Commission", "Delivery", "DeliveryLane", "DepartmentScope", "Division", "IdentifierSerial", "Institution", "InstitutionDepartment",
    "InstitutionEvent", "InstitutionWebhook", "IssuedIdentifier", "LicenceKeyDay", "Notification", "NurseExamRecord",
    "NurseRegistration", "NurseRegistrationEvent", "OtherStaff", "OutboxMessage", "PasswordResetCode", "Person",
    "PersonProfile", "PhysicianPractice", "PhysicianQualification", "PhysicianRegistration",
    "PhysicianRegistrationEvent", "PublicRecord", "PublicVersion", "RegisterSummary", "StaffFollowUp", "StageTimeHistogram",
    "SummaryRefresh", "WebhookDelivery",
]
