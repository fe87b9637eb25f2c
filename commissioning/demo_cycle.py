"""Demo records for identifying need: locality figures, indicators, funds, needs, provision.

Figures for the indicators come from Liverpool's youth support strategy (teenage
conceptions, NEET, two hours of sport, first-time entrants); funding stream names from
the same paper. Locality figures and amounts are illustrative.
"""
from datetime import date
from decimal import Decimal

from commissioning.accounts.models import Organisation, User
from commissioning.core.vocabulary import EcmOutcome, Tier, VulnerableGroup
from commissioning.extensions import db
from commissioning.funding import operations as funding_ops
from commissioning.funding.models import ContributionKind, LedgerEntry, Pot, PotKind
from commissioning.indicators import operations as indicator_ops
from commissioning.indicators.models import Indicator, Polarity
from commissioning.localities.models import Locality
from commissioning.needs import operations as need_ops
from commissioning.needs.models import EvidenceSource, Need, NeedStatus
from commissioning.provision import operations as provision_ops
from commissioning.provision.models import Provision, Venue

LOCALITY_FIGURES = {  # young people aged 13-19, deprivation score, rural isolation score (illustrative)
    "Alt Valley": (9800, Decimal("48.5"), Decimal("1.5")),
    "City and North": (11200, Decimal("56.2"), Decimal("0.5")),
    "East": (8900, Decimal("39.8"), Decimal("1.0")),
    "South": (10100, Decimal("27.4"), Decimal("2.5")),
    "South Central": (8400, Decimal("44.1"), Decimal("0.5")),
}

INDICATORS = [
    dict(name="Under-18 conception rate", unit="conceptions per 1,000 females aged 15 to 17",
         polarity=Polarity.lower_is_better, baseline_year=1998, baseline_value=Decimal("57.9"),
         tolerance=Decimal("2"), financial_years=False,
         story="Conceptions fell steadily from 2000 to 2004, rose in 2004 and 2005, and fell sharply in 2006. "
               "Early 2007 figures suggest another rise. Most conceptions are to young women aged 16 to 18; "
               "looked-after young people, care leavers, young offenders and young people not in education, "
               "employment or training are the most at risk. Seven wards have rates above 60 per 1,000.",
         years={1999: (None, "55.0"), 2000: (None, "50.3"), 2001: (None, "45.8"), 2002: (None, "44.0"),
                2003: (None, "43.1"), 2004: (None, "44.2"), 2005: (None, "47.2"), 2006: (None, "41.6"),
                2007: ("37.7", None), 2008: ("33.8", None), 2009: ("29.9", None), 2010: ("26.0", None)}),
    dict(name="16 to 18 year olds not in education, employment or training", unit="% of 16 to 18 year olds",
         polarity=Polarity.lower_is_better, baseline_year=2004, baseline_value=Decimal("13.0"),
         tolerance=Decimal("0.1"),
         story="Performance is improving, but the city still has one of the highest NEET rates in England. "
               "NEET rates are highest where deprivation and parental unemployment are highest.",
         years={2005: ("12.12", "12.12"), 2006: ("12.02", "12.06"), 2007: ("11.1", "11.06"),
                2008: ("10.5", None), 2009: ("9.9", None), 2010: ("9.3", None)}),
    dict(name="Young people taking two hours of PE and sport a week", unit="% of young people",
         polarity=Polarity.higher_is_better, baseline_year=2004, baseline_value=Decimal("33"),
         tolerance=Decimal("3"),
         story="Participation has risen from a very low base in 2004. Data is collected each June.",
         years={2005: ("50", "55"), 2006: ("75", "86"), 2007: ("85", "88"), 2008: ("90", None),
                2009: ("95", None), 2010: ("100", None)}),
    dict(name="First-time entrants to the youth justice system", unit="% change on the year before",
         polarity=Polarity.lower_is_better, baseline_year=2004, baseline_value=Decimal("0"),
         tolerance=Decimal("2"),
         story="The baseline was adjusted at the start of 2007/08 because the earlier one was inaccurate. "
               "Extra Youth Justice Board money supports prevention work and parenting provision.",
         years={2005: ("-2", "-2.5"), 2006: ("-4", "12"), 2007: ("-4", "-8.3"), 2008: ("-2", None)}),
]

