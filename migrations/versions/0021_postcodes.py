"""postcodes (helper: places): where each venue is, for searches by distance

Revision ID: 0021_postcodes
Revises: 0019_panel_rounds
Create Date: 2026-12-02 09:40:00

Venues get the grid point of their postcode, filled here from the shipped postcode file
(never from a network lookup); a venue saved later is located by the configured lookup.
"""
from alembic import op
import sqlalchemy as sa

import commissioning.core.models


revision = '0021_postcodes'
down_revision = '0019_panel_rounds'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('venues', schema=None) as batch_op:
        batch_op.add_column(sa.Column('easting', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('northing', sa.Integer(), nullable=True))
    from commissioning.localities.postcodes import ShippedPostcodes, normalise_postcode
    lookup = ShippedPostcodes()
    connection = op.get_bind()
    venues = sa.table('venues', sa.column('id', sa.Integer), sa.column('postcode', sa.String),
                      sa.column('easting', sa.Integer), sa.column('northing', sa.Integer))
    for venue_id, postcode in connection.execute(sa.select(venues.c.id, venues.c.postcode)
                                                 .where(venues.c.postcode.is_not(None))).all():
        place = lookup.locate(normalise_postcode(postcode) or "")
        if place is not None:
            connection.execute(venues.update().where(venues.c.id == venue_id)
                               .values(easting=place.easting, northing=place.northing))


def downgrade():
    with op.batch_alter_table('venues', schema=None) as batch_op:
        batch_op.drop_column('northing')
        batch_op.drop_column('easting')
