"""`flask outbox deliver` sends due alerts (cron, every minute); `flask outbox status` shows what waits."""

import click
from flask import Flask
from flask.cli import AppGroup

from app import notify
from app.ops import state

outbox_group = AppGroup("outbox", help="Alert emails waiting to be sent.")


def register(app: Flask) -> None:
    app.cli.add_command(outbox_group)


@outbox_group.command("deliver")
@click.option(
    "--limit",
    default=100,
    show_default=True,
    type=click.IntRange(min=1),
    help="Rows per SMTP connection; batches repeat until nothing due is left.",
)
@click.option(
    "--now",
    "release_all",
    is_flag=True,
    help="Send every waiting alert now, whatever its retry time (after fixing the mail server).",
)
def outbox_deliver(limit: int, release_all: bool) -> None:
    """Send every due alert; failures wait and are retried. Exit status 0 either way."""
    sent, failed = notify.deliver_all(limit=limit, release_all=release_all)
    click.echo(f"sent {sent}, failed {failed}, waiting {notify.pending_count()}")


@outbox_group.command("status")
def outbox_status() -> None:
    """What waits in the outbox, since when and why; when the jobs last ran."""
    from app.ops.outbox_state import describe_age, outbox_state

    outbox = outbox_state()
    click.echo(
        f"pending {outbox.pending} (urgent {outbox.urgent}), oldest {describe_age(outbox.age())}, "
        f"waiting for the mail server {outbox.waiting_on_server}"
    )
    click.echo(f"last error: {outbox.last_error or 'none'}")
    for name, (last, outcome) in state.job_runs().items():
        when = f"{last:%Y-%m-%d %H:%M:%S} UTC ({outcome})" if last else "never"
        click.echo(f"last {name}: {when}" + ("  LATE" if state.is_late(name, last) else ""))
