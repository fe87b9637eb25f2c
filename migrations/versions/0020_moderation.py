"""moderation (helper: evaluation)

Revision ID: 0020_moderation
Revises: 0019_panel_rounds
Create Date: 2026-12-02 09:40:00

Reserved: the helper named above fills it in, or it stays empty.
"""
from alembic import op
import sqlalchemy as sa

import commissioning.core.models


revision = '0020_moderation'
down_revision = '0019_panel_rounds'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
