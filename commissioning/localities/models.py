import re

from commissioning.extensions import db

#: ONS entity prefixes (the first three characters of a GSS code) and the 360Giving geoCodeType of
#: each, from 360Giving's geoCodeType codelist: the type follows from the code, so only the code is kept.
GEO_CODE_TYPES = {
    "E00": "OA", "E01": "LSOA", "E02": "MSOA", "E04": "PAR", "E05": "WD", "E06": "UA", "E07": "NMD",
    "E08": "MD", "E09": "LONB", "E10": "CTY", "E14": "WPC", "W05": "WD", "W06": "UA", "W07": "WPC",
    "S12": "CA", "S13": "WD", "S14": "WPC", "N06": "WPC",
}
GEO_CODE = re.compile(r"^[ENSW]\d{8}$")


class Locality(db.Model):
    """A district or area used for planning, allocation and reporting."""

    __tablename__ = "localities"

    id = db.Column(db.Integer, primary_key=True)
    name = db.Column(db.String(120), nullable=False, unique=True)
    slug = db.Column(db.String(120), nullable=False, unique=True)
    # Inputs of the allocation formula (the papers' young people, deprivation, rural isolation).
    young_people = db.Column(db.Integer, nullable=False, default=0, server_default="0")
    deprivation_index = db.Column(db.Numeric(8, 3), nullable=False, default=0, server_default="0")
    rurality_index = db.Column(db.Numeric(8, 3), nullable=False, default=0, server_default="0")
    # The ONS (GSS) code of the official area it is, or lies in (a ward, a district), for open data.
    geo_code = db.Column(db.String(9))

    @property
    def geo_code_type(self):
        return GEO_CODE_TYPES.get((self.geo_code or "")[:3])

    def __repr__(self):
        return f"<Locality {self.id} {self.name!r}>"
