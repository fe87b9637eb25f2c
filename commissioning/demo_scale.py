"""The demo multiplied: ``commissioning demo-data --scale N`` adds N units of records on top of the demo.

One unit is a slice of a busy year in one part of the city: 5 needs, 10 specifications and the 10
opportunities published from them (open, draft, closed, being evaluated and awarded), 101 bids from
12 voluntary organisations (and the demo's two providers), their evaluations, 20 agreements in
every state with about 500 monitoring returns, provision and venues for what's on, and a young
people's vote of 200 ballots. Rows are written with bulk inserts (SQLAlchemy Core, lists of dicts)
with their ids chosen here, so foreign keys need no round trip; the few results the app computes
itself (scoring totals, RAG suggestions, agreement snapshots, panel counts) come from its own
functions, so every page reads the rows as if people had made them.

Units are numbered; running again with the same N adds nothing, and a larger N tops up to it.
"""
import hashlib
import random
import time
from datetime import datetime, timedelta
from fractions import Fraction
from types import SimpleNamespace

from commissioning.extensions import db

#: What one unit adds, the figure ``--scale`` multiplies (returns and bids vary a little by date).
PER_UNIT = {"needs": 5, "opportunities": 10, "bids": 101, "agreements": 20, "monitoring_returns": 500,
            "panel_ballots": 200}

SCALE_PANEL = "Neighbourhood votes (paper ballots)"

#: Unit k's first provider user; the highest k present says how many units there are.
UNIT_EMAIL = "provider0.unit{k:04d}@demo.test"

WARDS = {
    "Alt Valley": ["Croxteth", "Norris Green", "Fazakerley", "Clubmoor", "West Derby", "Gillmoss"],
    "City and North": ["Anfield", "Everton", "Kirkdale", "Walton", "County", "Vauxhall"],
    "East": ["Knotty Ash", "Old Swan", "Tuebrook", "Kensington", "Yew Tree", "Broadgreen"],
    "South": ["Garston", "Speke", "Allerton", "Woolton", "Cressington", "Belle Vale"],
    "South Central": ["Toxteth", "Dingle", "Princes Park", "Picton", "Wavertree", "St Michael's"],
}
#: Outward codes of each district, for venues' postcodes (from the shipped Code-Point Open file).
OUTWARD = {"Alt Valley": ("L11", "L12"), "City and North": ("L4", "L5", "L6"), "East": ("L13", "L14"),
           "South": ("L19", "L24", "L25"), "South Central": ("L8", "L7", "L15")}

ORG_KINDS = [("Youth Club", "charity"), ("Boxing Club", "community_group"), ("Youth Theatre", "charity"),
             ("Community Trust", "charity"), ("Young People's Arts CIC", "cic"), ("Sports Foundation", "charity"),
             ("Detached Youth Project", "charity"), ("Young Carers Project", "charity"),
             ("Music Collective CIC", "cic"), ("Family Hub Partnership", "community_group"),
             ("Youth Training Ltd", "company"), ("Girls' Network", "community_group")]

#: (need title, specification title, tier, ages, for_lldd, groups, outcomes, indicator, what is missing,
#:  KPI, provision name)
TOPICS = [
    ("Evening and weekend activities in {ward}", "Open-access youth clubs in {ward}", "universal", (11, 19),
     False, [], ["enjoy_and_achieve", "positive_contribution"], "participation",
     "Young people in {ward} have few safe places to go on Friday and Saturday evenings.",
     ("Different young people attending", "young people", "120"), "Friday night youth club"),
    ("Detached youth work in {ward}", "Detached and outreach youth work in {ward}", "targeted", (13, 19), False,
     ["young_offenders", "excluded"], ["stay_safe"], "justice",
     "Groups of young people gather in parks and on the streets of {ward} with no trusted adult to turn to.",
     ("Young people met on the streets", "young people", "200"), "Detached youth work"),
    ("Wellbeing support for young people in {ward}", "Wellbeing drop-ins for young people in {ward}", "targeted",
     (13, 19), False, ["young_carers", "looked_after"], ["be_healthy"], "wellbeing",
     "Young people in {ward} wait months for mental health support and need someone to talk to near home.",
     ("Young people given one-to-one support", "young people", "60"), "Wellbeing drop-in"),
    ("Routes into learning and work in {ward}", "Support into education, training or work in {ward}",
     "early_intervention", (16, 19), False, ["neet"], ["economic_wellbeing"], "neet",
     "Too many 16 and 17 year olds in {ward} are not in education, employment or training.",
     ("Young people starting learning or work", "young people", "30"), "Job club for 16 to 19 year olds"),
    ("Holiday activities with food in {ward}", "Holiday clubs with a healthy meal in {ward}", "universal", (8, 16),
     False, [], ["be_healthy", "enjoy_and_achieve"], "participation",
     "Families in {ward} on low incomes find the school holidays hard: no activities and no free meal.",
     ("Holiday club places filled", "places", "400"), "Holiday club"),
    ("Activities for young people with SEND in {ward}", "Inclusive activities for young people with SEND in {ward}",
     "targeted", (14, 25), True, ["lldd"], ["enjoy_and_achieve", "economic_wellbeing"], None,
     "Young people with learning difficulties or disabilities in {ward} lose support when they leave school.",
     ("Young people with SEND taking part", "young people", "40"), "Inclusive youth club"),
    ("Breaks for young carers in {ward}", "Young carers' breaks and groups in {ward}", "targeted", (11, 18), False,
     ["young_carers"], ["be_healthy", "positive_contribution"], "wellbeing",
     "Young carers in {ward} rarely get a break and miss out on activities their friends enjoy.",
     ("Young carers given a break", "young people", "50"), "Young carers' group"),
    ("Sport for girls and young women in {ward}", "Sport and physical activity for girls in {ward}", "universal",
     (11, 19), False, [], ["be_healthy", "enjoy_and_achieve"], "participation",
     "Girls in {ward} drop out of sport at secondary school and say the sessions are not for them.",
     ("Girls taking part every month", "young people", "90"), "Girls' football and fitness"),
    ("Support for young parents in {ward}", "Support for young parents in {ward}", "targeted", (16, 19), False,
     ["teenage_parents"], ["economic_wellbeing", "be_healthy"], "neet",
     "Young parents in {ward} are isolated and few return to learning after their child is born.",
     ("Young parents supported", "young people", "25"), "Young parents' group"),
    ("Arts, music and film for young people in {ward}", "Arts, music and film sessions in {ward}", "universal",
     (11, 19), False, ["bme"], ["enjoy_and_achieve", "positive_contribution"], "participation",
     "Young people in {ward} have no affordable place to make music, art or film.",
     ("Sessions delivered", "sessions", "48"), "Music and film studio sessions"),
]

