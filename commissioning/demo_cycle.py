"""Demo records for identifying need: locality figures, indicators, funds, needs, provision.

A council in England in 2026/27: the youth services duty (section 507B of the Education Act 1996)
and its statutory guidance of 2023, Youth Matters (the national youth strategy of 2025), and today's
funding streams and partners: the Holiday Activities and Food programme, the Youth Guarantee
trailblazer, family hubs and the integrated care board. The indicators are the kind the seed papers
tabulate, measured the way councils measure them now. Every figure is a demo figure, not Liverpool's.
"""
from datetime import date
from decimal import Decimal

from commissioning.accounts.models import Organisation, User
from commissioning.core.vocabulary import EcmOutcome, Tier, VulnerableGroup
from commissioning.demo import ICB
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

YEAR = 2026            # the financial year the demo is set in: 2026/27 (the year before, 2025/26, has records too)

LOCALITY_FIGURES = {  # young people aged 13-19, deprivation score, rural isolation score (demo figures)
    "Alt Valley": (9800, Decimal("48.5"), Decimal("1.5")),
    "City and North": (11200, Decimal("56.2"), Decimal("0.5")),
    "East": (8900, Decimal("39.8"), Decimal("1.0")),
    "South": (10100, Decimal("27.4"), Decimal("2.5")),
    "South Central": (8400, Decimal("44.1"), Decimal("0.5")),
}

NEET = "16 and 17 year olds not in education, employment or training, or not known"
PARTICIPATION = "Young people taking part in positive activities every month"
WELLBEING = "Young people with high life satisfaction"

INDICATORS = [
    dict(name=NEET, unit="% of 16 and 17 year olds", polarity=Polarity.lower_is_better, baseline_year=2022,
         baseline_value=Decimal("7.9"), tolerance=Decimal("0.3"), financial_years=False,
         story="Demo figures. The measure councils send the Department for Education each year: the average of "
               "December, January and February, so 2026 is the winter of 2025/26. It has fallen slowly since "
               "2022 but is still above the England average, and is highest in City and North and among care "
               "leavers. Since 2025/26 the Youth Guarantee trailblazer in the Liverpool City Region has also "
               "supported 18 to 21 year olds into learning or work.",
         years={2023: ("7.6", "7.7"), 2024: ("7.3", "7.2"), 2025: ("7.0", "7.1"), 2026: ("6.8", "6.9"),
                2027: ("6.5", None)}),
    dict(name="First-time entrants to the youth justice system", unit="per 100,000 young people aged 10 to 17",
         polarity=Polarity.lower_is_better, baseline_year=2022, baseline_value=Decimal("265"),
         tolerance=Decimal("10"), financial_years=False,
         story="Demo figures, by calendar year. Falling since 2022 as the youth justice service and Merseyside "
               "Police divert more young people away from a first caution or conviction. The rise in 2025 was "
               "in South Central, where prevention work on serious violence is now focused.",
         years={2023: ("255", "248"), 2024: ("240", "236"), 2025: ("225", "231"), 2026: ("215", None)}),
    dict(name=PARTICIPATION, unit="% of 13 to 19 year olds", polarity=Polarity.higher_is_better,
         baseline_year=2025, baseline_value=Decimal("21.4"), tolerance=Decimal("2"),
         story="Demo figures, from the council's count of different young people at commissioned youth "
               "sessions (each counted once however often they come). Counted from April 2025, when the youth "
               "offer was reviewed against the 2023 statutory guidance; 2026/27 is April to November so far.",
         years={2026: ("24", "23.1")}),
    dict(name=WELLBEING, unit="% scoring 7 or more out of 10", polarity=Polarity.higher_is_better,
         baseline_year=2023, baseline_value=Decimal("62"), tolerance=Decimal("2"), financial_years=False,
         story="Demo figures, from the city's survey of secondary school pupils each summer term, which asks the "
               "ONS life satisfaction question (0 to 10). Lower for girls, young carers and young people in care. "
               "Waiting for mental health support is the worry young people name most.",
         years={2024: ("63", "60"), 2025: ("64", "61"), 2026: ("65", "63")}),
]

MENTAL_HEALTH_NEED = "Early mental health support for young people outside school"
PROCUREMENT_TITLE = "Young people's mental health and wellbeing support: light-touch procurement"

