"""panel rounds (helper: panels)

Revision ID: 0019_panel_rounds
Revises: 0018_executed_agreements
Create Date: 2026-12-02 09:40:00

Reserved: the helper named above fills it in, or it stays empty.
"""
from alembic import op
import sqlalchemy as sa

import commissioning.core.models


revision = '0019_panel_rounds'
down_revision = '0018_executed_agreements'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
