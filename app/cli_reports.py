"""Operator commands for alerts and reports, run by cron:
`flask outbox deliver` sends due alerts (every minute); `flask outbox status` shows what waits;
`flask reports escalate` re-alerts unacknowledged urgent reports; `flask doctor` checks it all.
`reports_group` is the `flask reports` group other report commands join."""
import sys

import click
from cryptography.fernet import InvalidToken
from flask import Flask
from flask.cli import AppGroup, with_appcontext

from app import notify
from app.ops import state

outbox_group = AppGroup("outbox", help="Alert emails waiting to be sent.")
reports_group = AppGroup("reports", help="Anonymous reports.")


def register(app: Flask) -> None:
    app.cli.add_command(outbox_group)
    app.cli.add_command(reports_group)
    app.cli.add_command(doctor)


@outbox_group.command("deliver")
@click.option("--limit", default=100, show_default=True, type=click.IntRange(min=1),
              help="Rows per SMTP connection; batches repeat until nothing due is left.")
@click.option("--now", "release_all", is_flag=True,
              help="Send every waiting alert now, whatever its retry time (after fixing the mail server).")
def outbox_deliver(limit: int, release_all: bool):
    """Send every due alert; failures wait and are retried. Exit status 0 either way."""
    sent, failed = notify.deliver_all(limit=limit, release_all=release_all)
    click.echo(f"sent {sent}, failed {failed}, waiting {notify.pending_count()}")


@outbox_group.command("status")
def outbox_status():
    """What waits in the outbox, since when and why; when the jobs last ran."""
    from app.ops.outbox_state import describe_age, outbox_state

    outbox = outbox_state()
    click.echo(f"pending {outbox.pending} (urgent {outbox.urgent}), oldest {describe_age(outbox.age())}, "
               f"waiting for the mail server {outbox.waiting_on_server}")
    click.echo(f"last error: {outbox.last_error or 'none'}")
    for name, (last, outcome) in state.job_runs().items():
        when = f"{last:%Y-%m-%d %H:%M:%S} UTC ({outcome})" if last else "never"
        click.echo(f"last {name}: {when}" + ("  LATE" if state.is_late(name, last) else ""))


@reports_group.command("escalate")
def reports_escalate():
    """Alert every counselor and admin again about urgent reports nobody acknowledged in time."""
    count = notify.escalate()
    click.echo(f"escalated {count} urgent report(s)")


@reports_group.command("rotate-keys")
@click.option("--check", is_flag=True, help="Only count rows the first key alone cannot read; exit 1 if any.")
@click.option("--batch", default=500, show_default=True, type=click.IntRange(min=1), help="Rows per transaction.")
def reports_rotate_keys(check: bool, batch: int):
    """Re-encrypt every report with the first key in REPORT_KEYS (see README, "Report keys").
    Interrupted? Run it again: it resumes. Retire an old key only after --check says 0."""
    from app.reports.keys import check_report_keys, rotate_report_keys

    if not check:
        try:
            count = rotate_report_keys(batch=batch, progress=lambda n: click.echo(f"re-encrypted {n} row(s) so far"))
        except InvalidToken:
            click.echo("a stored text is readable with none of REPORT_KEYS: put back the key it was written with, "
                       "then run this again (rows done so far are kept)", err=True)
            sys.exit(1)
        click.echo(f"re-encrypted {count} row(s) with the newest key")
    result = check_report_keys(batch=batch)
    if result.ok:
        click.echo(f"ok: the first key reads all {result.rows} encrypted row(s); older keys can now be removed "
                   "from REPORT_KEYS")
        return
    detail = ", ".join(f"{table} {n}" for table, n in result.by_table.items() if n)
    click.echo(f"NOT DONE: {result.old_key} row(s) still need an older key and {result.unreadable} no key reads "
               f"({detail}). Keep every key in REPORT_KEYS and run `flask reports rotate-keys` again.", err=True)
    sys.exit(1)


@reports_group.command("purge")
def reports_purge():
    """Delete the text and casework of closed cases past the school's retention (run daily by cron).
    The rows stay, without text, so the anonymous statistics keep their numbers."""
    from app.reports.purge import purge_closed

    count = purge_closed()
    click.echo(f"purged {count} closed case(s) past retention")


@click.command("doctor")
@with_appcontext
def doctor():
    """Check the database, keys, rate-limit storage, mail server, outbox and cron; exit 1 if anything fails."""
    from app.ops.doctor import run_checks

    checks = run_checks()
    for check in checks:
        click.echo(check.line())
    failed = [c for c in checks if c.status == "FAIL"]
    click.echo(f"{len(failed)} problem(s) found" if failed else "everything looks right")
    sys.exit(1 if failed else 0)
