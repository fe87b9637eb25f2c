"""outbox_completion: a task marks its outbox row completed; unfinished rows are sent again

Revision ID: 0012_outbox_completion
Revises: 0011_request_keys
Create Date: 2026-12-02 10:30:00

"""
from datetime import UTC, datetime, timedelta

from alembic import op
import sqlalchemy as sa

import commissioning.core.models


revision = '0012_outbox_completion'
down_revision = '0011_request_keys'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('outbox_tasks', schema=None) as batch_op:
        batch_op.add_column(sa.Column('completed_at', commissioning.core.models.UTCDateTime(timezone=True),
                                      nullable=True))
        batch_op.add_column(sa.Column('redispatch_count', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('gave_up_at', commissioning.core.models.UTCDateTime(timezone=True),
                                      nullable=True))
        batch_op.create_index(batch_op.f('ix_outbox_tasks_completed_at'), ['completed_at'], unique=False)
        batch_op.create_index('ix_outbox_tasks_unfinished', ['dispatched_at'], unique=False,
                              postgresql_where=sa.text('completed_at IS NULL AND gave_up_at IS NULL'),
                              sqlite_where=sa.text('completed_at IS NULL AND gave_up_at IS NULL'))

    # Rows sent before this revision never recorded their end. Those sent more than a day ago
    # (far longer than any task, its retries and the old one-hour visibility timeout) are taken
    # as done, so the new sweep does not resend the whole history; newer ones are left open, and
    # their tasks, idempotent, either find their work done or do it.
    outbox = sa.table('outbox_tasks', sa.column('dispatched_at', commissioning.core.models.UTCDateTime()),
                      sa.column('completed_at', commissioning.core.models.UTCDateTime()))
    op.execute(outbox.update()
               .where(outbox.c.dispatched_at.is_not(None),
                      outbox.c.dispatched_at < datetime.now(UTC) - timedelta(days=1))
               .values(completed_at=outbox.c.dispatched_at))


def downgrade():
    with op.batch_alter_table('outbox_tasks', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_tasks_unfinished',
                            postgresql_where=sa.text('completed_at IS NULL AND gave_up_at IS NULL'),
                            sqlite_where=sa.text('completed_at IS NULL AND gave_up_at IS NULL'))
        batch_op.drop_index(batch_op.f('ix_outbox_tasks_completed_at'))
        batch_op.drop_column('gave_up_at')
        batch_op.drop_column('redispatch_count')
        batch_op.drop_column('completed_at')
