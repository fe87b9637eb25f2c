"""A procurement's notice timeline, each notice's preview and publication, and the public notice page."""
import json

from flask import Blueprint, abort, current_app, redirect, render_template, url_for
from flask_login import current_user

from commissioning.core import notices as messages
from commissioning.core.confirm import ask_first
from commissioning.core.enums import InvalidTransition
from commissioning.core.forms import ConfirmForm
from commissioning.core.models import utcnow
from commissioning.core.permissions import permission_required
from commissioning.extensions import db
from commissioning.notices import build, fts, operations
from commissioning.notices.forms import DetailsForm, StartForm
from commissioning.notices.models import Notice, NoticeStatus
from commissioning.notices.rules import KINDS
from commissioning.notices.util import timeline
from commissioning.opportunities.models import Opportunity

bp = Blueprint("notices", __name__)


def _opportunity(opp_id):
    return db.session.get(Opportunity, opp_id) or abort(404)


def _notice(notice_id):
    return db.session.get(Notice, notice_id) or abort(404)


@bp.route("/opportunities/<int:opp_id>/notices")
@permission_required("can_manage_opportunities")
def timeline_page(opp_id):
    opp = _opportunity(opp_id)
    return render_template("notices/timeline.html", opp=opp, line=timeline(opp), kinds=KINDS,
                           start_form=StartForm(formdata=None), fts_on=bool(current_app.config["FTS_API_KEY"]))


@bp.route("/opportunities/<int:opp_id>/notices/start", methods=["POST"])
@permission_required("can_manage_opportunities")
def start(opp_id):
    opp = _opportunity(opp_id)
    form = StartForm()
    if not form.validate_on_submit():
        messages.refusal("Choose a notice from the timeline.")
        return redirect(url_for("notices.timeline_page", opp_id=opp.id))
    try:
        notice = operations.start_notice(opp, form.code.data, current_user)
    except operations.NoticeError as exc:
        messages.refusal(str(exc))
        return redirect(url_for("notices.timeline_page", opp_id=opp.id))
    return redirect(url_for("notices.show", notice_id=notice.id))


def _page(notice, status=200, form=None, error=None):
    preview = notice.release if notice.status is NoticeStatus.published else build.build(notice, utcnow())
    if form is None:
        form = DetailsForm(formdata=None)
        for name in DetailsForm.FIELDS.get(notice.notice_type, ()):
            value = (notice.details or {}).get(name)
            if name == "tender_notice_on" and value:
                from datetime import date
                value = date.fromisoformat(value)
            getattr(form, name).data = value
    return render_template(
        "notices/show.html", notice=notice, kind=KINDS[notice.notice_type], opp=notice.opportunity, form=form,
        fields=DetailsForm.FIELDS.get(notice.notice_type, ()), problems=operations.problems(notice),
        preview=preview, preview_json=json.dumps(preview, indent=2, ensure_ascii=False), error=error,
        fts_on=bool(current_app.config["FTS_API_KEY"]),
        payload=notice.fts_payload or (fts.payload(preview) if current_app.config["FTS_API_KEY"] else None),
        submit_url=fts.submit_url(current_app.config["FTS_API_URL"]), confirm=ConfirmForm(formdata=None)), status


@bp.route("/notices/<int:notice_id>")
@permission_required("can_manage_opportunities")
def show(notice_id):
    return _page(_notice(notice_id))


@bp.route("/notices/<int:notice_id>/details", methods=["POST"])
@permission_required("can_manage_opportunities")
def save_details(notice_id):
    notice = _notice(notice_id)
    form = DetailsForm()
    if not form.validate_on_submit():
        return _page(notice, 400, form=form)
    try:
        operations.save_details(notice, current_user, **form.values(notice.notice_type))
    except operations.NoticeError as exc:
        return _page(notice, 400, form=form, error=str(exc))
    messages.success("Details saved.")
    return redirect(url_for("notices.show", notice_id=notice.id))


@bp.route("/notices/<int:notice_id>/publish", methods=["POST"])
@permission_required("can_manage_opportunities")
def publish(notice_id):
    notice = _notice(notice_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    kind = KINDS[notice.notice_type]
    if notice.status is NoticeStatus.draft and not operations.problems(notice) and (page := ask_first(
            f"Publish the {kind.title.lower()} ({notice.notice_type})?",
            f"It will be public on the OCDS feed for {notice.opportunity.reference}, as shown on the preview, "
            "and can never be changed or withdrawn.",
            "Yes, publish the notice",
            "Find a Tender is sent the same notice." if current_app.config["FTS_API_KEY"] else
            "Find a Tender is not configured here, so it is published on this service's own feed only.",
            url_for("notices.show", notice_id=notice.id))):
        return page
    try:
        operations.publish(notice, current_user)
    except (operations.NoticeError, InvalidTransition) as exc:
        db.session.rollback()
        return _page(_notice(notice_id), 400, error=str(exc))
    messages.success(f"{kind.title} ({notice.notice_type}) published as release {notice.release_id}.")
    return redirect(url_for("notices.show", notice_id=notice.id))


@bp.route("/notices/<int:notice_id>/send-again", methods=["POST"])
@permission_required("can_manage_opportunities")
def send_again(notice_id):
    notice = _notice(notice_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        operations.send_again(notice, current_user)
    except operations.NoticeError as exc:
        messages.refusal(str(exc))
    else:
        messages.success("The notice will be sent to Find a Tender again.")
    return redirect(url_for("notices.show", notice_id=notice.id))


@bp.route("/open-data/notices/<int:notice_id>")
def public_notice(notice_id):
    """A published notice for anyone: what it says, and the release it is on the feed."""
    notice = _notice(notice_id)
    if notice.status is not NoticeStatus.published:
        abort(404)
    return render_template("notices/public.html", notice=notice, kind=KINDS[notice.notice_type],
                           release=notice.release, release_json=json.dumps(notice.release, indent=2,
                                                                           ensure_ascii=False))
