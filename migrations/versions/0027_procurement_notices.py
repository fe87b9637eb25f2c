"""Procurement Act 2023 notices per procurement, and notice releases in the OCDS feed

Revision ID: 0027_procurement_notices
Revises: 0026_payments_made
Create Date: 2026-12-03 11:40:00

Each notice a procurement needs (UK2 to UK12) gets a row when it falls due or a commissioner
starts it; publishing stores its release in ocds_releases, marked with its notice type so that
the state publisher compares the state only with state releases.
"""
from alembic import op
import sqlalchemy as sa

import commissioning.core.models


revision = '0027_procurement_notices'
down_revision = '0026_payments_made'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'procurement_notices',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('opportunity_id', sa.Integer(), nullable=False),
        sa.Column('notice_type', sa.String(length=4), nullable=False),
        sa.Column('subject', sa.String(length=40), nullable=False),
        sa.Column('status', sa.Enum('draft', 'published', name='noticestatus', native_enum=False, length=20),
                  nullable=False),
        sa.Column('due_on', sa.Date(), nullable=True),
        sa.Column('details', sa.JSON(), nullable=False),
        sa.Column('published_at', commissioning.core.models.UTCDateTime(), nullable=True),
        sa.Column('published_by_id', sa.Integer(), nullable=True),
        sa.Column('release_id', sa.String(length=140), nullable=True),
        sa.Column('release', sa.JSON(), nullable=True),
        sa.Column('fts_status', sa.String(length=30), nullable=True),
        sa.Column('fts_payload', sa.Text(), nullable=True),
        sa.Column('fts_response', sa.JSON(), nullable=True),
        sa.Column('fts_submitted_at', commissioning.core.models.UTCDateTime(), nullable=True),
        sa.Column('created_at', commissioning.core.models.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['opportunity_id'], ['opportunities.id'],
                                name=op.f('fk_procurement_notices_opportunity_id_opportunities'), ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['published_by_id'], ['users.id'],
                                name=op.f('fk_procurement_notices_published_by_id_users'), ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_procurement_notices')),
        sa.UniqueConstraint('opportunity_id', 'notice_type', 'subject',
                            name=op.f('uq_procurement_notices_opportunity_id_notice_type_subject')),
    )
    with op.batch_alter_table('procurement_notices', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_procurement_notices_opportunity_id'), ['opportunity_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_procurement_notices_due_on'), ['due_on'], unique=False)
    with op.batch_alter_table('ocds_releases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('notice_type', sa.String(length=4), nullable=True))


def downgrade():
    with op.batch_alter_table('ocds_releases', schema=None) as batch_op:
        batch_op.drop_column('notice_type')
    with op.batch_alter_table('procurement_notices', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_procurement_notices_due_on'))
        batch_op.drop_index(batch_op.f('ix_procurement_notices_opportunity_id'))
    op.drop_table('procurement_notices')
