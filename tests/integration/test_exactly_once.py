"""Every state-changing route, sent twice at once with the same form, does its work once.

The app runs over real HTTP on PostgreSQL, and again on SQLite as ``make run`` serves it, with the demo data in a database of its own (the
requests change it), CSRF on, as a browser sees it. For each POST route of the URL map the
test signs in as the person who would use it, opens the page that holds its form, fills
it as a person would, and fires the same request twice from two threads released together.
One of the two must do the work and the other must be answered with its outcome
("You sent this twice...") without running the view again; neither may be a server error.

A POST route that has no entry in SCENARIOS fails ``test_every_post_route_has_a_scenario``,
so a new route cannot skip the mechanism.
"""
import threading
import uuid
from collections import Counter
from datetime import date, timedelta
from urllib.parse import urljoin, urlsplit

import html5lib
import pytest
import requests
from werkzeug.serving import make_server

from commissioning import create_app
from commissioning.core.confirm import IRREVERSIBLE
from commissioning.core.models import utcnow
from commissioning.extensions import db, limiter
from tests import services

PASSWORD = "demo-password"


@pytest.fixture(scope="module", params=["postgresql", "sqlite"])
def server(request, live_app, tmp_path_factory):
    """The demo served on PostgreSQL (production) and on SQLite (``make run``)."""
    from flask_migrate import upgrade

    from commissioning.demo import load_demo_data
    if request.param == "postgresql":
        name, url = services.create_database("commissioning_once")
    else:
        name, url = None, f"sqlite:///{tmp_path_factory.mktemp('once-sqlite') / 'once.sqlite'}"
    app = create_app({
        "APP_ENV": "test", "SECRET_KEY": "once-test-secret", "DATABASE_URL": url, "REDIS_URL": "",
        "OUTBOX_DISPATCH": "hold", "MAIL_BACKEND": "outbox",
        "BROKER_DIR": str(tmp_path_factory.mktemp("once-broker")),
        "LOGIN_RATE_LIMIT": "10000 per minute", "LOGIN_RATE_LIMIT_PER_ADDRESS": "10000 per minute",
        # The people below sign in once for the whole module, which a slow machine may take longer than
        # the default idle timeout to get through.
        "SESSION_IDLE_MINUTES": 24 * 60,
    })
    with app.app_context():
        upgrade()
        load_demo_data()
        db.session.commit()
    srv = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    srv.url, srv.app, srv.people = f"http://127.0.0.1:{srv.server_port}", app, {}
    yield srv
    srv.shutdown()
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    if name:
        services.drop_database(name)
    limiter.init_app(live_app)


# --- a small browser: pages, forms, and two identical posts at once -------------------------

def parse(html):
    return html5lib.parse(html, namespaceHTMLElements=False)


def form_fields(form, button=None):
    """The fields a browser would send for ``form``, as a list of (name, value).

    ``button``: the name or value of the button pressed; by default the first one.
    """
    fields = []
    if button is None:
        first = next((el for el in form.iter() if el.get("name") and (
            el.tag == "button" or (el.tag == "input" and (el.get("type") or "").lower() == "submit"))), None)
        button = first.get("name") if first is not None else None
    for el in form.iter():
        name = el.get("name")
        if not name or el.get("disabled") is not None:
            continue
        if el.tag == "input":
            kind = (el.get("type") or "text").lower()
            if kind in ("submit", "button", "image"):
                if button is not None and (el.get("value") == button or name == button):
                    fields.append((name, el.get("value", "")))
                continue
            if kind == "file":
                continue
            if kind in ("checkbox", "radio") and el.get("checked") is None:
                continue
            fields.append((name, el.get("value", "on" if kind in ("checkbox", "radio") else "")))
        elif el.tag == "textarea":
            fields.append((name, el.text or ""))
        elif el.tag == "select":
            options = el.findall(".//option")
            chosen = [o for o in options if o.get("selected") is not None] or options[:1]
            for o in chosen:
                fields.append((name, o.get("value", o.text or "")))
        elif el.tag == "button" and button is not None and (el.get("value") == button or name == button):
            fields.append((name, el.get("value", "")))
    return fields


def at_once(send):
    """Run ``send(0)`` and ``send(1)`` in two threads released together; return both answers."""
    barrier = threading.Barrier(2)
    answers = [None, None]

    def run(i):
        barrier.wait()
        answers[i] = send(i)
    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return answers


def post_as(cookies, url, data, files=None, headers=None):
    with requests.Session() as http:
        http.cookies.update(cookies)
        return http.post(url, data=data, files=files, allow_redirects=False, timeout=60, headers=headers)


class Person:
    def __init__(self, server, email):
        self.server, self.email = server, email
        self.http = requests.Session()
        if email:
            page = self.get("/login")
            data = dict(self.fields(page, "/login"))
            data.update(email=email, password=PASSWORD)
            answer = self.http.post(self.url("/login"), data=data, allow_redirects=False)
            assert answer.status_code in (302, 303), f"{email} could not sign in: {answer.status_code}"

    def url(self, path):
        return urljoin(self.server.url, path)

    def get(self, path):
        self.last_page = path
        answer = self.http.get(self.url(path), allow_redirects=True)
        assert answer.status_code == 200, f"GET {path} as {self.email}: {answer.status_code}"
        return answer.text

    def forms(self, html, page_path):
        for form in parse(html).iter("form"):
            if (form.get("method") or "get").lower() != "post":
                continue
            action = urlsplit(urljoin(self.url(page_path), form.get("action") or page_path)).path
            yield action, form

    def fields(self, html, action_path, button=None, page_path=None):
        found = [f for a, f in self.forms(html, page_path or action_path) if a == action_path]
        assert found, f"no form posting to {action_path} on the page"
        return form_fields(found[0], button)

    def twice(self, action_path, data, files=None):
        """Send the same request from two connections released at the same moment."""
        cookies = self.http.cookies.get_dict()
        return at_once(lambda _i: post_as(cookies, self.url(action_path), data, files,
                                          headers={"Referer": self.url(self.last_page)}))