NEEDS = [
    dict(title="Evening and weekend activities in Alt Valley", tier=Tier.universal, age_min=13, age_max=19,
         localities=["Alt Valley"], groups=[], outcomes=[EcmOutcome.enjoy_and_achieve, EcmOutcome.positive_contribution],
         need_not_met="Young people in Croxteth and Norris Green have few safe places to go on Friday and "
                      "Saturday evenings and during school holidays.",
         how_identified="Consultation with young people and the neighbourhood youth advisory group.",
         desired_outcomes="More young people taking part in positive activities two hours a week.",
         status=NeedStatus.prioritised, indicator="Young people taking two hours of PE and sport a week",
         evidence=[(EvidenceSource.young_people, date(2008, 3, 14),
                    "Survey of 420 young people: 61% said there was nothing to do locally at weekends."),
                   (EvidenceSource.dataset, date(2008, 1, 31),
                    "Youth service attendance data shows no open-access sessions after 6pm on Saturdays.")],
         preferred="Commission open-access youth clubs on Friday and Saturday evenings"),
    dict(title="Sexual health outreach in hot-spot wards", tier=Tier.targeted, age_min=13, age_max=19,
         localities=["City and North", "South Central"],
         groups=[VulnerableGroup.looked_after, VulnerableGroup.teenage_parents, VulnerableGroup.neet],
         outcomes=[EcmOutcome.be_healthy, EcmOutcome.stay_safe],
         need_not_met="Under-18 conception rates above 60 per 1,000 in seven wards, with too little sex and "
                      "relationships education outside school.",
         status=NeedStatus.evidenced, indicator="Under-18 conception rate",
         evidence=[(EvidenceSource.health, date(2008, 2, 20),
                    "Ward-level conception data for 2003 to 2005 identifies the hot-spot wards.")]),
    dict(title="Support into learning or work for 16 to 18 year olds", tier=Tier.early_intervention,
         age_min=16, age_max=19, localities=["City and North", "East"], groups=[VulnerableGroup.neet],
         outcomes=[EcmOutcome.economic_wellbeing],
         need_not_met="Too many 16 to 18 year olds are not in education, employment or training, especially "
                      "where parental unemployment is high.",
         status=NeedStatus.draft, indicator="16 to 18 year olds not in education, employment or training",
         evidence=[]),
    dict(title="Transition support for young people with learning difficulties", tier=Tier.targeted,
         age_min=14, age_max=25, for_lldd=True, localities=["Alt Valley", "City and North", "East", "South",
                                                            "South Central"],
         groups=[VulnerableGroup.lldd], outcomes=[EcmOutcome.enjoy_and_achieve, EcmOutcome.economic_wellbeing],
         need_not_met="Young people with learning difficulties or disabilities lose support when they leave "
                      "school, with few activities or routes into work up to 25.",
         status=NeedStatus.evidenced, indicator=None,
         evidence=[(EvidenceSource.parents_carers, date(2008, 4, 2),
                    "Parents’ forum: families describe a ‘cliff edge’ in support at 19.")]),
]

VENUES = [
    dict(name="Croxteth Community Centre", address="Altcross Road, Croxteth, Liverpool", postcode="L11 0BS",
         locality="Alt Valley", capacity=120, accessibility="Step-free entrance, accessible toilet, hearing loop",
         facilities="Sports hall, kitchen, two meeting rooms", booking_contact="0151 000 0101", is_public=True),
    dict(name="Lodge Lane Arts Studio", address="Lodge Lane, Toxteth, Liverpool", postcode="L8 0QE",
         locality="South Central", capacity=40, accessibility="Lift to first floor, accessible toilet",
         facilities="Recording studio, film editing suite", booking_contact="bookings@southside.example",
         is_public=True),
    dict(name="Partnership meeting room, Municipal Buildings", address="Dale Street, Liverpool", postcode="L2 2DH",
         locality="City and North", capacity=20, accessibility="Step-free access",
         facilities="Meeting room for partners", booking_contact="0151 000 0199", is_public=False),
]

PROVISION = [
    dict(org="Alt Valley Youth Partnership", name="Friday night youth club", tier=Tier.universal,
         description="Sport, music, cooking and a quiet room. Drop in, no need to book.", locality="Alt Valley",
         age_min=11, age_max=19, days=["fri"], times="6pm to 9:30pm", venue="Croxteth Community Centre",
         cost_pence=0, contact="0151 000 0102"),
    dict(org="Alt Valley Youth Partnership", name="Detached youth work", tier=Tier.targeted,
         description="Youth workers meet young people where they are, in parks and on the streets.",
         locality="Alt Valley", age_min=13, age_max=19, days=["tue", "thu", "sat"], times="7pm to 10pm",
         where="Around Norris Green and Croxteth", cost_pence=0, contact="0151 000 0103"),
    dict(org="Southside Young People's Arts CIC", name="Music and film studio sessions", tier=Tier.universal,
         description="Record a track or make a short film with professional kit and mentors.",
         locality="South Central", age_min=13, age_max=19, days=["tue", "thu"], times="5pm to 8pm",
         venue="Lodge Lane Arts Studio", cost_pence=100, contact="hello@southside.example"),
    dict(org="Southside Young People's Arts CIC", name="Young carers’ art group", tier=Tier.targeted,
         description="A relaxed Saturday art group for young carers, with lunch provided.",
         locality="South Central", age_min=11, age_max=18, days=["sat"], times="11am to 2pm",
         venue="Lodge Lane Arts Studio", cost_pence=0, contact="hello@southside.example"),
]


