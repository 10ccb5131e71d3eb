import hashlib
import secrets
from datetime import datetime, timedelta
from enum import StrEnum

from flask_login import UserMixin
from sqlalchemy import Boolean, CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import Model
from app.models.base import UTCDateTime, to_minute, utcnow
from app.models.school import School
from app.passwords import check_password, hash_password, needs_rehash


class Role(StrEnum):
    STUDENT = "student"
    TEACHER = "teacher"
    COUNSELOR = "counselor"
    SCHOOL_ADMIN = "school_admin"

    @classmethod
    def staff(cls) -> tuple["Role", ...]:
        return (cls.TEACHER, cls.COUNSELOR, cls.SCHOOL_ADMIN)


# Counselors and admins see reports about abuse of minors: a stolen password alone must not be enough.
TOTP_REQUIRED = (Role.COUNSELOR, Role.SCHOOL_ADMIN)


class User(UserMixin, Model):  # type: ignore[misc]  # flask-login ships no type information
    __tablename__ = "users"
    __table_args__ = (
        UniqueConstraint("school_id", "username"),
        CheckConstraint("role IN ('student', 'teacher', 'counselor', 'school_admin')", name="role_valid"),
        # Minors' data is minimal: students never have an email; staff always do.
        CheckConstraint(
            "(role = 'student' AND email IS NULL AND username IS NOT NULL)"
            " OR (role <> 'student' AND email IS NOT NULL)",
            name="identity_by_role",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), index=True)
    role: Mapped[str] = mapped_column(String(20))
    email: Mapped[str | None] = mapped_column(String(254), unique=True)
    username: Mapped[str | None] = mapped_column(String(40))
    display_name: Mapped[str] = mapped_column(String(80))
    password_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    locale: Mapped[str | None] = mapped_column(String(8))
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False)
    # Fernet ciphertext under REPORT_KEYS (kept outside the database, rotated with the reports):
    # a dump alone cannot mint codes. Read and write it through `totp_secret`.
    totp_secret_enc: Mapped[str | None] = mapped_column(String(255))
    totp_enabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    totp_last_step: Mapped[int | None]
    failed_logins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Bumped on password change or deactivation so every other session is logged out.
    session_version: Mapped[int] = mapped_column(default=1)
    # Hash of the nonce a half-finished login (password right, code owed) carries in its cookie.
    # Cleared when the login finishes or the account locks, so a saved cookie cannot be replayed.
    pending_login_hash: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    school: Mapped[School] = relationship()
    recovery_codes: Mapped[list["RecoveryCode"]] = relationship(back_populates="user", cascade="all, delete-orphan")

    # --- identity -----------------------------------------------------------------------------
    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}"

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_staff(self) -> bool:
        return self.role != Role.STUDENT

    @property
    def login_name(self) -> str:
        return self.email or self.username or ""

    def has_role(self, *roles: str) -> bool:
        return self.role in roles

    # --- passwords ----------------------------------------------------------------------------
    def set_password(self, password: str) -> None:
        self.password_hash = hash_password(password)
        self.end_sessions()

    def end_sessions(self) -> None:
        """Log out every session of this account, on every device."""
        self.session_version = (self.session_version or 0) + 1

    def check_password(self, password: str) -> bool:
        ok = check_password(self.password_hash, password)
        if ok and needs_rehash(self.password_hash):
            self.password_hash = hash_password(password)
        return ok

    # --- lockout ------------------------------------------------------------------------------
    def is_locked(self, now: datetime | None = None) -> bool:
        return self.locked_until is not None and self.locked_until > (now or utcnow())

    def record_failed_login(self, max_failures: int, lockout_minutes: int) -> None:
        self.failed_logins = (self.failed_logins or 0) + 1
        if self.failed_logins >= max_failures:
            self.locked_until = utcnow() + timedelta(minutes=lockout_minutes)
            self.failed_logins = 0
            self.pending_login_hash = None

    def start_pending_login(self) -> str:
        """A fresh nonce for the second step; only its hash is kept, and only one at a time."""
        nonce = secrets.token_urlsafe(32)
        self.pending_login_hash = hashlib.sha256(nonce.encode()).hexdigest()
        return nonce

    def pending_login_matches(self, nonce: object) -> bool:
        if not isinstance(nonce, str) or not self.pending_login_hash:
            return False
        return secrets.compare_digest(self.pending_login_hash, hashlib.sha256(nonce.encode()).hexdigest())

    def record_login(self) -> None:
        self.failed_logins = 0
        self.locked_until = None
        self.pending_login_hash = None
        # Never finer than the minute: it must not line up with an anonymous report's times.
        self.last_login_at = to_minute(utcnow())

    # --- two-factor ---------------------------------------------------------------------------
    @property
    def totp_secret(self) -> str | None:
        # Imported here: `app.reports` loads its routes, which need these models loaded first.
        from app.reports import crypto

        return crypto.decrypt(self.totp_secret_enc)

    @totp_secret.setter
    def totp_secret(self, secret: str | None) -> None:
        from app.reports import crypto

        self.totp_secret_enc = crypto.encrypt(secret)

    @property
    def totp_enabled(self) -> bool:
        return self.totp_enabled_at is not None

    @property
    def totp_required(self) -> bool:
        return self.role in TOTP_REQUIRED

    def new_recovery_codes(self, count: int = 10) -> list[str]:
        """Replace recovery codes; returns the plain codes, which are shown once and never stored."""
        codes = [f"{secrets.token_hex(3)}-{secrets.token_hex(3)}" for _ in range(count)]
        self.recovery_codes = [RecoveryCode(code_hash=RecoveryCode.digest(c)) for c in codes]
        return codes

    def use_recovery_code(self, code: str) -> bool:
        digest = RecoveryCode.digest(code)
        for rc in self.recovery_codes:
            if rc.used_at is None and secrets.compare_digest(rc.code_hash, digest):
                rc.used_at = to_minute(utcnow())
                return True
        return False

    def deactivate(self) -> None:
        self.active = False
        self.end_sessions()

    def __repr__(self) -> str:
        return f"<User {self.id} {self.role}>"


class RecoveryCode(Model):
    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship(back_populates="recovery_codes")

    @staticmethod
    def digest(code: str) -> str:
        normalized = code.strip().lower().replace(" ", "")
        return hashlib.sha256(normalized.encode()).hexdigest()


class Invite(Model):
    """A single-use, expiring link a school admin gives a new staff member."""

    __tablename__ = "invites"

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id"), index=True)
    role: Mapped[str] = mapped_column(String(20))
    email: Mapped[str] = mapped_column(String(254))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    school: Mapped[School] = relationship()

    @staticmethod
    def digest(token: str) -> str:
        return hashlib.sha256(token.encode()).hexdigest()

    @classmethod
    def issue(cls, school_id: int, role: str, email: str, created_by_id: int, ttl_hours: int) -> tuple["Invite", str]:
        """Create an invite; returns (invite, token). Only the token's hash is stored."""
        token = secrets.token_urlsafe(32)
        invite = cls(
            school_id=school_id,
            role=role,
            email=email.strip().lower(),
            token_hash=cls.digest(token),
            created_by_id=created_by_id,
            expires_at=utcnow() + timedelta(hours=ttl_hours),
        )
        return invite, token

    @property
    def status(self) -> str:
        if self.accepted_at:
            return "accepted"
        if self.revoked_at:
            return "revoked"
        if self.expires_at <= utcnow():
            return "expired"
        return "pending"
