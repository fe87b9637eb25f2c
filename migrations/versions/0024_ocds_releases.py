"""OCDS releases stored as published, never rewritten

Revision ID: 0024_ocds_releases
Revises: 0023_ballot_kinds
Create Date: 2026-12-03 06:25:00

The feed was compiled afresh on each request, so a release changed under the same id and
date and harvesters using ``since`` never saw the change. Releases are now written once, in
this table, and the feed and the records are read from it.
"""
from alembic import op
import sqlalchemy as sa

import commissioning.core.models


revision = '0024_ocds_releases'
down_revision = '0023_ballot_kinds'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'ocds_releases',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('ocid', sa.String(length=120), nullable=False),
        sa.Column('sequence', sa.Integer(), nullable=False),
        sa.Column('release_id', sa.String(length=140), nullable=False),
        sa.Column('date', commissioning.core.models.UTCDateTime(), nullable=False),
        sa.Column('digest', sa.String(length=64), nullable=False),
        sa.Column('data', sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_ocds_releases')),
        sa.UniqueConstraint('ocid', 'sequence', name=op.f('uq_ocds_releases_ocid_sequence')),
        sa.UniqueConstraint('release_id', name=op.f('uq_ocds_releases_release_id')),
    )
    with op.batch_alter_table('ocds_releases', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ocds_releases_ocid'), ['ocid'], unique=False)
        batch_op.create_index(batch_op.f('ix_ocds_releases_date'), ['date'], unique=False)


def downgrade():
    with op.batch_alter_table('ocds_releases', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ocds_releases_date'))
        batch_op.drop_index(batch_op.f('ix_ocds_releases_ocid'))
    op.drop_table('ocds_releases')