def load_cycle_demo(created=0):
    """Create the missing records of this stage; returns the running count of records created."""
    council = db.session.scalars(db.select(Organisation).where(Organisation.name == "Liverpool City Council")).one()
    police = db.session.scalars(db.select(Organisation).where(Organisation.name == "Merseyside Police")).one()
    pct = db.session.scalars(db.select(Organisation).where(Organisation.name == "NHS Liverpool Primary Care Trust")).one()
    commissioner = db.session.scalars(db.select(User).where(User.email == "commissioner@demo.test")).one()
    localities = {loc.name: loc for loc in db.session.scalars(db.select(Locality))}

    for name, (young, deprivation, rurality) in LOCALITY_FIGURES.items():
        loc = localities[name]
        if not loc.young_people:
            funding_ops.update_locality_figures(loc, young, deprivation, rurality)

    indicators = {i.name: i for i in db.session.scalars(db.select(Indicator))}
    for spec in INDICATORS:
        if spec["name"] in indicators:
            continue
        fields = {k: v for k, v in spec.items() if k != "years"}
        indicator = indicator_ops.save_indicator(**fields)
        for year, (target, actual) in spec["years"].items():
            indicator_ops.set_year(indicator, year, Decimal(target) if target else None,
                                   Decimal(actual) if actual else None)
        indicators[indicator.name] = indicator
        created += 1

    pots = {(p.name, p.financial_year): p for p in db.session.scalars(db.select(Pot))}

    def pot(name, **fields):
        nonlocal created
        if (name, 2008) in pots:
            return None
        created += 1
        return funding_ops.create_pot(name=name, financial_year=2008, **fields)

    yof = pot("Youth Opportunities Fund", kind=PotKind.funding_stream, funder_id=council.id,
              amount_pence=45_000_000, ring_fenced=True, tiers=["universal"],
              conditions="Ring-fenced. Spending decided by young people through the Youth Opportunities Panel.")
    pot("Positive Activities for Young People", kind=PotKind.funding_stream, funder_id=council.id,
        amount_pence=120_000_000, ring_fenced=False, tiers=["universal", "early_intervention"],
        conditions="Part of the Area Based Grant.")
    pot("Connexions", kind=PotKind.funding_stream, funder_id=council.id, amount_pence=310_000_000,
        ring_fenced=False, tiers=["early_intervention", "targeted"], conditions="Part of the Area Based Grant.")
    pooled = pot("Targeted youth support pooled budget", kind=PotKind.pooled_budget, funder_id=council.id,
                 ring_fenced=False, tiers=["early_intervention", "targeted"],
                 conditions="Pooled under the Children Act 2004 for the locality teams.")
    if pooled is not None:
        funding_ops.add_contribution(pooled, council, ContributionKind.cash, "Council base budget", 40_000_000)
        funding_ops.add_contribution(pooled, police, ContributionKind.cash, "Neighbourhood policing fund", 5_000_000)
        funding_ops.add_contribution(pooled, police, ContributionKind.staff,
                                     "Two neighbourhood officers, one day a week each", 3_000_000)
        funding_ops.add_contribution(pooled, pct, ContributionKind.cash, "Teenage pregnancy grant", 12_000_000)
        funding_ops.add_contribution(pooled, pct, ContributionKind.accommodation,
                                     "Clinic rooms for drop-in sessions", 1_500_000)
    if yof is not None and not db.session.scalar(db.select(LedgerEntry.id).where(LedgerEntry.pot_id == yof.id)):
        funding_ops.commit_funds(yof, 9_000_000, "demo", None,
                                 "Youth Opportunities Panel grants awarded before this service", youth_directed=True)

    venues = {v.name: v for v in db.session.scalars(db.select(Venue))}
    for spec in VENUES:
        if spec["name"] not in venues:
            fields = dict(spec, locality_id=localities[spec["locality"]].id)
            fields.pop("locality")
            venues[spec["name"]] = provision_ops.save_venue(**fields)
            created += 1

    orgs = {o.name: o for o in db.session.scalars(db.select(Organisation))}
    existing = {p.name: p for p in db.session.scalars(db.select(Provision))}
    for spec in PROVISION:
        if spec["name"] in existing:
            continue
        fields = dict(spec)
        org, locality, venue = fields.pop("org"), fields.pop("locality"), fields.pop("venue", None)
        existing[spec["name"]] = provision_ops.save_provision(
            organisation_id=orgs[org].id, locality_id=localities[locality].id,
            venue_id=venues[venue].id if venue else None, is_published=True, **fields)
        created += 1

    titles = set(db.session.scalars(db.select(Need.title)))
    for spec in NEEDS:
        if spec["title"] in titles:
            continue
        fields = dict(spec)
        status, indicator_name = fields.pop("status"), fields.pop("indicator")
        evidence, preferred = fields.pop("evidence"), fields.pop("preferred", None)
        need = need_ops.create_need(
            commissioner, localities=[localities[n] for n in fields.pop("localities")],
            groups=fields.pop("groups"), outcomes=fields.pop("outcomes"), **fields)
        for source, when, summary in evidence:
            need_ops.add_evidence(need, commissioner, source, when, summary)
        if preferred:
            need_ops.save_option(need, None, title=preferred, likelihood=2, impact=3, is_preferred=True,
                                 description="Grant-fund local voluntary groups to run the sessions.")
        if status is not NeedStatus.draft:
            need_ops.change_need_status(need, NeedStatus.evidenced)
        if status is NeedStatus.prioritised:
            need_ops.change_need_status(need, NeedStatus.prioritised)
        if indicator_name:
            indicators[indicator_name].needs.append(need)
        if spec["title"].startswith("Evening"):
            need_ops.link_provision(need, [existing["Friday night youth club"]])
        created += 1
    db.session.flush()
    return created


