"""mail preferences (helper: mail)

Revision ID: 0017_mail_preferences
Revises: 0016_duties_apart
Create Date: 2026-12-02 09:40:00

Reserved: the helper named above fills it in, or it stays empty.
"""
from alembic import op
import sqlalchemy as sa

import commissioning.core.models


revision = '0017_mail_preferences'
down_revision = '0016_duties_apart'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
