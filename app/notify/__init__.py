"""Alerts about reports: who receives them, the outbox they wait in, SMTP delivery, escalation.

An alert says only that something is waiting and where: the school, the staff reference and a
link. It never holds what a report says, who is affected, or its category. Alerts are written to
the outbox in the caller's transaction, so a report is never saved without its alerts (nor the
reverse), and are delivered later by `deliver()` with retries. Logs name counts and outbox ids only.
"""

from app.notify.alerts import (
    REPORT_KINDS,
    queue_message_alert,
    queue_report_alerts,
    recipients,
    report_link,
)
from app.notify.escalation import escalate
from app.notify.mailer import (
    backoff,
    claim_timeout,
    deliver,
    deliver_all,
    message_id,
    pending_count,
    release_backlog,
)
from app.notify.sender import deliver_after_request, sender

__all__ = [
    "REPORT_KINDS",
    "backoff",
    "claim_timeout",
    "deliver",
    "deliver_after_request",
    "deliver_all",
    "escalate",
    "message_id",
    "pending_count",
    "queue_message_alert",
    "queue_report_alerts",
    "recipients",
    "release_backlog",
    "report_link",
    "sender",
]