def load_specification_demo(created=0):
    """An approved specification written from the prioritised Alt Valley need."""
    from commissioning.specifications import operations as spec_ops
    from commissioning.specifications.models import DEFAULT_DESCRIPTORS, Specification
    from commissioning.specifications.util import suggest_route
    if db.session.scalar(db.select(Specification.id).limit(1)):
        return created
    need = db.session.scalars(db.select(Need).where(Need.title == "Evening and weekend activities in Alt Valley")).one()
    if need.status is not NeedStatus.prioritised:
        return created
    commissioner = db.session.scalars(db.select(User).where(User.email == "commissioner@demo.test")).one()
    pot = db.session.scalars(db.select(Pot).where(Pot.name == "Positive Activities for Young People")).one()
    indicator = db.session.scalars(db.select(Indicator).where(Indicator.name.startswith("Young people taking"))).one()
    route, why = suggest_route(9_000_000)
    quality = dict(kind="quality", scale_max=5, descriptors=DEFAULT_DESCRIPTORS)
    content = {
        "title": "Friday and Saturday evening youth clubs in Alt Valley",
        "purpose": "Open-access youth clubs on Friday and Saturday evenings and in school holidays, so that young "
                   "people in Croxteth and Norris Green have safe, enjoyable places to go.",
        "outcomes": [{"text": "More young people take part in positive activities two hours a week",
                      "trace": f"indicator:{indicator.id}"},
                     {"text": "Young people help run their club", "trace": f"need:{need.id}:positive_contribution"}],
        "outputs": "Two sessions a week for 48 weeks a year; at least 150 different young people a year.",
        "kpis": [{"name": "Different young people attending", "unit": "young people", "target": "150",
                  "frequency": "quarterly", "indicator_id": indicator.id},
                 {"name": "Sessions delivered", "unit": "sessions", "target": "96", "frequency": "quarterly",
                  "indicator_id": None}],
        "requirements": "Safeguarding policy and DBS-checked staff; a youth committee; sessions in accessible venues.",
        "target_groups": [], "locality_ids": [loc.id for loc in need.localities], "age_min": 11, "age_max": 19,
        "contract_months": 24, "extension_options": "One extension of 12 months", "max_value_pence": 9_000_000,
        "pot_id": pot.id, "payment_schedule": "quarterly_in_advance", "monitoring_frequency": "quarterly",
        "light_touch": True, "route": route.value, "suggested_route": route.value, "route_reason": why,
        "criteria": [dict(name="Quality", weight=60, parent=None, **quality),
                     dict(name="Engaging young people", weight=30, parent="Quality", **quality),
                     dict(name="Safeguarding and staffing", weight=30, parent="Quality", **quality),
                     {"name": "Price", "kind": "price", "weight": 30, "parent": None,
                      "price_formula": "lowest_over_bid"},
                     dict(name="Social value", weight=10, parent=None, **{**quality, "kind": "social_value"})],
    }
    spec = spec_ops.create_specification(commissioner, [need], content)
    spec_ops.submit_for_review(spec)
    first, second = _approvers()  # not the author, and one person a stage
    spec_ops.decide(spec, first, True, "Recommended by the Community and Families group")
    spec_ops.decide(spec, second, True, "Approved")
    return created + 1


def _approvers():
    """The two commissioners who decide the approval stages of the specifications Chris writes."""
    return [db.session.scalars(db.select(User).where(User.email == e)).one()
            for e in ("approver@demo.test", "approver2@demo.test")]


def _evaluators(*emails):
    return [db.session.scalars(db.select(User).where(User.email == e)).one() for e in emails]


def _demo_pdf(title):
    """A small real PDF for the demo vault."""
    from weasyprint import HTML
    return HTML(string=f"<html lang='en'><title>{title}</title><h1>{title}</h1><p>Demo document.</p>").write_pdf()


