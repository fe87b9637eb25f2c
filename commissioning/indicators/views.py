"""Indicators and trajectories: public charts and tables, edited by commissioners."""
from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_login import current_user

from commissioning.core import notices
from commissioning.core.permissions import permission_required
from commissioning.extensions import db
from commissioning.files.util import send_download
from commissioning.indicators import operations
from commissioning.indicators.forms import IndicatorForm, YearForm
from commissioning.indicators.util import chart, fmt, indicator_csv, list_indicators, load_indicator
from commissioning.needs.models import Need

bp = Blueprint("indicators", __name__, url_prefix="/indicators")


@bp.route("")
def index():
    return render_template("indicators/index.html", indicators=list_indicators(), fmt=fmt)


@bp.route("/<int:indicator_id>")
def show(indicator_id):
    indicator = load_indicator(indicator_id) or abort(404)
    # The form only for those shown it: making one gives a signed-out visitor a CSRF cookie, and the
    # page would be theirs alone instead of one every visitor shares (core/caching.py, pagecache.py).
    year_form = YearForm(formdata=None) if current_user.can_manage_indicators() else None
    return render_template("indicators/show.html", indicator=indicator, chart=chart(indicator), fmt=fmt,
                           year_form=year_form)


@bp.route("/<int:indicator_id>.csv")
def download(indicator_id):
    indicator = load_indicator(indicator_id) or abort(404)
    filename = "".join(c if c.isalnum() else "-" for c in indicator.name.lower()).strip("-")[:60] or "indicator"
    return send_download(indicator_csv(indicator), f"{filename}.csv", "text/csv")


def _need_choices(form):
    form.needs.choices = [(n.id, n.title) for n in db.session.scalars(db.select(Need).order_by(Need.title))]


@bp.route("/new", methods=["GET", "POST"])
@bp.route("/<int:indicator_id>/edit", methods=["GET", "POST"])
@permission_required("can_manage_indicators")
def edit(indicator_id=None):
    indicator = None
    if indicator_id is not None:
        indicator = load_indicator(indicator_id) or abort(404)
    form = IndicatorForm(obj=indicator) if request.method == "GET" else IndicatorForm()
    _need_choices(form)
    if request.method == "GET" and indicator:
        form.needs.data = [n.id for n in indicator.needs]
    if form.validate_on_submit():
        chosen = db.session.scalars(db.select(Need).where(Need.id.in_(form.needs.data or []))).all()
        indicator = operations.save_indicator(
            indicator, needs=chosen, name=form.name.data.strip(), unit=form.unit.data.strip(),
            polarity=form.polarity.data, baseline_year=form.baseline_year.data,
            baseline_value=form.baseline_value.data, tolerance=form.tolerance.data,
            financial_years=form.financial_years.data, story=form.story.data)
        notices.success("Indicator saved.")
        return redirect(url_for("indicators.show", indicator_id=indicator.id))
    return render_template("indicators/edit.html", form=form, indicator=indicator)


@bp.route("/<int:indicator_id>/years", methods=["POST"])
@permission_required("can_manage_indicators")
def set_year(indicator_id):
    indicator = load_indicator(indicator_id) or abort(404)
    form = YearForm()
    if form.validate_on_submit():
        operations.set_year(indicator, form.year.data, form.target.data, form.actual.data)
        notices.success("Year saved." if form.target.data is not None or form.actual.data is not None else "Year removed.")
        return redirect(url_for("indicators.show", indicator_id=indicator.id, _anchor="data"))
    return render_template("indicators/show.html", indicator=indicator, chart=chart(indicator), fmt=fmt,
                           year_form=form, form=form), 400
