"""Import every model so Alembic and create_all() see the whole schema."""

from app.models.assignment import Assignment, AssignmentStudent, Excusal
from app.models.case import ActionKind, AuditEvent, CaseAction, CaseMessage, CaseNote, RemovalStatus, ReportView
from app.models.classroom import Classroom, Enrollment
from app.models.ops import OpsState
from app.models.outbox import OutboxMessage
from app.models.progress import LessonProgress, QuizAnswer, QuizAttempt, ReflectionAnswer
from app.models.report import Category, Report, RoutingRule, Status
from app.models.school import School
from app.models.user import Invite, RecoveryCode, Role, User

__all__ = [
    "ActionKind",
    "Assignment",
    "AssignmentStudent",
    "AuditEvent",
    "CaseAction",
    "CaseMessage",
    "CaseNote",
    "Category",
    "Classroom",
    "Enrollment",
    "Excusal",
    "Invite",
    "LessonProgress",
    "OpsState",
    "OutboxMessage",
    "QuizAnswer",
    "QuizAttempt",
    "RecoveryCode",
    "ReflectionAnswer",
    "RemovalStatus",
    "Report",
    "ReportView",
    "Role",
    "RoutingRule",
    "School",
    "Status",
    "User",
]
