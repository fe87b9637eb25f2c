"""A provider's bids: draft with autosave, attachments, checklist, submit, amend, withdraw."""
import secrets

from flask import Blueprint, abort, jsonify, redirect, render_template, request, url_for
from flask_login import current_user

from commissioning.bids import operations
from commissioning.bids.forms import AttachmentForm, BidForm, SubmitForm
from commissioning.bids.models import Bid, BidAttachment
from commissioning.bids.util import checklist, outcomes_of, word_count
from commissioning.core import notices
from commissioning.core.forms import ConfirmForm
from commissioning.core.inputs import has_control_characters
from commissioning.core.permissions import ensure, permission_required
from commissioning.extensions import db
from commissioning.files.models import StoredFile
from commissioning.files.util import UploadError, check_upload, send_download
from commissioning.opportunities.util import load_opportunity

bp = Blueprint("bids", __name__)


def _my_bid(bid_id):
    """Only the bidding organisation's members reach a draft, and never council staff: sealed means sealed."""
    bid = db.session.get(Bid, bid_id) or abort(404)
    ensure(not current_user.is_council_staff and bid.is_bidder(current_user))
    return bid


@bp.route("/my-bids")
@permission_required("can_bid")
def mine():
    from commissioning.opportunities.forms import MyBidsForm
    from commissioning.opportunities.util import search_bids_of
    filter_form = MyBidsForm()
    bids = search_bids_of([m.organisation_id for m in current_user.memberships], filter_form.read(), filter_form.order)
    return render_template("bids/mine.html", bids=bids, outcomes=outcomes_of(bids.items), filter_form=filter_form,
                           form=filter_form if filter_form.errors_shown else None)


@bp.route("/opportunities/<int:opp_id>/bid", methods=["POST"])
@permission_required("can_bid")
def start(opp_id):
    opp = load_opportunity(opp_id) or abort(404)
    if not opp.is_public or not ConfirmForm().validate_on_submit():
        abort(404 if not opp.is_public else 400)
    try:
        bid = operations.start_bid(opp, current_user.memberships[0].organisation, current_user,
                                   lot=(request.form.get("lot") or "")[:120])
    except operations.BidError as exc:
        notices.refusal(str(exc))
        return redirect(url_for("opportunities.show", opp_id=opp.id))
    return redirect(url_for("bids.edit", bid_id=bid.id))


def _fields_from_request(bid, form):
    opp = bid.opportunity
    answers = {c["name"]: request.form.get(f"answer-{i}", "")[:50000] for i, c in enumerate(opp.quality_criteria)}
    hidden = [name for name, text in answers.items() if has_control_characters(text, multiline=True)]
    if hidden:  # the answers are read here, not by the form, so the input policy is applied here
        raise operations.BidError(f"Your answer to “{hidden[0]}” contains hidden control characters. "
                                  "Type it again without them")
    eligibility = {str(i): request.form[f"eligibility-{i}"] for i in range(len(opp.eligibility))
                   if request.form.get(f"eligibility-{i}") in ("yes", "no")}
    return dict(answers=answers, eligibility=eligibility, price_pence=form.price.data,
                price_breakdown=form.price_breakdown.data, declarations=form.declarations.data)


def _filled_bid_form(bid):
    form = BidForm(formdata=None)
    form.price.data, form.price_breakdown.data, form.declarations.data = (bid.price_pence, bid.price_breakdown,
                                                                          bid.declarations)
    return form


def _page(bid, form, status=200, attachment_form_override=None, **extra):
    submit_form = SubmitForm(formdata=None)
    submit_form.token.data = secrets.token_urlsafe(24)  # a fresh token per page: one version per click
    from commissioning.core.pagecache import made_fresh
    made_fresh(submit_form.token.data)  # and a kept copy of the page makes its own
    return render_template("bids/edit.html", bid=bid, opp=bid.opportunity, form=form, checklist=checklist(bid),
                           outcome=outcomes_of([bid]).get(bid.id),
                           attachment_form=attachment_form_override or AttachmentForm(formdata=None),
                           submit_form=submit_form, confirm=ConfirmForm(formdata=None), word_count=word_count,
                           **extra), status