EVIDENCE = [("young_people", "Survey of {n} young people in {ward}: {p}% said this was their top concern."),
            ("dataset", "The youth service's attendance data for {ward} shows the gap: {n} fewer young people "
                        "reached than two years ago."),
            ("schools", "Head teachers in {ward} raised it at the local schools forum ({n} pupils affected)."),
            ("vcs", "Local voluntary groups in {ward} report waiting lists of about {n} young people.")]

ANSWERS = ["We have worked with young people in {ward} for {years} years; they help plan every term.",
           "Our staff are DBS checked and trained in safeguarding; a youth committee reviews each session.",
           "We will recruit two local apprentices and buy from businesses in {ward}.",
           "Sessions run in accessible venues with transport for those who need it."]

OUTCOMES_TEXT = ["Sessions ran every week as planned.", "Two new volunteers trained, both former members.",
                 "Young people planned and ran a community event.", "Attendance rose after the school holidays."]
ISSUES_TEXT = ["", "One venue closed for repairs; sessions moved to the library.",
               "Staff sickness meant two sessions were cancelled.", ""]

PROJECT_IDEAS = [("Street dance sessions", 6_000), ("Skate park lights", 4_500), ("Day trips for young carers", 8_000),
                 ("Open studio nights", 7_500), ("After-school football league", 5_000),
                 ("Peer mentor training", 9_000), ("Youth club kitchen", 3_500), ("Film-making summer school", 6_500)]


class _Ids:
    """The next free id of each table, read once, so rows can name each other before they are written."""

    def __init__(self):
        self.next = {}

    def take(self, table, count=1):
        if table.name not in self.next:
            self.next[table.name] = (db.session.scalar(db.select(db.func.max(table.c.id))) or 0) + 1
        first = self.next[table.name]
        self.next[table.name] += count
        return first if count == 1 else range(first, first + count)


def units_present():
    """How many units earlier runs added (the highest unit number of their marker users)."""
    from commissioning.accounts.models import User
    emails = db.session.scalars(db.select(User.email).where(User.email.like("provider0.unit%@demo.test")))
    return max((int(e[len("provider0.unit"):].split("@")[0]) for e in emails), default=0)


def scale_demo(n, now=None):
    """Add units until there are ``n``; return a dict of what was added and how long it took.

    The demo itself must be loaded first (``load_demo_data``): units build on its people,
    localities, indicators, clause library and panel.
    """
    started = time.perf_counter()
    have = units_present()
    if n <= have:
        return {"units_before": have, "units_added": 0, "seconds": time.perf_counter() - started, "added": {}}
    builder = _Builder(now)
    for k in range(have + 1, n + 1):
        builder.unit(k)
    added = builder.finish()
    from commissioning.audit.operations import log_action
    log_action(("Demo", None), "demo.scaled", f"Demo data scaled from {have} to {n} units", units_before=have,
               units_after=n, added=added)
    from commissioning.opendata.operations import publish_releases
    publish_releases()   # the new procurements' first releases
    return {"units_before": have, "units_added": n - have, "seconds": time.perf_counter() - started,
            "added": added}