def person(server, email):
    if email not in server.people:
        server.people[email] = Person(server, email)
    return server.people[email]


def query(server, fn):
    with server.app.app_context():
        try:
            return fn()
        finally:
            db.session.rollback()


def audit_ids(server):
    from commissioning.audit.models import AuditEntry
    return query(server, lambda: db.session.scalar(db.select(db.func.max(AuditEntry.id))) or 0)


def audit_after(server, after):
    from commissioning.audit.models import AuditEntry
    return query(server, lambda: [a for (a,) in db.session.execute(
        db.select(AuditEntry.action).where(AuditEntry.id > after).order_by(AuditEntry.id))])


# --- the scenarios: who, which page holds the form, what a person types ----------------------

FIRST = object()  # fill a radio or checkbox with its first choice


class Step:
    """``endpoint`` sent twice by ``who`` from the form on ``page`` that posts to it.

    ``page`` is a path, or a callable run in the app context that returns one (to find a
    record in the state the step needs). ``fill`` maps field names to what a person enters:
    a string, a list for repeated names (the three boxes of a date), FIRST, or None to leave
    it out. ``writes=False`` marks a request that changes no data (so nothing is kept).
    """

    def __init__(self, endpoint, who, page, fill=None, files=None, writes=True, button=None, nth=0, repeats=(),
                 check_all=False, told="It was done once", before=None):
        self.check_all, self.told, self.before = check_all, told, before
        self.endpoint, self.who, self.page, self.fill = endpoint, who, page, fill or {}
        self.repeats = set(repeats)
        self.files, self.writes, self.button, self.nth = files, writes, button, nth

    def __repr__(self):
        return self.endpoint


C, P, P2, A = "commissioner@demo.test", "provider@demo.test", "provider2@demo.test", "admin@demo.test"
F, M, MON, E = "facilitator@demo.test", "member@demo.test", "monitor@demo.test", "evaluator@demo.test"
U = uuid.uuid4().hex[:6]


def date3(d):
    return [str(d.day), str(d.month), str(d.year)]


def first_id(model_path, *conditions):
    """A callable: the lowest id of a model (``'contracts.models:Agreement'``) matching ``conditions(m)``."""
    module, name = model_path.split(":")

    def find():
        import importlib
        model = getattr(importlib.import_module(f"commissioning.{module}"), name)
        q = db.select(model.id).order_by(model.id)
        for condition in conditions:
            q = q.where(condition(model))
        found = db.session.scalar(q)
        assert found is not None, f"the demo has no {name} in the state this step needs"
        return found
    return find


def page(template, **finders):
    def build():
        return template.format(**{k: f() for k, f in finders.items()})
    return build


def _agreement(status):
    from commissioning.contracts.models import AgreementStatus
    return first_id("contracts.models:Agreement", lambda m: m.status == getattr(AgreementStatus, status))


def _return(status):
    from commissioning.monitoring.models import ReturnStatus
    return first_id("monitoring.models:MonitoringReturn", lambda m: m.status == getattr(ReturnStatus, status))


def _due_of_return(status):
    def find():
        from commissioning.monitoring.models import MonitoringReturn
        return db.session.get(MonitoringReturn, _return(status)()).due_id
    return find


def _org(name):
    return first_id("accounts.models:Organisation", lambda m: m.name == name)


def _round(status):
    from commissioning.panels.models import RoundStatus
    return first_id("panels.models:Round", lambda m: m.status == getattr(RoundStatus, status))


def _reset_token():
    from commissioning.accounts.models import User
    from commissioning.accounts.util import make_reset_token
    user = db.session.scalars(db.select(User).where(User.email == "evaluator2@demo.test")).one()
    return make_reset_token(user)


def setup(fn):
    """Run ``fn`` in the app and commit: the state a step needs that no single form makes."""
    def run(server):
        with server.app.app_context():
            try:
                values = fn() or {}
                db.session.commit()
                return values
            finally:
                db.session.remove()
    return run


def _user(email):
    from commissioning.accounts.models import User
    return db.session.scalars(db.select(User).where(User.email == email)).one()


@setup
def _draft_opportunity():
    from commissioning.opportunities import operations as opp_ops
    from commissioning.specifications.models import Specification, SpecStatus
    spec = db.session.scalars(db.select(Specification).where(Specification.status.in_(
        [SpecStatus.approved, SpecStatus.published])).order_by(Specification.id)).first()
    now = utcnow()
    opp = opp_ops.create_opportunity(spec, _user(C), title=f"Summer holiday activities {U}",
                                     summary="Activities in August for 11 to 16 year olds.",
                                     clarification_deadline=now + timedelta(days=20),
                                     submission_deadline=now + timedelta(days=30), word_limit=400, eligibility=[])
    return {"opp": opp.id}


