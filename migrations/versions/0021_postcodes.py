"""postcodes (helper: places)

Revision ID: 0021_postcodes
Revises: 0020_moderation
Create Date: 2026-12-02 09:40:00

Reserved: the helper named above fills it in, or it stays empty.
"""
from alembic import op
import sqlalchemy as sa

import commissioning.core.models


revision = '0021_postcodes'
down_revision = '0020_moderation'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
