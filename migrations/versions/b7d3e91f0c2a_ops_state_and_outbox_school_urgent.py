"""operations: ops_state (job run times, secret fingerprints); outbox school, urgent, waiting_on_server

Revision ID: b7d3e91f0c2a
Revises: e7c9a1b3d5f6
Create Date: 2026-12-02 15:20:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b7d3e91f0c2a'
down_revision = 'e7c9a1b3d5f6'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('ops_state',
    sa.Column('key', sa.String(length=60), nullable=False),
    sa.Column('value', sa.String(length=300), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_ops_state'))
    )
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('school_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('urgent', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('waiting_on_server', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.create_index(batch_op.f('ix_outbox_school_id'), ['school_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_outbox_school_id_schools'), 'schools', ['school_id'], ['id'],
                                    ondelete='SET NULL')


def downgrade():
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_outbox_school_id_schools'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_outbox_school_id'))
        batch_op.drop_column('waiting_on_server')
        batch_op.drop_column('urgent')
        batch_op.drop_column('school_id')
    op.drop_table('ops_state')
