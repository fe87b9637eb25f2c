"""Panels, members, rounds, voting and results.

Facilitators run their own panels; commissioners and administrators all of them. Members see
only their own panel's rounds. Results, with their explanations and the anonymous ballots,
are public once counted: anyone can see what was funded and why, and recompute it. A round
with too few ballots shows none of them, only why (see ``util.withheld_reason``).

Ballots are secret, so a vote cannot be changed once sent: the member checks their choices
on a page that says so, then sends.
"""
from datetime import datetime, time, timedelta

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from flask_login import current_user, login_user

from commissioning.accounts.models import Organisation
from commissioning.accounts.operations import record_login
from commissioning.bids.util import counted_submissions
from commissioning.core import notices
from commissioning.core.confirm import ask_first
from commissioning.core.models import LONDON, utcnow
from commissioning.core.permissions import ensure, permission_required
from commissioning.evaluation.operations import start_evaluation
from commissioning.extensions import db, limiter
from commissioning.files.util import send_download
from commissioning.funding.models import Pot
from commissioning.funding.util import balances
from commissioning.localities.util import all_localities
from commissioning.opportunities.models import Opportunity, OpportunityKind, OpportunityStatus
from commissioning.panels import operations
from commissioning.panels.forms import (
    ConsentForm, ContributionForm, JoinForm, LinksForm, MemberForm, PanelForm, ProjectForm, RoundForm,
    SendToPanelForm)
from commissioning.panels.models import (
    AllocationRule, BallotType, Panel, PanelMember, Round, RoundProject, RoundStatus, VoteCast)
from commissioning.panels.operations import AlreadyVoted, PanelError
from commissioning.panels.util import (
    ballot_limits, ballot_projects, can_manage_panel, explain, explanations, facilitators, has_voted, how_shared,
    member_of, min_ballots, panels_for, paper_ballots, place_name, recount_command, published_rounds, round_as_pb, round_trace, rounds_for_member,
    rule_options, support, votes_cast, withheld_reason)
from commissioning.core.forms import ConfirmForm
from commissioning.core.inputs import to_id
from commissioning.core.money import format_pounds
from commissioning.core.pagination import page_args

bp = Blueprint("panels", __name__)
bp.add_app_template_filter(place_name, "place_name")


def _end_of_day(day):
    return datetime.combine(day, time(23, 59), LONDON)


def _locality_choices(blank="The whole area"):
    return [("", blank)] + [(loc.id, loc.name) for loc in all_localities()]


def _panel(panel_id):
    panel = db.session.get(Panel, panel_id) or abort(404)
    ensure(can_manage_panel(current_user, panel))
    return panel


def _round(round_id):
    rnd = db.session.get(Round, round_id) or abort(404)
    ensure(can_manage_panel(current_user, rnd.panel))
    return rnd


def _member(member_id):
    member = db.session.get(PanelMember, member_id) or abort(404)
    ensure(can_manage_panel(current_user, member.panel))
    return member


# --- panels and members ------------------------------------------------------------------

@bp.route("/panels")
@permission_required("can_run_panels")
def index():
    return render_template("panels/index.html", panels=panels_for(current_user))


@bp.route("/panels/new", methods=["GET", "POST"])
@permission_required("can_run_panels")
def new_panel():
    form = PanelForm()
    form.locality.choices = _locality_choices()
    people = facilitators()
    if not current_user.has_role("admin", "commissioner"):
        people = [current_user]  # a facilitator sets up panels they run themselves
    form.facilitator.choices = [(u.id, u.name) for u in people]
    if form.validate_on_submit():
        locality = next((loc for loc in all_localities() if loc.id == form.locality.data), None)
        facilitator = next(u for u in people if u.id == form.facilitator.data)
        panel = operations.create_panel(form.name.data.strip(), locality, facilitator)
        notices.success(f"Panel {panel.name} created.")
        return redirect(url_for("panels.panel", panel_id=panel.id))
    return render_template("panels/panel_new.html", form=form)


@bp.route("/panels/<int:panel_id>")
@permission_required("can_run_panels")
def panel(panel_id):
    panel = _panel(panel_id)
    return render_template("panels/panel.html", panel=panel)


