"""Reads: which notices a procurement needs, when each is due, and where each stands.

``expected`` derives the notices from the procurement's own records (its route and value, the
award, the contracts, their variations, returns and endings); the timeline joins them with the
notice rows. A notice is "triggered" once the event it reports has happened (a draft can then
be made); "required" when the Act asks for it at this value, else it is offered as optional.
"""
from dataclasses import dataclass, field
from datetime import date, timedelta

from flask import current_app

from commissioning.contracts.models import Agreement, AgreementStatus, Variation, VariationStatus
from commissioning.core.models import LONDON, utcnow
from commissioning.evaluation.models import AwardDecision
from commissioning.evaluation.standstill import STANDSTILL_WORKING_DAYS, add_working_days
from commissioning.extensions import db
from commissioning.notices.models import Notice, NoticeStatus
from commissioning.notices.rules import KINDS, ORDER, covered, notifiable
from commissioning.opportunities.models import Opportunity, OpportunityKind, OpportunityStatus
from commissioning.settings.util import all_settings


@dataclass
class Expected:
    code: str
    subject: str = ""
    about: str = ""              # what it is about, when not the procurement itself ("CON-0001")
    required: bool = False
    triggered: bool = False
    due_on: date | None = None
    when: str = ""               # the Act's time limit, in words
    why: str = ""                # why it is required, optional or not yet

    @property
    def kind(self):
        return KINDS[self.code]


@dataclass
class Entry:
    expected: Expected
    notice: Notice | None = None
    state: str = "waiting"       # waiting | optional | draft | overdue | published
    label: str = ""
    colour: str = "grey"


@dataclass
class Timeline:
    opportunity: Opportunity
    applies: bool
    reason: str
    above_threshold: bool = False
    route: str = ""
    entries: list = field(default_factory=list)


def today_in_london():
    return utcnow().astimezone(LONDON).date()


def _day(moment):
    return moment.astimezone(LONDON).date() if moment is not None else None


def route_of(opp):
    """(route, light touch) from the specification version the opportunity froze."""
    content = opp.specification.version(opp.specification_version).content if opp.specification_version else {}
    route = content.get("route") or ("grant_round" if opp.kind is OpportunityKind.grant_round else "open_procurement")
    return route, bool(content.get("light_touch")) or route == "light_touch"


def is_procurement(opp):
    return opp.kind is not OpportunityKind.grant_round and route_of(opp)[0] != "grant_round"


def standstill_end(published_on, holidays=None):
    """The last day of the standstill period: eight working days from the award notice (section 51)."""
    return add_working_days(published_on, STANDSTILL_WORKING_DAYS,
                            holidays if holidays is not None else all_settings()["bank_holidays"])


def _add_months(day, months):
    from commissioning.contracts.operations import add_months
    return add_months(day, months)


def contract_years_completed(agreement, accepted_period_ends):
    """Contract years whose last return has been accepted: year k ends the day before the k-th anniversary."""
    years = []
    k = 1
    while True:
        year_end = _add_months(agreement.start_date, 12 * k) - timedelta(days=1)
        if year_end > agreement.end_date + timedelta(days=1) or not any(e >= year_end for e in accepted_period_ends):
            break
        years.append((k, year_end))
        k += 1
    return years


def _accepted_returns(agreement_ids):
    """{agreement id: [(period_end, accepted day)]} of accepted returns."""
    from commissioning.contracts.models import ReturnDue
    from commissioning.monitoring.models import MonitoringReturn, ReturnStatus
    out = {}
    if not agreement_ids:
        return out
    rows = db.session.execute(db.select(MonitoringReturn.agreement_id, ReturnDue.period_end, MonitoringReturn.accepted_at)
                              .join(ReturnDue, ReturnDue.id == MonitoringReturn.due_id)
                              .where(MonitoringReturn.agreement_id.in_(agreement_ids),
                                     MonitoringReturn.status == ReturnStatus.accepted))
    for agreement_id, period_end, accepted_at in rows:
        out.setdefault(agreement_id, []).append((period_end, _day(accepted_at)))
    return out


