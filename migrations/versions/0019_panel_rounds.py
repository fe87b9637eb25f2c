"""panel rounds (helper: panels)

Revision ID: 0019_panel_rounds
Revises: 0018_executed_agreements
Create Date: 2026-12-02 09:40:00

When a round's voting actually closed (a round closed early must not go on showing the date it
was due to close), and each result's trace: the allocation rule's own figures behind every
project's explanation. Rounds closed before this take the time of their "round.closed" audit
entry, or their closing date; results counted before it have no trace and are explained by
counting their stored ballots again.
"""
from alembic import op
import sqlalchemy as sa

import commissioning.core.models


revision = '0019_panel_rounds'
down_revision = '0018_executed_agreements'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('panel_rounds', schema=None) as batch_op:
        batch_op.add_column(sa.Column('closed_at', commissioning.core.models.UTCDateTime(timezone=True), nullable=True))
    with op.batch_alter_table('panel_round_results', schema=None) as batch_op:
        batch_op.add_column(sa.Column('trace', sa.JSON(), nullable=True))
    op.execute(
        "UPDATE panel_rounds SET closed_at = COALESCE("
        "(SELECT MIN(a.created_at) FROM audit_entries a WHERE a.object_type = 'Round' "
        "AND a.object_id = panel_rounds.id AND a.action = 'round.closed'), closes_at) "
        "WHERE status IN ('closed', 'decided')")


def downgrade():
    # Plain ALTER TABLE ... DROP COLUMN (SQLite 3.35 and later), not a batch copy: on SQLite a copy
    # drops and recreates panel_rounds, and with foreign keys on that would delete, by cascade,
    # every round's projects, ballots, votes and result.
    op.drop_column('panel_round_results', 'trace')
    op.drop_column('panel_rounds', 'closed_at')
