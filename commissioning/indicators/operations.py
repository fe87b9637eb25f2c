from commissioning.audit.operations import log_action
from commissioning.extensions import db
from commissioning.indicators.models import Indicator, IndicatorYear


def save_indicator(indicator=None, needs=None, **fields):
    created = indicator is None
    indicator = indicator or Indicator()
    for key, value in fields.items():
        setattr(indicator, key, value)
    if needs is not None:
        indicator.needs = list(needs)
    db.session.add(indicator)
    db.session.flush()
    log_action(indicator, "indicator.created" if created else "indicator.updated",
               f"Indicator “{indicator.name}” {'created' if created else 'updated'}")
    return indicator


def set_year(indicator, year, target, actual):
    """Set (or clear, when both are None) one year's target and actual."""
    row = next((y for y in indicator.years if y.year == year), None)
    if row is None and (target is not None or actual is not None):
        row = IndicatorYear(indicator=indicator, year=year)
        db.session.add(row)
    if row is None:
        return None
    if target is None and actual is None:
        indicator.years.remove(row)
        db.session.delete(row)
        log_action(indicator, "indicator.year_removed", f"{indicator.name}: year {year} removed", year=year)
        return None
    row.target, row.actual = target, actual
    db.session.flush()
    log_action(indicator, "indicator.year_set", f"{indicator.name}: {row.label} target {target}, actual {actual}",
               year=year, target=str(target), actual=str(actual))
    return row