def expected(opp, rows=None, today=None, config=None, thresholds=None):
    """The notices this procurement needs or may publish, in the Act's order, from its records."""
    config = config or current_app.config
    thresholds = thresholds or all_settings()
    today = today or today_in_london()
    rows = rows if rows is not None else notices_of(opp)
    published = {(n.notice_type, n.subject): n for n in rows if n.status is NoticeStatus.published}
    route, light_touch = route_of(opp)
    value = opp.max_value_pence
    above = covered(value, light_touch, thresholds)
    small = not above and notifiable(value, thresholds)
    out = []
    opened = _day(opp.opened_at)

    def optional_below(what):
        return "Optional: below the threshold the Act does not ask for it" if not above else what

    before = ("UK4", "") not in published   # both come before the tender notice, or not at all
    late = "Not now: it comes before the tender notice, which is published"
    out.append(Expected("UK2", required=False, triggered=before, when="Before the tender notice",
                        why="Only if you held preliminary market engagement: then publish it before the tender "
                            "notice (or the tender notice says why not)" if before else late))
    out.append(Expected("UK3", required=False, triggered=before, when="40 days to a year before the tender notice",
                        why="Optional: published 40 days to a year before the tender notice, it lets the tendering "
                            "period be as short as 10 days" if before else late))
    if route == "direct_award":
        out.append(Expected("UK5", required=above, triggered=True, when="Before the contract is entered into",
                            due_on=_day(opp.opened_at) or today if above else None,
                            why="Required before a direct award above the threshold" if above else
                            "Not needed: a direct award below the threshold"))
    else:
        out.append(Expected("UK4", required=above or small, triggered=opened is not None, due_on=opened,
                            when="When the procurement opens",
                            why=("Required: it starts the procurement" if above else
                                 "Required: a below-threshold contract that is advertised" if small else
                                 "Optional: below the notifiable value")
                            if opened else "When the opportunity opens"))
    decision = db.session.scalars(db.select(AwardDecision).where(AwardDecision.opportunity_id == opp.id)).first()
    out.append(Expected("UK6", required=above, triggered=decision is not None,
                        due_on=decision.notice_date if decision is not None and above else None,
                        when="Before the contract is entered into; the standstill period of eight working days "
                             "starts when it is published",
                        why=("Required before the contract is signed" if above else
                             "Optional below the threshold: publishing it gives a voluntary standstill period")
                        if decision is not None else "When the award is decided"))
    agreements = db.session.scalars(db.select(Agreement).where(Agreement.opportunity_id == opp.id)
                                    .order_by(Agreement.id)).all()
    accepted = _accepted_returns([a.id for a in agreements])
    for agreement in agreements:
        subject = f"agreement:{agreement.id}"
        signed = _day(agreement.countersigned_at)
        days = config["NOTICE_CONTRACT_DETAILS_LIGHT_TOUCH_DAYS" if light_touch else "NOTICE_CONTRACT_DETAILS_DAYS"]
        out.append(Expected("UK7", subject, agreement.reference, required=above or small, triggered=signed is not None,
                            due_on=signed + timedelta(days=days) if signed and (above or small) else None,
                            when=f"Within {days} days of the contract being signed",
                            why="Required once the contract is signed" if signed else "When the contract is signed"))
        big = agreement.value_pence > config["KPI_NOTICE_VALUE_PENCE"]
        ends = [period_end for period_end, _accepted in accepted.get(agreement.id, ())]
        for year, year_end in contract_years_completed(agreement, ends):
            accepted_on = min((acc for period_end, acc in accepted[agreement.id] if period_end >= year_end and acc),
                              default=today)
            out.append(Expected("UK9", f"agreement:{agreement.id}:year:{year}", f"{agreement.reference}, year {year}",
                                required=big, triggered=True,
                                due_on=accepted_on + timedelta(days=config["NOTICE_PERFORMANCE_DAYS"]) if big else None,
                                when="At least once in every 12 months of the contract",
                                why="Required: the contract is worth more than £5 million" if big else
                                    "Optional: contracts worth £5 million or less need not publish it"))
        for variation in agreement.variations:
            if variation.status not in (VariationStatus.approved, VariationStatus.signed, VariationStatus.agreed):
                continue
            material = bool({"value_pence", "end_date"} & set(variation.changes))
            needed = above and material
            out.append(Expected("UK10", f"variation:{variation.id}", variation.reference, required=needed,
                                triggered=True, due_on=_day(variation.countersigned_at) if needed and
                                variation.countersigned_at else (today if needed else None),
                                when="Before the change is made (countersigned)",
                                why="Required: a change to the value or term of a contract above the threshold"
                                    if needed else optional_below("Optional: it changes neither the value nor the term")))
        if agreement.status in (AgreementStatus.ended, AgreementStatus.terminated):
            existing = published.get(("UK11", subject))
            ended_on = agreement.end_date if agreement.status is AgreementStatus.ended else None
            out.append(Expected("UK11", subject, agreement.reference, required=above, triggered=True,
                                due_on=(ended_on or today) + timedelta(days=config["NOTICE_TERMINATION_DAYS"])
                                if above and existing is None else None,
                                when=f"Within {config['NOTICE_TERMINATION_DAYS']} days of the contract ending",
                                why=optional_below("Required: the contract has ended")))
    if opp.status is OpportunityStatus.cancelled and route != "direct_award":
        out.append(Expected("UK12", required=above and opened is not None, triggered=True,
                            due_on=today if above and opened is not None else None,   # kept from the draft
                            when="As soon as reasonably practicable after deciding not to award",
                            why=optional_below("Required: the procurement was stopped after its tender notice")))
    order = {code: i for i, code in enumerate(ORDER)}
    out.sort(key=lambda e: order[e.code])
    return out, above