@setup
def _draft_procurement():
    """A draft procurement (not a grant round): its optional notices come before the tender notice."""
    from commissioning.opportunities import operations as opp_ops
    from commissioning.specifications.models import Specification, SpecStatus
    spec = next(spec for spec in db.session.scalars(db.select(Specification).where(Specification.status.in_(
        [SpecStatus.approved, SpecStatus.published])).order_by(Specification.id))
        if spec.version(spec.approved_version).content.get("route") not in (None, "grant_round"))
    now = utcnow()
    opp = opp_ops.create_opportunity(spec, _user(C), title=f"Detached youth work {U}",
                                     summary="Youth workers on the streets where young people meet.",
                                     clarification_deadline=now + timedelta(days=30),
                                     submission_deadline=now + timedelta(days=40), word_limit=400, eligibility=[])
    return {"opp": opp.id}


def _draft_notice(code):
    from commissioning.notices.models import NoticeStatus
    return first_id("notices.models:Notice", lambda m: m.notice_type == code, lambda m: m.status == NoticeStatus.draft)


def _latest(model_path):
    module, name = model_path.split(":")

    def find():
        import importlib
        model = getattr(importlib.import_module(f"commissioning.{module}"), name)
        return db.session.scalar(db.select(model.id).order_by(model.id.desc()))
    return find


@setup
def _issued_with_document():
    """Agreement 3 issued again and its PDF rendered, as the worker would."""
    from commissioning.contracts import operations as contract_ops
    from commissioning.contracts.models import Agreement, AgreementStatus
    agreement = db.session.scalars(db.select(Agreement).where(Agreement.status == AgreementStatus.drafted)
                                   .order_by(Agreement.id)).first()
    document = contract_ops.issue(agreement, _user(C), "Liverpool City Council")
    db.session.flush()
    contract_ops.render_document(document.id)
    return {"agr": agreement.id}


@setup
def _rendered_variation():
    """The proposed variation's document rendered, as the worker would."""
    from commissioning.contracts import operations as contract_ops
    from commissioning.contracts.models import AgreementDocument
    for document in db.session.scalars(db.select(AgreementDocument).where(AgreementDocument.file_id.is_(None))):
        contract_ops.render_document(document.id)
    return {}


@setup
def _evaluator_to_declare():
    """An evaluator assigned to the opportunity in evaluation who has not declared yet."""
    from commissioning.evaluation import operations as ev_ops
    from commissioning.evaluation.models import ConflictDeclaration
    from commissioning.bids.util import counted_submissions
    from commissioning.opportunities.models import Opportunity, OpportunityStatus
    opp = db.session.scalars(db.select(Opportunity).where(Opportunity.status == OpportunityStatus.evaluation)
                             .order_by(Opportunity.id)).first()
    evaluator = _user("evaluator2@demo.test")
    db.session.execute(db.delete(ConflictDeclaration).where(ConflictDeclaration.opportunity_id == opp.id,
                                                            ConflictDeclaration.evaluator_id == evaluator.id))
    ev_ops.assign(opp, [s.bid for s in counted_submissions(opp)], [evaluator], _user(C))
    return {"opp": opp.id}


@setup
def _scored():
    """The queued scoring run done, as the worker would."""
    from commissioning.evaluation import operations as ev_ops
    from commissioning.evaluation.models import RunStatus, ScoringRun
    from commissioning.bids.util import counted_submissions
    from commissioning.opportunities.models import Opportunity
    run = db.session.scalars(db.select(ScoringRun).order_by(ScoringRun.id.desc())).first()
    if run.status is not RunStatus.done:
        ev_ops.run_scoring(run.id)
    opp = db.session.get(Opportunity, run.opportunity_id)
    bid = counted_submissions(opp)[0].bid_id
    return {"opp": opp.id, "bid": bid}


@setup
def _joining_code():
    from commissioning.panels import operations as panel_ops
    from commissioning.panels.models import AgeBand, Panel
    panel = db.session.scalars(db.select(Panel).order_by(Panel.id)).first()
    _member, code = panel_ops.add_member(panel, f"Joiner {U}", list(AgeBand)[0])
    return {"code": code}


def _panel_member(removed):
    @setup
    def make():
        """A member of the demo panel who has never joined, removed from it when ``removed``."""
        from commissioning.panels import operations as panel_ops
        from commissioning.panels.models import AgeBand, Panel
        panel = db.session.scalars(db.select(Panel).order_by(Panel.id)).first()
        member, _code = panel_ops.add_member(panel, f"Leaver {U} {removed}", list(AgeBand)[3])
        if removed:
            panel_ops.remove_member(member, _user(F))
        return {"mid": member.id}
    return make


@setup
def _closed_grant():
    """The open grant round past its deadline and closed, as the minute's sweep would."""
    from commissioning.opportunities import operations as opp_ops
    from commissioning.opportunities.models import Opportunity, OpportunityKind, OpportunityStatus
    opp = db.session.scalars(db.select(Opportunity).where(Opportunity.status == OpportunityStatus.open,
                                                         Opportunity.kind == OpportunityKind.grant_round)
                             .order_by(Opportunity.id)).first()
    from commissioning.bids import operations as bid_ops
    from commissioning.bids.models import Bid, BidStatus
    from tests.fixtures.factories import complete_bid
    author = _user(P2)
    org = author.memberships[0].organisation
    bid = db.session.scalars(db.select(Bid).where(Bid.opportunity_id == opp.id, Bid.organisation_id == org.id)).first()
    if bid is None:
        bid = bid_ops.start_bid(opp, org, author)
    if bid.status is BidStatus.draft:  # in before the deadline, as a counted bid must be
        complete_bid(bid, author, now=utcnow() - timedelta(minutes=6))
        bid_ops.submit_bid(bid, author, f"once-{bid.id}", now=utcnow() - timedelta(minutes=5))
    opp.clarification_deadline = utcnow() - timedelta(minutes=10)
    opp.submission_deadline = utcnow() - timedelta(minutes=1)
    db.session.flush()
    opp_ops.close_due()
    return {"opp": opp.id}


