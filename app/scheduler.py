"""`flask schedule run`: the periodic jobs in one long-running process, for a deployment without
cron (the compose file's scheduler container). Each round delivers due alerts and escalates
unacknowledged urgent reports; the retention purge runs at start and then once a day.
With cron, run the three commands instead (README, "Cron")."""

import time
from datetime import timedelta

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from app import notify
from app.extensions import db
from app.models.base import utcnow

schedule_group = AppGroup("schedule", help="Periodic jobs in one process (instead of cron).")
PURGE_EVERY = timedelta(days=1)


def register(app: Flask) -> None:
    app.cli.add_command(schedule_group)


def run_round(purge: bool) -> dict[str, int]:
    """One round of every job; a job that fails is logged and the others still run."""
    from app.reports.purge import purge_closed

    done: dict[str, int] = {}
    jobs = [("sent", _deliver_all), ("escalated", notify.escalate)]
    if purge:
        jobs.append(("purged", purge_closed))
    for name, job in jobs:
        try:
            done[name] = job()
        except Exception as exc:  # noqa: BLE001 - one failing job must not stop the others
            db.session.rollback()
            current_app.logger.error("schedule: %s failed (%s)", name, type(exc).__name__)
            done[name] = -1
    return done


def _deliver_all() -> int:
    return notify.deliver_all()[0]  # records the run, as cron's `flask outbox deliver` does


@schedule_group.command("run")
@click.option("--interval", default=60, show_default=True, type=click.IntRange(min=1), help="Seconds between rounds.")
@click.option("--once", is_flag=True, help="Run one round (with the purge) and exit.")
def schedule_run(interval: int, once: bool):
    """Deliver alerts and escalate every INTERVAL seconds; purge once a day."""
    last_purge = None
    while True:
        started = utcnow()
        purge = last_purge is None or started - last_purge >= PURGE_EVERY
        done = run_round(purge)
        if purge:
            last_purge = started
        click.echo(" ".join(f"{k} {v}" for k, v in done.items()))
        if once:
            return
        time.sleep(max(0.0, interval - (utcnow() - started).total_seconds()))