def notices_of(opp):
    return db.session.scalars(db.select(Notice).where(Notice.opportunity_id == opp.id).order_by(Notice.id)).all()


def timeline(opp, today=None):
    """The procurement's notices as a commissioner sees them: what is due, drafted, late, published."""
    if not is_procurement(opp):
        return Timeline(opp, False, "Grant rounds are not procurements: the Procurement Act’s notices do not apply.")
    today = today or today_in_london()
    rows = notices_of(opp)
    by_key = {(n.notice_type, n.subject): n for n in rows}
    wanted, above = expected(opp, rows, today)
    route, _light = route_of(opp)
    result = Timeline(opp, True, "", above, route)
    for exp in wanted:
        notice = by_key.get((exp.code, exp.subject))
        entry = Entry(exp, notice)
        if notice is not None and notice.status is NoticeStatus.published:
            entry.state, entry.label, entry.colour = "published", "Published", "green"
        elif notice is not None:
            due = notice.due_on or exp.due_on
            late = exp.required and due is not None and due < today
            entry.state = "overdue" if late else "draft"
            entry.label, entry.colour = ("Overdue", "red") if late else ("Ready to publish", "yellow")
        elif not exp.triggered:
            entry.state, entry.label, entry.colour = "waiting", "Not yet", "grey"
        elif exp.required and exp.due_on is not None and exp.due_on < today:
            entry.state, entry.label, entry.colour = "overdue", "Overdue", "red"
        elif exp.required:
            entry.state, entry.label, entry.colour = "due", "To draft", "blue"
        else:
            entry.state, entry.label, entry.colour = "optional", "Optional", "grey"
        result.entries.append(entry)
    for notice in rows:   # published notices whose event no longer shows (kept: they were published)
        if not any(e.notice is notice for e in result.entries) and notice.status is NoticeStatus.published:
            result.entries.append(Entry(Expected(notice.notice_type, notice.subject, triggered=True), notice,
                                        "published", "Published", "green"))
    return result


def overdue_query(today):
    """Draft notices past their due date (only required ones carry a due date)."""
    return db.select(Notice).where(Notice.status == NoticeStatus.draft, Notice.due_on < today)
