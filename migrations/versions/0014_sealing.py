"""sealed audit entries and mail, secret links never stored (helper: sealing and mail)

Revision ID: 0014_sealing
Revises: 0013_user_sessions
Create Date: 2026-12-02 05:30:00

"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401


revision = '0014_sealing'
down_revision = '0013_user_sessions'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