def load_opportunity_demo(created=0):
    """An open grant round with draft bids, and a closed procurement with submitted bids from both providers."""
    from datetime import datetime, timedelta

    from commissioning.bids import operations as bid_ops
    from commissioning.core.models import LONDON
    from commissioning.needs.models import NeedOption
    from commissioning.opportunities import operations as opp_ops
    from commissioning.opportunities.models import Opportunity
    from commissioning.providers import operations as provider_ops
    from commissioning.providers.models import DocumentKind
    from commissioning.specifications import operations as spec_ops
    from commissioning.specifications.models import DEFAULT_DESCRIPTORS, Specification
    if db.session.scalar(db.select(Opportunity.id).limit(1)):
        return created
    commissioner = db.session.scalars(db.select(User).where(User.email == "commissioner@demo.test")).one()
    providers = [db.session.scalars(db.select(User).where(User.email == e)).one()
                 for e in ("provider@demo.test", "provider2@demo.test")]
    orgs = [u.memberships[0].organisation for u in providers]
    today = datetime.now(LONDON).date()
    for org, user in zip(orgs, providers):
        for kind in DocumentKind:
            if kind.required:
                provider_ops.upload_document(org, user, kind, f"{kind.title} {today.year}", today + timedelta(days=300),
                                             (f"{kind.value}.pdf", "application/pdf", _demo_pdf(kind.title)))

    # The open grant round, from the approved Alt Valley specification.
    spec = db.session.scalars(db.select(Specification).order_by(Specification.id)).first()
    start = datetime.now(LONDON).replace(hour=12, minute=0, second=0, microsecond=0)  # deadlines at noon
    grant = opp_ops.create_opportunity(
        spec, commissioner, title="Evening youth clubs in Alt Valley: grant round",
        summary="Grants for voluntary and community groups to run open-access youth clubs on Friday and Saturday "
                "evenings in Croxteth and Norris Green.",
        clarification_deadline=start + timedelta(days=40), submission_deadline=start + timedelta(days=50),
        word_limit=400, eligibility=[{"question": "Is your organisation based in or serving Liverpool?",
                                      "pass_answer": "yes"}])
    opp_ops.open_opportunity(grant)
    for org, user in zip(orgs, providers):
        bid = bid_ops.start_bid(grant, org, user)
        bid_ops.save_draft(bid, user, answers={grant.quality_criteria[0]["name"]: "We have run youth clubs in the "
                                               "area since 1998 and young people help plan every term."},
                           eligibility={"0": "yes"})

    # A closed procurement with both providers' submitted bids, from a second specification.
    need = db.session.scalars(db.select(Need).where(Need.title == "Sexual health outreach in hot-spot wards")).one()
    option = db.session.scalars(db.select(NeedOption).where(NeedOption.need_id == need.id)).first()
    need_ops.save_option(need, option, is_preferred=True)
    need_ops.change_need_status(need, NeedStatus.prioritised)
    pot = db.session.scalars(db.select(Pot).where(Pot.name == "Targeted youth support pooled budget")).one()
    quality = dict(kind="quality", scale_max=5, descriptors=DEFAULT_DESCRIPTORS)
    content = {
        "title": "Sexual health outreach for young people", "purpose": "Sex and relationships education and "
        "outreach for young people outside school in the wards with the highest conception rates.",
        "outcomes": [{"text": "Fewer under-18 conceptions", "trace": f"need:{need.id}:be_healthy"}],
        "outputs": "Weekly outreach sessions in six wards.", "kpis": [
            {"name": "Young people reached", "unit": "young people", "target": "400", "frequency": "quarterly",
             "indicator_id": None}],
        "requirements": "Trained sexual health workers; links to clinics.", "target_groups": ["looked_after", "neet"],
        "locality_ids": [loc.id for loc in need.localities], "age_min": 13, "age_max": 19, "contract_months": 24,
        "extension_options": "", "max_value_pence": 12_000_000, "pot_id": pot.id,
        "payment_schedule": "quarterly_in_arrears", "monitoring_frequency": "quarterly", "light_touch": True,
        "route": "light_touch", "suggested_route": "grant_round",
        "route_reason": "The group chose a competitive light-touch procurement for a health-related service.",
        "criteria": [dict(name="Quality of the service", weight=50, parent=None, **quality),
                     dict(name="Reaching the most vulnerable", weight=20, parent=None, **quality),
                     {"name": "Price", "kind": "price", "weight": 20, "parent": None,
                      "price_formula": "lowest_over_bid"},
                     dict(name="Social value", weight=10, parent=None, **{**quality, "kind": "social_value"})],
    }
    spec2 = spec_ops.create_specification(commissioner, [need], content)
    spec_ops.submit_for_review(spec2)
    first, second = _approvers()
    spec_ops.decide(spec2, first, True, "Recommended")
    spec_ops.decide(spec2, second, True, "Approved")
    opened = start - timedelta(days=55)
    procurement = opp_ops.create_opportunity(
        spec2, commissioner, title="Sexual health outreach for young people: light-touch procurement",
        summary="A two-year contract for outreach in the wards with the highest under-18 conception rates.",
        clarification_deadline=opened + timedelta(days=20), submission_deadline=start - timedelta(days=5),
        word_limit=500, eligibility=[{"question": "Do all your outreach staff have enhanced DBS checks?",
                                      "pass_answer": "yes"}])
    opp_ops.open_opportunity(procurement, now=opened)
    answers = [("Our nurses and youth workers run weekly sessions in youth clubs and on the street.",
                "We work with the leaving care team and pupil referral units.", "Apprenticeships for local young people.",
                11_500_000, "yes"),
               ("Peer educators trained through our arts programme lead workshops in community venues.",
                "Young carers and young parents co-design the sessions.", "Volunteering with accreditation.",
                10_800_000, "no")]
    for (org, user), (a1, a2, a3, price, dbs) in zip(zip(orgs, providers), answers):
        bid = bid_ops.start_bid(procurement, org, user, now=opened + timedelta(days=1))
        names = [c["name"] for c in procurement.quality_criteria]
        bid_ops.save_draft(bid, user, now=opened + timedelta(days=2), answers=dict(zip(names, (a1, a2, a3))),
                           eligibility={"0": dbs}, price_pence=price, price_breakdown="Staff 80%, venues 10%, "
                           "materials 10%", declarations=True)
        bid_ops.submit_bid(bid, user, f"demo-{bid.id}", now=start - timedelta(days=7))
    opp_ops.close_due()
    return created + 2


