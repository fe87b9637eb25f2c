"""request_keys: one row per keyed state-changing request (exactly-once requests)

Revision ID: 0011_request_keys
Revises: 0010_api_tokens
Create Date: 2026-12-01 22:45:00

"""
from alembic import op
import sqlalchemy as sa

import commissioning.core.models


revision = '0011_request_keys'
down_revision = '0010_api_tokens'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'request_keys',
        sa.Column('key', sa.String(length=64), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('method', sa.String(length=10), nullable=False),
        sa.Column('path', sa.String(length=500), nullable=False),
        sa.Column('status_code', sa.Integer(), nullable=True),
        sa.Column('location', sa.String(length=1000), nullable=True),
        sa.Column('messages', sa.JSON(), nullable=False),
        sa.Column('created_at', commissioning.core.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_request_keys_user_id_users'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('key', name=op.f('pk_request_keys')),
    )
    with op.batch_alter_table('request_keys', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_request_keys_user_id'), ['user_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_request_keys_created_at'), ['created_at'], unique=False)


def downgrade():
    with op.batch_alter_table('request_keys', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_request_keys_created_at'))
        batch_op.drop_index(batch_op.f('ix_request_keys_user_id'))
    op.drop_table('request_keys')
