"""pending login nonce: the second login step is checked against the database

Revision ID: b1e5a0c2d7f1
Revises: 4a0f91afa501
Create Date: 2026-12-02 14:45:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'b1e5a0c2d7f1'
down_revision = '4a0f91afa501'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.add_column(sa.Column('pending_login_hash', sa.String(length=64), nullable=True))


def downgrade():
    with op.batch_alter_table('users', schema=None) as batch_op:
        batch_op.drop_column('pending_login_hash')
