"""ballots without a link to the member (helper: ballot secrecy)

Revision ID: 0015_secret_ballots
Revises: 0014_sealing
Create Date: 2026-12-02 05:30:00

"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401


revision = '0015_secret_ballots'
down_revision = '0014_sealing'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
