"""`flask doctor`: one line per check, what is wrong and what to do. Exit status 1 if any fails."""

import smtplib
from dataclasses import dataclass

from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from cryptography.fernet import Fernet
from flask import current_app
from sqlalchemy import literal, select
from sqlalchemy.exc import SQLAlchemyError

from app.extensions import db, limiter
from app.models.base import utcnow
from app.ops import state
from app.ops.outbox_state import describe_age, outbox_state

SHARED = ("redis://", "rediss://", "redis+sentinel://", "redis+cluster://", "valkey://", "valkeys://")
JOB_COMMANDS = {
    "deliver": "flask outbox deliver (every minute)",
    "escalate": "flask reports escalate (every minute)",
    "purge": "flask reports purge (daily)",
}


@dataclass
class Check:
    name: str
    status: str  # "ok", "warn" (worth knowing, not broken) or "FAIL"
    message: str

    def line(self) -> str:
        return f"{self.status:<4}  {self.name}: {self.message}"


def run_checks() -> list[Check]:
    checks = [_database()]
    if checks[0].status == "FAIL":
        return [*checks, _limiter(), _smtp()]
    checks += [_migrations(), _report_keys(), _receipt_secret(), _limiter(), _smtp(), _outbox(), *_jobs()]
    db.session.rollback()
    return checks


def _database() -> Check:
    try:
        db.session.execute(select(literal(1)))
        db.session.rollback()
    except SQLAlchemyError as exc:
        db.session.rollback()
        return Check(
            "database",
            "FAIL",
            f"cannot connect ({type(exc).__name__}): check DATABASE_URL and that the database server is running",
        )
    return Check("database", "ok", f"reachable ({db.engine.dialect.name})")


def _migrations() -> Check:
    config = AlembicConfig()
    config.set_main_option("script_location", current_app.extensions["migrate"].directory)
    heads = set(ScriptDirectory.from_config(config).get_heads())
    with db.engine.connect() as conn:
        current = set(MigrationContext.configure(conn).get_current_heads())
    if current == heads:
        return Check("migrations", "ok", f"at the latest revision ({', '.join(sorted(heads))})")
    shown = ", ".join(sorted(current)) or "none"
    return Check(
        "migrations", "FAIL", f"database at {shown}, code expects {', '.join(sorted(heads))}: run `flask db upgrade`"
    )


def _report_keys() -> Check:
    from app.reports.keys import check_report_keys

    keys = current_app.config.get("REPORT_KEYS") or []
    try:
        for key in keys:
            Fernet(key)
    except (ValueError, TypeError):
        return Check(
            "report keys",
            "FAIL",
            "REPORT_KEYS holds a value that is not a Fernet key: generate keys with "
            'Fernet.generate_key() (README, "Report keys")',
        )
    if not keys:
        return Check("report keys", "FAIL", 'REPORT_KEYS is empty: set it (README, "Report keys")')
    result = check_report_keys()
    if result.unreadable:
        return Check(
            "report keys",
            "FAIL",
            f"{result.unreadable} stored row(s) no key in REPORT_KEYS reads: put back the key they were written with",
        )
    if result.old_key:
        return Check(
            "report keys",
            "FAIL",
            f"{result.old_key} row(s) still need an older key: run `flask reports rotate-keys` before removing any key",
        )
    extra = f"; {len(keys) - 1} older key(s) no longer needed" if len(keys) > 1 else ""
    return Check("report keys", "ok", f"the first key reads all {result.rows} encrypted row(s){extra}")


def _receipt_secret() -> Check:
    if not current_app.config.get("RECEIPT_SECRET"):
        return Check("receipt secret", "FAIL", "RECEIPT_SECRET is not set")
    recorded, current = state.get(state.RECEIPT_FINGERPRINT), state.receipt_fingerprint()
    if recorded is None:
        state.record(state.RECEIPT_FINGERPRINT, current)
        return Check("receipt secret", "ok", "set (its fingerprint is now recorded, to notice a change later)")
    if recorded.value != current:
        return Check(
            "receipt secret",
            "FAIL",
            f"RECEIPT_SECRET differs from the one in use since "
            f"{recorded.updated_at:%Y-%m-%d %H:%M} UTC: receipts given out with the "
            "old one no longer open; put the old value back",
        )
    return Check("receipt secret", "ok", "set, the same as when first recorded")


def _limiter() -> Check:
    uri = current_app.config.get("RATELIMIT_STORAGE_URI", "memory://")
    scheme = uri.split("://", 1)[0]
    if not uri.startswith(SHARED):
        return Check(
            "rate limits",
            "warn",
            f"kept in {scheme}:// inside each process: fine for one process; with "
            "several workers set RATELIMIT_STORAGE_URI=redis://…",
        )
    try:
        reachable = limiter.storage.check()
    except Exception:  # noqa: BLE001 - any storage error means "not reachable"
        reachable = False
    if not reachable:
        return Check("rate limits", "FAIL", f"{scheme} storage does not answer: start it or fix RATELIMIT_STORAGE_URI")
    return Check("rate limits", "ok", f"shared by every worker ({scheme})")


def _smtp() -> Check:
    from app.notify.mailer import _close, _connect, _short_error

    config = current_app.config
    where = f"{config['MAIL_SERVER']}:{config['MAIL_PORT']}"
    try:
        _close(_connect(config))
    except (OSError, smtplib.SMTPException) as exc:
        return Check(
            "smtp",
            "FAIL",
            f"cannot connect to {where} ({_short_error(exc)}): check MAIL_SERVER, MAIL_PORT, "
            "MAIL_USE_TLS and the login; alerts wait in the outbox meanwhile",
        )
    return Check("smtp", "ok", f"{where} accepts a connection")


def _outbox() -> Check:
    now, outbox = utcnow(), outbox_state()
    if not outbox.pending:
        return Check("outbox", "ok", "nothing waiting")
    text = f"{outbox.pending} waiting ({outbox.urgent} urgent), oldest {describe_age(outbox.age(now))}" + (
        f", last error: {outbox.last_error}" if outbox.last_error else ""
    )
    if outbox.late(now):
        return Check("outbox", "FAIL", f"{text}: fix what the error says, then `flask outbox deliver --now`")
    return Check("outbox", "ok", text)


def _jobs() -> list[Check]:
    now, checks = utcnow(), []
    for name, (last, outcome) in state.job_runs().items():
        label = f"last {name}"
        if last is None:
            checks.append(Check(label, "FAIL", f"never ran: schedule {JOB_COMMANDS[name]} or run `flask schedule run`"))
        elif state.is_late(name, last, now):
            checks.append(
                Check(
                    label,
                    "FAIL",
                    f"{last:%Y-%m-%d %H:%M} UTC, too long ago: is cron (or `flask schedule "
                    f"run`) running? It should run {JOB_COMMANDS[name]}",
                )
            )
        elif outcome and outcome.startswith("failed"):
            checks.append(Check(label, "FAIL", f"{last:%Y-%m-%d %H:%M} UTC {outcome}: see the job's log"))
        else:
            checks.append(Check(label, "ok", f"{last:%Y-%m-%d %H:%M} UTC ({outcome})"))
    return checks
