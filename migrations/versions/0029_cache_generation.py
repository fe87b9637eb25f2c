"""the data's generation, for the public page cache

Revision ID: 0029_cache_generation
Revises: 0028_returns_status_index
Create Date: 2026-12-04 23:30:00

One row, moved on by every transaction that writes (commissioning/core/pagecache.py): a page
kept under a generation is served until the next write, never after it.
"""
import sqlalchemy as sa
from alembic import op


revision = '0029_cache_generation'
down_revision = '0028_returns_status_index'
branch_labels = None
depends_on = None


def upgrade():
    table = op.create_table(
        'cache_generation',
        sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('value', sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_cache_generation')),
    )
    op.bulk_insert(table, [{'id': 1, 'value': 0}])


def downgrade():
    op.drop_table('cache_generation')
