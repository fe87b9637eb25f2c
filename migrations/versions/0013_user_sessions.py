"""server-side sessions, one row per sign-in (helper: sessions and people administration)

Revision ID: 0013_user_sessions
Revises: 0012_outbox_completion
Create Date: 2026-12-02 05:30:00

"""
from alembic import op
import sqlalchemy as sa

import commissioning.core.models


revision = '0013_user_sessions'
down_revision = '0012_outbox_completion'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('user_sessions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('secret_hash', sa.String(length=64), nullable=False),
    sa.Column('device', sa.String(length=120), nullable=False),
    sa.Column('created_at', commissioning.core.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_seen_at', commissioning.core.models.UTCDateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', commissioning.core.models.UTCDateTime(timezone=True), nullable=True),
    sa.Column('revoked_reason', sa.Enum('signed_out', 'signed_out_everywhere', 'signed_out_by_person',
                                        'password_changed', 'password_reset', 'deactivated', 'revoked_by_admin',
                                        name='sessionend', native_enum=False, length=40), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_user_sessions_user_id_users'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_user_sessions')),
    sa.UniqueConstraint('secret_hash', name=op.f('uq_user_sessions_secret_hash'))
    )
    with op.batch_alter_table('user_sessions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_user_sessions_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('user_sessions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_user_sessions_user_id'))

    op.drop_table('user_sessions')
