"""Two-step login secrets are encrypted with the report keys: a database dump alone cannot mint
login codes, and `flask reports rotate-keys` moves them to a new key like the reports."""

import base64

import pyotp
from cryptography.fernet import Fernet
from db_dump import dump_text
from flask_migrate import upgrade
from sqlalchemy import select

from app.extensions import db
from app.models import Role, User
from app.reports import crypto as reports_crypto
from conftest import TEST_DATABASE_URL, Factory, login, totp_code


def _secret_forms(secret: str) -> list[str]:
    raw = base64.b32decode(secret)
    return [secret, secret.lower(), raw.hex(), base64.b64encode(raw).decode()]


def test_a_database_dump_holds_no_totp_secret(app, factory):
    school = factory.school("ALPHA")
    counselor = factory.user(school, Role.COUNSELOR)
    enrolling = factory.user(school, Role.SCHOOL_ADMIN, totp=False)
    client = app.test_client()
    client.post("/login/staff", data={"email": enrolling.email, "password": enrolling.password})
    page = client.get("/login/enrol").get_data(as_text=True)
    with client.session_transaction() as session:
        enrol_secret = session["enrol_secret"]
    assert enrol_secret in page
    code = pyotp.TOTP(enrol_secret).now()
    assert client.post("/login/enrol", data={"code": code}).status_code == 200  # recovery codes page

    dump = dump_text(app)
    for secret in (counselor.totp_secret, enrol_secret):
        for form in _secret_forms(secret):
            assert form not in dump
    login(app.test_client(), counselor)  # and the codes still work


def test_rotating_keys_moves_totp_secrets_to_the_new_key(app_factory):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    app = app_factory(REPORT_KEYS=[old])
    factory = Factory(app)
    counselor = factory.user(factory.school("ALPHA"), Role.COUNSELOR)
    app.config["REPORT_KEYS"] = [new, old]
    result = app.test_cli_runner().invoke(args=["reports", "rotate-keys"])
    assert result.exit_code == 0 and "re-encrypted 1 row(s)" in result.output
    app.config["REPORT_KEYS"] = [new]  # the old key is retired: the secret must still open
    client = app.test_client()
    client.post("/login/staff", data={"email": counselor.email, "password": counselor.password})
    response = client.post("/login/verify", data={"otp-code": totp_code(app, counselor), "otp-submit": "1"})
    assert response.status_code == 302 and response.headers["Location"] == "/"


def test_the_migration_encrypts_secrets_already_stored(app_factory, tmp_path):
    url = TEST_DATABASE_URL or f"sqlite:///{tmp_path / 'migrated.db'}"
    app = app_factory(SQLALCHEMY_DATABASE_URI=url)
    secret = pyotp.random_base32()
    with app.app_context():
        db.drop_all()
        with db.engine.begin() as conn:
            conn.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
        upgrade(revision="c3a9d4e6f8b2")
        with db.engine.begin() as conn:
            conn.exec_driver_sql(
                "INSERT INTO schools (id, name, code, default_locale, timezone, created_at) "
                "VALUES (1, 'Alpha', 'ALPHA', 'en', 'Asia/Seoul', CURRENT_TIMESTAMP)"
            )
            conn.exec_driver_sql(
                "INSERT INTO users (id, school_id, role, email, display_name, password_hash, active, "  # noqa: S608 - fixed values
                "must_change_password, totp_secret, failed_logins, session_version, created_at) VALUES "
                f"(1, 1, 'counselor', 'c@alpha.example', 'C', 'x', true, false, '{secret}', 0, 1, CURRENT_TIMESTAMP)"
            )
        upgrade()
        stored = db.session.scalar(select(User.totp_secret_enc))
        assert secret not in stored and reports_crypto.decrypt(stored) == secret
        db.session.remove()
        db.drop_all()
        with db.engine.begin() as conn:
            conn.exec_driver_sql("DROP TABLE IF EXISTS alembic_version")
