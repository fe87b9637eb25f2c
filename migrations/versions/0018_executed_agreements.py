"""executed agreements (helper: documents): executed copies, clause tokens and party roles per kind

Revision ID: 0018_executed_agreements
Revises: 0017_mail_preferences
Create Date: 2026-12-02 09:40:00

Each agreement document gains its executed copy (the signed version with both signatures, made
by a worker after countersigning). Clause text moves from typed references ("Schedule 2", "the
Authority", "the Provider") to tokens resolved per document, so a reference names the schedule
that holds what it says and each kind of agreement uses its own party names; the old schedule
numbers had one fixed meaning (1 the activity, 2 the KPIs, 3 payments, 4 returns), so edited
clauses convert mechanically. Stored parties get their kind's role and a stable "party" key.
"""
import json
import re

from alembic import op
import sqlalchemy as sa

import commissioning.core.models


revision = '0018_executed_agreements'
down_revision = '0017_mail_preferences'
branch_labels = None
depends_on = None

#: key: (the default text as first installed, the default text with tokens)
DEFAULTS = {'acknowledgement': ('The Provider will say in its publicity that the activity is funded by the Authority.',
                     '{Provider} will say in its publicity that {services} is funded by {council}.'),
 'data_protection': ('Each party will comply with the UK GDPR and the Data Protection Act 2018. The Provider will '
                     "process young people's personal data only to deliver the Services, keep it secure, and tell "
                     'the Authority of any personal data breach within 48 hours.',
                     'Each party will comply with the UK GDPR and the Data Protection Act 2018. {Provider} will '
                     "process young people's personal data only to deliver {services}, keep it secure, and tell "
                     '{council} of any personal data breach within 48 hours.'),
 'definitions': ('In this agreement the Authority is the commissioning council named above; the Provider is the '
                 'organisation named above; the Services are those described in Schedule 1; and a Working Day is '
                 'any day other than a weekend or a bank holiday in England.',
                 'In this agreement {council} is the commissioning council named above; {provider} is the '
                 'organisation named above; {services} means what is described in {schedule:activity}; and a '
                 'Working Day is any day other than a weekend or a bank holiday in England.'),
 'disputes': ('The parties will try to settle any dispute by meeting in good faith before using mediation. This '
              'agreement is governed by the law of England and Wales.',
              'The parties will try to settle any dispute by meeting in good faith before using mediation. This '
              'agreement is governed by the law of England and Wales.'),
 'equality': ('The Provider will not discriminate unlawfully and will help the Authority meet its public sector '
              'equality duty.',
              '{Provider} will not discriminate unlawfully and will help {council} meet its public sector '
              'equality duty.'),
 'monitoring': ('The Provider will send a monitoring return by each date in Schedule 4, reporting against the key '
                'performance indicators in Schedule 2. The Authority will rate performance and may ask for an '
                'improvement plan.',
                '{Provider} will send a monitoring return by each date in {schedule:returns}, reporting against '
                'the key performance indicators in {schedule:kpis}. {Council} will rate performance and may ask '
                'for an improvement plan.'),
 'payment': ('The Authority will pay the amounts in Schedule 3 on the dates shown. A payment marked as '
             'conditional is made only once the monitoring return before it has been accepted.',
             '{Council} will pay the amounts in {schedule:payments} on the dates shown. A payment marked as '
             'conditional is made only once the monitoring return before it has been accepted.'),
 'safeguarding': ('The Provider will keep and follow a safeguarding policy for children and young people, make '
                  'sure everyone working with young people has the right level of DBS check, and report any '
                  'safeguarding concern to the local safeguarding partnership without delay.',
                  '{Provider} will keep and follow a safeguarding policy for children and young people, make sure '
                  'everyone working with young people has the right level of DBS check, and report any '
                  'safeguarding concern to the local safeguarding partnership without delay.'),
 'services': ('The Provider will deliver the Services with reasonable skill and care, to the specification '
              'version named in Schedule 1, and will involve young people in how the Services are run.',
              '{Provider} will deliver {services} with reasonable skill and care, to the specification version '
              'named in {schedule:activity}, and will involve young people in how {services} are run.'),
 'term': ('This agreement runs from the start date to the end date in Schedule 2, unless it is extended as '
          'Schedule 2 allows or ended earlier under the clauses on review, break and termination.',
          'This agreement runs from the start date to the end date shown under Key terms, unless it is extended '
          'as the extension options there allow or ended earlier under the clauses on review, break and '
          'termination.'),
 'termination': ('Either party may end this agreement if the other seriously breaches it and does not put the '
                 'breach right within 30 days of being asked in writing.',
                 'Either party may end this agreement if the other seriously breaches it and does not put the '
                 'breach right within 30 days of being asked in writing.'),
 'use_of_grant': ('The Provider will spend the grant only on the activity described in Schedule 1, will keep '
                  'records of how it was spent, and will repay any part not spent on that activity.',
                  '{Provider} will spend the grant only on {services} described in {schedule:activity}, will keep '
                  'records of how it was spent, and will repay any part not spent on {services}.'),
 'variation': ('A change to the value, term, key performance indicators or payment schedule is valid only as a '
               'written variation approved by the Authority and signed by both parties.',
               'A change to the value, term, key performance indicators or payment schedule is valid only as a '
               'written variation approved by {council} and signed by both parties.')}

