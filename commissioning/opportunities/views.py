"""Opportunities: public list and pages, commissioners' drafting and publishing, clarifications."""
from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from flask_login import current_user

from commissioning.bids.util import bid_count, counted_submissions, eligibility_failures
from commissioning.core import notices
from commissioning.core.confirm import ask_first
from commissioning.core.enums import InvalidTransition
from commissioning.core.forms import ConfirmForm
from commissioning.core.inputs import arg_id
from commissioning.core.models import LONDON, utcnow
from commissioning.core.pagination import paginate_list
from commissioning.core.permissions import ensure, login_required, permission_required
from commissioning.extensions import db
from commissioning.opportunities import operations
from commissioning.opportunities.forms import (
    AnswerForm, BidListForm, CancelForm, ClarificationForm, OpportunityForm, OpportunityListForm)
from commissioning.opportunities.models import ClarificationStatus, OpportunityStatus
from commissioning.opportunities.util import (
    filter_submissions, is_following, load_clarification, load_opportunity, public_award, published_clarifications,
    published_version, search_opportunities, sort_submissions)
from commissioning.files.util import send_download
from commissioning.pdf import render_pdf
from commissioning.specifications.models import SpecStatus, Specification
from commissioning.specifications.util import specification_context

bp = Blueprint("opportunities", __name__, url_prefix="/opportunities")


def _visible(opp_id):
    opp = load_opportunity(opp_id) or abort(404)
    if not opp.is_public and not current_user.can_manage_opportunities():
        abort(404)
    return opp


@bp.route("")
def index():
    """Everyone's list; people who manage opportunities also see drafts."""
    manage = current_user.can_manage_opportunities()
    form = OpportunityListForm(manage=manage)
    found = search_opportunities(form.read(), form.order, include_drafts=manage)
    return render_template("opportunities/index.html", opportunities=found, filter_form=form,
                           form=form if form.errors_shown else None)


def _page(opp, clarification_form=None, answer_forms=None, status=200, form=None):
    my_bids = []
    if current_user.can_bid():
        from commissioning.bids.models import Bid
        org_ids = [m.organisation_id for m in current_user.memberships]
        my_bids = db.session.scalars(db.select(Bid).where(Bid.opportunity_id == opp.id,
                                                          Bid.organisation_id.in_(org_ids)).order_by(Bid.lot)).all()
    lots_open = [entry["name"] for entry in opp.lots or [] if entry["name"] not in {b.lot for b in my_bids}]
    # Forms only for someone signed in (no form is shown to anyone else): making one gives a
    # signed-out visitor a CSRF cookie, and the page would no longer be one every visitor shares.
    signed_in = current_user.is_authenticated
    return render_template(
        "opportunities/show.html", opp=opp, clarifications=published_clarifications(opp),
        following=is_following(opp, current_user), confirm=ConfirmForm(formdata=None) if signed_in else None,
        my_bids=my_bids, lots_open=lots_open,
        clarification_form=clarification_form or (ClarificationForm(formdata=None) if signed_in else None),
        cancel_form=CancelForm(formdata=None) if signed_in else None, submitted_count=bid_count(opp.id),
        past_deadline=opp.is_past_deadline(), now=utcnow(), form=form, award=public_award(opp),
        show_specification=opp.opened_at is not None or current_user.can_manage_opportunities(),
        ocid=f"ocds-{current_app.config['OCDS_PREFIX']}-{opp.reference}"), status


@bp.route("/<int:opp_id>")
def show(opp_id):
    return _page(_visible(opp_id))


def _specification_of(opp_id):
    """The opportunity and its published version; staff also preview a draft's. Never opened: 404."""
    opp = _visible(opp_id)
    if opp.opened_at is None and not current_user.can_manage_opportunities():
        abort(404)  # cancelled before it opened: its specification was never published
    return opp, published_version(opp) or abort(404)


@bp.route("/<int:opp_id>/specification")
def specification(opp_id):
    """The specification as published with the opportunity, for anyone who can see the opportunity."""
    opp, version = _specification_of(opp_id)
    return render_template("opportunities/specification.html", opp=opp,
                           data=specification_context(opp.specification, version, status=_published_as(opp)))


@bp.route("/<int:opp_id>/specification.pdf")
def specification_pdf(opp_id):
    opp, version = _specification_of(opp_id)
    data = specification_context(opp.specification, version, authority=current_app.config["AUTHORITY_NAME"],
                                 status=_published_as(opp))
    return send_download(render_pdf("pdf/specification.html", data),
                         f"{opp.reference}-{opp.specification.reference}-v{version.number}.pdf", "application/pdf")


def _published_as(opp):
    return f"published with {opp.reference}" if opp.opened_at else "to be published with this opportunity"


