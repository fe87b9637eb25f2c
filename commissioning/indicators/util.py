import csv
import io
from decimal import Decimal

from sqlalchemy.orm import selectinload

from commissioning.core.spreadsheets import safe_cell
from commissioning.extensions import db
from commissioning.indicators.models import Indicator


def list_indicators():
    return db.session.scalars(db.select(Indicator).options(selectinload(Indicator.years))
                              .order_by(Indicator.name)).all()


def load_indicator(indicator_id):
    return db.session.scalars(db.select(Indicator).where(Indicator.id == indicator_id)
                              .options(selectinload(Indicator.years), selectinload(Indicator.needs))).first()


def fmt(value):
    """Decimal without trailing zeros: 57.900 -> '57.9'."""
    if value is None:
        return ""
    text = f"{Decimal(value):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def chart(indicator, width=640, height=320):
    """Geometry of the trajectory chart: baseline, target line and actuals, as plain data for the SVG."""
    pad_left, pad_right, pad_top, pad_bottom = 56, 16, 16, 48
    points = [(indicator.baseline_year, None, indicator.baseline_value)]
    points += [(y.year, y.target, y.actual) for y in indicator.years]
    values = [v for _, t, a in points for v in (t, a) if v is not None]
    if not values:
        return None
    low, high = min(values), max(values)
    low = min(low, Decimal(0)) if low >= 0 and low < (high - low) else low
    span = (high - low) or Decimal(1)
    high += span * Decimal("0.1")
    span = high - low
    years = sorted({p[0] for p in points})
    first, last = years[0], years[-1]
    inner_w, inner_h = width - pad_left - pad_right, height - pad_top - pad_bottom

    def x(year):
        return pad_left + (inner_w * (year - first) / (last - first) if last != first else inner_w / 2)

    def y(value):
        return pad_top + float((high - Decimal(value)) / span) * inner_h

    def line(pairs):
        return " ".join(f"{x(yr):.1f},{y(v):.1f}" for yr, v in pairs)

    targets = [(yr, t) for yr, t, _ in points if t is not None]
    actuals = [(yr, a) for yr, _, a in points if a is not None]
    ticks = [low + span * Decimal(i) / 4 for i in range(5)]
    return {
        "width": width, "height": height, "left": pad_left, "bottom": height - pad_bottom,
        "right": width - pad_right, "top": pad_top,
        "targets": line(targets), "actuals": line(actuals),
        "target_points": [(x(yr), y(v), yr, fmt(v)) for yr, v in targets],
        "actual_points": [(x(yr), y(v), yr, fmt(v)) for yr, v in actuals],
        "baseline": (x(indicator.baseline_year), y(indicator.baseline_value)),
        "x_ticks": [(x(yr), yr) for yr in years],
        "y_ticks": [(y(v), fmt(round(v, 1))) for v in ticks],
    }


def indicator_csv(indicator):
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["indicator", "unit", "year", "financial_year", "kind", "target", "actual", "rag"])
    name, unit = safe_cell(indicator.name), safe_cell(indicator.unit)
    writer.writerow([name, unit, indicator.baseline_year, "", "baseline", "", fmt(indicator.baseline_value), ""])
    for row in indicator.years:
        rag = row.rag
        writer.writerow([name, unit, row.year, row.label, "year", fmt(row.target), fmt(row.actual),
                         rag.value if rag else ""])
    return out.getvalue()