NEEDS = [
    dict(title="Evening and weekend activities in Alt Valley", tier=Tier.universal, age_min=13, age_max=19,
         localities=["Alt Valley"], groups=[], outcomes=[EcmOutcome.enjoy_and_achieve, EcmOutcome.positive_contribution],
         need_not_met="Young people in Croxteth and Norris Green have few safe places to go on Friday and "
                      "Saturday evenings and during school holidays.",
         how_identified="Consultation with young people through the Youth Voice Panel and the Alt Valley youth forum.",
         desired_outcomes="More young people taking part in positive activities every month, in places they feel safe.",
         plan_priorities="The council's youth offer under section 507B of the Education Act 1996 and the 2023 "
                         "statutory guidance; a safe place to go, from Youth Matters, the national youth strategy.",
         status=NeedStatus.prioritised, indicator=PARTICIPATION,
         evidence=[(EvidenceSource.young_people, date(YEAR, 3, 14),
                    "Survey of 420 young people: 61% said there was nothing to do locally at weekends."),
                   (EvidenceSource.dataset, date(YEAR, 1, 31),
                    "Youth service attendance data shows no open-access sessions after 6pm on Saturdays.")],
         preferred=("Commission open-access youth clubs on Friday and Saturday evenings",
                    "Grant-fund local voluntary groups to run the sessions.")),
    dict(title=MENTAL_HEALTH_NEED, tier=Tier.targeted, age_min=13,
         age_max=19, localities=["City and North", "South Central"],
         groups=[VulnerableGroup.looked_after, VulnerableGroup.young_carers, VulnerableGroup.neet],
         outcomes=[EcmOutcome.be_healthy, EcmOutcome.stay_safe],
         need_not_met="Young people wait a long time for mental health support, and many need not a clinic but a "
                      "trusted adult to talk to near home, before things get worse.",
         plan_priorities="NHS Cheshire and Merseyside's mental health plan for children and young people; someone "
                         "who cares for every young person, from Youth Matters, the national youth strategy.",
         status=NeedStatus.evidenced, indicator=WELLBEING,
         evidence=[(EvidenceSource.health, date(YEAR, 2, 20),
                    "The integrated care board's figures: mental health support teams reach about half of schools "
                    "and colleges, and fewest in these two districts."),
                   (EvidenceSource.young_people, date(YEAR, 7, 10),
                    "Pupil survey: waiting for mental health support is the worry young people name most.")],
         preferred=("Commission drop-in wellbeing support in the community",
                    "A voluntary organisation runs drop-ins and one-to-one support, with agreed routes to NHS help.")),
    dict(title="Support into education, training or work for 16 to 19 year olds", tier=Tier.early_intervention,
         age_min=16, age_max=19, localities=["City and North", "East"],
         groups=[VulnerableGroup.neet, VulnerableGroup.looked_after], outcomes=[EcmOutcome.economic_wellbeing],
         need_not_met="Too many 16 and 17 year olds are not in education, employment or training, or the council "
                      "does not know what they are doing, most of all where parents are out of work.",
         plan_priorities="The council's duty to track and encourage 16 and 17 year olds' participation; the Youth "
                         "Guarantee trailblazer for 18 to 21 year olds in the Liverpool City Region.",
         status=NeedStatus.draft, indicator=NEET, evidence=[]),
    dict(title="Transition support for young people with learning difficulties", tier=Tier.targeted,
         age_min=14, age_max=25, for_lldd=True, localities=["Alt Valley", "City and North", "East", "South",
                                                            "South Central"],
         groups=[VulnerableGroup.lldd], outcomes=[EcmOutcome.enjoy_and_achieve, EcmOutcome.economic_wellbeing],
         need_not_met="Young people with learning difficulties or disabilities lose support when they leave "
                      "school, with few activities or routes into work up to 25.",
         plan_priorities="The youth services duty covers young people with learning difficulties or disabilities "
                         "to 24; the family hubs serve families of young people with SEND to 25.",
         status=NeedStatus.evidenced, indicator=None,
         evidence=[(EvidenceSource.parents_carers, date(YEAR, 4, 2),
                    "Parent carer forum: families describe a ‘cliff edge’ in support at 19.")]),
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


LIVERPOOL_GEO_CODE = "E08000012"   # ONS code of Liverpool metropolitan district


def _org(name):
    return db.session.scalars(db.select(Organisation).where(Organisation.name == name)).one()


def load_cycle_demo(created=0):
    """Create the missing records of this stage; returns the running count of records created."""
    council, police, icb = _org("Liverpool City Council"), _org("Merseyside Police"), _org(ICB)
    combined = _org("Liverpool City Region Combined Authority")
    commissioner = db.session.scalars(db.select(User).where(User.email == "commissioner@demo.test")).one()
    localities = {loc.name: loc for loc in db.session.scalars(db.select(Locality))}

    for name, (young, deprivation, rurality) in LOCALITY_FIGURES.items():
        loc = localities[name]
        if not loc.young_people:
            # The demo's areas are Liverpool's neighbourhood areas, which are no ONS geography: each
            # carries the code of the metropolitan district it lies in (Liverpool, E08000012).
            funding_ops.update_locality_figures(loc, young, deprivation, rurality, LIVERPOOL_GEO_CODE)

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

    def pot(name, year=YEAR, **fields):
        nonlocal created
        if (name, year) in pots:
            return None
        created += 1
        return funding_ops.create_pot(name=name, financial_year=year, **fields)

    voice = pot("Youth Voice Fund", kind=PotKind.funding_stream, funder_id=council.id, amount_pence=45_000_000,
                ring_fenced=True, tiers=["universal"],
                conditions="Council money that young people decide how to spend, through the Youth Voice Panel: "
                           "the 2023 statutory guidance expects young people to shape the local youth offer.")
    pot("Local youth offer", kind=PotKind.funding_stream, funder_id=council.id, amount_pence=120_000_000,
        ring_fenced=False, tiers=["universal", "early_intervention"],
        conditions="The council's budget for its duty under section 507B of the Education Act 1996 to secure, so "
                   "far as reasonably practicable, enough youth services and activities for 13 to 19 year olds "
                   "(to 24 for young people with learning difficulties or disabilities).")
    # The order keeps the ids the exactly-once walk posts to: pot 3 a funding stream, pot 4 a pooled budget.
    haf_conditions = ("Department for Education grant, renewed in 2025 for three more years. Free holiday clubs "
                      "with a healthy meal at Easter, in the summer and at Christmas, for children in reception to "
                      "year 11 who get benefits-related free school meals.")
    pot("Holiday Activities and Food programme", kind=PotKind.funding_stream, funder_id=council.id,
        amount_pence=315_000_000, ring_fenced=True, tiers=["universal", "early_intervention"],
        conditions=haf_conditions)
    pooled = pot("Early help for young people pooled budget", kind=PotKind.pooled_budget, funder_id=council.id,
                 ring_fenced=False, tiers=["early_intervention", "targeted"],
                 conditions="Pooled under section 10 of the Children Act 2004 by the partners in early help.")
    if pooled is not None:
        funding_ops.add_contribution(pooled, council, ContributionKind.cash, "Council early help budget", 40_000_000)
        funding_ops.add_contribution(pooled, council, ContributionKind.accommodation,
                                     "Rooms at the family hubs for drop-in sessions", 1_500_000)
        funding_ops.add_contribution(pooled, police, ContributionKind.cash, "Neighbourhood policing: prevention",
                                     5_000_000)
        funding_ops.add_contribution(pooled, police, ContributionKind.staff,
                                     "Two neighbourhood officers, one day a week each", 3_000_000)
        funding_ops.add_contribution(pooled, icb, ContributionKind.cash,
                                     "Children and young people's mental health: early support", 12_000_000)
    last_haf = pot("Holiday Activities and Food programme", year=YEAR - 1, kind=PotKind.funding_stream,
                   funder_id=council.id, amount_pence=310_000_000, ring_fenced=True,
                   tiers=["universal", "early_intervention"], conditions=haf_conditions)
    guarantee_conditions = ("Liverpool's share of the Liverpool City Region's Youth Guarantee trailblazer money "
                            "from the Department for Work and Pensions: support into learning, training or work for "
                            "18 to 21 year olds most at risk of falling out of it, care leavers first.")
    for year, amount in ((YEAR - 1, 62_000_000), (YEAR, 65_000_000)):
        pot("Youth Guarantee trailblazer", year=year, kind=PotKind.funding_stream, funder_id=combined.id,
            amount_pence=amount, ring_fenced=True, tiers=["early_intervention", "targeted"],
            conditions=guarantee_conditions)
    if voice is not None and not db.session.scalar(db.select(LedgerEntry.id).where(LedgerEntry.pot_id == voice.id)):
        funding_ops.commit_funds(voice, 9_000_000, "demo", None,
                                 "Youth Voice Panel grants awarded before this service", youth_directed=True)
    if last_haf is not None:
        funding_ops.commit_funds(last_haf, 310_000_000, "demo", None,
                                 "Holiday clubs at Easter, in the summer and at Christmas 2025")

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
            need_ops.save_option(need, None, title=preferred[0], likelihood=2, impact=3, is_preferred=True,
                                 description=preferred[1])
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
    pot = db.session.scalars(db.select(Pot).where(Pot.name == "Local youth offer", Pot.financial_year == YEAR)).one()
    indicator = db.session.scalars(db.select(Indicator).where(Indicator.name == PARTICIPATION)).one()
    route, why = suggest_route(9_000_000)
    quality = dict(kind="quality", scale_max=5, descriptors=DEFAULT_DESCRIPTORS)
    content = {
        "title": "Friday and Saturday evening youth clubs in Alt Valley",
        "purpose": "Open-access youth clubs on Friday and Saturday evenings and in school holidays, so that young "
                   "people in Croxteth and Norris Green have safe, enjoyable places to go.",
        "outcomes": [{"text": "More young people take part in positive activities every month",
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
        "light_touch": True, "cpv": "98133110",   # services provided by youth associations
        "route": route.value, "suggested_route": route.value, "route_reason": why,
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
    need = db.session.scalars(db.select(Need).where(Need.title == MENTAL_HEALTH_NEED)).one()
    need_ops.change_need_status(need, NeedStatus.prioritised)
    pot = db.session.scalars(db.select(Pot).where(Pot.name == "Early help for young people pooled budget")).one()
    quality = dict(kind="quality", scale_max=5, descriptors=DEFAULT_DESCRIPTORS)
    content = {
        "title": "Mental health and wellbeing support for young people", "purpose": "Drop-in sessions and "
        "one-to-one support from trained youth workers and counsellors, outside school and near home, in the "
        "wards where young people wait longest for help.",
        "outcomes": [{"text": "More young people with good mental health and wellbeing",
                      "trace": f"need:{need.id}:be_healthy"}],
        "outputs": "Weekly drop-in sessions in six wards.", "kpis": [
            {"name": "Young people reached", "unit": "young people", "target": "400", "frequency": "quarterly",
             "indicator_id": None}],
        "requirements": "Qualified youth workers and counsellors with enhanced DBS checks; agreed routes to NHS "
                        "mental health services.", "target_groups": ["looked_after", "young_carers"],
        "locality_ids": [loc.id for loc in need.localities], "age_min": 13, "age_max": 19, "contract_months": 24,
        "extension_options": "", "max_value_pence": 12_000_000, "pot_id": pot.id,
        "payment_schedule": "quarterly_in_arrears", "monitoring_frequency": "quarterly", "light_touch": True,
        "cpv": "85312320",   # counselling services
        "route": "light_touch", "suggested_route": "grant_round",
        "route_reason": "The group chose a competitive light-touch procurement under the Procurement Act 2023 for "
                        "a service part-funded by the NHS.",
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
        spec2, commissioner, title=PROCUREMENT_TITLE,
        summary="A two-year contract for drop-in and one-to-one support in the wards where young people wait "
                "longest for help.",
        clarification_deadline=opened + timedelta(days=20), submission_deadline=start - timedelta(days=5),
        word_limit=500, eligibility=[{"question": "Do all your outreach staff have enhanced DBS checks?",
                                      "pass_answer": "yes"}])
    opp_ops.open_opportunity(procurement, now=opened)
    answers = [("Our counsellors and youth workers run weekly drop-ins in youth clubs and family hubs.",
                "We work with the leaving care team, young carers' services and pupil referral units.",
                "Apprenticeships for local young people.",
                11_500_000, "yes"),
               ("Peer mentors trained through our arts programme lead wellbeing workshops in community venues.",
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
    """The Youth Voice Panel: members (one awaiting consent), a counted round and an open one."""
    from datetime import timedelta

    from commissioning.core.models import utcnow
    from commissioning.panels import operations as panel_ops
    from commissioning.panels.models import AgeBand, AllocationRule, BallotType, Panel, PanelMember
    if db.session.scalar(db.select(Panel.id).limit(1)):
        return created
    facilitator = db.session.scalars(db.select(User).where(User.email == "facilitator@demo.test")).one()
    jordan = db.session.scalars(db.select(User).where(User.email == "member@demo.test")).one()
    yof = db.session.scalars(db.select(Pot).where(Pot.name == "Youth Voice Fund")).one()
    orgs = {o.name: o for o in db.session.scalars(db.select(Organisation))}
    localities = {loc.name: loc for loc in db.session.scalars(db.select(Locality))}
    panel = panel_ops.create_panel("Youth Voice Panel", None, facilitator)
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


def _payments_demo(contract, commissioner, today):
    """What the finance system paid: the first released payment 12 days after it fell due, the
    second 41 days after (late, past the 30 days), so the page shows both and the open data has
    payments made."""
    from datetime import date, timedelta

    from commissioning.contracts import operations as contract_ops
    from commissioning.monitoring.operations import released_payments
    released = released_payments(contract)
    for i, days, reference in ((0, 12, "LCC-PAY-40211"), (1, 41, "LCC-PAY-41877")):
        if i < len(contract.payments) and released[i]:
            paid_on = date.fromisoformat(contract.payments[i]["due"]) + timedelta(days=days)
            if paid_on <= today:
                contract_ops.record_payment(contract, commissioner, contract.payments[i]["amount_pence"], paid_on,
                                            reference, i, today=today)


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
    (awarded,) = _past_award(specs[1], "Wellbeing drop-ins for young people: light-touch procurement",
                             "Drop-in wellbeing support in the wards where young people wait longest for help.",
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
    # Signed by both before the service began, as a real contract is (the steps above ran today).
    from datetime import datetime, time
    signed = datetime.combine(start - timedelta(days=8), time(11, 0), LONDON)
    contract.provider_signed_at, contract.countersigned_at = signed, signed + timedelta(days=2)
    executed = next(d for d in contract.documents if d.sha256 == contract.provider_signed_sha256)
    executed.executed_snapshot = {**executed.executed_snapshot, "signatures": contract_ops._signatures(
        contract, contract.provider_signatory, contract.provider_signatory_role, contract.provider_signed_at,
        contract.signed_copy_file_id, commissioner, contract.countersigned_at)}   # the executed copy says so too
    awarded, drafted = _past_award(
        specs[0], "Holiday activities in Alt Valley: grant round",
        "Grants for holiday activities with food for young people in Croxteth and Norris Green.",
        [(provider, 2_400_000), (provider2, 1_800_000)], 60, 12, commissioner)
    grant = contract_ops.create_from_award(awarded, commissioner, authority, start=today + timedelta(days=14))
    grant.monitor_id = monitor.id
    contract_ops.render_document(contract_ops.issue(grant, commissioner, authority).id)
    contract_ops.create_from_award(drafted, commissioner, authority, start=today + timedelta(days=14))
    _monitoring_demo(contract, provider2, monitor, today)
    _payments_demo(contract, commissioner, today)
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



def load_notices_demo(created=0):
    """The light-touch procurement's Procurement Act notices: UK4, UK6 and UK7 published when they fell due."""
    from datetime import datetime, time, timedelta

    from commissioning.core.models import LONDON
    from commissioning.evaluation.models import AwardDecision
    from commissioning.notices import operations as notice_ops
    from commissioning.notices.models import Notice, NoticeStatus
    from commissioning.opportunities.models import Opportunity
    if db.session.scalar(db.select(Notice.id).where(Notice.status == NoticeStatus.published).limit(1)):
        return created
    opp = db.session.scalars(db.select(Opportunity).where(
        Opportunity.title == "Wellbeing drop-ins for young people: light-touch procurement")).first()
    if opp is None:
        return created
    commissioner = db.session.scalars(db.select(User).where(User.email == "commissioner@demo.test")).one()
    notice_ops.draft_due_notices()
    rows = {n.notice_type: n for n in db.session.scalars(db.select(Notice).where(Notice.opportunity_id == opp.id))}
    decision = db.session.scalars(db.select(AwardDecision).where(AwardDecision.opportunity_id == opp.id)).one()
    from commissioning.contracts.models import Agreement
    contract = db.session.scalars(db.select(Agreement).where(Agreement.opportunity_id == opp.id)).first()
    for code, when in (("UK4", opp.opened_at),
                       ("UK6", datetime.combine(decision.notice_date, time(10, 0), LONDON)),
                       ("UK7", contract.countersigned_at + timedelta(days=3) if contract else None)):
        notice = rows.get(code)
        if notice is None or when is None:
            continue
        if code == "UK4":
            notice_ops.save_details(notice, commissioner, no_lots_reason=(
                "One provider across the six wards keeps referrals and safeguarding in one place; the service is "
                "too small to split without losing that."))
        notice_ops.publish(notice, commissioner, now=when)
        created += 1
    # The procurement open for bids now published its tender notice when it opened.
    for notice in db.session.scalars(db.select(Notice).where(Notice.notice_type == "UK4",
                                                             Notice.status == NoticeStatus.draft)):
        notice_ops.save_details(notice, commissioner, no_lots_reason="One service across the city, run by one "
                                "provider, keeps the referral route simple for young people and schools.")
        notice_ops.publish(notice, commissioner, now=notice.opportunity.opened_at)
        created += 1
    return created