@bp.route("/new", methods=["GET", "POST"])
@bp.route("/<int:opp_id>/edit", methods=["GET", "POST"])
@permission_required("can_manage_opportunities")
def edit(opp_id=None):
    opp = load_opportunity(opp_id) or abort(404) if opp_id else None
    spec_id = None if opp else arg_id("spec")
    spec = opp.specification if opp else (db.session.get(Specification, spec_id) if spec_id else None)
    if spec is None or (opp is None and spec.status not in (SpecStatus.approved, SpecStatus.published)):
        notices.refusal("Choose an approved specification to publish as an opportunity.")
        return redirect(url_for("specifications.index"))
    form = OpportunityForm(obj=opp) if request.method == "GET" and opp else OpportunityForm()
    if request.method == "GET":
        if opp:
            clar, dead = (d.astimezone(LONDON) for d in (opp.clarification_deadline, opp.submission_deadline))
            form.clarification_date.data, form.clarification_time.data = clar.date(), clar.strftime("%H:%M")
            form.deadline_date.data, form.deadline_time.data = dead.date(), dead.strftime("%H:%M")
            form.lots.data = "\n".join(lot["name"] for lot in opp.lots)
            form.eligibility.data = "\n".join(("NO: " if q["pass_answer"] == "no" else "") + q["question"]
                                              for q in opp.eligibility)
        else:
            form.title.data = spec.title
    if form.validate_on_submit():
        clarification, deadline = form.deadlines()
        dates = dict(clarification_deadline=clarification, submission_deadline=deadline,
                     evaluation_date=form.evaluation_date.data, award_date=form.award_date.data)
        try:
            if opp is None:
                opp = operations.create_opportunity(spec, current_user, title=form.title.data.strip(),
                                                    summary=form.summary.data, word_limit=form.word_limit.data,
                                                    lots=form.lot_list(), eligibility=form.eligibility_list(), **dates)
            elif opp.status is OpportunityStatus.open:
                operations.update_opportunity(opp, **dates)
            else:
                operations.update_opportunity(opp, title=form.title.data.strip(), summary=form.summary.data,
                                              word_limit=form.word_limit.data, lots=form.lot_list(),
                                              eligibility=form.eligibility_list(), **dates)
        except operations.OpportunityError as exc:
            form.deadline_date.errors = [*form.deadline_date.errors, str(exc)]
        else:
            notices.success(f"{opp.reference} saved.")
            return redirect(url_for("opportunities.show", opp_id=opp.id))
    return render_template("opportunities/edit.html", form=form, opp=opp, spec=spec)


@bp.route("/<int:opp_id>/open", methods=["POST"])
@permission_required("can_manage_opportunities")
def open_for_bids(opp_id):
    opp = load_opportunity(opp_id) or abort(404)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if opp.status is OpportunityStatus.draft and not operations.opening_problem(opp) and (page := ask_first(
            f"Publish {opp.reference} and open it for bids?",
                          f"“{opp.title}” will be public, and its criteria are fixed from the approved specification.",
                          "Yes, publish and open for bids",
                          "Providers can see it, ask clarification questions and bid until the deadline. You can "
                          "still change the dates (everyone who follows it is told), or cancel it.",
                          url_for("opportunities.show", opp_id=opp.id))):
        return page
    try:
        operations.open_opportunity(opp)
    except (operations.OpportunityError, InvalidTransition) as exc:
        notices.refusal(str(exc))
    else:
        notices.success(f"{opp.reference} is open for bids.")
    return redirect(url_for("opportunities.show", opp_id=opp.id))


@bp.route("/<int:opp_id>/cancel", methods=["POST"])
@permission_required("can_manage_opportunities")
def cancel(opp_id):
    opp = load_opportunity(opp_id) or abort(404)
    form = CancelForm()
    if form.validate_on_submit():
        if (page := ask_first(f"Cancel {opp.reference}?", f"“{opp.title}” will be cancelled for this reason: "
                              f"{form.reason.data.strip()}.", "Yes, cancel the opportunity",
                              "Everyone who follows it is emailed the reason. Bids already made are kept, "
                              "sealed, and no award can be made. To buy the service again, publish a new opportunity.",
                              url_for("opportunities.show", opp_id=opp.id))):
            return page
        try:
            operations.cancel_opportunity(opp, form.reason.data)
        except (operations.OpportunityError, InvalidTransition) as exc:
            notices.refusal(str(exc))
        return redirect(url_for("opportunities.show", opp_id=opp.id))
    return _page(opp, status=400, form=form)


