"""Demo data: Liverpool's five districts as a council in England finds them in 2026/27.

The districts come from the Liverpool and Leicestershire papers; the partners, funding streams, duties
and figures are today's (financial years 2025/26 and 2026/27), and every figure is a demo figure.
Idempotent by natural keys.
"""
from commissioning.accounts.models import Organisation, OrganisationType, Role, User
from commissioning.accounts.operations import create_organisation, create_user
from commissioning.extensions import db
from commissioning.localities.models import Locality

DEMO_PASSWORD = "demo-password"

LOCALITIES = ["Alt Valley", "City and North", "East", "South", "South Central"]

ICB = "NHS Cheshire and Merseyside Integrated Care Board"   # integrated care boards plan NHS services (since July 2022)

ORGANISATIONS = [
    ("Liverpool City Council", OrganisationType.local_authority, {"local_authority_code": "LIV"}),
    ("Merseyside Police", OrganisationType.police, {}),
    (ICB, OrganisationType.nhs_body, {}),
    ("Alt Valley Youth Partnership", OrganisationType.charity,
     {"charity_number": "1098765", "address": "Croxteth Community Centre, Altcross Road, Liverpool L11 0BS"}),
    ("Southside Young People's Arts CIC", OrganisationType.cic,
     {"company_number": "08765432", "address": "Lodge Lane, Liverpool L8 0QE"}),
    ("Liverpool City Region Combined Authority", OrganisationType.local_authority, {}),
]

USERS = [
    ("admin@demo.test", "Asha Patel", [Role.admin], "Liverpool City Council", False),
    ("commissioner@demo.test", "Chris Doyle", [Role.commissioner], "Liverpool City Council", False),
    ("evaluator@demo.test", "Eve Morgan", [Role.evaluator], ICB, False),
    ("provider@demo.test", "Priya Shah", [Role.provider], "Alt Valley Youth Partnership", True),
    ("provider2@demo.test", "Sam Okafor", [Role.provider], "Southside Young People's Arts CIC", True),
    ("evaluator2@demo.test", "Ed Kaur", [Role.evaluator], "Merseyside Police", False),
    ("evaluator3@demo.test", "Erin Walsh", [Role.evaluator], "Liverpool City Council", False),
    ("facilitator@demo.test", "Fran Hughes", [Role.panel_facilitator], "Liverpool City Council", False),
    ("member@demo.test", "Jordan (panel member)", [Role.panel_member], None, False),
    ("monitor@demo.test", "Mo Reilly", [Role.contract_monitor], "Liverpool City Council", False),
    # Duties apart: the specifications Chris writes are approved by two other people, one a stage.
    ("approver@demo.test", "Dana Flynn", [Role.commissioner], "Liverpool City Council", False),
    ("approver2@demo.test", "Rob Mensah", [Role.commissioner], "Liverpool City Council", False),
    ("evaluator4@demo.test", "Femi Adeyemi", [Role.evaluator], ICB, False),
]


def _slug(name):
    return "-".join(name.lower().split())


def load_demo_data():
    """Create whatever demo records are missing; return how many were created."""
    created = 0
    existing = set(db.session.scalars(db.select(Locality.name)))
    for name in LOCALITIES:
        if name not in existing:
            db.session.add(Locality(name=name, slug=_slug(name)))
            created += 1
    orgs = {o.name: o for o in db.session.scalars(db.select(Organisation))}
    for name, org_type, fields in ORGANISATIONS:
        if name not in orgs:
            orgs[name] = create_organisation(name, org_type, **fields)
            created += 1
    emails = set(db.session.scalars(db.select(User.email)))
    for email, name, roles, org_name, org_admin in USERS:
        if email not in emails:
            create_user(email, name, DEMO_PASSWORD, roles=roles,
                        organisation=orgs.get(org_name), is_org_admin=org_admin)
            created += 1
    db.session.flush()
    from commissioning.demo_cycle import (
        load_contracts_demo, load_cycle_demo, load_evaluation_demo, load_opportunity_demo, load_panels_demo,
        load_specification_demo)
    created = load_evaluation_demo(load_opportunity_demo(load_specification_demo(load_cycle_demo(created))))
    created = load_contracts_demo(load_panels_demo(created))
    from commissioning.opendata.operations import publish_releases
    publish_releases()   # the OCDS feed from the start, without waiting for beat's first minute
    from commissioning.demo_cycle import load_notices_demo
    created = load_notices_demo(created)
    return created
