"""Operator commands: `flask schools create`, `flask users create`, `flask content check`; `register`
adds every command group of the app (`flask demo` lives in `app/demo/`)."""

import click
from flask import Flask
from flask.cli import AppGroup
from sqlalchemy import select

from app.extensions import db
from app.models import Role, School, User


def register(app: Flask) -> None:
    from app import demo, scheduler
    from app.notify import cli as notify_cli
    from app.ops import cli as ops_cli
    from app.reports import cli as reports_cli

    app.cli.add_command(schools)
    app.cli.add_command(users)
    app.cli.add_command(content_group)
    demo.register(app)  # flask demo
    notify_cli.register(app)  # flask outbox …
    reports_cli.register(app)  # flask reports …
    ops_cli.register(app)  # flask doctor
    scheduler.register(app)  # flask schedule run


def get_or_create_user(school: School, **fields) -> tuple[User, bool]:
    key = (
        {"email": fields["email"]} if fields.get("email") else {"school_id": school.id, "username": fields["username"]}
    )
    user = db.session.scalar(select(User).filter_by(**key))
    if user:
        return user, False
    password = fields.pop("password")
    user = User(school_id=school.id, **fields)
    user.set_password(password)
    db.session.add(user)
    return user, True


@click.group("schools", cls=AppGroup)
def schools():
    """Manage schools."""


@schools.command("create")
@click.option("--name", required=True)
@click.option("--code", required=True, help="Short code students type at login.")
@click.option("--locale", type=click.Choice(["ko", "en"]), default="ko", show_default=True)
@click.option("--timezone", "tz", default="Asia/Seoul", show_default=True)
def create_school(name: str, code: str, locale: str, tz: str):
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    code = School.normalize_code(code)
    if not code.isalnum() or len(code) > 16:
        raise click.BadParameter("use up to 16 letters and digits", param_hint="--code")
    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise click.BadParameter(f"unknown time zone {tz!r}", param_hint="--timezone") from None
    if db.session.scalar(select(School).where(School.code == code)):
        raise click.ClickException(f"a school with code {code} already exists")
    db.session.add(School(name=name.strip(), code=code, default_locale=locale, timezone=tz))
    db.session.commit()
    click.echo(f"Created school {name} ({code}).")


@click.group("users", cls=AppGroup)
def users():
    """Manage user accounts."""


@users.command("create")
@click.option("--school", "school_code", required=True, help="School code.")
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True)
@click.option("--email", help="Staff only.")
@click.option("--username", help="Students only.")
@click.option("--name", "display_name", required=True)
@click.password_option(help="Prompted for when not given.")
def create_user(school_code, role, email, username, display_name, password):
    from app.passwords import MIN_LENGTH

    school = db.session.scalar(select(School).where(School.code == School.normalize_code(school_code)))
    if school is None:
        raise click.ClickException(f"no school with code {school_code}")
    if role == Role.STUDENT and (email or not username):
        raise click.UsageError("students have a --username and no --email")
    if role != Role.STUDENT and not email:
        raise click.UsageError("staff need an --email")
    if len(password) < MIN_LENGTH:
        raise click.BadParameter(f"at least {MIN_LENGTH} characters", param_hint="--password")
    identity = {"email": email.strip().lower()} if email else {"username": username.strip().lower()}
    user, created = get_or_create_user(school, role=role, display_name=display_name, password=password, **identity)
    if not created:
        raise click.ClickException("that account already exists")
    db.session.commit()
    click.echo(f"Created {role} {user.login_name} at {school.code}.")


@click.group("content", cls=AppGroup)
def content_group():
    """Lessons and quizzes."""


@content_group.command("check")
def content_check():
    """Validate every lesson, teacher guide and quiz; print `file: field: problem` for each error and
    each warning. Errors (including Korean style) exit 1; warnings alone still exit 0."""
    from pathlib import Path

    from flask import current_app

    from app.content.checks import check_content

    root = Path(current_app.config["CONTENT_ROOT"])
    report = check_content(root)
    for line in report.errors:
        click.echo(line, err=True)
    for line in report.warnings:
        click.echo(f"warning: {line}", err=True)
    if report.errors:
        click.echo(f"{len(report.errors)} problem(s), {len(report.warnings)} warning(s) in {root}", err=True)
        raise SystemExit(1)
    warned = f", {len(report.warnings)} warning(s)" if report.warnings else ""
    click.echo(f"content ok: {report.module_count} modules in {root}{warned}")
