"""Rotating the report encryption key: put a new key first in REPORT_KEYS, rotate, drop the old.
The same keys encrypt staff two-step login secrets, so those rotate too."""
from sqlalchemy import select

from app import reports_crypto
from app.extensions import db
from app.models import CaseAction, CaseMessage, CaseNote, Report, User

# Every (model, columns) holding ciphertext.
ENCRYPTED = [
    (Report, ("where_enc", "when_enc", "what_enc")),
    (CaseMessage, ("body_enc",)),
    (CaseNote, ("body_enc",)),
    (CaseAction, ("detail_enc", "reason_enc")),
    (User, ("totp_secret_enc",)),
]


def rotate_report_keys(batch: int = 500) -> int:
    """Re-encrypt every stored text with the first key; returns how many rows changed."""
    changed = 0
    for model, columns in ENCRYPTED:
        last_id = 0
        while True:
            rows = db.session.scalars(select(model).where(model.id > last_id).order_by(model.id).limit(batch)).all()
            if not rows:
                break
            for row in rows:
                for column in columns:
                    setattr(row, column, reports_crypto.rotate(getattr(row, column)))
                changed += 1
            last_id = rows[-1].id
            db.session.commit()
    return changed