def _prioritised_need():
    from commissioning.needs.models import Need, NeedStatus
    return db.session.scalar(db.select(Need.id).where(Need.status == NeedStatus.prioritised).order_by(Need.id))


def _person_to_manage(deactivated=False, member=False, role="evaluator"):
    """A person signed in on another device, with an API token: what the admin's people steps act on.

    Never the admin themselves (nobody changes their own roles or organisations), and an evaluator's
    organisation is the council (a public body): council staff never belong to one that bids. A provider
    may join any, the first choice of the list included.
    """
    @setup
    def make():
        from commissioning.accounts.models import Organisation, Role
        from commissioning.accounts.operations import create_user, start_session
        from commissioning.api.operations import create_token
        org = db.session.scalars(db.select(Organisation).order_by(Organisation.id)).first() if member else None
        assert org is None or org.type.is_public_body
        person = create_user(f"managed-{uuid.uuid4().hex[:8]}@demo.test", "Morgan Managed", PASSWORD,
                             roles=[Role(role)], organisation=org)
        start_session(person)
        create_token(person, "Reporting", "read")
        person.active = not deactivated
        return {"uid": person.id}
    return make


def _own_account(email):
    """A person of their own (so that signing them out ends nobody else's steps), signed in elsewhere too."""
    @setup
    def make():
        from commissioning.accounts.models import Role
        from commissioning.accounts.operations import create_user, start_session
        person = create_user(email, "Owen Own", PASSWORD, roles=[Role.evaluator])
        start_session(person)
        return {}
    return make