@bp.route("/panels/<int:panel_id>/members/new", methods=["GET", "POST"])
@permission_required("can_run_panels")
def new_member(panel_id):
    panel = _panel(panel_id)
    form = MemberForm()
    form.locality.choices = _locality_choices("Not given")
    if form.validate_on_submit():
        from commissioning.accounts.util import user_by_email
        if form.email.data and user_by_email(form.email.data):
            form.email.errors.append("Someone already uses this email address here: leave it empty to use a "
                                     "joining code")
        else:
            locality = next((loc for loc in all_localities() if loc.id == form.locality.data), None)
            member, code = operations.add_member(panel, form.display_name.data.strip(), form.age_band.data,
                                                 locality, (form.email.data or "").strip() or None)
            if code:
                return render_template("panels/joining_code.html", member=member, code=code)
            notices.success(f"{member.display_name} added. We have emailed them a link to choose a password.")
            return redirect(url_for("panels.panel", panel_id=panel.id))
    return render_template("panels/member_new.html", form=form, panel=panel)


def _member_page(member, consent_form=None, contribution_form=None, refusal=None, status=200):
    consent_form = consent_form or ConsentForm(formdata=None)
    contribution_form = contribution_form or ContributionForm(formdata=None)
    form = next((f for f in (consent_form, contribution_form) if f.errors), None)
    return render_template("panels/member.html", member=member, consent_form=consent_form,
                           contribution_form=contribution_form, code_form=ConfirmForm(formdata=None),
                           form=form, refusal=refusal, joined=operations.has_joined(member)), status


@bp.route("/panels/members/<int:member_id>")
@permission_required("can_run_panels")
def member(member_id):
    return _member_page(_member(member_id))


@bp.route("/panels/members/<int:member_id>/consent", methods=["POST"])
@permission_required("can_run_panels")
def record_consent(member_id):
    member = _member(member_id)
    form = ConsentForm()
    if form.validate_on_submit():
        try:
            operations.record_consent(member, form.note.data, current_user)
            notices.success(f"Consent recorded: {member.display_name} can now vote.")
            return redirect(url_for("panels.member", member_id=member.id))
        except PanelError as exc:
            form.note.errors.append(str(exc))
    return _member_page(member, consent_form=form, status=400)


@bp.route("/panels/members/<int:member_id>/contributions", methods=["POST"])
@permission_required("can_run_panels")
def add_contribution(member_id):
    member = _member(member_id)
    form = ContributionForm()
    if form.validate_on_submit():
        operations.add_contribution(member, form.on.data, form.activity.data, int(form.hours.data * 60),
                                    current_user)
        notices.success("Time recorded.")
        return redirect(url_for("panels.member", member_id=member.id, _anchor="contributions"))
    return _member_page(member, contribution_form=form, status=400)


