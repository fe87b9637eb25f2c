"""ballots without a link to the member (helper: ballot secrecy)

Each existing ballot becomes two rows that cannot be matched: a ``panel_votes_cast`` row
(round, member, when they first voted) and a ballot (round, choices, channel) with a random
id, written in a random order, with no member and no timestamp.

Downgrading cannot put the link back (that is the point): ballots come back with no member,
as imported ones were, and the record of who voted is dropped.

Revision ID: 0015_secret_ballots
Revises: 0014_sealing
Create Date: 2026-12-02 05:30:00

"""
import random
import secrets
from datetime import datetime, timezone

from alembic import op
import sqlalchemy as sa

import commissioning.core.models


revision = '0015_secret_ballots'
down_revision = '0014_sealing'
branch_labels = None
depends_on = None


def _old_ballots_table():
    return sa.table('panel_ballots', sa.column('id', sa.Integer()), sa.column('round_id', sa.Integer()),
                    sa.column('member_id', sa.Integer()), sa.column('project_ids', sa.JSON()),
                    sa.column('created_at', commissioning.core.models.UTCDateTime(timezone=True)))


def _new_ballots_table():
    return sa.table('panel_ballots', sa.column('id', sa.String(32)), sa.column('round_id', sa.Integer()),
                    sa.column('project_ids', sa.JSON()), sa.column('channel', sa.String(20)))


def _votes_cast_table():
    return sa.table('panel_votes_cast', sa.column('round_id', sa.Integer()), sa.column('member_id', sa.Integer()),
                    sa.column('voted_at', commissioning.core.models.UTCDateTime(timezone=True)))


def upgrade():
    bind = op.get_bind()
    old = _old_ballots_table()
    rows = bind.execute(sa.select(old.c.round_id, old.c.member_id, old.c.project_ids, old.c.created_at)
                        .order_by(old.c.id)).all()

    op.create_table('panel_votes_cast',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('voted_at', commissioning.core.models.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['member_id'], ['panel_members.id'], name=op.f('fk_panel_votes_cast_member_id_panel_members'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['round_id'], ['panel_rounds.id'], name=op.f('fk_panel_votes_cast_round_id_panel_rounds'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_panel_votes_cast')),
    sa.UniqueConstraint('round_id', 'member_id', name=op.f('uq_panel_votes_cast_round_id_member_id'))
    )
    with op.batch_alter_table('panel_votes_cast', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_panel_votes_cast_member_id'), ['member_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_panel_votes_cast_round_id'), ['round_id'], unique=False)

    # The old table carries the link in every row: it goes, and a new one without it takes its place.
    with op.batch_alter_table('panel_ballots', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_panel_ballots_round_id'))
    op.drop_table('panel_ballots')
    op.create_table('panel_ballots',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('project_ids', sa.JSON(), nullable=False),
    sa.Column('channel', sa.Enum('online', 'imported', name='ballotchannel', native_enum=False, length=20), nullable=False),
    sa.ForeignKeyConstraint(['round_id'], ['panel_rounds.id'], name=op.f('fk_panel_ballots_round_id_panel_rounds'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_panel_ballots')),
    )
    with op.batch_alter_table('panel_ballots', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_panel_ballots_round_id'), ['round_id'], unique=False)

    votes = [{'round_id': r.round_id, 'member_id': r.member_id, 'voted_at': r.created_at}
             for r in rows if r.member_id is not None]
    ballots = [{'id': secrets.token_hex(16), 'round_id': r.round_id, 'project_ids': r.project_ids,
                'channel': 'online' if r.member_id is not None else 'imported'} for r in rows]
    random.SystemRandom().shuffle(ballots)   # not in the order the votes were cast
    if votes:
        op.bulk_insert(_votes_cast_table(), votes)
    if ballots:
        op.bulk_insert(_new_ballots_table(), ballots)


def downgrade():
    bind = op.get_bind()
    new = _new_ballots_table()
    rows = bind.execute(sa.select(new.c.round_id, new.c.project_ids)).all()

    with op.batch_alter_table('panel_ballots', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_panel_ballots_round_id'))
    op.drop_table('panel_ballots')
    op.create_table('panel_ballots',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=True),
    sa.Column('project_ids', sa.JSON(), nullable=False),
    sa.Column('created_at', commissioning.core.models.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['member_id'], ['panel_members.id'], name=op.f('fk_panel_ballots_member_id_panel_members'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['round_id'], ['panel_rounds.id'], name=op.f('fk_panel_ballots_round_id_panel_rounds'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_panel_ballots')),
    sa.UniqueConstraint('round_id', 'member_id', name=op.f('uq_panel_ballots_round_id_member_id'))
    )
    with op.batch_alter_table('panel_ballots', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_panel_ballots_round_id'), ['round_id'], unique=False)
    now = datetime.now(timezone.utc)
    if rows:
        op.bulk_insert(_old_ballots_table(), [{'round_id': r.round_id, 'member_id': None,
                                               'project_ids': r.project_ids, 'created_at': now} for r in rows])

    with op.batch_alter_table('panel_votes_cast', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_panel_votes_cast_round_id'))
        batch_op.drop_index(batch_op.f('ix_panel_votes_cast_member_id'))
    op.drop_table('panel_votes_cast')
