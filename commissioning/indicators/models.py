from decimal import Decimal

from commissioning.core.enums import TitledEnum
from commissioning.core.models import TimestampMixin
from commissioning.core.vocabulary import financial_year_label
from commissioning.extensions import db

indicator_needs = db.Table(
    "indicator_needs",
    db.Column("indicator_id", db.ForeignKey("indicators.id", ondelete="CASCADE"), primary_key=True),
    db.Column("need_id", db.ForeignKey("needs.id", ondelete="CASCADE"), primary_key=True),
)


class Polarity(TitledEnum):
    higher_is_better = "higher_is_better", "Higher is better"
    lower_is_better = "lower_is_better", "Lower is better"


class Rag(TitledEnum):
    green = "green", "Green: on or better than target"
    amber = "amber", "Amber: just off target"
    red = "red", "Red: off target"

    @property
    def short(self):
        return self.value.capitalize()

    @property
    def tag_colour(self):
        return {"green": "green", "amber": "yellow", "red": "red"}[self.value]


def rag_for(actual, target, polarity, tolerance):
    """Green on or better than target, amber when worse by no more than ``tolerance``, else red."""
    if actual is None or target is None:
        return None
    shortfall = (target - actual) if polarity is Polarity.higher_is_better else (actual - target)
    if shortfall <= 0:
        return Rag.green
    return Rag.amber if shortfall <= (tolerance or 0) else Rag.red


class Indicator(TimestampMixin, db.Model):
    __tablename__ = "indicators"

    id = db.Column(db.Integer, primary_key=True)
    name = db.Column(db.String(200), nullable=False, unique=True)
    unit = db.Column(db.String(60), nullable=False)
    polarity = db.Column(db.Enum(Polarity, native_enum=False, length=20), nullable=False)
    baseline_year = db.Column(db.Integer, nullable=False)
    baseline_value = db.Column(db.Numeric(12, 3), nullable=False)
    tolerance = db.Column(db.Numeric(12, 3), nullable=False, default=Decimal("0"))
    financial_years = db.Column(db.Boolean, nullable=False, default=True)  # 2026 means 2026/27
    story = db.Column(db.Text)

    years = db.relationship("IndicatorYear", back_populates="indicator", cascade="all, delete-orphan",
                            order_by="IndicatorYear.year")
    needs = db.relationship("Need", secondary=indicator_needs, order_by="Need.title",
                            backref=db.backref("indicators", order_by="Indicator.name"))

    def __repr__(self):
        return f"<Indicator {self.id} {self.name!r}>"

    @property
    def baseline_label(self):
        """The baseline year as the indicator counts years: "2025/26" for financial years, else "2025"."""
        return financial_year_label(self.baseline_year) if self.financial_years else str(self.baseline_year)

    @property
    def latest(self):
        """The latest year that has both an actual and a target."""
        rated = [y for y in self.years if y.actual is not None and y.target is not None]
        return rated[-1] if rated else None

    @property
    def rag(self):
        latest = self.latest
        return rag_for(latest.actual, latest.target, self.polarity, self.tolerance) if latest else None


class IndicatorYear(db.Model):
    __tablename__ = "indicator_years"
    __table_args__ = (db.UniqueConstraint("indicator_id", "year"),)

    id = db.Column(db.Integer, primary_key=True)
    indicator_id = db.Column(db.ForeignKey("indicators.id", ondelete="CASCADE"), nullable=False, index=True)
    year = db.Column(db.Integer, nullable=False)
    target = db.Column(db.Numeric(12, 3))
    actual = db.Column(db.Numeric(12, 3))

    indicator = db.relationship("Indicator", back_populates="years")

    def __repr__(self):
        return f"<IndicatorYear {self.indicator_id} {self.year}>"

    @property
    def label(self):
        return financial_year_label(self.year) if self.indicator.financial_years else str(self.year)

    @property
    def rag(self):
        ind = self.indicator
        return rag_for(self.actual, self.target, ind.polarity, ind.tolerance)
