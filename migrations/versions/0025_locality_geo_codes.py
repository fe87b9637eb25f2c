"""localities carry the ONS code of the official area they are, or lie in

Revision ID: 0025_locality_geo_codes
Revises: 0024_ocds_releases
Create Date: 2026-12-03 06:40:00

360Giving's beneficiary locations are useful when each name comes with a geographic code; a
commissioner sets each locality's code beside its allocation figures.
"""
from alembic import op
import sqlalchemy as sa


revision = '0025_locality_geo_codes'
down_revision = '0024_ocds_releases'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('localities', schema=None) as batch_op:
        batch_op.add_column(sa.Column('geo_code', sa.String(length=9), nullable=True))


def downgrade():
    # A plain DROP COLUMN (SQLite 3.35 and later have it): a batch copy of the table would drop
    # localities, which many tables' foreign keys point at, and SQLite refuses that.
    op.execute("ALTER TABLE localities DROP COLUMN geo_code")
