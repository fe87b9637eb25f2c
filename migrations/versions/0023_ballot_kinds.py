"""ballot kinds (choose one, points, ranked), rule options frozen at opening, and paper ballots

Rounds gain the points a member shares out (and the most on one project), and the rule's
options: equal shares' completion and utility, the comparison step against greedy, and whether
money left over may fund projects nobody chose. Ballots gain their points (``scores``) or their
order (``ranking``); they stay secret as before: no member, no time, random ids.

Downgrading keeps every ballot as the projects it named (the points and the order are lost, as
the old code cannot count them); a choose-one round becomes "up to 1", the other new kinds "up
to" as many projects as the round has, a Phragmén round equal shares, and a paper ballot an
online one (both were cast by a member who is recorded as having voted).

Revision ID: 0023_ballot_kinds
Revises: 0022_held_notices
Create Date: 2026-12-03 06:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0023_ballot_kinds'
down_revision = '0022_held_notices'
branch_labels = None
depends_on = None


def upgrade():
    # Plain ALTER TABLE, never a batch copy: on SQLite a copy drops and recreates the table, and with
    # foreign keys on that would delete, by cascade, every round's projects, ballots, votes and result.
    op.add_column('panel_rounds', sa.Column('total_points', sa.Integer(), nullable=True))
    op.add_column('panel_rounds', sa.Column('max_points', sa.Integer(), nullable=True))
    op.add_column('panel_rounds', sa.Column('completion', sa.String(length=30), nullable=True))
    op.add_column('panel_rounds', sa.Column('utility', sa.String(length=20), nullable=False, server_default='cost'))
    op.add_column('panel_rounds', sa.Column('compare', sa.String(length=20), nullable=True))
    op.add_column('panel_rounds', sa.Column('fund_unvoted', sa.Boolean(), nullable=False,
                                            server_default=sa.false()))
    op.add_column('panel_ballots', sa.Column('scores', sa.JSON(), nullable=True))
    op.add_column('panel_ballots', sa.Column('ranking', sa.JSON(), nullable=True))


def downgrade():
    rounds = sa.table('panel_rounds', sa.column('id', sa.Integer()), sa.column('ballot_type', sa.String(20)),
                      sa.column('max_projects', sa.Integer()), sa.column('rule', sa.String(20)))
    projects = sa.table('panel_round_projects', sa.column('round_id', sa.Integer()))
    ballots = sa.table('panel_ballots', sa.column('channel', sa.String(20)))
    op.execute(rounds.update().where(rounds.c.ballot_type == 'choose_one')
               .values(ballot_type='up_to_n', max_projects=1))
    many = (sa.select(sa.func.count()).select_from(projects).where(projects.c.round_id == rounds.c.id)
            .scalar_subquery())
    op.execute(rounds.update().where(rounds.c.ballot_type.in_(['cumulative', 'ranked']))
               .values(ballot_type='up_to_n', max_projects=sa.func.coalesce(rounds.c.max_projects, many)))
    op.execute(rounds.update().where(rounds.c.rule == 'phragmen').values(rule='equal-shares'))
    op.execute(ballots.update().where(ballots.c.channel == 'paper').values(channel='online'))
    # Plain DROP COLUMN (SQLite 3.35 and later), for the reason given in upgrade().
    for column in ('ranking', 'scores'):
        op.drop_column('panel_ballots', column)
    for column in ('fund_unvoted', 'compare', 'utility', 'completion', 'max_points', 'total_points'):
        op.drop_column('panel_rounds', column)