class _Builder:
    """Collects the rows of every unit, then writes them table by table in dependency order."""

    def __init__(self, now=None):
        from commissioning.accounts.models import Organisation, User
        from commissioning.core.models import LONDON, utcnow
        from commissioning.indicators.models import Indicator
        from commissioning.localities.models import Locality
        from commissioning.panels.models import Panel
        from commissioning.funding.models import Pot
        self.now = now or utcnow()
        self.today = self.now.astimezone(LONDON).date()
        self.noon = self.now.astimezone(LONDON).replace(hour=12, minute=0, second=0, microsecond=0)
        self.ids = _Ids()
        self.rows = {}          # table name -> [dict]
        self.scoring = []       # (run id, criteria, bids, quality)
        self.agreements = []    # agreement rows needing a document snapshot
        self.rounds = []        # panel round ids to count
        self.localities = {loc.name: loc for loc in db.session.scalars(db.select(Locality))}
        user = {u.email: u for u in db.session.scalars(db.select(User).where(User.email.like("%@demo.test")))}
        self.commissioner, self.monitor = user["commissioner@demo.test"], user["monitor@demo.test"]
        self.approvers = [user["approver@demo.test"], user["approver2@demo.test"]]
        self.evaluators = [user[e] for e in ("evaluator@demo.test", "evaluator2@demo.test", "evaluator4@demo.test")]
        self.password_hash = user["provider@demo.test"].password_hash   # the demo password for every account
        self.demo_providers = [(user[e], user[e].memberships[0].organisation_id)
                               for e in ("provider@demo.test", "provider2@demo.test")]
        self.council = db.session.scalars(db.select(Organisation).where(
            Organisation.name == "Liverpool City Council")).one()
        names = {i.name: i.id for i in db.session.scalars(db.select(Indicator))}
        from commissioning.demo_cycle import NEET, PARTICIPATION, WELLBEING
        self.indicators = {"participation": names.get(PARTICIPATION), "wellbeing": names.get(WELLBEING),
                           "neet": names.get(NEET),
                           "justice": names.get("First-time entrants to the youth justice system")}
        # The votes go to a panel of their own with no members: counting the demo panel's rounds would
        # mail its members each time, and paper ballots have no members to check.
        self.panel = db.session.scalars(db.select(Panel).where(Panel.name == SCALE_PANEL)).first()
        facilitator = user.get("facilitator@demo.test")
        if self.panel is None and facilitator is not None:
            from commissioning.panels.operations import create_panel
            self.panel = create_panel(SCALE_PANEL, None, facilitator)
        self.voice_pot = db.session.scalars(db.select(Pot).where(Pot.name == "Youth Voice Fund")).first()
        self.org_names = set(db.session.scalars(db.select(Organisation.name)))
        from commissioning.contracts.models import Agreement, AgreementKind
        from commissioning.panels.models import Round
        self.agreement_count = {kind: db.session.scalar(db.select(db.func.count(Agreement.id)).where(
            Agreement.kind == kind)) or 0 for kind in AgreementKind}
        self.round_count = db.session.scalar(db.select(db.func.count(Round.id))) or 0
        from commissioning.localities.postcodes import SHIPPED_FILE, _read_points
        units, _outward = _read_points(str(SHIPPED_FILE))
        self.postcodes = {name: sorted(p for p in units if p.split()[0] in codes) for name, codes in OUTWARD.items()}
        self.points = units
        self.file_ids = {}
        self.org_users = {org: u.id for u, org in self.demo_providers}

    # --- helpers ---------------------------------------------------------------------------------

    def add(self, model, **row):
        table = model.__table__
        row.setdefault("id", self.ids.take(table))
        self.rows.setdefault(table.name, []).append(row)
        return row["id"]

    def link(self, table, **row):
        self.rows.setdefault(table.name, []).append(row)

    def _pdf(self, kind):
        """One small real PDF per kind of document, stored once and shared by the scaled records."""
        if kind not in self.file_ids:
            from commissioning.demo_cycle import _demo_pdf
            from commissioning.files.operations import store_file
            data = _demo_pdf(f"Demo {kind} (scaled demo data)")
            stored = store_file(f"demo-{kind}.pdf", "application/pdf", data)
            self.file_ids[kind] = (stored.id, stored.sha256)
        return self.file_ids[kind]

    # --- one unit --------------------------------------------------------------------------------

    def unit(self, k):
        rnd = random.Random(k)   # the same unit number always gives the same records
        district = list(WARDS)[k % len(WARDS)]
        wards = WARDS[district]
        locality = self.localities[district]
        orgs = self._organisations(k, rnd, district, wards)
        needs = self._needs(k, rnd, locality, wards)
        pot = self._pot(k)
        specs = self._specifications(k, rnd, needs, locality, pot)
        self._provision(k, rnd, orgs, locality, district, wards)
        opps = self._opportunities(k, rnd, specs)
        self._bids_and_awards(k, rnd, opps, orgs, pot)
        self._panel_round(k, rnd, wards, orgs)

    def _organisations(self, k, rnd, district, wards):
        from commissioning.accounts.models import Membership, Organisation, Role, User, UserRole
        orgs = []
        for i in range(12):
            kind, org_type = ORG_KINDS[(k + i) % len(ORG_KINDS)]
            name = f"{wards[(k + i) % len(wards)]} {kind}"
            if name in self.org_names:
                name = f"{name} ({k})"
            self.org_names.add(name)
            org = self.add(Organisation, name=name, type=org_type, created_at=self.now,
                           charity_number=f"11{k:04d}{i:02d}" if org_type == "charity" else None,
                           company_number=f"1{k:05d}{i:02d}" if org_type in ("cic", "company") else None,
                           address=f"{wards[(k + i) % len(wards)]}, Liverpool")
            email = UNIT_EMAIL.format(k=k) if i == 0 else f"provider{i}.unit{k:04d}@demo.test"
            first = ["Alex", "Jamie", "Sam", "Ria", "Kofi", "Nadia", "Tom", "Leah", "Omar", "Beth", "Dan", "Mei"][i]
            user = self.add(User, email=email, name=f"{first} {['Jones', 'Ahmed', 'Byrne', 'Clarke'][k % 4]}",
                            password_hash=self.password_hash, active=True, created_at=self.now)
            self.add(UserRole, user_id=user, role=Role.provider.value)
            self.add(Membership, user_id=user, organisation_id=org, is_org_admin=True, job_title="Manager",
                     created_at=self.now)
            orgs.append((user, org, name))
            self.org_users[org] = user
        return orgs

    def _needs(self, k, rnd, locality, wards):
        from commissioning.indicators.models import indicator_needs
        from commissioning.needs.models import (EvidenceItem, Need, NeedGroup, NeedOption, NeedOutcome,
                                                need_localities)
        statuses = ["specified", "specified", "prioritised", "evidenced", "closed" if k % 7 == 0 else "draft"]
        needs = []
        for j, status in enumerate(statuses):
            topic = TOPICS[(k * 3 + j) % len(TOPICS)]
            ward = wards[(k + j) % len(wards)]
            title, _spec, tier, (age_min, age_max), lldd, groups, outcomes, indicator, missing = topic[:9]
            created = self.now - timedelta(days=400 + rnd.randrange(300))
            need = self.add(Need, title=title.format(ward=ward), status=status, tier=tier, age_min=age_min,
                            age_max=age_max, for_lldd=lldd, need_not_met=missing.format(ward=ward),
                            how_identified=f"Consultation with young people and partners in {ward}.",
                            desired_outcomes="More young people reached, and young people who say it helped.",
                            plan_priorities="The youth services duty (section 507B of the Education Act 1996) and "
                                            "Youth Matters, the national youth strategy.",
                            created_by_id=self.commissioner.id, created_at=created, updated_at=created)
            self.link(need_localities, need_id=need, locality_id=locality.id)
            for group in groups:
                self.link(NeedGroup.__table__, need_id=need, group=group)
            for outcome in outcomes:
                self.link(NeedOutcome.__table__, need_id=need, outcome=outcome)
            if status != "draft":
                for e in rnd.sample(EVIDENCE, 2):
                    self.add(EvidenceItem, need_id=need, source=e[0], created_at=created,
                             date=(created - timedelta(days=rnd.randrange(10, 90))).date(),
                             summary=e[1].format(ward=ward, n=rnd.randrange(40, 600), p=rnd.randrange(35, 80)))
                for position, (kind, option, preferred) in enumerate(
                        [("do_nothing", "Do nothing", False),
                         ("proposal", _spec.format(ward=ward), status in ("prioritised", "specified", "closed"))]):
                    self.add(NeedOption, need_id=need, kind=kind, position=position, title=option,
                             likelihood=rnd.randint(1, 5), impact=rnd.randint(2, 5), is_preferred=preferred,
                             created_at=created)
            if indicator and self.indicators.get(indicator):
                self.link(indicator_needs, indicator_id=self.indicators[indicator], need_id=need)
            needs.append((need, topic, ward, status))
        return needs

    def _pot(self, k):
        from commissioning.funding.models import Pot
        from commissioning.demo_cycle import YEAR
        return self.add(Pot, name=f"Neighbourhood youth fund {k}", kind="funding_stream", funder_id=self.council.id,
                        financial_year=YEAR - k % 3, amount_pence=150_000_000, ring_fenced=False,
                        tiers=["universal", "early_intervention", "targeted"], created_at=self.now,
                        conditions="Council money for youth services in one neighbourhood (scaled demo data).")

    def _specifications(self, k, rnd, needs, locality, pot):
        from commissioning.specifications.models import (
            DEFAULT_DESCRIPTORS, ApprovalDecision, Specification, SpecificationVersion, specification_needs)
        quality = dict(kind="quality", scale_max=5, descriptors=DEFAULT_DESCRIPTORS)
        specs = []
        for j in range(10):
            need, topic, _ward, _status = needs[j % 2]
            ward = WARDS[locality.name][(k + j) % len(WARDS[locality.name])]
            grant = j in (0, 2, 4, 6, 7, 8)
            title = topic[1].format(ward=ward)
            kpi_name, kpi_unit, kpi_target = topic[9]
            value = rnd.randrange(4, 40) * 500_000 if grant else rnd.randrange(10, 50) * 1_000_000
            indicator_id = self.indicators.get(topic[7]) if topic[7] else None
            content = {
                "title": title, "purpose": f"{topic[1].format(ward=ward)}, so that young people in {ward} are "
                                           "reached where they live.",
                "outcomes": [{"text": "More young people reached", "trace": f"need:{need}:{topic[6][0]}"}],
                "outputs": "Weekly sessions through the year; a report each month.",
                "kpis": [{"name": kpi_name, "unit": kpi_unit, "target": kpi_target, "frequency": "monthly",
                          "indicator_id": indicator_id},
                         {"name": "Sessions delivered", "unit": "sessions", "target": "8", "frequency": "monthly",
                          "indicator_id": None}],
                "requirements": "Safeguarding policy and DBS-checked staff; accessible venues.",
                "target_groups": topic[5], "locality_ids": [locality.id], "age_min": topic[3][0],
                "age_max": min(topic[3][1], 19) if not topic[4] else topic[3][1],
                "contract_months": 36 if j == 9 else 48, "extension_options": "One extension of 12 months",
                "max_value_pence": value, "pot_id": pot, "payment_schedule":
                    "quarterly_in_advance" if grant else "quarterly_in_arrears",
                "monitoring_frequency": "monthly", "light_touch": True,
                "route": "grant_round" if grant else "light_touch",
                "suggested_route": "grant_round" if grant else "light_touch",
                "route_reason": "Below the threshold for light-touch services; scaled demo data.",
                "criteria": [dict(name="Quality of the service", weight=50, parent=None, **quality),
                             dict(name="Reaching the young people who need it most", weight=20, parent=None,
                                  **quality),
                             {"name": "Price", "kind": "price", "weight": 20, "parent": None,
                              "price_formula": "lowest_over_bid"},
                             dict(name="Social value", weight=10, parent=None, **{**quality, "kind": "social_value"})],
            }
            created = self.now - timedelta(days=1300 - j * 20 - k % 30)
            spec = self.ids.take(Specification.__table__)
            self.add(Specification, id=spec, reference=f"SPEC-{spec:04d}", title=title,
                     status="approved" if j == 2 else "published", approved_version=1, review_stage=2,
                     created_by_id=self.commissioner.id, created_at=created)
            self.add(SpecificationVersion, specification_id=spec, number=1, content=content,
                     created_by_id=self.commissioner.id, created_at=created)
            for stage, approver in zip(("Joint commissioning group", "Commissioning executive"), self.approvers):
                self.add(ApprovalDecision, specification_id=spec, version=1, stage=stage, approved=True,
                         comment="Approved", decided_by_id=approver.id, created_at=created)
            self.link(specification_needs, specification_id=spec, need_id=need)
            specs.append((spec, content, grant))
        return specs

    def _provision(self, k, rnd, orgs, locality, district, wards):
        from commissioning.provision.models import Provision, Venue
        postcodes = self.postcodes[district]
        venues = []
        for v in range(2):
            ward = wards[(k + v) % len(wards)]
            postcode = postcodes[(k * 7 + v * 13) % len(postcodes)] if postcodes else None
            easting, northing = self.points.get(postcode, (None, None))
            venues.append(self.add(Venue, name=f"{ward} {['Community Centre', 'Youth Hub'][v]}",
                                   address=f"{ward}, Liverpool", postcode=postcode, easting=easting,
                                   northing=northing, locality_id=locality.id, capacity=rnd.randrange(30, 150),
                                   accessibility="Step-free entrance, accessible toilet", facilities="Hall, kitchen",
                                   booking_contact="0151 000 0100", is_public=True, created_at=self.now))
        for p in range(4):
            topic = TOPICS[(k + p) % len(TOPICS)]
            _user, org, _name = orgs[p]
            days = rnd.sample(range(7), rnd.randint(1, 3))
            self.add(Provision, organisation_id=org, name=topic[10], tier=topic[2],
                     description=f"{topic[10]} in {wards[(k + p) % len(wards)]}. Drop in, no need to book.",
                     locality_id=locality.id, age_min=max(topic[3][0], 8), age_max=min(topic[3][1], 25),
                     days_mask=sum(1 << d for d in days), times="6pm to 8:30pm", venue_id=venues[p % 2],
                     cost_pence=0 if p % 3 else 100, contact="0151 000 0200", is_published=True,
                     created_at=self.now)

    def _opportunities(self, k, rnd, specs):
        """Ten opportunities in every state, timed from now so that open ones are still sealed."""
        from commissioning.opportunities.models import Opportunity
        # index -> (status, days since it opened, days from now to the deadline)
        plan = {0: ("open", 10, 20 + k % 30), 1: ("open", 20, 5 + k % 20), 2: ("draft", None, 60),
                3: ("closed", 40, -5), 4: ("evaluation", 60, -20), 5: ("awarded", 70, -30),
                6: ("awarded", 80, -40), 7: ("awarded", 1110, -1075), 8: ("awarded", 980, -945),
                9: ("awarded", 1190, -1155)}
        opps = []
        for j, (spec, content, grant) in enumerate(specs):
            status, opened_ago, deadline_in = plan[j]
            deadline = self.noon + timedelta(days=deadline_in)
            opened = self.noon - timedelta(days=opened_ago) if opened_ago is not None else None
            opp = self.ids.take(Opportunity.__table__)
            self.add(Opportunity, id=opp, reference=f"OPP-{opp:04d}", specification_id=spec, specification_version=1,
                     title=content["title"] + (": grant round" if grant else ": light-touch procurement"),
                     summary=content["purpose"], kind="grant_round" if grant else "procurement", status=status,
                     max_value_pence=content["max_value_pence"], clarification_deadline=deadline - timedelta(days=10),
                     submission_deadline=deadline, lots=[], criteria=content["criteria"], word_limit=500,
                     eligibility=[{"question": "Is your organisation based in or serving Liverpool?",
                                   "pass_answer": "yes"}],
                     opened_at=opened, closed_at=deadline if deadline < self.now else None,
                     award_date=(deadline + timedelta(days=20)).date() if status == "awarded" else None,
                     created_by_id=self.commissioner.id,
                     created_at=(opened or self.now) - timedelta(days=3))
            opps.append(SimpleNamespace(id=opp, index=j, status=status, deadline=deadline, opened=opened,
                                        content=content, spec=spec, grant=grant,
                                        criteria=content["criteria"], title=content["title"]))
        return opps

    def _bids_and_awards(self, k, rnd, opps, orgs, pot):
        from commissioning.bids.models import Bid, BidSubmission
        from commissioning.bids.util import sha256_of_content
        from commissioning.evaluation.models import (AwardDecision, AwardedBid, ConflictDeclaration,
                                                     EvaluatorAssignment, Score, ScoreSheet, ScoringRun)
        from commissioning.evaluation.scoring import score_by_lot
        from commissioning.funding.models import LedgerEntry
        (alt_user, alt_org), (south_user, south_org) = self.demo_providers
        unit = [(user, org) for user, org, _name in orgs]
        names = {org: name for _user, org, name in orgs}
        from commissioning.accounts.models import Organisation
        for demo_org in (alt_org, south_org):
            names.setdefault(demo_org, db.session.get(Organisation, demo_org).name)
        # index -> (bidders, how many submit, awarded bidder positions)
        bidders = {0: [(alt_user.id, alt_org)] + unit[:11], 1: [(south_user.id, south_org)] + unit[:11],
                   3: unit[:11], 4: unit[:11], 5: unit[:11], 6: unit[:11],
                   7: [(alt_user.id, alt_org)] + unit[:10], 8: [(south_user.id, south_org)] + unit[:10],
                   9: unit[1:12]}
        awards = {5: [3], 6: [0, 1, 2], 7: [0, 1, 2, 3, 4, 5, 6], 8: [0, 1, 2, 3, 4, 5], 9: [6, 7, 8]}
        for opp in opps:
            if opp.index not in bidders:
                continue
            quality = [c for c in opp.criteria if c["kind"] != "price"]
            winners = set(awards.get(opp.index, []))
            submitted_ids, prices, marks = [], {}, {}
            for pos, (user, org) in enumerate(bidders[opp.index]):
                sealed = opp.status == "open"
                submits = (not sealed) or 1 <= pos <= 5
                withdrawn = sealed and pos == 6 and opp.index == 1
                started = (opp.opened or self.now) + timedelta(days=1 + pos % 5)
                price = rnd.randrange(50, 100) * opp.content["max_value_pence"] // 100
                answers = {c["name"]: ANSWERS[n % len(ANSWERS)].format(ward=opp.title.split(" in ")[-1],
                                                                        years=rnd.randrange(3, 40))
                           for n, c in enumerate(quality)}
                bid = self.add(Bid, opportunity_id=opp.id, organisation_id=org, lot="",
                               status="submitted" if submits else "withdrawn" if withdrawn else "draft",
                               answers=answers, eligibility={"0": "yes"}, price_pence=price,
                               price_breakdown="Staff 75%, venues 15%, materials 10%",
                               declarations=submits or withdrawn, created_by_id=user, created_at=started,
                               updated_at=started + timedelta(days=1))
                if submits or withdrawn:
                    at = min(opp.deadline - timedelta(days=1 + pos % 3), self.now - timedelta(hours=1))
                    content = {"opportunity": f"OPP-{opp.id:04d}", "organisation": names[org], "lot": "",
                               "answers": answers, "eligibility": {
                                   "Is your organisation based in or serving Liverpool?": "yes"},
                               "price_pence": price, "price_breakdown": "Staff 75%, venues 15%, materials 10%",
                               "declarations": True, "attachments": []}
                    self.add(BidSubmission, bid_id=bid, number=1, token=f"scaled-{bid}", submitted_at=at,
                             submitted_by_id=user, content=content, sha256=sha256_of_content(content),
                             withdrawn=withdrawn)
                if submits and not sealed:
                    submitted_ids.append((bid, org, pos))
                    prices[bid] = price
            if opp.status in ("open", "closed"):
                continue
            # Evaluation: three evaluators with no interest, each scoring every bid.
            decided = opp.deadline + timedelta(days=3)
            for evaluator in self.evaluators:
                for _bid, org, _pos in submitted_ids:
                    self.add(ConflictDeclaration, opportunity_id=opp.id, evaluator_id=evaluator.id,
                             organisation_id=org, interest="none", created_at=decided)
            for bid, org, pos in submitted_ids:
                strong = pos in winners
                for evaluator in self.evaluators:
                    self.add(EvaluatorAssignment, opportunity_id=opp.id, bid_id=bid, evaluator_id=evaluator.id,
                             assigned_by_id=self.commissioner.id, created_at=decided)
                    sheet = self.add(ScoreSheet, bid_id=bid, evaluator_id=evaluator.id, status="submitted",
                                     submitted_at=decided + timedelta(days=2), created_at=decided)
                    for c in quality:
                        score = rnd.choice((4, 5) if strong else (2, 3))
                        marks.setdefault((bid, c["name"]), []).append(score)
                        self.add(Score, sheet_id=sheet, criterion=c["name"], score=score,
                                 justification="Evidence in the answer supports this score")
            means = {key: Fraction(sum(v), len(v)) for key, v in marks.items()}
            result = score_by_lot(opp.criteria, [(bid, names[org], prices[bid]) for bid, org, _p in submitted_ids],
                                  means, {bid: "" for bid, _o, _p in submitted_ids})
            run = self.add(ScoringRun, opportunity_id=opp.id, status="done", requested_by_id=self.commissioner.id,
                           criteria_version=1, finished_at=decided + timedelta(days=4), result=result,
                           created_at=decided + timedelta(days=4))
            if opp.status != "awarded":
                continue
            notice = (opp.deadline + timedelta(days=20)).date()
            decision = self.add(AwardDecision, opportunity_id=opp.id, notice_date=notice, standstill_end=None,
                                reasons="Compliant bids scoring best on quality, within the budget.",
                                decided_by_id=self.commissioner.id, scoring_run_id=run,
                                created_at=opp.deadline + timedelta(days=20))
            for bid, org, pos in submitted_ids:
                if pos not in winners:
                    continue
                awarded = self.add(AwardedBid, award_id=decision, bid_id=bid, amount_pence=prices[bid])
                self.add(LedgerEntry, pot_id=pot, kind="commitment", amount_pence=prices[bid], youth_directed=False,
                         source_type="AwardedBid", source_id=awarded, description=f"Award on OPP-{opp.id:04d}",
                         created_at=opp.deadline + timedelta(days=20))
                self._agreement(rnd, opp, awarded, bid, org, names[org], prices[bid], notice, pos)

    def _agreement(self, rnd, opp, awarded_id, bid, org, org_name, value, notice, pos):
        from commissioning.contracts import wording
        from commissioning.contracts.models import Agreement, AgreementKind, ReturnDue
        from commissioning.contracts.operations import (MONTHS, RETURN_DAYS_AFTER_PERIOD, add_months,
                                                        payment_plan, periods)
        kind = AgreementKind.grant_agreement if opp.grant else AgreementKind.contract
        self.agreement_count[kind] += 1
        reference = f"{'GRA' if opp.grant else 'CON'}-{self.agreement_count[kind]:04d}"
        start = notice + timedelta(days=14)
        end = add_months(start, opp.content["contract_months"]) - timedelta(days=1)
        if opp.index == 5:
            status = "drafted"
        elif opp.index == 6:
            status = ["issued", "signed", "drafted"][pos]
        elif end < self.today:
            status = "ended"
        elif opp.index == 7 and pos == 6:
            status = "terminated"
        else:
            status = "active"
        roles = wording.ROLES[kind]
        parties = [{"name": self.council.name, "role": roles["council"], "party": "council"},
                   {"name": org_name, "role": roles["provider"], "party": "provider"}]
        kpis = [{"name": k["name"], "unit": k["unit"], "target": k["target"], "frequency": k["frequency"],
                 "trace": f"indicator:{k['indicator_id']}" if k.get("indicator_id") else "specification"}
                for k in opp.content["kpis"]]
        ended_on = (self.today - timedelta(days=200 + rnd.randrange(100))) if status == "terminated" else None
        signed_at = datetime.combine(start, datetime.min.time(), self.now.tzinfo) - timedelta(days=5)
        signed = status in ("signed", "active", "ended", "terminated")
        countersigned = status in ("active", "ended", "terminated")
        agreement = self.ids.take(Agreement.__table__)
        row = dict(id=agreement, reference=reference, kind=kind.value, status=status, awarded_bid_id=awarded_id,
                   opportunity_id=opp.id, organisation_id=org, specification_id=opp.spec, specification_version=1,
                   title=opp.title, parties=parties, value_pence=value, start_date=start, end_date=end,
                   extension_options=opp.content["extension_options"], kpis=kpis,
                   payments=payment_plan(value, start, end, opp.content["payment_schedule"]),
                   monitoring_frequency="monthly", special_conditions="",
                   review_clause="The parties will review delivery against the KPIs every six months.",
                   break_clause="Either party may end this agreement on three months’ written notice after the "
                                "first twelve months.", monitor_id=self.monitor.id, standstill_end=None,
                   created_by_id=self.commissioner.id, created_at=signed_at - timedelta(days=10),
                   provider_signatory="Alex Jones" if signed else None,
                   provider_signatory_role="Director" if signed else None,
                   provider_signed_at=signed_at if signed else None,
                   countersigned_by_id=self.commissioner.id if countersigned else None,
                   countersigned_at=signed_at + timedelta(days=1) if countersigned else None,
                   end_reason="The provider could no longer run the service after losing its venue."
                   if status == "terminated" else None)
        if signed:
            row["provider_signed_sha256"] = self._pdf("agreement")[1]
        self.add(Agreement, **row)
        if status != "drafted":
            self.agreements.append(row)
        dues = []
        for span_start, span_end in periods(start, end, MONTHS["monthly"]):
            due_on = span_end + timedelta(days=RETURN_DAYS_AFTER_PERIOD)
            due = self.add(ReturnDue, agreement_id=agreement, period_start=span_start, period_end=span_end,
                           due_on=due_on)
            dues.append((due, span_start, span_end, due_on))
        if status in ("active", "ended", "terminated"):
            self._returns(rnd, agreement, kpis, value, status, dues, ended_on, org)

    def _returns(self, rnd, agreement, kpis, value, status, dues, ended_on, org):
        from commissioning.monitoring.models import AGE_BANDS, MonitoringReturn
        from commissioning.monitoring.operations import suggest
        limit = min(self.today, ended_on) if ended_on else self.today
        past = [d for d in dues if d[3] <= limit]
        upcoming = next((d for d in dues if d[3] > limit), None) if status == "active" else None
        spend = value // max(len(dues), 1)
        for n, (due, span_start, span_end, due_on) in enumerate(past + ([upcoming] if upcoming else [])):
            last = n == len(past) - 1
            if upcoming is not None and n == len(past):
                state = "draft"
            elif status == "active" and last:
                state = "submitted" if agreement % 2 else "returned"
            else:
                state = "accepted"
            actuals = {}
            for kpi in kpis:
                target = float(kpi["target"])
                actuals[kpi["name"]] = round(target * rnd.uniform(0.8, 1.25))
            kpi_rags, suggested = suggest(SimpleNamespace(kpis=kpis), actuals) if state != "draft" else (None, None)
            submitted_at = datetime.combine(due_on, datetime.min.time(), self.now.tzinfo) - timedelta(days=2)
            reach_total = int(next(iter(actuals.values())))
            row = dict(due_id=due, agreement_id=agreement, status=state, created_at=submitted_at - timedelta(days=5),
                       kpi_actuals=actuals if state != "draft" else {},
                       achievements=OUTCOMES_TEXT[n % len(OUTCOMES_TEXT)] if state != "draft" else "",
                       issues=ISSUES_TEXT[n % len(ISSUES_TEXT)] if state != "draft" else "",
                       spend_pence=spend if state != "draft" else None,
                       reach={"age": {AGE_BANDS[1]: reach_total // 2, AGE_BANDS[2]: reach_total - reach_total // 2},
                              "locality": {}, "group": {}} if state != "draft" else {},
                       feedback_responses=20 if state != "draft" else None,
                       feedback_positive=rnd.randrange(12, 21) if state != "draft" else None,
                       feedback_quotes="Somewhere to go where staff listen." if state != "draft" else "",
                       kpi_rags=kpi_rags, suggested_rag=suggested.value if suggested else None)
            if state != "draft":
                row.update(submitted_at=submitted_at, submitted_by_id=self.org_users.get(org))
            if state == "returned":
                row["monitor_comments"] = "Please split the reach figures by ward."
            if state == "accepted":
                row.update(overall_rag=suggested.value if suggested else "green",
                           accepted_at=submitted_at + timedelta(days=6), accepted_by_id=self.monitor.id)
            self.add(MonitoringReturn, **row)

    def _panel_round(self, k, rnd, wards, orgs):
        """A vote of the Youth Voice Panel counted from 200 paper ballots (imported), on its own projects."""
        from commissioning.panels.models import Ballot, Round, RoundProject
        if self.panel is None or self.voice_pot is None:
            return
        self.round_count += 1
        closes = self.now - timedelta(days=5 + 7 * k)
        ward = wards[k % len(wards)]
        budget = 3_000_000
        rnd_id = self.add(Round, reference=f"PB-{self.round_count:04d}", panel_id=self.panel.id,
                          pot_id=self.voice_pot.id, title=f"Ideas for {ward}, vote {k}", budget_pence=budget,
                          ballot_type="within_budget", rule="equal-shares" if k % 2 else "greedy",
                          tie_break="approvals-then-id", opens_at=closes - timedelta(days=21), closes_at=closes,
                          closed_at=closes, status="closed", created_by_id=None, created_at=closes - timedelta(days=30))
        projects = []
        for code, (idea, pounds) in enumerate(PROJECT_IDEAS, start=1):
            _user, org, _name = orgs[code % len(orgs)]
            pid = self.add(RoundProject, round_id=rnd_id, code=str(code), title=f"{idea} in {ward}",
                           summary=f"{idea} for young people in {ward}, run with a local group.",
                           cost_pence=pounds * 100, organisation_id=org if code % 2 else None,
                           created_at=closes - timedelta(days=25))
            projects.append((pid, pounds * 100))
        for _ in range(PER_UNIT["panel_ballots"]):
            chosen, spent = [], 0
            for pid, cost in rnd.sample(projects, len(projects)):
                if spent + cost <= budget and rnd.random() < 0.6:
                    chosen.append(pid)
                    spent += cost
            self.link(Ballot.__table__, id=hashlib.sha256(f"{rnd_id}:{rnd.random()}".encode()).hexdigest()[:32],
                      round_id=rnd_id, project_ids=sorted(chosen), channel="imported")
        self.rounds.append(rnd_id)

    # --- writing ---------------------------------------------------------------------------------

    ORDER = ["organisations", "users", "user_roles", "memberships", "needs", "need_localities", "need_groups",
             "need_outcomes", "evidence_items", "need_options", "indicator_needs", "pots", "specifications",
             "specification_versions", "specification_approvals", "specification_needs", "venues", "provision",
             "opportunities", "bids", "bid_submissions", "conflict_declarations", "evaluator_assignments",
             "score_sheets", "scores", "scoring_runs", "award_decisions", "awarded_bids", "pot_ledger",
             "agreements", "agreement_returns", "monitoring_returns", "panel_rounds",
             "panel_round_projects", "panel_ballots"]

    def finish(self):
        added = self._write(self.ORDER)
        self._documents()
        added.update(self._write(["agreement_documents"]))
        if db.engine.dialect.name == "postgresql":   # ids were chosen here: move each sequence past them
            for name in added:
                column = db.metadata.tables[name].c.get("id")
                if column is not None and isinstance(column.type, db.Integer):
                    db.session.execute(db.text(
                        f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), (SELECT MAX(id) FROM {name}))"))
        self._count_rounds()
        return added

    def _write(self, order):
        tables = db.metadata.tables
        assert set(self.rows) <= set(self.ORDER) | {"agreement_documents"}, set(self.rows) - set(self.ORDER)
        added = {}
        for name in order:
            rows = self.rows.pop(name, None)
            if not rows:
                continue
            table = tables[name]
            rows = [_typed(table, r) for r in rows]
            for chunk in range(0, len(rows), 5000):
                db.session.execute(table.insert(), rows[chunk:chunk + 5000])
            added[name] = len(rows)
        return added

    def _documents(self):
        """The issued document of each agreement past drafting, snapshotted by the app's own function."""
        from commissioning.contracts.models import AgreementDocument, AgreementKind
        from commissioning.contracts.operations import snapshot
        from flask import current_app
        authority = current_app.config["AUTHORITY_NAME"]
        from commissioning.specifications.models import Specification
        file_id, sha = self._pdf("agreement")
        # The specifications and their versions in one query, so each snapshot finds them in the session.
        loaded = db.session.scalars(db.select(Specification).where(
            Specification.id.in_({row["specification_id"] for row in self.agreements}))
            .options(db.selectinload(Specification.versions))).all()
        for row in self.agreements:
            view = SimpleNamespace(**row, variations=[])
            view.kind = AgreementKind(row["kind"])
            data = snapshot(view, "Issued for signature", authority)
            issued = row["created_at"] + timedelta(days=3)
            self.add(AgreementDocument, agreement_id=row["id"], version=1, reason="Issued for signature",
                     template_version=data["template_version"], snapshot={**_plain(data), "version": 1},
                     file_id=file_id, sha256=sha, pages=1, created_at=issued, rendered_at=issued)
        del loaded

    def _count_rounds(self):
        """Each imported round frozen and counted by the panels' own operations."""
        from commissioning.panels.models import Round
        from commissioning.panels.operations import count_round, rules_of
        for round_id in self.rounds:
            rnd = db.session.get(Round, round_id)
            rnd.frozen_rules = rules_of(rnd)
            db.session.flush()
            count_round(round_id)
        db.session.flush()


def _plain(value):
    """JSON-ready copy of a snapshot (dates as ISO strings)."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def _typed(table, row):
    """Fill the columns a row leaves out with their Python defaults, so each chunk has the same keys."""
    out = {}
    for column in table.c:
        if column.name in row:
            value = row[column.name]
            enum_class = getattr(column.type, "enum_class", None)
            out[column.name] = enum_class(value) if enum_class is not None and isinstance(value, str) else value
        elif column.default is not None and column.default.is_scalar:
            out[column.name] = column.default.arg
        elif column.default is not None and column.default.is_callable:
            out[column.name] = column.default.arg(None)
        elif column.nullable or column.server_default is not None:
            if column.server_default is None:
                out[column.name] = None
        else:
            out[column.name] = row.get(column.name)
    return out