@bp.route("/<int:opp_id>/follow", methods=["POST"])
@login_required
def toggle_follow(opp_id):
    opp = _visible(opp_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if is_following(opp, current_user):
        operations.unfollow(opp, current_user)
        notices.success("You will no longer get emails about this opportunity.")
    else:
        operations.follow(opp, current_user)
        notices.success("You will get an email when clarifications are published or dates change.")
    return redirect(url_for("opportunities.show", opp_id=opp.id))


@bp.route("/<int:opp_id>/clarifications", methods=["POST"])
@permission_required("can_bid")
def ask(opp_id):
    opp = _visible(opp_id)
    form = ClarificationForm()
    if form.validate_on_submit():
        organisation = current_user.memberships[0].organisation
        try:
            operations.ask_clarification(opp, current_user, organisation, form.question.data)
        except operations.OpportunityError as exc:
            form.question.errors = [*form.question.errors, str(exc)]
        else:
            notices.success("Your question has been sent. The answer will come by email, or be published for everyone.")
            return redirect(url_for("opportunities.show", opp_id=opp.id))
    return _page(opp, clarification_form=form, status=400, form=form)


@bp.route("/<int:opp_id>/questions")
@permission_required("can_manage_opportunities")
def questions(opp_id):
    opp = load_opportunity(opp_id) or abort(404)
    return render_template("opportunities/questions.html", opp=opp, AnswerForm=AnswerForm,
                           ClarificationStatus=ClarificationStatus)


@bp.route("/questions/<int:item_id>/answer", methods=["POST"])
@permission_required("can_manage_opportunities")
def answer(item_id):
    item = load_clarification(item_id) or abort(404)
    form = AnswerForm(prefix=f"q{item.id}")  # one form per question on the page, each with its own ids
    if form.validate_on_submit():
        try:
            operations.answer_clarification(item, form.answer.data, form.published_question.data or None)
        except operations.OpportunityError as exc:
            notices.refusal(str(exc))
        else:
            notices.success("Answer sent.")
        return redirect(url_for("opportunities.questions", opp_id=item.opportunity_id))
    return render_template("opportunities/questions.html", opp=item.opportunity, AnswerForm=AnswerForm,
                           ClarificationStatus=ClarificationStatus, form=form, failed_item=item.id), 400


@bp.route("/<int:opp_id>/bids")
@permission_required("can_manage_opportunities")
def bids(opp_id):
    """Sealed until the deadline: before it, only the number of bids is shown."""
    opp = load_opportunity(opp_id) or abort(404)
    sealed = not opp.is_past_deadline()
    if sealed:  # no search either: a count of matches for a name would say who has bid
        return render_template("opportunities/bids.html", opp=opp, sealed=True, count=bid_count(opp.id))
    submissions = counted_submissions(opp)
    flags = {s.id: eligibility_failures(opp, {str(i): s.content["eligibility"].get(q["question"])
                                              for i, q in enumerate(opp.eligibility)}) for s in submissions}
    form = BidListForm(lots=[lot["name"] for lot in opp.lots or []])
    found = paginate_list(sort_submissions(filter_submissions(submissions, flags, form.read()), form.chosen_sort))
    return render_template("opportunities/bids.html", opp=opp, sealed=False, submissions=found, flags=flags,
                           received=len(submissions), filter_form=form, form=form if form.errors_shown else None)


@bp.route("/<int:opp_id>/bids/<int:submission_id>/files/<int:file_id>")
@login_required
def submission_file(opp_id, submission_id, file_id):
    """A file as it was submitted: kept even if the bidder later removes it from the draft."""
    from commissioning.bids.models import BidSubmission
    from commissioning.files.models import StoredFile
    opp = load_opportunity(opp_id) or abort(404)
    item = db.session.get(BidSubmission, submission_id)
    if item is None or item.bid.opportunity_id != opp.id:
        abort(404)
    ensure(item.bid.can_read(current_user))
    if file_id not in {a.get("file_id") for a in item.content.get("attachments", [])}:
        abort(404)
    stored = db.session.get(StoredFile, file_id) or abort(404)
    return send_download(stored, stored.filename, stored.content_type)


@bp.route("/<int:opp_id>/bids/<int:submission_id>")
@login_required
def submission(opp_id, submission_id):
    from commissioning.bids.models import BidSubmission
    opp = load_opportunity(opp_id) or abort(404)
    item = db.session.get(BidSubmission, submission_id)
    if item is None or item.bid.opportunity_id != opp.id:
        abort(404)
    ensure(item.bid.can_read(current_user))
    return render_template("opportunities/submission.html", opp=opp, item=item,
                           ineligible=eligibility_failures(opp, {str(i): item.content["eligibility"].get(q["question"])
                                                                 for i, q in enumerate(opp.eligibility)}))
