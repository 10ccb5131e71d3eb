"""report follow-up version: leaving the follow-up ends it on the server

Revision ID: e7c9a1b3d5f6
Revises: d5b7e9f1a3c4
Create Date: 2026-12-02 15:10:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'e7c9a1b3d5f6'
down_revision = 'd5b7e9f1a3c4'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('reports', schema=None) as batch_op:
        batch_op.add_column(sa.Column('followup_version', sa.Integer(), server_default='0', nullable=False))


def downgrade():
    with op.batch_alter_table('reports', schema=None) as batch_op:
        batch_op.drop_column('followup_version')