SCHEDULE_KEYS = {"1": "activity", "2": "kpis", "3": "payments", "4": "returns"}
WORDS = [("The Authority", "{Council}"), ("the Authority", "{council}"), ("The Provider", "{Provider}"),
         ("the Provider", "{provider}"), ("the Services", "{services}")]
ROLES = {"contract": {"council": "The Council (lead commissioner)", "joint": "Joint commissioner (pooled budget)",
                      "provider": "The Provider"},
         "grant_agreement": {"council": "The Funder (lead funder)", "joint": "Joint funder (pooled budget)",
                             "provider": "The Grant Recipient"}}
OLD_ROLES = {"council": "The Authority (lead commissioner)", "joint": "Joint commissioner (pooled budget)"}


def _tokens(key, body):
    if key in DEFAULTS and body == DEFAULTS[key][0]:
        return DEFAULTS[key][1]
    body = re.sub(r"\bSchedule ([1-4])\b", lambda m: "{schedule:%s}" % SCHEDULE_KEYS[m.group(1)], body)
    for typed, token in WORDS:
        body = re.sub(r"\b%s\b" % typed, token, body)
    return body


def _typed(key, body):
    if key in DEFAULTS and body == DEFAULTS[key][1]:
        return DEFAULTS[key][0]
    body = re.sub(r"\{schedule:(\w+)\}", lambda m: "Schedule %s" % {v: k for k, v in SCHEDULE_KEYS.items()}.get(
        m.group(1), "1"), body)
    for typed, token in WORDS:
        body = body.replace(token, typed)
    return body.replace("{Services}", "The Services")


def _party(party):
    if party.get("party"):
        return party["party"]
    role = party.get("role", "")
    if role.startswith("Joint"):
        return "joint"
    if "Authority" in role:
        return "council"
    if role in ("The Provider", "The Grant Recipient"):
        return "provider"
    return None


def _rewrite(convert_clause, convert_parties):
    connection = op.get_bind()
    clauses = sa.table("clauses", sa.column("id"), sa.column("key"), sa.column("body"), sa.column("version"))
    for row in connection.execute(sa.select(clauses.c.id, clauses.c.key, clauses.c.body, clauses.c.version)).all():
        body = convert_clause(row.key, row.body)
        if body != row.body:
            connection.execute(clauses.update().where(clauses.c.id == row.id).values(body=body, version=row.version + 1))
    agreements = sa.table("agreements", sa.column("id"), sa.column("kind"), sa.column("parties", sa.JSON))
    for row in connection.execute(sa.select(agreements.c.id, agreements.c.kind, agreements.c.parties)).all():
        parties = row.parties if not isinstance(row.parties, str) else json.loads(row.parties)
        changed = convert_parties(row.kind, parties)
        if changed != parties:
            connection.execute(agreements.update().where(agreements.c.id == row.id).values(parties=changed))


def _new_parties(kind, parties):
    out = []
    for party in parties:
        key = _party(party)
        out.append({**party, "party": key, "role": ROLES.get(kind, ROLES["contract"])[key]} if key else dict(party))
    return out


def _old_parties(kind, parties):
    out = []
    for party in parties:
        key = party.get("party")
        party = {k: v for k, v in party.items() if k != "party"}
        if key in OLD_ROLES:
            party["role"] = OLD_ROLES[key]
        out.append(party)
    return out


def upgrade():
    with op.batch_alter_table('agreement_documents', schema=None) as batch_op:
        batch_op.add_column(sa.Column('executed_snapshot', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('executed_requested_at', commissioning.core.models.UTCDateTime(timezone=True),
                                      nullable=True))
        batch_op.add_column(sa.Column('executed_file_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('executed_sha256', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('executed_at', commissioning.core.models.UTCDateTime(timezone=True),
                                      nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_agreement_documents_executed_file_id_stored_files'),
                                    'stored_files', ['executed_file_id'], ['id'], ondelete='RESTRICT')
    _rewrite(_tokens, _new_parties)


def downgrade():
    _rewrite(_typed, _old_parties)
    with op.batch_alter_table('agreement_documents', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_agreement_documents_executed_file_id_stored_files'),
                                 type_='foreignkey')
        batch_op.drop_column('executed_at')
        batch_op.drop_column('executed_sha256')
        batch_op.drop_column('executed_file_id')
        batch_op.drop_column('executed_requested_at')
        batch_op.drop_column('executed_snapshot')
