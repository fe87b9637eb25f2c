"""Reads and rules for specifications: route suggestion, criteria checks, approval chain, diffs."""
from sqlalchemy.orm import selectinload

from commissioning.accounts.models import Role, User, UserRole
from commissioning.core.money import format_pounds
from commissioning.core.pagination import contains, paginate
from commissioning.extensions import db
from commissioning.settings.util import get_setting
from commissioning.specifications.models import CriterionKind, Route, Specification, SpecificationVersion, SpecStatus

FIELD_TITLES = {
    "title": "Title", "purpose": "Purpose", "outcomes": "Outcomes", "outputs": "Outputs", "kpis": "KPIs",
    "requirements": "Service requirements", "target_groups": "Target groups", "locality_ids": "Localities",
    "age_min": "Youngest age", "age_max": "Oldest age", "contract_months": "Contract length (months)",
    "extension_options": "Extension options", "max_value_pence": "Maximum value", "pot_id": "Funding source",
    "payment_schedule": "Payment schedule", "monitoring_frequency": "Monitoring frequency",
    "light_touch": "Light-touch service", "cpv": "CPV code", "route": "Route", "route_reason": "Reason for the route",
    "criteria": "Award criteria",
}


def suggest_route(max_value_pence, light_touch=True):
    """(route, why) from the value and the thresholds an admin has set."""
    notifiable = get_setting("threshold_notifiable_pence")
    light = get_setting("threshold_light_touch_pence")
    goods = get_setting("threshold_goods_services_pence")
    if max_value_pence < notifiable:
        return Route.direct_award, f"below the {format_pounds(notifiable)} notifiable threshold"
    if light_touch and max_value_pence >= light:
        return Route.light_touch, f"a light-touch service at or above the {format_pounds(light)} threshold"
    if not light_touch and max_value_pence >= goods:
        return Route.open_procurement, f"at or above the {format_pounds(goods)} goods and services threshold"
    return Route.grant_round, "below the procurement threshold that applies, so a grant round can fund it"


def criteria_problems(criteria):
    """Messages for criteria whose weights do not add up, in words a commissioner can act on.

    Top-level criteria must total 100%; a criterion's sub-criteria must add up to its own weight.
    """
    problems = []
    names = [c["name"] for c in criteria]
    if not criteria:
        return ["Add at least one award criterion"]
    if len(set(names)) != len(names):
        problems.append("Give each criterion a different name")
    top = [c for c in criteria if not c.get("parent")]
    total = sum(c["weight"] for c in top)
    if total != 100:
        problems.append(f"The main criteria’s weightings must add up to 100%: they add up to {total}%")
    for c in criteria:
        parent = c.get("parent")
        if parent and parent == c["name"]:
            problems.append(f"“{c['name']}” cannot be part of itself")
        elif parent and parent not in names:
            problems.append(f"“{c['name']}” is part of “{parent}”, which is not a criterion")
    for parent in top:
        children = [c for c in criteria if c.get("parent") == parent["name"]]
        if children and sum(c["weight"] for c in children) != parent["weight"]:
            problems.append(f"The sub-criteria of “{parent['name']}” must add up to its {parent['weight']}%: "
                            f"they add up to {sum(c['weight'] for c in children)}%")
        if children and any(c.get("parent") == child["name"] for child in children for c in criteria):
            problems.append("Sub-criteria cannot have sub-criteria of their own")
    prices = [c for c in criteria if c["kind"] == CriterionKind.price.value]
    if len(prices) > 1:
        problems.append("Have at most one price criterion")
    return problems


def social_value_weight(criteria):
    return sum(c["weight"] for c in criteria if c["kind"] == CriterionKind.social_value.value and not c.get("parent"))


def approval_chain(max_value_pence):
    """The stages a specification of this value goes through, in order."""
    stages = list(get_setting("approval_stages"))
    if max_value_pence >= get_setting("key_decision_pence"):
        stages.append(get_setting("key_decision_stage"))
    return stages