PDF = ("Southside’s plan – Q3.pdf", b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n", "application/pdf")
LATER = date.today() + timedelta(days=60)

STEPS = [
    # Identify need
    Step("needs.new", C, "/needs/new", {"title": f"Safe spaces after school {U}", "age_min": "11", "age_max": "18",
                                        "need_not_met": "No open space after 6pm", "how_identified": "Youth survey",
                                        "desired_outcomes": "Young people feel safe", "tier": FIRST,
                                        "localities": FIRST, "outcomes": FIRST}),
    Step("needs.edit", C, "/needs/2/edit"),
    Step("needs.add_evidence", C, "/needs/2/evidence/new", {"date": date3(date.today() - timedelta(days=3)),
                                                            "summary": f"Survey of 120 pupils {U}", "source": FIRST}),
    Step("needs.remove_evidence", C, "/needs/2"),
    Step("needs.option", C, "/needs/2/options/4"),
    Step("needs.provision", C, "/needs/2/provision"),
    Step("needs.change_status", C, "/needs/2", {"status": FIRST, "reason": "Reviewed at the needs panel"}),
    Step("indicators.edit", C, "/indicators/2/edit"),
    Step("indicators.set_year", C, "/indicators/2", {"year": "2031", "target": "12", "actual": ""}),
    Step("provision.edit", C, page("/provision/{p}/edit", p=first_id("provision.models:Provision"))),
    Step("provision.edit_venue", C, page("/venues/{v}/edit", v=first_id("provision.models:Venue"))),
    Step("funding.edit_pot", C, "/funding/pots/4/edit"),
    Step("funding.add_contribution", C, "/funding/pots/4", {"description": f"Extra grant {U}", "value": "1000",
                                                            "organisation": FIRST, "kind": FIRST}),
    Step("funding.allocate_pot", C, "/funding/pots/3/allocate", {"amount": "1000", "note": "Twice test"}, button="save"),
    Step("funding.locality_figures", C, "/localities/1/figures"),
    Step("settings.thresholds", A, "/admin/settings", {"threshold_light_touch": "700000"}),
    # Specify and call for bids
    Step("specifications.new", C, page("/specifications/new?need={n}", n=_prioritised_need),
         {"contract_months": "12", "max_value": "50000", "payment_schedule": FIRST, "monitoring_frequency": FIRST,
          "route": FIRST, "route_reason": "Below the threshold", "purpose": "Reach young people after school", "pot": FIRST, "target_groups": FIRST,
          "outcomes-0-text": "Young people feel safer", "outcomes-0-trace": FIRST,
          "criteria-0-name": "Quality", "criteria-0-kind": "quality", "criteria-0-weight": "70",
          "criteria-1-name": "Price", "criteria-1-kind": "price", "criteria-1-weight": "30"}),
    Step("specifications.edit", C, page("/specifications/{s}/edit", s=_latest("specifications.models:Specification"))),
    Step("specifications.submit", C, page("/specifications/{s}", s=_latest("specifications.models:Specification"))),
    Step("specifications.decide", "approver@demo.test",  # not its author, who may not decide its stages
         page("/specifications/{s}", s=_latest("specifications.models:Specification")),
         {"decision": FIRST, "reason": "Recommended by the group"}),
    Step("opportunities.open_for_bids", C, "/opportunities/{opp}", before=_draft_opportunity),
    Step("bids.start", P2, page("/opportunities/{o}", o=_latest("opportunities.models:Opportunity"))),
    Step("opportunities.edit", C, "/opportunities/1/edit"),
    Step("opportunities.toggle_follow", P2, "/opportunities/1"),
    Step("opportunities.ask", P, "/opportunities/1", {"question": f"Can a consortium bid? {U}"}),
    # Published, the answer is mailed to its asker and, apart, to the opportunity's followers: two mails.
    Step("opportunities.answer", C, "/opportunities/1/questions", {"answer": "Yes, with a lead partner"},
         check_all=True, repeats=("mail.queued",)),
    Step("providers.profile", P, page("/organisations/{o}/profile", o=_org("Alt Valley Youth Partnership")),
         {"localities": FIRST, "safeguarding_lead": "Dee Jones", "size": FIRST}),
    Step("providers.documents", P, page("/organisations/{o}/documents", o=_org("Alt Valley Youth Partnership")),
         {"title": f"Insurance {U}", "expires_on": date3(LATER), "kind": FIRST}, files={"file": PDF}),
    Step("providers.members", P, page("/organisations/{o}/members", o=_org("Alt Valley Youth Partnership")), {"email": f"colleague-{U}@demo.test",
                                                              "name": "A New Colleague"}),
    Step("providers.remove_member", P, page("/organisations/{o}/members", o=_org("Alt Valley Youth Partnership"))),
    Step("bids.edit", P, "/bids/1", {"answer-1": "Two qualified youth workers at every session",
                                     "answer-2": "We recruit volunteers from the estate", "price": "45000"},
         check_all=True),
    Step("bids.attach", P, "/bids/1", files={"file": PDF}),
    Step("bids.attachment", P, "/bids/1"),
    Step("bids.submit", P, "/bids/1"),
    Step("bids.withdraw", P, "/bids/1", {"reason": "We found a mistake in our price"}),
    # Evaluate and award
    Step("evaluation.score", E, "/evaluation/bids/3", writes=False),
    Step("evaluation.declare", "evaluator2@demo.test", "/evaluation/{opp}/declare",
         check_all=True, before=_evaluator_to_declare, repeats={"evaluation.declared"}),  # one per bidder
    Step("evaluation.manage", C, "/opportunities/2/evaluation", {"evaluators": FIRST}),
    Step("evaluation.unassign", C, "/opportunities/2/evaluation"),
    Step("evaluation.allow_interest", C, "/opportunities/2/evaluation",
         {"reason": "Her trusteeship is of Southside alone; no link with Alt Valley"}),
    Step("evaluation.moderate_bid", C, "/opportunities/2/moderation/3", {"score-0": "3", "reason-0": "Agreed again"}),
    Step("evaluation.scoring", C, "/opportunities/2/scoring"),
    Step("evaluation.award", C, "/opportunities/{opp}/award",
         {"bids": "{bid}", "amount-{bid}": "40000", "notice-day": str(date.today().day),
          "notice-month": str(date.today().month), "notice-year": str(date.today().year),
          "reasons": "Highest score on quality and price"}, before=_scored),
    Step("contracts.create_from_award", C, "/opportunities/4/award", writes=False),  # drafted already: shown
    # Contracts
    Step("contracts.edit", C, "/contracts/3/edit"),
    Step("contracts.assign_monitor", C, "/contracts/1", {"monitor": FIRST}),
    Step("contracts.sign", P, page("/contracts/{a}", a=_agreement("issued")),
         {"name": "Priya Shah", "role": "Chief executive"}),
    Step("contracts.countersign", C, page("/contracts/{a}", a=_agreement("signed"))),
    Step("contracts.issue", C, "/contracts/3"),
    Step("contracts.recall", C, page("/contracts/{a}", a=_agreement("issued"))),
    Step("contracts.upload_signed_copy", P2, "/contracts/{agr}", {"copy-name": "Sam Okafor",
                                                                 "copy-role": "Chief executive"},
         files={"copy-file": PDF}, before=_issued_with_document),
    Step("contracts.edit_clause", A, page("/admin/clauses/{c}", c=first_id("contracts.models:Clause"))),
    Step("contracts.new_variation", C, "/contracts/1/variations/new", {"reason": "More sessions in the summer",
                                                                      "value": "99999"}),
    Step("contracts.variation_step", C, page("/contracts/{a}", a=first_id("contracts.models:Agreement"))),
    Step("contracts.sign_variation", P2, page("/contracts/{a}", a=first_id("contracts.models:Agreement")),
         {"name": "Sam Okafor", "role": "Director"}, before=_rendered_variation),
    Step("notices.start", C, "/opportunities/{opp}/notices", before=_draft_procurement),
    Step("notices.save_details", C, page("/notices/{n}", n=_draft_notice("UK2")),
         {"engagement": f"A market event with six youth organisations {U}"}),
    Step("notices.publish", C, page("/notices/{n}", n=_draft_notice("UK2"))),
    Step("contracts.record_payment", C, page("/contracts/{a}", a=_agreement("active")),
         {"instalment": "none", "amount": "250", "paid_on": date3(date.today()), "reference": f"EO-{U}"}),
    Step("contracts.end", C, page("/contracts/{a}", a=_agreement("active")), {"early": "yes", "reason": "The provider has closed"}),
    # Monitor
    Step("monitoring.return_page", P2, page("/returns/{d}", d=_due_of_return("returned")), button="submit"),
    Step("monitoring.send_back", C, page("/returns/{d}", d=_due_of_return("submitted")), {"comments": "Add June"}),
    Step("monitoring.accept", C, page("/returns/{d}", d=_due_of_return("submitted")),
         {"overall": FIRST, "reason": "Agreed at the review meeting", "action-0-text": "Recruit two volunteers",
          "action-0-owner": "Provider", "action-0-due": LATER.isoformat()}),
    Step("monitoring.action_done", C, "/returns/2"),
    Step("monitoring.review", C, "/contracts/1/review", {"decision": FIRST, "reason": "Performing well"}),
    Step("monitoring.notifications", MON, "/notifications"),  # an admin has no notices to choose
    # Young people decide
    Step("panels.new_panel", F, "/panels/new", {"name": f"Norris Green panel {U}"}),
    Step("panels.new_member", F, "/panels/1/members/new", {"display_name": f"Member {U}", "age_band": FIRST}),
    Step("panels.record_consent", F, "/panels/members/10", {"note": "Signed form from a parent"}),
    Step("panels.add_contribution", F, "/panels/members/2", {"activity": "Panel meeting", "hours": "2",
                                                            "on": date3(date.today() - timedelta(days=1))}),
    Step("panels.new_code", F, "/panels/members/10"),   # Isla has not joined yet (a member who has gets no code)
    Step("panels.remove_member", F, "/panels/members/{mid}", before=_panel_member(removed=False)),
    Step("panels.add_member_again", F, "/panels/members/{mid}", before=_panel_member(removed=True)),
    Step("panels.new_round", F, "/panels/1/rounds/new", {"title": f"Summer fund {U}", "budget": "4000",
                                                        "pot": FIRST, "quorum": "1", "ballot_type": FIRST,
                                                        "rule": FIRST, "closes": date3(LATER)}),
    Step("panels.edit_round", F, "/panels/rounds/3/edit"),
    Step("panels.edit_project", F, "/panels/rounds/3/projects/new", {"title": f"Street art {U}",
                                                                   "summary": "Murals with young artists",
                                                                   "cost": "500"}),
    Step("panels.remove_project", F, "/panels/rounds/3"),
    Step("panels.open_round", F, "/panels/rounds/3"),
    Step("panels.links", M, "/panels/rounds/2/links"),
    # The ballot page's choices, sent from its check page ("send"): the ballot is cast once.
    Step("panels.vote", M, "/panels/rounds/2/vote", {"project": FIRST, "send": "yes"}),
    Step("panels.close_round", F, "/panels/rounds/2"),
    Step("panels.join", None, "/join", {"code": "{code}"}, before=_joining_code),
    Step("panels.send_to_panel", C, "/opportunities/{opp}/panel", {"panel": FIRST, "bids": FIRST},
         before=_closed_grant),
    Step("panels.confirm_round", C, "/panels/rounds/1/results", repeats={"pot.commitment"}),
    # Accounts
    Step("api_pages.tokens", C, "/account/api-tokens", {"name": f"Twice {U}", "scope": FIRST},
         told="can only be shown once"),
    Step("api_pages.revoke", C, "/account/api-tokens"),
    Step("opportunities.cancel", C, page("/opportunities/{o}", o=_latest("opportunities.models:Opportunity")),
         {"reason": "The service is no longer needed"}),
    Step("accounts.request_reset", None, "/password-reset", {"email": "evaluator3@demo.test"}),
    Step("accounts.reset_password", None, page("/password-reset/{t}", t=_reset_token),
         {"password": "a-new-long-password-1", "confirm": "a-new-long-password-1"}),
    Step("accounts.login", None, "/login", {"email": "evaluator@demo.test", "password": PASSWORD}),
    Step("accounts.sign_out_device", f"own1-{U}@demo.test", "/account", before=_own_account(f"own1-{U}@demo.test")),
    Step("accounts.sign_out_everywhere", f"own2-{U}@demo.test", "/account",
         before=_own_account(f"own2-{U}@demo.test")),
    Step("accounts.change_password", f"own3-{U}@demo.test", "/account/password",
         {"current": PASSWORD, "password": "a-new-long-password-2", "confirm": "a-new-long-password-2"},
         before=_own_account(f"own3-{U}@demo.test")),
    # People administration
    Step("admin.change_roles", A, "/admin/users/{uid}", {"roles": "commissioner"}, before=_person_to_manage()),
    Step("admin.deactivate", A, "/admin/users/{uid}/deactivate", before=_person_to_manage()),
    Step("admin.reactivate", A, "/admin/users/{uid}", before=_person_to_manage(deactivated=True)),
    Step("admin.add_membership", A, "/admin/users/{uid}", {"organisation": FIRST},
         before=_person_to_manage(role="provider")),
    Step("admin.change_membership", A, "/admin/users/{uid}", before=_person_to_manage(member=True)),
    Step("admin.remove_membership", A, "/admin/users/{uid}", before=_person_to_manage(member=True)),
    Step("admin.revoke_session", A, "/admin/users/{uid}", before=_person_to_manage()),
    Step("admin.revoke_sessions", A, "/admin/users/{uid}", before=_person_to_manage()),
    Step("admin.revoke_token", A, "/admin/users/{uid}", before=_person_to_manage()),
    Step("accounts.logout", C, "/dashboard"),
]

#: POST routes that are not sent twice with one key, and why.
UNREACHABLE = {
    "notices.send_again": "its button shows only when Find a Tender is configured (FTS_API_KEY, not set on this "
                          "server) and a send was refused or interrupted; sending it twice queues one send: "
                          "tests/unit/test_procurement_notices.py::test_send_again_twice_queues_one_send",
    "panels.paper_ballot": "its second typing's form exists only in the answer to the first typing's POST, which "
                           "no GET reaches; sending the matching second typing twice keeps one ballot: "
                           "tests/unit/test_paper_ballots.py::test_sending_the_matching_second_typing_twice_saves_one_ballot",
    "bids.autosave": "posted by script without the form's key, by design: saving the same draft again is the "
                     "same draft (the Save draft button carries the key)",
}


def problems(html):
    """The error summary of a page, to say why a step did nothing."""
    tree = parse(html)
    found = [" ".join("".join(li.itertext()).split()) for div in tree.iter("div")
             if "govuk-error-summary" in (div.get("class") or "") for li in div.iter("li")]
    return found or " ".join("".join(parse(html).find(".//main").itertext()).split())[:300] if tree.find(".//main") is not None else html[:200]


def post_endpoints(app):
    return sorted({r.endpoint for r in app.url_map.iter_rules()
                   if "POST" in r.methods and not r.rule.startswith("/api/")})


def test_every_post_route_has_a_scenario(live_app):
    named = [s.endpoint for s in STEPS] + list(UNREACHABLE)
    assert sorted(set(named)) == post_endpoints(live_app), (
        "every POST route needs a Step (or a reason in UNREACHABLE): "
        f"missing {sorted(set(post_endpoints(live_app)) - set(named))}, unknown {sorted(set(named) - set(post_endpoints(live_app)))}")
    assert len(named) == len(set(named)), "one entry per route"


def _filled(step, values):
    """``step`` with its fill's {placeholders} taken from what ``before`` returned."""
    if not values:
        return step
    import copy
    filled = copy.copy(step)
    filled.fill = {name.format(**values): (value.format(**values) if isinstance(value, str) else value)
                   for name, value in step.fill.items()}
    return filled


def _data(form, step):
    fields = form_fields(form, step.button)
    if step.check_all:  # every declaration ticked, every question answered, as a careful person would
        fields += [(el.get("name"), el.get("value", "y")) for el in form.iter("input")
                   if (el.get("type") or "") == "checkbox" and el.get("checked") is None]
        sent = {n for n, _v in fields}
        for el in form.iter("input"):
            if (el.get("type") or "") == "radio" and el.get("name") not in sent and el.get("name") not in step.fill:
                fields.append((el.get("name"), el.get("value")))
                sent.add(el.get("name"))
        fields = [(n, v if v or n in step.fill or n in ("request_key", "csrf_token") else "Nothing to add")
                  if any(t.get("name") == n for t in form.iter("textarea")) else (n, v) for n, v in fields]
    for name, value in step.fill.items():
        fields = [(n, v) for n, v in fields if n != name]
        if value is None:
            continue
        if value is FIRST:
            choices = [el.get("value") for el in form.iter("input") if el.get("name") == name] or \
                      [o.get("value") for sel in form.iter("select") if sel.get("name") == name
                       for o in sel.iter("option") if o.get("value")]
            assert choices, f"no choices for {name}"
            fields.append((name, choices[0]))
        elif isinstance(value, list):
            fields.extend((name, v) for v in value)
        else:
            fields.append((name, value))
    return fields


# --- two tabs (two keys) at once: where the domain says once, it is once ---------------------

def _fresh_open_round():
    """A new open round on the demo member's panel, so this test leaves the demo's round to the step."""
    from commissioning.accounts.models import User
    from commissioning.panels import operations as panel_ops
    from commissioning.panels.models import AllocationRule, BallotType, PanelMember, Round
    member = db.session.scalars(db.select(PanelMember).join(User, PanelMember.user_id == User.id)
                                .where(User.email == M)).one()
    pot = db.session.scalars(db.select(Round).where(Round.panel_id == member.panel_id)).first().pot
    now = utcnow()
    rnd = panel_ops.create_round(member.panel, member.panel.facilitator, title=f"Two tabs {U}", pot=pot,
                                 budget_pence=100_000, ballot_type=BallotType.within_budget, max_projects=None,
                                 min_projects=None, rule=AllocationRule.greedy, quorum=None,
                                 min_approval_percent=None, opens_at=now, closes_at=now + timedelta(days=3))
    panel_ops.add_project(rnd, f"Two tabs project {U}", "Plain words.", 50_000)
    panel_ops.open_voting(rnd, member.panel.facilitator)
    db.session.commit()
    return rnd.id


def test_two_tabs_voting_at_once_leave_one_ballot(server):
    """Different keys: no replay, so the row lock on the member keeps one vote (a 500 before).

    The second tab is told the member has already voted; one record of voting, one ballot.
    """
    from commissioning.accounts.models import User
    from commissioning.panels.models import Ballot, PanelMember, VoteCast
    rnd = query(server, _fresh_open_round)
    member = person(server, M)
    step = Step("panels.vote", M, f"/panels/rounds/{rnd}/vote", {"project": FIRST, "send": "yes"})
    tabs = []
    for _ in range(2):
        html = member.get(step.page)
        form = next(f for a, f in member.forms(html, step.page) if a == step.page)
        tabs.append(_data(form, step))
    assert tabs[0] != tabs[1], "each tab has its own key"
    cookies = member.http.cookies.get_dict()
    answers = at_once(lambda i: post_as(cookies, member.url(step.page), tabs[i]))
    assert [a.status_code for a in answers] == [302, 302], [a.status_code for a in answers]
    assert not any(a.headers.get("Idempotent-Replayed") for a in answers)

    def votes_and_ballots():
        who = db.select(PanelMember.id).join(User, PanelMember.user_id == User.id).where(User.email == M)
        votes = db.session.scalar(db.select(db.func.count()).where(VoteCast.round_id == rnd,
                                                                   VoteCast.member_id.in_(who)))
        return votes, db.session.scalar(db.select(db.func.count()).where(Ballot.round_id == rnd))
    assert query(server, votes_and_ballots) == (1, 1)


@pytest.mark.parametrize("step", STEPS, ids=[s.endpoint for s in STEPS])
def test_a_double_submit_does_the_work_once(server, step):
    values = step.before(server) if step.before else {}
    who = Person(server, step.who) if step.who is None or step.endpoint.startswith(("accounts.", "panels.join")) \
        else person(server, step.who)
    path = query(server, step.page) if callable(step.page) else step.page.format(**values)
    step = _filled(step, values)
    html = who.get(path)
    adapter = server.app.url_map.bind("127.0.0.1")
    forms = []
    for action, form in who.forms(html, path):
        try:
            endpoint, _args = adapter.match(action, method="POST")
        except Exception:
            continue
        if endpoint == step.endpoint:
            forms.append((action, form))
    assert forms, f"no form for {step.endpoint} on {path} as {step.who}"
    action, form = forms[step.nth]
    keys = [el.get("value") for el in form.iter("input") if el.get("name") == "request_key"]
    assert len(keys) == 1 and len(keys[0]) >= 16, "every form carries one request key"
    data = _data(form, step)
    if step.endpoint in IRREVERSIBLE:
        # The page's button asks first: what is sent twice is the "Yes" of the confirmation page.
        asked = post_as(who.http.cookies.get_dict(), who.url(action), data, step.files,
                        headers={"Referer": who.url(who.last_page)})
        confirming = [f for a, f in who.forms(asked.text, action) if a == action
                      and any(el.get("name") == "confirmed" for el in f.iter("input"))]
        assert asked.status_code == 200 and confirming, f"{step.endpoint} asks before it acts: {asked.status_code}"
        data = form_fields(confirming[0])
    before = audit_ids(server)
    answers = who.twice(action, data, files=step.files)
    codes = [a.status_code for a in answers]
    assert all(c < 500 for c in codes), f"{step.endpoint}: {codes}"
    replayed = [a for a in answers if a.headers.get("Idempotent-Replayed") == "true"]
    actions = audit_after(server, before)
    if not step.writes:
        assert not replayed and codes[0] == codes[1], f"{step.endpoint}: {codes}"
        return
    assert actions, f"{step.endpoint} did nothing: {codes} {[problems(a.text) for a in answers]}"
    assert len(replayed) == 1, f"{step.endpoint}: one answer replays the other, got {codes} {actions}"
    doubled = [a for a, n in Counter(actions).items() if n > 1 and a not in step.repeats]
    assert not doubled, f"{step.endpoint} did {doubled} twice: {actions}"
    again = replayed[0]
    assert again.status_code == 303
    with requests.Session() as http:
        http.cookies.update(who.http.cookies.get_dict())
        http.cookies.update(again.cookies.get_dict())
        shown = http.get(urljoin(who.server.url, again.headers["Location"]))
    assert shown.status_code == 200 and step.told in " ".join(shown.text.split()), step.endpoint


# --- the API: an Idempotency-Key header makes a write once ---------------------------------

def _write_token(server, email):
    from commissioning.accounts.models import User
    from commissioning.api.operations import create_token
    with server.app.app_context():
        user = db.session.scalars(db.select(User).where(User.email == email)).one()
        plain = create_token(user, f"once {uuid.uuid4().hex[:4]}", "write")[1]
        db.session.commit()
        return plain


def _twice_json(server, method, path, token, body, key):
    headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": key}
    return at_once(lambda _i: requests.request(method, urljoin(server.url, path), json=body, headers=headers,
                                               timeout=60))


def test_an_api_write_sent_twice_with_one_key_records_one_need(server):
    from commissioning.localities.models import Locality
    from commissioning.needs.models import Need
    token = _write_token(server, "commissioner@demo.test")
    locality = query(server, lambda: db.session.scalar(db.select(Locality.id).order_by(Locality.id)))
    title = f"Nowhere to go on Sunday afternoons {uuid.uuid4().hex[:6]}"
    body = {"title": title, "tier": "universal", "age_min": 11, "age_max": 19, "locality_ids": [locality],
            "outcomes": ["enjoy_and_achieve"], "need_not_met": "Nothing is open on Sundays"}
    answers = _twice_json(server, "POST", "/api/v1/needs", token, body, uuid.uuid4().hex)
    assert [a.status_code for a in answers] == [201, 201], [a.text[:300] for a in answers]
    assert sorted(a.headers.get("Idempotent-Replayed", "") for a in answers) == ["", "true"]
    assert answers[0].json()["id"] == answers[1].json()["id"]
    assert answers[0].headers["Location"] == answers[1].headers["Location"]
    assert query(server, lambda: db.session.scalar(db.select(db.func.count()).where(Need.title == title))) == 1
    # The same key from another token is that token's own key: it does its own work.
    other = _write_token(server, "commissioner@demo.test")
    again = _twice_json(server, "POST", "/api/v1/needs", other, body, "k" * 20)
    assert {a.status_code for a in again} == {201}
    assert query(server, lambda: db.session.scalar(db.select(db.func.count()).where(Need.title == title))) == 2


def test_a_key_is_not_reused_for_another_route(server):
    token = _write_token(server, "commissioner@demo.test")
    key = uuid.uuid4().hex
    headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": key}
    first = requests.post(urljoin(server.url, "/api/v1/needs"), json={"title": "x"}, headers=headers, timeout=30)
    assert first.status_code == 422  # refused: nothing kept, so the key is still free
    bad = requests.post(urljoin(server.url, "/api/v1/needs"), json={}, headers={**headers, "Idempotency-Key": "short"},
                        timeout=30)
    assert bad.status_code == 400 and "safely" in bad.json()["message"]


