"""dashboard (helper: dashboards)

Revision ID: 0022_dashboard
Revises: 0021_postcodes
Create Date: 2026-12-02 09:40:00

Reserved: the helper named above fills it in, or it stays empty.
"""
from alembic import op
import sqlalchemy as sa

import commissioning.core.models


revision = '0022_dashboard'
down_revision = '0021_postcodes'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