def load_evaluation_demo(created=0):
    """The closed procurement: three evaluators, one recused by a declared interest, scores moderated."""
    from commissioning.bids.util import counted_submissions
    from commissioning.evaluation import operations as ev_ops
    from commissioning.evaluation.models import ConflictDeclaration, Interest
    from commissioning.opportunities.models import Opportunity, OpportunityStatus
    if db.session.scalar(db.select(ConflictDeclaration.id).limit(1)):
        return created
    opp = db.session.scalars(db.select(Opportunity).where(Opportunity.status == OpportunityStatus.closed)).first()
    if opp is None:
        return created
    commissioner = db.session.scalars(db.select(User).where(User.email == "commissioner@demo.test")).one()
    evaluators = _evaluators("evaluator@demo.test", "evaluator2@demo.test", "evaluator3@demo.test",
                             "evaluator4@demo.test")
    submissions = counted_submissions(opp)
    ev_ops.assign(opp, [s.bid for s in submissions], evaluators, commissioner)
    for evaluator in evaluators:
        for s in submissions:
            org = s.bid.organisation
            if evaluator.email == "evaluator3@demo.test" and org.name.startswith("Southside"):
                ev_ops.declare(opp, evaluator, org, Interest.trustee, "I am a trustee of Southside.")
            else:
                ev_ops.declare(opp, evaluator, org, Interest.none)
    plan = {  # bid organisation prefix -> evaluator index -> scores per quality criterion
        # Erin's interest in Southside takes her off the whole competition: she scores neither bid.
        "Alt Valley": [(4, 3, 3), (3, 3, 2), None, (5, 4, 3)],
        "Southside": [(3, 4, 4), (2, 5, 4), None, (3, 4, 5)],
    }
    for s in submissions:
        prefix = "Alt Valley" if s.bid.organisation.name.startswith("Alt Valley") else "Southside"
        for evaluator, scores in zip(evaluators, plan[prefix]):
            if scores is None:
                continue
            ev_ops.save_scores(s.bid, evaluator, {c["name"]: (score, "Evidence in the answer supports this score")
                                                  for c, score in zip(opp.quality_criteria, scores)}, submit=True)
        for c, agreed in zip(opp.quality_criteria, (4, 3, 3) if prefix == "Alt Valley" else (3, 4, 4)):
            ev_ops.moderate(s.bid, commissioner, c["name"], agreed, "Agreed at the moderation meeting")
    return created + 1


PANEL_PROJECTS = [
    ("Street dance in Norris Green", 6_000, "Alt Valley Youth Partnership",
     "Free street dance sessions two evenings a week for 11 to 16 year olds, with a show at the end of summer."),
    ("Skate park clean-up and jam", 4_500, None,
     "Fix up the skate park, add lights, and hold a skate jam with free coaching for beginners."),
    ("Young carers’ day trips", 8_000, None,
     "Four days out for young carers who rarely get a break, with transport and lunch paid for."),
    ("Arts studio open nights", 7_500, "Southside Young People's Arts CIC",
     "An arts studio open on Friday nights: music, painting and film-making, with artists to help."),
    ("Football after school", 5_000, None,
     "Coached football after school in the East, with a league for teams made up of young people."),
    ("Mental health peer mentors", 9_000, None,
     "Train 20 young people as peer mentors who can listen and point friends to help when they need it."),
]

# Which projects (by position) each demo voter approved: within the £30,000 budget each time.
PANEL_BALLOTS = [(0, 1, 3), (0, 2, 4), (1, 3, 5), (2, 5), (0, 1, 4, 3), (3, 5), (1, 2, 4), (0, 5), (2, 3)]


