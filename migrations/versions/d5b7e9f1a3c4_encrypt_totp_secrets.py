"""encrypt two-step login secrets with the report keys

Revision ID: d5b7e9f1a3c4
Revises: c3a9d4e6f8b2
Create Date: 2026-12-02 15:00:00

The secrets are re-encrypted in place, so this migration needs REPORT_KEYS (it runs inside the
app via `flask db upgrade`, which has them). Downgrading decrypts them again.
"""
from alembic import op
import sqlalchemy as sa


revision = 'd5b7e9f1a3c4'
down_revision = 'c3a9d4e6f8b2'
branch_labels = None
depends_on = None

users = sa.table('users', sa.column('id', sa.Integer), sa.column('totp_secret', sa.String),
                 sa.column('totp_secret_enc', sa.String))


def _convert(source: str, target: str, change) -> None:
    conn = op.get_bind()
    rows = conn.execute(sa.select(users.c.id, users.c[source]).where(users.c[source].is_not(None))).all()
    for user_id, value in rows:
        conn.execute(users.update().where(users.c.id == user_id).values({target: change(value)}))


def upgrade():
    from app.reports import crypto as reports_crypto

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('totp_secret_enc', sa.String(length=255), nullable=True))
    _convert('totp_secret', 'totp_secret_enc', reports_crypto.encrypt)
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('totp_secret')


def downgrade():
    from app.reports import crypto as reports_crypto

    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('totp_secret', sa.String(length=64), nullable=True))
    _convert('totp_secret_enc', 'totp_secret', reports_crypto.decrypt)
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('totp_secret_enc')