def stage_deciders(spec):
    """The ids of the people who approved the earlier stages of this round of review.

    Each approval moves the review one stage on and a send-back ends the round, so the
    round's approvals are exactly the last ``review_stage`` decisions.
    """
    if spec.review_stage <= 0:
        return set()
    return {d.decided_by_id for d in spec.decisions[-spec.review_stage:] if d.decided_by_id is not None}


def authors(spec):
    """Everyone who wrote the specification: its author and whoever saved any version of it."""
    ids = {v.created_by_id for v in spec.versions} | {spec.created_by_id}
    return ids - {None}


def decision_refusal(spec, user):
    """Why ``user`` may not decide the current approval stage, in words for the page; None if they may.

    Duties apart: nobody approves what they wrote, and one person decides at most one stage of a
    round, so each stage is a second pair of eyes. A decision recorded without a person (set-up
    scripts) has nobody to compare and is not refused here.
    """
    if user is None:
        return None
    if user.id in authors(spec):
        return ("You wrote or edited this specification, so you cannot decide any of its approval stages. "
                "Another commissioner who has not worked on it must decide.")
    if user.id in stage_deciders(spec):
        return ("You decided an earlier approval stage of this version, so you cannot decide this one too. "
                "Another commissioner must decide it.")
    return None


def can_decide(spec, user):
    return decision_refusal(spec, user) is None


def eligible_deciders(spec):
    """Names of the people who may decide the current stage, for the page that refuses someone."""
    barred = authors(spec) | stage_deciders(spec)
    people = db.session.scalars(db.select(User).join(UserRole, UserRole.user_id == User.id)
                                .where(UserRole.role == Role.commissioner, User.active.is_(True))
                                .order_by(User.name)).unique().all()
    return [p.name for p in people if p.id not in barred]


def diff_versions(old, new):
    """[(field title, old value, new value)] for the fields that differ between two contents."""
    keys = [k for k in FIELD_TITLES if old.get(k) != new.get(k)]
    return [(FIELD_TITLES[k], old.get(k), new.get(k)) for k in keys]


def search_specifications(filters, order):
    """A page of specifications matching ``filters`` (``q``, ``status``), needs and version numbers loaded alongside."""
    query = db.select(Specification).options(
        selectinload(Specification.needs),
        selectinload(Specification.versions).load_only(SpecificationVersion.id, SpecificationVersion.number,
                                                       SpecificationVersion.specification_id))
    if filters.get("q"):
        query = query.where(contains(filters["q"], Specification.title, Specification.reference))
    if filters.get("status"):
        query = query.where(Specification.status == SpecStatus(filters["status"]))
    return paginate(query.order_by(*order))


def load_specification(spec_id):
    return db.session.scalars(db.select(Specification).where(Specification.id == spec_id).options(
        selectinload(Specification.needs), selectinload(Specification.versions),
        selectinload(Specification.decisions))).first()


def specifications_for_need(need):
    """Rows for the need page: the specifications written from it."""
    from flask import url_for
    return [{"label": f"{s.reference} {s.title}", "url": url_for("specifications.show", spec_id=s.id),
             "status": s.status.title} for s in need.specifications]


def specification_context(spec, version, authority=None, status=None):
    """Plain data for the page and the PDF of one version: names instead of ids.

    ``status`` replaces the specification's own status, for the copy published with an opportunity.
    """
    from commissioning.funding.models import Pot
    from commissioning.localities.models import Locality
    content = version.content
    localities = db.session.scalars(db.select(Locality.name).where(Locality.id.in_(content["locality_ids"]))).all()
    pot = db.session.get(Pot, content["pot_id"]) if content.get("pot_id") else None
    return {"reference": spec.reference, "title": content["title"], "version": version.number,
            "status": status or spec.status.title, "needs": [n.title for n in spec.needs], "content": content,
            "localities": sorted(localities), "pot": f"{pot.name} ({pot.year_label})" if pot else "",
            "max_value": format_pounds(content["max_value_pence"]), "route": Route(content["route"]).title,
            "suggested_route": Route(content["suggested_route"]).title,
            "social_value_weight": social_value_weight(content["criteria"]),
            "authority": authority}