@bp.route("/bids/<int:bid_id>", methods=["GET", "POST"])
@permission_required("can_bid")
def edit(bid_id):
    bid = _my_bid(bid_id)
    form = BidForm()
    if request.method == "GET":
        form.price.data, form.price_breakdown.data = bid.price_pence, bid.price_breakdown
        form.declarations.data = bid.declarations
    if form.validate_on_submit():
        try:
            operations.save_draft(bid, current_user, **_fields_from_request(bid, form))
        except operations.BidError as exc:
            notices.refusal(str(exc))
        else:
            notices.success("Draft saved. It is not submitted yet.")
        return redirect(url_for("bids.edit", bid_id=bid.id))
    return _page(bid, form, 400 if form.errors else 200)


@bp.route("/bids/<int:bid_id>/autosave", methods=["POST"])
@permission_required("can_bid")
def autosave(bid_id):
    bid = _my_bid(bid_id)
    form = BidForm()
    if not form.validate_on_submit():
        return jsonify(saved=False, errors=form.errors), 400
    try:
        operations.save_draft(bid, current_user, **_fields_from_request(bid, form))
    except operations.BidError as exc:
        return jsonify(saved=False, errors={"bid": [str(exc)]}), 409
    return jsonify(saved=True, checklist=[{"item": w, "done": d} for w, d, _m in checklist(bid)])


@bp.route("/bids/<int:bid_id>/attachments", methods=["POST"])
@permission_required("can_bid")
def attach(bid_id):
    bid = _my_bid(bid_id)
    form = AttachmentForm()
    if form.validate_on_submit():
        try:
            upload = check_upload(form.file.data) if form.file.data else None
            if upload is None:
                raise UploadError("Choose a file to upload")
            operations.add_attachment(bid, current_user, upload)
        except (UploadError, operations.BidError) as exc:
            form.file.errors = [*form.file.errors, str(exc)]
        else:
            notices.success("File attached.")
            return redirect(url_for("bids.edit", bid_id=bid.id, _anchor="attachments"))
    return _page(bid, form, 400, bid_form=_filled_bid_form(bid), attachment_form_override=form)


@bp.route("/bids/<int:bid_id>/attachments/<int:attachment_id>", methods=["GET", "POST"])
@permission_required("can_bid")
def attachment(bid_id, attachment_id):
    bid = _my_bid(bid_id)
    item = db.session.get(BidAttachment, attachment_id)
    if item is None or item.bid_id != bid.id:
        abort(404)
    if request.method == "POST":
        if not ConfirmForm().validate_on_submit():
            abort(400)
        try:
            operations.remove_attachment(bid, item, current_user)
        except operations.BidError as exc:
            notices.refusal(str(exc))
        return redirect(url_for("bids.edit", bid_id=bid.id, _anchor="attachments"))
    stored = db.session.get(StoredFile, item.file_id)
    return send_download(stored, stored.filename, stored.content_type)


@bp.route("/bids/<int:bid_id>/submit", methods=["POST"])
@permission_required("can_bid")
def submit(bid_id):
    bid = _my_bid(bid_id)
    form = SubmitForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        submission = operations.submit_bid(bid, current_user, form.token.data)
    except operations.BidError as exc:
        notices.refusal(f"Your bid was not submitted. {exc}.")
        return redirect(url_for("bids.edit", bid_id=bid.id))
    notices.success(f"Version {submission.number} submitted. We have emailed you a receipt with its SHA-256 fingerprint "
                    f"{submission.sha256}.")
    return redirect(url_for("bids.edit", bid_id=bid.id))


@bp.route("/bids/<int:bid_id>/withdraw", methods=["POST"])
@permission_required("can_bid")
def withdraw(bid_id):
    bid = _my_bid(bid_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        operations.withdraw_bid(bid, current_user)
    except operations.BidError as exc:
        notices.refusal(str(exc))
    else:
        notices.success("Your bid is withdrawn. You can submit it again before the deadline.")
    return redirect(url_for("bids.edit", bid_id=bid.id))
