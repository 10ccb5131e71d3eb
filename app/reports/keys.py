"""Rotating the report encryption key: put a new key first in REPORT_KEYS, rotate, check, drop the old.
The same keys encrypt staff two-step login secrets, so those rotate too.

A rotation commits batch by batch, so a crash leaves rows under both keys. Running it again
resumes: rows the first key already reads are left alone. `check_report_keys()` counts what the
first key alone cannot read yet; only when that is zero may the old key be retired.
"""

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import cast

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from flask import current_app
from sqlalchemy import select

from app.extensions import db
from app.models import CaseAction, CaseMessage, CaseNote, Report, User

# Every (model, columns) holding ciphertext.
Encrypted = Report | CaseMessage | CaseNote | CaseAction | User
ENCRYPTED: list[tuple[type[Encrypted], tuple[str, ...]]] = [
    (Report, ("where_enc", "when_enc", "what_enc")),
    (CaseMessage, ("body_enc",)),
    (CaseNote, ("body_enc",)),
    (CaseAction, ("detail_enc", "reason_enc")),
    (User, ("totp_secret_enc",)),
]


@dataclass
class KeyCheck:
    rows: int = 0  # rows holding any ciphertext
    old_key: int = 0  # rows some column of which only an older key reads: rotate again
    unreadable: int = 0  # rows no configured key reads: a key is missing from REPORT_KEYS
    by_table: dict[str, int] = field(default_factory=dict)  # table -> old_key + unreadable

    @property
    def ok(self) -> bool:
        return self.old_key == 0 and self.unreadable == 0


def _keys() -> tuple[Fernet, MultiFernet]:
    keys = [Fernet(k) for k in current_app.config["REPORT_KEYS"]]
    return keys[0], MultiFernet(keys)


def _reads(fernet: Fernet | MultiFernet, token: str) -> bool:
    try:
        fernet.decrypt(token.encode("ascii"))
    except InvalidToken:
        return False
    return True


def _rows(
    model: type[Encrypted], columns: Sequence[str], batch: int, limit: int | None = None
) -> Iterator[Sequence[Encrypted]]:
    """Rows in id order, batch by batch, each batch its own transaction (a restart loses none)."""
    last_id, seen = 0, 0
    while limit is None or seen < limit:
        size = batch if limit is None else min(batch, limit - seen)
        found = db.session.scalars(select(model).where(model.id > last_id).order_by(model.id).limit(size)).all()
        rows = cast(Sequence[Encrypted], found)  # select() of a union of models is typed as their base
        if not rows:
            return
        yield rows
        seen += len(rows)
        last_id = rows[-1].id


def check_report_keys(batch: int = 500, newest: int | None = None) -> KeyCheck:
    """Count rows the first key alone cannot read (and rows no key reads). newest: only look at
    that many rows per table, from the start (a quick sample for `flask doctor`)."""
    first, every = _keys()
    result = KeyCheck()
    for model, columns in ENCRYPTED:
        count = 0
        for rows in _rows(model, columns, batch, newest):
            for row in rows:
                tokens = [t for t in (getattr(row, c) for c in columns) if t]
                if not tokens:
                    continue
                result.rows += 1
                if all(_reads(first, t) for t in tokens):
                    continue
                count += 1
                if all(_reads(every, t) for t in tokens):
                    result.old_key += 1
                else:
                    result.unreadable += 1
            db.session.rollback()
        result.by_table[model.__tablename__] = count
    return result


def rotate_report_keys(batch: int = 500, progress: Callable[[int], None] | None = None) -> int:
    """Re-encrypt with the first key every stored text it cannot read yet; returns how many rows
    changed. Safe to run again after an interruption: it carries on where the last run stopped.
    progress(rows changed so far) is called after each committed batch."""
    first, every = _keys()
    changed = 0
    for model, columns in ENCRYPTED:
        for rows in _rows(model, columns, batch):
            touched = 0
            for row in rows:
                stale = [c for c in columns if getattr(row, c) and not _reads(first, getattr(row, c))]
                for column in stale:
                    setattr(row, column, every.rotate(getattr(row, column).encode("ascii")).decode("ascii"))
                touched += bool(stale)
            db.session.commit()
            if touched:
                changed += touched
                if progress:
                    progress(changed)
    return changed
