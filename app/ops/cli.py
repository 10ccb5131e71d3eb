"""`flask doctor`: the operator's one command to see whether everything a report needs works."""

import sys

import click
from flask import Flask
from flask.cli import with_appcontext


def register(app: Flask) -> None:
    app.cli.add_command(doctor)


@click.command("doctor")
@with_appcontext
def doctor() -> None:
    """Check the database, keys, rate-limit storage, mail server, outbox and cron; exit 1 if anything fails."""
    from app.ops.doctor import run_checks

    checks = run_checks()
    for check in checks:
        click.echo(check.line())
    failed = [c for c in checks if c.status == "FAIL"]
    click.echo(f"{len(failed)} problem(s) found" if failed else "everything looks right")
    sys.exit(1 if failed else 0)
