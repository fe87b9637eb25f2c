"""separation of duties (helper: duties apart)

Revision ID: 0016_duties_apart
Revises: 0015_secret_ballots
Create Date: 2026-12-02 05:30:00

"""
from alembic import op
import sqlalchemy as sa

import commissioning.core.models


revision = '0016_duties_apart'
down_revision = '0015_secret_ballots'
branch_labels = None
depends_on = None


def upgrade():
    # A declared interest takes the evaluator off the lot, unless the commissioner allows it and says why.
    with op.batch_alter_table('conflict_declarations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('allowed_at', commissioning.core.models.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('allowed_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('allowed_reason', sa.Text(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_conflict_declarations_allowed_by_id_users'), 'users',
                                    ['allowed_by_id'], ['id'], ondelete='SET NULL')


def downgrade():
    with op.batch_alter_table('conflict_declarations', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_conflict_declarations_allowed_by_id_users'), type_='foreignkey')
        batch_op.drop_column('allowed_reason')
        batch_op.drop_column('allowed_by_id')
        batch_op.drop_column('allowed_at')
