"""payments made under agreements, recorded by commissioners

Revision ID: 0026_payments_made
Revises: 0025_locality_geo_codes
Create Date: 2026-12-03 06:45:00

The open data listed every scheduled payment as a transaction once its due date passed, paid
or not; payments made are now recorded, and only they are published.
"""
from alembic import op
import sqlalchemy as sa

import commissioning.core.models


revision = '0026_payments_made'
down_revision = '0025_locality_geo_codes'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'agreement_payments',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('agreement_id', sa.Integer(), nullable=False),
        sa.Column('instalment', sa.Integer(), nullable=True),
        sa.Column('amount_pence', sa.BigInteger(), nullable=False),
        sa.Column('paid_on', sa.Date(), nullable=False),
        sa.Column('reference', sa.String(length=60), nullable=False),
        sa.Column('recorded_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', commissioning.core.models.UTCDateTime(), nullable=False),
        sa.CheckConstraint('amount_pence > 0', name=op.f('ck_agreement_payments_amount_positive')),
        sa.ForeignKeyConstraint(['agreement_id'], ['agreements.id'],
                                name=op.f('fk_agreement_payments_agreement_id_agreements'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'],
                                name=op.f('fk_agreement_payments_recorded_by_id_users'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_agreement_payments')),
        sa.UniqueConstraint('agreement_id', 'reference', name=op.f('uq_agreement_payments_agreement_id_reference')),
    )
    with op.batch_alter_table('agreement_payments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_agreement_payments_agreement_id'), ['agreement_id'], unique=False)


def downgrade():
    with op.batch_alter_table('agreement_payments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_agreement_payments_agreement_id'))
    op.drop_table('agreement_payments')
