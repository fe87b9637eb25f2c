"""mail preferences (helper: mail)

Revision ID: 0017_mail_preferences
Revises: 0016_duties_apart
Create Date: 2026-12-02 09:40:00

Notifications sealed like the mail they stand for; notification links stored as paths.
"""
import os
import re

from alembic import op
import sqlalchemy as sa

import commissioning.core.models


revision = '0017_mail_preferences'
down_revision = '0016_duties_apart'
branch_labels = None
depends_on = None


def _paths(to_path):
    """Rewrite every stored notification link with ``to_path`` (row by row: SQLite has no regexp_replace)."""
    reminders = sa.table("reminders", sa.column("id", sa.Integer), sa.column("link", sa.String))
    conn = op.get_bind()
    for row_id, link in conn.execute(sa.select(reminders.c.id, reminders.c.link)).all():
        new = to_path(link)
        if new != link:
            conn.execute(reminders.update().where(reminders.c.id == row_id).values(link=new))


def upgrade():
    # A notification sealed for an opportunity (a bidder's question, its answer) is sealed in the digest too.
    with op.batch_alter_table('reminders', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sealed_opportunity_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_reminders_sealed_opportunity_id'), ['sealed_opportunity_id'],
                              unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_reminders_sealed_opportunity_id_opportunities'), 'opportunities',
                                    ['sealed_opportunity_id'], ['id'], ondelete='SET NULL')
    # Links in the app are paths: one stored with BASE_URL's host pointed at another host when it was not set.
    _paths(lambda link: re.sub(r"^[a-z][a-z0-9+.-]*://[^/]*", "", link) or "/")


def downgrade():
    base = os.environ.get("COMMISSIONING_BASE_URL", os.environ.get("BASE_URL", "http://127.0.0.1:5000")).rstrip("/")
    _paths(lambda link: base + link if link.startswith("/") else link)
    with op.batch_alter_table('reminders', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_reminders_sealed_opportunity_id_opportunities'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_reminders_sealed_opportunity_id'))
        batch_op.drop_column('sealed_opportunity_id')