@bp.route("/panels/members/<int:member_id>/code", methods=["POST"])
@permission_required("can_run_panels")
def new_code(member_id):
    member = _member(member_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if member.user.email:
        notices.info(f"{member.display_name} signs in with their email address, so they need no joining code.")
        return redirect(url_for("panels.member", member_id=member.id))
    try:
        code = operations.issue_joining_code(member)
    except PanelError as exc:
        return _member_page(member, refusal=str(exc), status=409)
    return render_template("panels/joining_code.html", member=member, code=code)


@bp.route("/panels/members/<int:member_id>/remove", methods=["POST"])
@permission_required("can_run_panels")
def remove_member(member_id):
    member = _member(member_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    operations.remove_member(member, current_user)
    notices.success(f"{member.display_name} has been removed from the panel. They can no longer sign in or vote. "
                    "Any vote they cast still counts.")
    return redirect(url_for("panels.member", member_id=member.id))


@bp.route("/panels/members/<int:member_id>/add-again", methods=["POST"])
@permission_required("can_run_panels")
def add_member_again(member_id):
    member = _member(member_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    code = operations.add_member_again(member, current_user)
    if code is None:
        notices.info(f"{member.display_name} is already on the panel.")
        return redirect(url_for("panels.member", member_id=member.id))
    return render_template("panels/joining_code.html", member=member, code=code)


@bp.route("/join", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT_PER_ADDRESS"], methods=["POST"])
def join():
    form = JoinForm()
    if form.validate_on_submit():
        member = operations.use_joining_code(form.code.data)
        if member is not None and member.user.active:
            login_user(member.user)
            record_login(member.user)
            notices.success(f"Welcome, {member.display_name}.")
            return redirect(url_for("panels.me"))
        form.code.errors.append("That code does not work. Check it, or ask your youth worker for a new one")
    return render_template("panels/join.html", form=form)


# --- the member's side ---------------------------------------------------------------------

def _my_membership():
    member = member_of(current_user)
    if member is None:
        abort(403)
    return member


@bp.route("/panels/me")
@permission_required("can_vote_on_panels")
def me():
    member = _my_membership()
    rounds = rounds_for_member(member)
    voted = {r.id: has_voted(r, member) for r in rounds}
    withheld = {r.id: withheld_reason(r) for r in rounds}
    why = {r.id: explanations(r) for r in rounds if r.result is not None and not withheld[r.id]}
    return render_template("panels/me.html", member=member, rounds=rounds, voted=voted, withheld=withheld,
                           why=why, now=utcnow())


def _member_round(round_id):
    member = _my_membership()
    rnd = db.session.get(Round, round_id) or abort(404)
    ensure(rnd.panel_id == member.panel_id and rnd.status is not RoundStatus.draft)
    return member, rnd


@bp.route("/panels/rounds/<int:round_id>/links", methods=["GET", "POST"])
@permission_required("can_vote_on_panels")
def links(round_id):
    member, rnd = _member_round(round_id)
    organisations = sorted({p.organisation for p in rnd.projects if p.organisation}, key=lambda o: o.name)
    if not organisations or has_voted(rnd, member):
        return redirect(url_for("panels.vote", round_id=rnd.id))   # nothing to declare a link to, or too late
    form = LinksForm()
    form.organisations.choices = [(o.id, o.name) for o in organisations]
    if request.method == "GET":
        form.organisations.data = [link.organisation_id for link in member.links
                                   if link.organisation_id in {o.id for o in organisations}]
    if form.validate_on_submit():
        chosen = [o for o in organisations if o.id in set(form.organisations.data or [])]
        others = [link.organisation for link in member.links if link.organisation not in organisations]
        operations.set_links(member, chosen + others)
        return redirect(url_for("panels.vote", round_id=rnd.id))
    return render_template("panels/links.html", form=form, rnd=rnd, member=member)


MAX_POINTS_TYPED = 10_000


def _entry(rnd, form, prefix=""):
    """What a ballot form chose, in the round's kind, and what was typed (to show again on an error).

    Ticks and one pick come as ``project`` values; points as ``points-<id>``; places as ``rank-<id>``.
    A value that is not a number is refused in words, naming its project.
    """
    projects = ballot_projects(rnd)
    kind = rnd.ballot_type
    if kind is BallotType.cumulative:
        typed = {p.id: (form.get(f"{prefix}points-{p.id}") or "").strip() for p in projects}
        entry = {}
        for p in projects:
            text = typed[p.id]
            if not text:
                continue
            if not text.isdigit() or int(text) > MAX_POINTS_TYPED:
                raise EntryError(typed, f"Enter the points for ‘{p.title}’ as a whole number, like 3, or leave it "
                                        "empty for none")
            entry[p.id] = int(text)
        return entry, typed
    if kind is BallotType.ranked:
        typed = {p.id: (form.get(f"{prefix}rank-{p.id}") or "").strip() for p in projects}
        entry = {}
        for p in projects:
            text = typed[p.id]
            if not text:
                continue
            if not text.isdigit() or not 1 <= int(text) <= rnd.max_projects:
                raise EntryError(typed, f"Choose a place from the list for ‘{p.title}’")
            entry[p.id] = int(text)
        return entry, typed
    # A value that is no id is a choice that is not on the ballot (0 never is).
    picked = [to_id(v) or 0 for v in form.getlist(f"{prefix}project")]
    return picked, set(picked)


class EntryError(PanelError):
    """A ballot form's value that is not what the box asks for; ``typed`` is shown again."""

    def __init__(self, typed, message):
        super().__init__(message)
        self.typed = typed


def _ballot_page(rnd, member, form, typed, error=None, status=200):
    linked = {link.organisation_id for link in member.links}
    return render_template("panels/vote.html", rnd=rnd, member=member, form=form, typed=typed, error=error,
                           linked=linked, voted=has_voted(rnd, member), now=utcnow(), limits=ballot_limits(rnd),
                           projects=ballot_projects(rnd)), status


@bp.route("/panels/rounds/<int:round_id>/vote", methods=["GET", "POST"])
@permission_required("can_vote_on_panels")
def vote(round_id):
    """Choose, check, send: the choices come back on a check page, and only "send" casts the ballot."""
    member, rnd = _member_round(round_id)
    form = ConfirmForm()
    typed, error, status = {}, None, 200
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        try:
            entry, typed = _entry(rnd, request.form)
            if request.form.get("send"):
                operations.cast_ballot(rnd, member, entry)
                notices.success("Your vote is sent. Thank you. It is secret: nobody, not even your youth worker, can see "
                                "what you chose.")
                return redirect(url_for("panels.me"))
            if not request.form.get("change"):
                chosen = operations.preview_ballot(rnd, member, entry)
                return render_template("panels/vote_check.html", rnd=rnd, form=form, chosen=chosen,
                                       places=_places(chosen))
        except AlreadyVoted as exc:
            notices.refusal(str(exc))
            return redirect(url_for("panels.me"))
        except PanelError as exc:
            typed = getattr(exc, "typed", typed)
            error, status = str(exc), 400
    return _ballot_page(rnd, member, form, typed, error, status)


def _places(chosen):
    return [place_name(i) for i in range(1, len(chosen) + 1)]


# --- rounds (facilitators and commissioners) ------------------------------------------------

def _round_form(rnd=None):
    form = RoundForm()
    pots = db.session.scalars(db.select(Pot).order_by(Pot.name)).all()
    form.pot.choices = [(p.id, p.name) for p in pots]
    if request.method == "GET" and rnd is not None:
        form.title.data, form.pot.data, form.budget.data = rnd.title, rnd.pot_id, rnd.budget_pence
        form.ballot_type.data, form.rule.data = rnd.ballot_type, rnd.rule
        form.max_projects.data, form.min_projects.data = rnd.max_projects, rnd.min_projects
        form.quorum.data, form.min_approval_percent.data = rnd.quorum, rnd.min_approval_percent
        form.total_points.data, form.max_points.data = rnd.total_points, rnd.max_points
        form.utility.data, form.completion.data = rnd.utility or "cost", rnd.completion or "add1"
        form.compare.data, form.fund_unvoted.data = rnd.compare or "no", "yes" if rnd.fund_unvoted else "no"
        form.tie_break.data = rnd.tie_break
        form.closes.data = rnd.closes_at.astimezone(LONDON).date()
    return form, {p.id: p for p in pots}


def _round_fields(form, pots):
    """The round's fields from the form; what a kind or rule does not use is left empty, not kept."""
    kind, rule = form.ballot_type.data, form.rule.data
    counted = kind in (BallotType.up_to_n, BallotType.ranked)
    equal_shares = rule is AllocationRule.equal_shares
    return dict(title=form.title.data.strip(), pot=pots[form.pot.data], budget_pence=form.budget.data,
                ballot_type=kind, rule=rule,
                max_projects=form.max_projects.data if counted else None,
                min_projects=form.min_projects.data if counted or kind is BallotType.cumulative else None,
                total_points=form.total_points.data if kind is BallotType.cumulative else None,
                max_points=form.max_points.data if kind is BallotType.cumulative else None,
                completion=(form.completion.data or "add1") if equal_shares else None,
                utility=(form.utility.data or "cost") if equal_shares and kind.kind == "approval" else "cost",
                compare=None if form.compare.data in (None, "no") or rule is AllocationRule.greedy
                else form.compare.data,
                fund_unvoted=form.fund_unvoted.data == "yes", tie_break=form.tie_break.data or "approvals-then-id",
                quorum=form.quorum.data, min_approval_percent=form.min_approval_percent.data,
                closes_at=_end_of_day(form.closes.data))


def _rule_error(form, exc):
    """Put a refusal on the field it is about, so the error summary links to it."""
    text = str(exc)
    field = (form.budget if "budget" in text else form.closes if "close" in text
             else form.max_points if "on one project" in text else form.total_points if "points" in text
             else form.min_projects if "fewest" in text.lower() else form.max_projects if "projects" in text
             else form.utility if "counts" in text or "Counting" in text else form.rule if "Phragm" in text
             else form.title)
    field.errors.append(text)


@bp.route("/panels/<int:panel_id>/rounds/new", methods=["GET", "POST"])
@permission_required("can_run_panels")
def new_round(panel_id):
    panel = _panel(panel_id)
    form, pots = _round_form()
    if form.validate_on_submit():
        try:
            rnd = operations.create_round(panel, current_user, opens_at=utcnow(), **_round_fields(form, pots))
            notices.success(f"Round {rnd.reference} created. Now add the projects.")
            return redirect(url_for("panels.round_page", round_id=rnd.id))
        except PanelError as exc:
            _rule_error(form, exc)
    return render_template("panels/round_edit.html", form=form, panel=panel, rnd=None)


@bp.route("/panels/rounds/<int:round_id>/edit", methods=["GET", "POST"])
@permission_required("can_run_panels")
def edit_round(round_id):
    rnd = _round(round_id)
    if rnd.status is not RoundStatus.draft:
        notices.refusal("Voting has opened, so the rules are fixed. If they must change, set up a new round.")
        return redirect(url_for("panels.round_page", round_id=rnd.id))
    form, pots = _round_form(rnd)
    if form.validate_on_submit():
        try:
            operations.update_round(rnd, opens_at=rnd.opens_at, **_round_fields(form, pots))
            notices.success("Rules saved.")
            return redirect(url_for("panels.round_page", round_id=rnd.id))
        except PanelError as exc:
            _rule_error(form, exc)
    return render_template("panels/round_edit.html", form=form, panel=rnd.panel, rnd=rnd)


@bp.route("/panels/rounds/<int:round_id>")
@permission_required("can_run_panels")
def round_page(round_id):
    return _round_view(_round(round_id))


def _round_view(rnd, error=None, status=200):
    balance = balances([rnd.pot_id])[rnd.pot_id]
    return render_template("panels/round.html", rnd=rnd, balance=balance, voted=votes_cast(rnd),
                           withheld=withheld_reason(rnd), min_ballots=min_ballots(),
                           action_form=ConfirmForm(formdata=None), error=error, limits=ballot_limits(rnd),
                           paper=paper_ballots(rnd),
                           options=rule_options(rnd.frozen_rules or operations.rules_of(rnd)),
                           voters=sum(1 for m in rnd.panel.members if m.can_vote)), status


def _paper_voters(rnd):
    """Members who may still vote: on the panel before voting opened, allowed to vote, not voted yet."""
    voted = set(db.session.scalars(db.select(VoteCast.member_id).where(VoteCast.round_id == rnd.id)))
    return [m for m in rnd.panel.members if m.can_vote and m.id not in voted and m.user.created_at <= rnd.opens_at]


def _paper_page(rnd, form, voters, member=None, typed=None, error=None, differences=(), first=None, status=200):
    return render_template("panels/paper.html", rnd=rnd, form=form, voters=voters, member=member,
                           typed=typed if typed is not None else {}, error=error, differences=differences,
                           first=first, limits=ballot_limits(rnd), projects=ballot_projects(rnd),
                           now=utcnow()), status


@bp.route("/panels/rounds/<int:round_id>/paper", methods=["GET", "POST"])
@permission_required("can_run_panels")
def paper_ballot(round_id):
    """A facilitator types a member's paper ballot twice; it is saved only when both typings match.

    The first typing comes back, hidden, with the second: nothing is stored until they match.
    """
    rnd = _round(round_id)
    form = ConfirmForm()
    voters = _paper_voters(rnd)
    if request.method == "GET":
        return _paper_page(rnd, form, voters)
    if not form.validate_on_submit():
        abort(400)
    member = next((m for m in voters if m.id == to_id(request.form.get("member"))), None)
    if member is None:
        return _paper_page(rnd, form, voters, error="Choose the member who voted on this paper ballot",
                           status=400)
    stage = request.form.get("stage")
    if stage == "second":
        try:
            first, _typed = _entry(rnd, request.form, "first-")
            second, typed = _entry(rnd, request.form)
        except EntryError as exc:
            return _paper_page(rnd, form, voters, member, exc.typed, str(exc), first=request.form, status=400)
        try:
            operations.cast_paper_ballot(rnd, member, first, second, current_user)
        except operations.EntriesDiffer as exc:
            return _paper_page(rnd, form, voters, member, error=str(exc) + ". Check the paper ballot and type it "
                               "twice again", differences=exc.differences, status=400)
        except PanelError as exc:
            return _paper_page(rnd, form, voters, member, error=str(exc), status=400)
        notices.success(f"{member.display_name}’s paper ballot is saved, typed twice the same. They have voted, "
                        "so they cannot vote again online.")
        return redirect(url_for("panels.round_page", round_id=rnd.id))
    try:
        entry, typed = _entry(rnd, request.form)
        chosen = operations.preview_ballot(rnd, member, entry)
    except PanelError as exc:
        return _paper_page(rnd, form, voters, member, getattr(exc, "typed", None) or _typed_of(rnd, request.form),
                           str(exc), status=400)
    return _paper_page(rnd, form, voters, member, first=chosen)


def _typed_of(rnd, form):
    try:
        return _entry(rnd, form)[1]
    except EntryError as exc:
        return exc.typed


def _organisation_choices():
    return [("", "Not given")] + [(o.id, o.name) for o in
                                  db.session.scalars(db.select(Organisation).order_by(Organisation.name))]


@bp.route("/panels/rounds/<int:round_id>/projects/new", methods=["GET", "POST"])
@bp.route("/panels/projects/<int:project_id>/edit", methods=["GET", "POST"])
@permission_required("can_run_panels")
def edit_project(round_id=None, project_id=None):
    project = None
    if project_id is not None:
        project = db.session.get(RoundProject, project_id) or abort(404)
        rnd = _round(project.round_id)
    else:
        rnd = _round(round_id)
    if rnd.status is not RoundStatus.draft:
        notices.refusal("Voting has opened, so the projects are fixed. If they must change, set up a new round.")
        return redirect(url_for("panels.round_page", round_id=rnd.id))
    form = ProjectForm()
    form.organisation.choices = _organisation_choices()
    if request.method == "GET" and project is not None:
        form.title.data, form.summary.data, form.cost.data = project.title, project.summary, project.cost_pence
        form.organisation.data = project.organisation_id
    if form.validate_on_submit():
        organisation = db.session.get(Organisation, form.organisation.data) if form.organisation.data else None
        try:
            if project is None:
                operations.add_project(rnd, form.title.data, form.summary.data, form.cost.data, organisation)
            else:
                operations.update_project(project, form.title.data, form.summary.data, form.cost.data,
                                          organisation)
            notices.success("Project saved.")
            return redirect(url_for("panels.round_page", round_id=rnd.id, _anchor="projects"))
        except PanelError as exc:
            field = form.summary if "summary" in str(exc) else form.cost if "cost" in str(exc) else form.title
            field.errors.append(str(exc))
    return render_template("panels/project_edit.html", form=form, rnd=rnd, project=project)


@bp.route("/panels/projects/<int:project_id>/remove", methods=["POST"])
@permission_required("can_run_panels")
def remove_project(project_id):
    project = db.session.get(RoundProject, project_id) or abort(404)
    rnd = _round(project.round_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if rnd.status is RoundStatus.draft and (page := ask_first(
            f"Remove ‘{project.title}’ from {rnd.title}?", "It will be taken off the ballot, with its summary.",
            "Yes, remove it", back=url_for("panels.round_page", round_id=rnd.id, _anchor="projects"))):
        return page
    try:
        operations.remove_project(project)
        notices.success(f"{project.title} removed.")
    except PanelError as exc:
        notices.refusal(str(exc))
    return redirect(url_for("panels.round_page", round_id=rnd.id, _anchor="projects"))


def _round_action(round_id, action, ask=None):
    """Check, then (for what cannot be undone) ask first with ``ask(rnd)``, then act; a refusal shows on the page."""
    rnd = _round(round_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if ask is not None and (page := ask(rnd)):
        return page
    try:
        action(rnd)
    except (PanelError, ValueError) as exc:
        db.session.rollback()
        return _round_view(_round(round_id), str(exc), 400)
    return redirect(url_for("panels.round_page", round_id=rnd.id))


def _london(value):
    return current_app.jinja_env.filters["london"](value)


@bp.route("/panels/rounds/<int:round_id>/open", methods=["POST"])
@permission_required("can_run_panels")
def open_round(round_id):
    def ask(rnd):
        if operations.opening_problem(rnd):
            return None   # refused at once, not after a "Yes"
        return ask_first(f"Open voting in {rnd.title}?",
                         "The projects, budget, rules and who may vote are then fixed until voting closes.",
                         "Yes, open voting",
                         what_next=f"Members can vote until {_london(rnd.closes_at)}. Those with an email "
                                   "address are told now. Members added from now on vote from the next round.",
                         back=url_for("panels.round_page", round_id=rnd.id))

    def action(rnd):
        operations.open_voting(rnd, current_user)
        notices.success("Voting is open. Members with an email address have been told.")
    return _round_action(round_id, action, ask)


@bp.route("/panels/rounds/<int:round_id>/close", methods=["POST"])
@permission_required("can_run_panels")
def close_round(round_id):
    """Closing early cannot be undone: the confirmation says what happens next before anything closes."""
    def ask(rnd):
        if rnd.status is not RoundStatus.open:
            return None   # refused at once by the move itself
        voters = sum(1 for m in rnd.panel.members if m.can_vote)
        return ask_first(
            f"Close voting in {rnd.title} now?",
            f"Voting is due to close {_london(rnd.closes_at)}. If you close it now, the {voters - votes_cast(rnd)} "
            f"of {voters} members who have not voted cannot vote in this round, and voting cannot open again.",
            "Close voting now",
            what_next="Voting closes straight away and every page says it closed early, today. The votes are counted "
                      "within a minute or so, by the rules fixed when voting opened; members with an email address "
                      f"are told when the results are in. The results are shown only if at least {min_ballots()} "
                      "people voted (and the quorum is met), so that nobody can work out how someone voted.",
            back=url_for("panels.round_page", round_id=rnd.id))

    def action(rnd):
        operations.close_voting(rnd, current_user, f"closed early by {current_user.name}")
        notices.success("Voting is closed. The votes are being counted.")
    return _round_action(round_id, action, ask)


@bp.route("/panels/rounds/<int:round_id>/confirm", methods=["POST"])
@permission_required("can_manage_funds")
def confirm_round(round_id):
    def action(rnd):
        operations.confirm_awards(rnd, current_user)
        notices.success("The panel’s awards are confirmed and the money is committed as youth-directed.")
    return _round_action(round_id, action)


@bp.route("/panels/rounds/<int:round_id>/status")
@permission_required("can_run_panels")
def round_status(round_id):
    """Polled by the round page while the votes are counted."""
    rnd = _round(round_id)
    return {"status": "done" if rnd.result is not None else "running"}


# --- results (public once counted) --------------------------------------------------------

def _decided(round_id):
    rnd = db.session.get(Round, round_id) or abort(404)
    if rnd.result is None:
        abort(404)
    if rnd.opportunity_id is not None and rnd.result.confirmed_at is None:
        # Bidders' names and prices stay among the panel and the commissioners until the award.
        member = member_of(current_user)
        if not (can_manage_panel(current_user, rnd.panel) or (member and member.panel_id == rnd.panel_id)):
            abort(404)
    return rnd


def _withheld_page(rnd, status=200):
    """Instead of a result with too few ballots: why nothing is shown."""
    return render_template("panels/withheld.html", rnd=rnd, reason=withheld_reason(rnd),
                           member=member_of(current_user)), status


@bp.route("/panels/results")
def published():
    """The public index of what young people's panels decided, each round linking to its reasons."""
    page, per_page = page_args(default_per_page=20, max_per_page=100)
    return render_template("panels/published.html", pager=published_rounds(page, per_page))


@bp.route("/panels/rounds/<int:round_id>/results")
def results(round_id):
    rnd = _decided(round_id)
    if withheld_reason(rnd):
        return _withheld_page(rnd)
    result = rnd.result
    trace = round_trace(rnd)
    member = member_of(current_user)
    return render_template("panels/results.html", rnd=rnd, result=result, paper=paper_ballots(rnd),
                           options=rule_options(rnd.frozen_rules), support=support, recount=recount_command(rnd),
                           explanations={p.code: explain(rnd, p, trace) for p in rnd.projects},
                           how_shared=how_shared(rnd, trace),
                           member=member if member and member.panel_id == rnd.panel_id else None,
                           # Made only for whoever is shown it: a signed-out visitor would get a CSRF
                           # cookie and a page of their own, not the one everyone shares.
                           action_form=ConfirmForm(formdata=None) if current_user.is_authenticated else None,
                           can_confirm=current_user.is_authenticated and current_user.can_manage_funds())


@bp.route("/panels/rounds/<int:round_id>/results/<code>")
def project_result(round_id, code):
    rnd = _decided(round_id)
    if withheld_reason(rnd):
        return _withheld_page(rnd)
    project = next((p for p in rnd.projects if p.code == code), None) or abort(404)
    trace = round_trace(rnd)
    said, did = explain(rnd, project, trace)
    return render_template("panels/project_result.html", rnd=rnd, project=project, said=said, did=did,
                           facts=rnd.result.projects[project.code], how_shared=how_shared(rnd, trace))


@bp.route("/panels/rounds/<int:round_id>/ballots.pb")
def ballots_file(round_id):
    rnd = _decided(round_id)
    if withheld_reason(rnd):
        return _withheld_page(rnd, 404)
    return send_download(round_as_pb(rnd), f"{rnd.reference}.pb", "text/plain")


# --- from an opportunity: shortlisted bids to a panel ---------------------------------------

@bp.route("/opportunities/<int:opp_id>/panel", methods=["GET", "POST"])
@permission_required("can_run_evaluations")
def send_to_panel(opp_id):
    opp = db.session.get(Opportunity, opp_id) or abort(404)
    if opp.kind is not OpportunityKind.grant_round:
        # A procurement is decided on the evaluators' scores: the page says so and offers no form.
        return render_template("panels/send.html", form=None, opp=opp,
                               refusal=operations.PROCUREMENT_NOT_FOR_PANELS), (400 if request.method == "POST" else 200)
    if opp.status not in (OpportunityStatus.closed, OpportunityStatus.evaluation):
        notices.refusal("Bids can go to a panel once the opportunity has closed. Send them after its deadline.")
        return redirect(url_for("evaluation.manage", opp_id=opp.id))
    form = SendToPanelForm()
    submissions = counted_submissions(opp)
    form.panel.choices = [(p.id, p.name) for p in panels_for(current_user)]
    form.bids.choices = [(s.bid_id, s.bid.organisation.name + (f", lot {s.bid.lot}" if s.bid.lot else ""))
                         for s in submissions]
    budget_pence = opp.max_value_pence // 100 * 100

    def price_of(s):
        return -(-(s.content.get("price_pence") or s.bid.price_pence or 0) // 100) * 100

    if form.validate_on_submit():
        panel = db.session.get(Panel, form.panel.data)
        ensure(can_manage_panel(current_user, panel))
        chosen = [s for s in submissions if s.bid_id in set(form.bids.data)]
        dear = next((s for s in chosen if price_of(s) > budget_pence), None)
        if dear is not None:
            # The panel's budget is the opportunity's most: a bid for more could never be funded by it.
            form.bids.errors.append(f"{dear.bid.organisation.name} bid {format_pounds(price_of(dear))}, more than "
                                    f"the {format_pounds(budget_pence)} the panel can spend. Untick it")
            return render_template("panels/send.html", form=form, opp=opp), 400
        start_evaluation(opp)  # the panel's vote is this opportunity's evaluation
        content = opp.specification.version(opp.specification_version).content
        pot = db.session.get(Pot, content["pot_id"])
        rnd = operations.create_round(
            panel, current_user, opportunity=opp, title=opp.title, pot=pot,
            budget_pence=budget_pence, ballot_type=BallotType.within_budget,
            max_projects=None, min_projects=None, rule=AllocationRule.equal_shares, quorum=None,
            min_approval_percent=None, opens_at=utcnow(),
            closes_at=_end_of_day(utcnow().astimezone(LONDON).date() + timedelta(days=14)))
        for s in chosen:
            operations.add_project(rnd, s.bid.organisation.name, "", price_of(s),
                                   organisation=s.bid.organisation, bid=s.bid)
        notices.success(f"Round {rnd.reference} created with {len(chosen)} bid(s). Write a plain-language summary of each "
                        "before opening voting.")
        return redirect(url_for("panels.round_page", round_id=rnd.id))
    return render_template("panels/send.html", form=form, opp=opp)
