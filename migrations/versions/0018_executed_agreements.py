"""executed agreements (helper: documents)

Revision ID: 0018_executed_agreements
Revises: 0017_mail_preferences
Create Date: 2026-12-02 09:40:00

Reserved: the helper named above fills it in, or it stays empty.
"""
from alembic import op
import sqlalchemy as sa

import commissioning.core.models


revision = '0018_executed_agreements'
down_revision = '0017_mail_preferences'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