def load_panels_demo(created=0):
    """The Youth Opportunities Panel: members (one awaiting consent), a counted round and an open one."""
    from datetime import timedelta

    from commissioning.core.models import utcnow
    from commissioning.panels import operations as panel_ops
    from commissioning.panels.models import AgeBand, AllocationRule, BallotType, Panel, PanelMember
    if db.session.scalar(db.select(Panel.id).limit(1)):
        return created
    facilitator = db.session.scalars(db.select(User).where(User.email == "facilitator@demo.test")).one()
    jordan = db.session.scalars(db.select(User).where(User.email == "member@demo.test")).one()
    yof = db.session.scalars(db.select(Pot).where(Pot.name == "Youth Opportunities Fund")).one()
    orgs = {o.name: o for o in db.session.scalars(db.select(Organisation))}
    localities = {loc.name: loc for loc in db.session.scalars(db.select(Locality))}
    panel = panel_ops.create_panel("Youth Opportunities Panel", None, facilitator)
    member = PanelMember(panel=panel, user=jordan, display_name="Jordan", age_band=AgeBand.age_14_15,
                         locality=localities["Alt Valley"])
    db.session.add(member)
    db.session.flush()
    panel_ops.record_consent(member, "Father, signed consent form")
    panel_ops.add_contribution(member, utcnow().date() - timedelta(days=20), "Panel meeting", 120, facilitator)
    panel_ops.add_contribution(member, utcnow().date() - timedelta(days=6), "Visit to the arts studio", 90,
                               facilitator)
    voters = [member]
    for name, band, area in [("Aisha", AgeBand.age_16_17, "East"), ("Ben", AgeBand.age_18_21, "South"),
                             ("Cara", AgeBand.age_14_15, "City and North"), ("Dev", AgeBand.age_16_17, "South"),
                             ("Ellie", AgeBand.age_11_13, "Alt Valley"), ("Femi", AgeBand.age_22_25, "East"),
                             ("Grace", AgeBand.age_16_17, "South Central"), ("Harry", AgeBand.age_18_21, "East"),
                             ("Isla", AgeBand.age_14_15, "Alt Valley")]:
        m, _code = panel_ops.add_member(panel, name, band, localities[area])
        if band.needs_parental_consent and name != "Isla":
            panel_ops.record_consent(m, "Parent, signed consent form")
        voters.append(m)
    now = utcnow()
    counted = panel_ops.create_round(
        panel, facilitator, title="Summer activities", pot=yof, budget_pence=3_000_000,
        ballot_type=BallotType.within_budget, max_projects=None, min_projects=None,
        rule=AllocationRule.equal_shares, quorum=5, min_approval_percent=None,
        opens_at=now - timedelta(days=30), closes_at=now + timedelta(days=1))
    projects = [panel_ops.add_project(counted, title, summary, pounds * 100, orgs.get(org))
                for title, pounds, org, summary in PANEL_PROJECTS]
    panel_ops.open_voting(counted, facilitator)
    eligible = [v for v in voters if v.can_vote]
    for voter, choice in zip(eligible[1:], PANEL_BALLOTS):   # Jordan's vote is left for the open round
        panel_ops.cast_ballot(counted, voter, [projects[i].id for i in choice])
    panel_ops.close_voting(counted, facilitator, "the demo closed it")
    panel_ops.count_round(counted.id)
    upcoming = panel_ops.create_round(
        panel, facilitator, title="Winter ideas", pot=yof, budget_pence=2_000_000,
        ballot_type=BallotType.up_to_n, max_projects=3, min_projects=1, rule=AllocationRule.greedy,
        quorum=4, min_approval_percent=20, opens_at=now, closes_at=now + timedelta(days=21))
    for title, pounds, org, summary in PANEL_PROJECTS[:5]:
        panel_ops.add_project(upcoming, title, summary, pounds * 100, orgs.get(org))
    panel_ops.open_voting(upcoming, facilitator)
    spring = panel_ops.create_round(
        panel, facilitator, title="Spring ideas", pot=yof, budget_pence=1_500_000,
        ballot_type=BallotType.within_budget, max_projects=None, min_projects=None,
        rule=AllocationRule.equal_shares, quorum=None, min_approval_percent=None,
        opens_at=now, closes_at=now + timedelta(days=60))
    title, pounds, org, summary = PANEL_PROJECTS[2]
    panel_ops.add_project(spring, title, summary, pounds * 100, orgs.get(org))
    return created + 1


def _past_award(spec, title, summary, bidders, opened_days_ago, notice_days_ago, commissioner):
    """An opportunity run in the past: ``bidders`` [(user, price)] submit, are scored and all awarded."""
    from datetime import datetime, timedelta

    from commissioning.bids import operations as bid_ops
    from commissioning.core.models import LONDON
    from commissioning.evaluation import operations as ev_ops
    from commissioning.evaluation.award import award
    from commissioning.opportunities import operations as opp_ops
    now = datetime.now(LONDON).replace(hour=12, minute=0, second=0, microsecond=0)
    opened = now - timedelta(days=opened_days_ago)
    deadline = opened + timedelta(days=30)
    opp = opp_ops.create_opportunity(spec, commissioner, title=title, summary=summary,
                                     clarification_deadline=deadline - timedelta(days=10),
                                     submission_deadline=deadline, word_limit=500,
                                     eligibility=[{"question": "Is your organisation based in Liverpool?",
                                                   "pass_answer": "yes"}])
    opp_ops.open_opportunity(opp, now=opened)
    awards = []
    for bidder, price in bidders:
        bid = bid_ops.start_bid(opp, bidder.memberships[0].organisation, bidder, now=opened + timedelta(days=1))
        bid_ops.save_draft(bid, bidder, now=opened + timedelta(days=2),
                           answers={c["name"]: "Our track record and plan for this work."
                                    for c in opp.quality_criteria},
                           eligibility={"0": "yes"}, price_pence=price, price_breakdown="Staff 80%, venues 20%",
                           declarations=True)
        bid_ops.submit_bid(bid, bidder, f"demo-past-{bid.id}", now=deadline - timedelta(days=1))
        awards.append((bid, price))
    opp_ops.close_due()
    # An award needs three completed evaluations of each bid: three evaluators with no interest score them.
    from commissioning.evaluation.models import Interest
    evaluators = _evaluators("evaluator@demo.test", "evaluator2@demo.test", "evaluator4@demo.test")
    ev_ops.assign(opp, [bid for bid, _price in awards], evaluators, commissioner)
    for evaluator in evaluators:
        for bid, _price in awards:
            ev_ops.declare(opp, evaluator, bid.organisation, Interest.none)
            ev_ops.save_scores(bid, evaluator, {c["name"]: (4, "A clear plan backed by a good track record")
                                                for c in opp.quality_criteria}, submit=True)
    ev_ops.run_scoring(ev_ops.request_scoring(opp, commissioner).id)
    decision = award(opp, commissioner, awards, "Compliant bids scoring well on quality, within the budget.",
                     (now - timedelta(days=notice_days_ago)).date())
    return decision.awarded


