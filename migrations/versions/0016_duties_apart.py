"""separation of duties (helper: duties apart)

Revision ID: 0016_duties_apart
Revises: 0015_secret_ballots
Create Date: 2026-12-02 05:30:00

"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401


revision = '0016_duties_apart'
down_revision = '0015_secret_ballots'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
