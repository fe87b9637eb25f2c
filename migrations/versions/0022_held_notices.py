"""held notices: a signed-in person's messages wait with their session, not in the cookie

Revision ID: 0022_held_notices
Revises: 0021_postcodes
Create Date: 2026-12-02 19:55:00

Two answers to one double click each set the session cookie and the browser keeps the last to
arrive, so a flashed message could be lost; messages for signed-in people now wait in a table.
"""
from alembic import op
import sqlalchemy as sa

import commissioning.core.models


revision = '0022_held_notices'
down_revision = '0021_postcodes'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('user_sessions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('notices_waiting', sa.Boolean(), nullable=False, server_default=sa.false()))
    op.create_table(
        'held_notices',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('session_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('message', sa.Text(), nullable=False),
        sa.Column('created_at', commissioning.core.models.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['session_id'], ['user_sessions.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('held_notices', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_held_notices_session_id'), ['session_id'], unique=False)


def downgrade():
    with op.batch_alter_table('held_notices', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_held_notices_session_id'))
    op.drop_table('held_notices')
    with op.batch_alter_table('user_sessions', schema=None) as batch_op:
        batch_op.drop_column('notices_waiting')
