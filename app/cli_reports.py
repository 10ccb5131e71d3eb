"""Operator commands for alerts, run by cron every minute:
`flask outbox deliver` sends due alerts; `flask reports escalate` re-alerts unacknowledged urgent
reports. `reports_group` is the `flask reports` group other report commands join."""
import click
from flask import Flask
from flask.cli import AppGroup

from app import notify
from app.models.base import utcnow

outbox_group = AppGroup("outbox", help="Alert emails waiting to be sent.")
reports_group = AppGroup("reports", help="Anonymous reports.")


def register(app: Flask) -> None:
    app.cli.add_command(outbox_group)
    app.cli.add_command(reports_group)


@outbox_group.command("deliver")
@click.option("--limit", default=100, show_default=True, type=click.IntRange(min=1),
              help="Rows per SMTP connection; batches repeat until nothing due is left.")
def outbox_deliver(limit: int):
    """Send every due alert; failures wait and are retried with backoff. Exit status 0 either way."""
    now = utcnow()
    sent = failed = 0
    while True:
        batch_sent, batch_failed = notify.deliver(now=now, limit=limit)
        sent, failed = sent + batch_sent, failed + batch_failed
        # Every row handled leaves the due set (sent, or pushed into the future), so this ends.
        if batch_sent + batch_failed < limit:
            break
    click.echo(f"sent {sent}, failed {failed}, waiting {notify.pending_count()}")


@reports_group.command("escalate")
def reports_escalate():
    """Alert every counselor and admin again about urgent reports nobody acknowledged in time."""
    count = notify.escalate()
    click.echo(f"escalated {count} urgent report(s)")


@reports_group.command("rotate-keys")
def reports_rotate_keys():
    """Re-encrypt every report with the first key in REPORT_KEYS (see README, "Report keys")."""
    from app.reports.keys import rotate_report_keys

    count = rotate_report_keys()
    click.echo(f"re-encrypted {count} row(s) with the newest key; older keys can now be removed from REPORT_KEYS")


@reports_group.command("purge")
def reports_purge():
    """Delete the text and casework of closed cases past the school's retention (run daily by cron).
    The rows stay, without text, so the anonymous statistics keep their numbers."""
    from app.reports.purge import purge_closed

    count = purge_closed()
    click.echo(f"purged {count} closed case(s) past retention")
