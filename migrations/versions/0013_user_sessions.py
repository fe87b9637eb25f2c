"""server-side sessions, one row per sign-in (helper: sessions and people administration)

Revision ID: 0013_user_sessions
Revises: 0012_outbox_completion
Create Date: 2026-12-02 05:30:00

"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401


revision = '0013_user_sessions'
down_revision = '0012_outbox_completion'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
