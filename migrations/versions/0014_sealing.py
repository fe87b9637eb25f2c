"""sealed audit entries and mail, secret links never stored (helper: sealing and mail)

Revision ID: 0014_sealing
Revises: 0013_user_sessions
Create Date: 2026-12-02 05:30:00

"""
import re

from alembic import op
import sqlalchemy as sa


revision = '0014_sealing'
down_revision = '0013_user_sessions'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('audit_entries', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sealed_opportunity_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_audit_entries_sealed_opportunity_id'), ['sealed_opportunity_id'],
                              unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_audit_entries_sealed_opportunity_id_opportunities'),
                                    'opportunities', ['sealed_opportunity_id'], ['id'], ondelete='SET NULL')
    with op.batch_alter_table('outgoing_emails', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sealed_opportunity_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('secret_link', sa.String(length=30), nullable=True))
        batch_op.add_column(sa.Column('secret_link_user_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_outgoing_emails_sealed_opportunity_id'), ['sealed_opportunity_id'],
                              unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_outgoing_emails_sealed_opportunity_id_opportunities'),
                                    'opportunities', ['sealed_opportunity_id'], ['id'], ondelete='SET NULL')
        batch_op.create_foreign_key(batch_op.f('fk_outgoing_emails_secret_link_user_id_users'),
                                    'users', ['secret_link_user_id'], ['id'], ondelete='SET NULL')

    # What bidders did before this revision is sealed too: their bids' entries, the receipts mailed
    # to them (traced by the reference the body quotes, or the title in the subject), and the
    # entries about those mails, which name the bidder's address.
    op.execute("UPDATE audit_entries SET sealed_opportunity_id = (SELECT bids.opportunity_id FROM bids "
               "WHERE bids.id = audit_entries.object_id) WHERE object_type = 'Bid'")
    op.execute(
        "UPDATE outgoing_emails SET sealed_opportunity_id = COALESCE("
        "(SELECT MIN(o.id) FROM opportunities o WHERE o.reference IS NOT NULL"
        " AND outgoing_emails.body LIKE '%(' || o.reference || ')%'),"
        "(SELECT MIN(o.id) FROM opportunities o WHERE outgoing_emails.subject IN"
        " ('Bid received: ' || o.title, 'Bid withdrawn: ' || o.title)))"
        " WHERE kind IN ('bid_receipt', 'bid_withdrawn')")
    op.execute("UPDATE audit_entries SET sealed_opportunity_id = (SELECT e.sealed_opportunity_id FROM "
               "outgoing_emails e WHERE e.id = audit_entries.object_id) WHERE object_type = 'OutgoingEmail' "
               "AND object_id IN (SELECT id FROM outgoing_emails WHERE sealed_opportunity_id IS NOT NULL)")

    # Links already stored in mail bodies stop being readable: the body keeps its other text.
    emails = sa.table('outgoing_emails', sa.column('id', sa.Integer()), sa.column('kind', sa.String()),
                      sa.column('body', sa.Text()))
    connection = op.get_bind()
    rows = connection.execute(sa.select(emails.c.id, emails.c.body)
                              .where(emails.c.kind.in_(['password_reset', 'member_invited']))).all()
    for row in rows:
        body = re.sub(r'\S*/password-reset/\S+', '[link: sent to the person, not kept]', row.body)
        if body != row.body:
            connection.execute(emails.update().where(emails.c.id == row.id).values(body=body))


def downgrade():
    with op.batch_alter_table('outgoing_emails', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_outgoing_emails_secret_link_user_id_users'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_outgoing_emails_sealed_opportunity_id_opportunities'),
                                 type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_outgoing_emails_sealed_opportunity_id'))
        batch_op.drop_column('secret_link_user_id')
        batch_op.drop_column('secret_link')
        batch_op.drop_column('sealed_opportunity_id')
    with op.batch_alter_table('audit_entries', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_audit_entries_sealed_opportunity_id_opportunities'),
                                 type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_audit_entries_sealed_opportunity_id'))
        batch_op.drop_column('sealed_opportunity_id')
