"""audit account actions: whose account an event changed

Revision ID: c3a9d4e6f8b2
Revises: b1e5a0c2d7f1
Create Date: 2026-12-02 14:55:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'c3a9d4e6f8b2'
down_revision = 'b1e5a0c2d7f1'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('subject_user_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_audit_events_subject_user_id'), ['subject_user_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_audit_events_subject_user_id_users'), 'users',
                                    ['subject_user_id'], ['id'], ondelete='SET NULL')


def downgrade():
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_audit_events_subject_user_id_users'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_audit_events_subject_user_id'))
        batch_op.drop_column('subject_user_id')