def load_contracts_demo(created=0):
    """A signed, active contract with one return overdue and one due soon; a grant agreement awaiting signature."""
    from datetime import timedelta

    from commissioning.contracts import operations as contract_ops
    from commissioning.contracts.models import Agreement
    from commissioning.core.models import LONDON, utcnow
    from commissioning.specifications.models import Specification
    if db.session.scalar(db.select(Agreement.id).limit(1)):
        return created
    from flask import current_app
    authority = current_app.config["AUTHORITY_NAME"]
    commissioner = db.session.scalars(db.select(User).where(User.email == "commissioner@demo.test")).one()
    monitor = db.session.scalars(db.select(User).where(User.email == "monitor@demo.test")).one()
    provider, provider2 = (db.session.scalars(db.select(User).where(User.email == e)).one()
                           for e in ("provider@demo.test", "provider2@demo.test"))
    specs = db.session.scalars(db.select(Specification).order_by(Specification.id)).all()
    if len(specs) < 2:
        return created
    today = utcnow().astimezone(LONDON).date()
    contract_ops.ensure_clauses()
    (awarded,) = _past_award(specs[1], "Sexual health outreach for young people 2026: light-touch procurement",
                             "Outreach in the wards with the highest under-18 conception rates.",
                             [(provider2, 10_400_000)], 340, 300, commissioner)
    # Monthly returns, started after the award so that one return fell due ten days ago (the next in about
    # three weeks).
    start = next(today - timedelta(days=back) for back in range(262, 299)
                 if any(e + timedelta(days=contract_ops.RETURN_DAYS_AFTER_PERIOD) == today - timedelta(days=10)
                        for _s, e in contract_ops.periods(today - timedelta(days=back), today, 1)))
    contract = contract_ops.create_from_award(awarded, commissioner, authority, start=start)
    contract.monitoring_frequency = "monthly"
    contract_ops.update_draft(contract, commissioner, monitoring_frequency="monthly")
    contract.monitor_id = monitor.id
    document = contract_ops.issue(contract, commissioner, authority)
    contract_ops.render_document(document.id)
    contract_ops.sign(contract, provider2, "Sam Okafor", "Director", document.sha256)
    contract_ops.countersign(contract, commissioner)
    awarded, drafted = _past_award(
        specs[0], "Holiday activities in Alt Valley: grant round",
        "Grants for holiday activities with food for young people in Croxteth and Norris Green.",
        [(provider, 2_400_000), (provider2, 1_800_000)], 60, 12, commissioner)
    grant = contract_ops.create_from_award(awarded, commissioner, authority, start=today + timedelta(days=14))
    grant.monitor_id = monitor.id
    contract_ops.render_document(contract_ops.issue(grant, commissioner, authority).id)
    contract_ops.create_from_award(drafted, commissioner, authority, start=today + timedelta(days=14))
    _monitoring_demo(contract, provider2, monitor, today)
    return created + 3


def _monitoring_demo(contract, provider, monitor, today):
    """Returns in every state on the active contract, then a reminder sweep (overdue mail in the outbox)."""
    from datetime import timedelta

    from commissioning.monitoring import operations as monitoring_ops
    from commissioning.monitoring.models import Rag
    dues = sorted(contract.returns, key=lambda due: due.due_on)
    past = [due for due in dues if due.due_on <= today]

    overridden = False
    for number, due in enumerate(past):
        ret = monitoring_ops.return_for(due)
        actual = 400 + (number * 37) % 60 - 35          # around the target of 400, some months short
        monitoring_ops.save_return(ret, provider, {
            "kpi-0": str(actual), "spend": "4300", "age-1": str(actual // 2), "age-2": str(actual - actual // 2),
            "feedback_responses": "24", "feedback_positive": str(18 + number % 5),
            "feedback_quotes": "The drop-in is somewhere I can ask things without being judged.",
            "achievements": "Sessions ran in all six wards; two new youth clubs hosted outreach.",
            "issues": "One venue closed for repairs; sessions moved to the library."})
        if due is past[-1]:
            monitoring_ops.submit_return(ret, provider)
            monitoring_ops.send_back(ret, monitor, "Please split the reach figures by ward.")
            continue
        monitoring_ops.submit_return(ret, provider)
        if due is past[-2]:
            continue                                   # submitted, waiting for the monitor
        overall, reason = ret.suggested_rag or Rag.green, None
        if overall is Rag.amber and not overridden:   # one rating changed by the monitor, with the reason
            overall, reason, overridden = Rag.green, "Attendance dipped in the school holidays only", True
        actions = [("Agree a plan for the closed venue", "Sam Okafor", today + timedelta(days=20))] \
            if number == len(past) - 3 else []
        monitoring_ops.accept_return(ret, monitor, overall, reason, actions)
    upcoming = next((due for due in dues if due.due_on > today), None)
    if upcoming is not None:
        monitoring_ops.return_for(upcoming)           # started as a draft
    monitoring_ops.sweep_reminders(today)

