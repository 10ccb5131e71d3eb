"""Operator commands for reports, run by cron: `flask reports escalate` re-alerts unacknowledged
urgent reports, `flask reports rotate-keys` re-encrypts with the newest key, `flask reports purge`
applies retention. `reports_group` is the `flask reports` group other report commands join."""

import sys

import click
from cryptography.fernet import InvalidToken
from flask import Flask
from flask.cli import AppGroup

from app import notify

reports_group = AppGroup("reports", help="Anonymous reports.")


def register(app: Flask) -> None:
    app.cli.add_command(reports_group)


@reports_group.command("escalate")
def reports_escalate() -> None:
    """Alert every counselor and admin again about urgent reports nobody acknowledged in time."""
    count = notify.escalate()
    click.echo(f"escalated {count} urgent report(s)")


@reports_group.command("rotate-keys")
@click.option("--check", is_flag=True, help="Only count rows the first key alone cannot read; exit 1 if any.")
@click.option("--batch", default=500, show_default=True, type=click.IntRange(min=1), help="Rows per transaction.")
def reports_rotate_keys(check: bool, batch: int) -> None:
    """Re-encrypt every report with the first key in REPORT_KEYS (see README, "Report keys").
    Interrupted? Run it again: it resumes. Retire an old key only after --check says 0."""
    from app.reports.keys import check_report_keys, rotate_report_keys

    if not check:
        try:
            count = rotate_report_keys(batch=batch, progress=lambda n: click.echo(f"re-encrypted {n} row(s) so far"))
        except InvalidToken:
            click.echo(
                "a stored text is readable with none of REPORT_KEYS: put back the key it was written with, "
                "then run this again (rows done so far are kept)",
                err=True,
            )
            sys.exit(1)
        click.echo(f"re-encrypted {count} row(s) with the newest key")
    result = check_report_keys(batch=batch)
    if result.ok:
        click.echo(
            f"ok: the first key reads all {result.rows} encrypted row(s); older keys can now be removed "
            "from REPORT_KEYS"
        )
        return
    detail = ", ".join(f"{table} {n}" for table, n in result.by_table.items() if n)
    click.echo(
        f"NOT DONE: {result.old_key} row(s) still need an older key and {result.unreadable} no key reads "
        f"({detail}). Keep every key in REPORT_KEYS and run `flask reports rotate-keys` again.",
        err=True,
    )
    sys.exit(1)


@reports_group.command("purge")
def reports_purge() -> None:
    """Delete the text and casework of closed cases past the school's retention (run daily by cron).
    The rows stay, without text, so the anonymous statistics keep their numbers."""
    from app.reports.purge import purge_closed

    count = purge_closed()
    click.echo(f"purged {count} closed case(s) past retention")
