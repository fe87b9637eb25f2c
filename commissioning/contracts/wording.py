"""The words of an agreement: party names per kind, and cross-references by key, never typed.

Clause text names the parties and the schedules through tokens, so one clause library reads
right in a contract and in a grant agreement, and a reference always names the schedule that
really holds what it talks about, whatever the order:

- ``{provider}`` / ``{Provider}``: "the Provider" in a contract, "the Grant Recipient" in a grant;
- ``{council}`` / ``{Council}``: "the Council" / "the Funder";
- ``{services}`` / ``{Services}``: "the Services" / "the Funded Activity";
- ``{schedule:<key>}``: "Schedule N", N from the order of SCHEDULES;
- ``{clause:<key>}``: "clause N", N from the clause's place in the document.
"""
import re

from commissioning.contracts.models import AgreementKind

#: Defined terms, as written mid-sentence; a capitalised token starts a sentence.
TERMS = {
    AgreementKind.contract: {"provider": "the Provider", "council": "the Council", "services": "the Services",
                             "document": "contract", "provider_word": "provider"},
    AgreementKind.grant_agreement: {"provider": "the Grant Recipient", "council": "the Funder",
                                    "services": "the Funded Activity", "document": "grant agreement",
                                    "provider_word": "grant recipient"},
}

#: The schedules in the order they are printed: their numbers come from here and nowhere else.
SCHEDULES = (
    ("activity", {AgreementKind.contract: "the services", AgreementKind.grant_agreement: "the funded activity"}),
    ("kpis", "key performance indicators"),
    ("payments", "payments"),
    ("returns", "monitoring returns"),
)

#: How each party's role reads in each kind of agreement.
ROLES = {
    AgreementKind.contract: {"council": "The Council (lead commissioner)",
                             "joint": "Joint commissioner (pooled budget)", "provider": "The Provider"},
    AgreementKind.grant_agreement: {"council": "The Funder (lead funder)", "joint": "Joint funder (pooled budget)",
                                    "provider": "The Grant Recipient"},
}

TOKEN = re.compile(r"\{(?:(schedule|clause):([a-z0-9_]+)|([Pp]rovider|[Cc]ouncil|[Ss]ervices))\}")
#: Typed references a clause must not contain: they go stale when the order or the kind changes.
TYPED = re.compile(r"\b(Schedules?|[Cc]lauses?) +\d+|\b(?:the )?(Authority|Provider|Grant Recipient|Funder)\b")


def terms(kind):
    return TERMS[AgreementKind(kind)]


def schedules(kind):
    """[{"key", "number", "title"}] for ``kind``, numbered from their order."""
    kind = AgreementKind(kind)
    return [{"key": key, "number": n, "title": title[kind] if isinstance(title, dict) else title}
            for n, (key, title) in enumerate(SCHEDULES, start=1)]


def schedule_keys():
    return [key for key, _title in SCHEDULES]


def resolve(text, kind, clause_numbers=None):
    """``text`` with every token replaced; an unknown clause key reads as the clause's own words."""
    kind = AgreementKind(kind)
    numbers = {s["key"]: s["number"] for s in schedules(kind)}
    clause_numbers = clause_numbers or {}

    def replace(match):
        what, key, term = match.groups()
        if term:
            word = TERMS[kind][term.lower()]
            return word[0].upper() + word[1:] if term[0].isupper() else word
        if what == "schedule":
            return f"Schedule {numbers[key]}" if key in numbers else match.group(0)
        return f"clause {clause_numbers[key]}" if key in clause_numbers else "the clauses below"
    return TOKEN.sub(replace, text or "")


def check_clause_text(text, clause_keys):
    """The reason ``text`` cannot be a clause, or None: typed references and unknown keys are refused,
    each refusal naming the token to write instead."""
    typed = TYPED.search(TOKEN.sub("", text))   # the words tokens stand for are not typed references
    hint = ", ".join("{schedule:%s}" % key for key in schedule_keys())
    if typed and typed.group(1):
        if typed.group(1).lower().startswith("clause"):
            return (f"Write “{typed.group(0)}” as {{clause:<key>}} with the clause’s key (such as "
                    "{clause:payment}), so its number stays right if clauses move")
        return (f"Write “{typed.group(0)}” as a schedule’s key so its number stays right: {hint} "
                "(for example {schedule:payments} for the payments schedule)")
    if typed:
        token = "{provider}" if typed.group(2) in ("Provider", "Grant Recipient") else "{council}"
        return (f"Write “{typed.group(0)}” as {token} ({token[0]}{token[1].upper()}{token[2:]} to start a "
                "sentence): it reads as the right party in a contract and in a grant agreement")
    for what, key, _term in TOKEN.findall(text):
        if what == "schedule" and key not in schedule_keys():
            return f"There is no schedule called “{key}”: use one of {hint} (such as {{schedule:payments}})"
        if what == "clause" and key not in clause_keys:
            return f"There is no clause called “{key}”: use one of the keys in the clause list"
    for stray in re.findall(r"\{[^{}]*\}", TOKEN.sub("", text)):
        return (f"“{stray}” is not something a clause can refer to: use {{provider}}, {{council}}, "
                f"{{services}}, {hint} or {{clause:<key>}}")
    return None


def party_key(party):
    """"council", "joint" or "provider" for a stored party; older rows said it only in their role."""
    if party.get("party"):
        return party["party"]
    role = party.get("role", "")
    if role.startswith("Joint"):
        return "joint"
    if any(word in role for word in ("Authority", "Council", "Funder")):
        return "council"
    if role in ("The Provider", "The Grant Recipient"):
        return "provider"
    return None


def parties_for(parties, kind):
    """Each party with the role ``kind`` gives it; a party of no known role keeps its own words."""
    roles = ROLES[AgreementKind(kind)]
    out = []
    for party in parties:
        key = party_key(party)
        out.append({"name": party["name"], "role": roles[key] if key else party.get("role", ""), "party": key})
    return out


def token_table():
    """(token, in a contract, in a grant agreement) for the clause editor's guide."""
    rows = [("{%s}" % term, TERMS[AgreementKind.contract][term], TERMS[AgreementKind.grant_agreement][term])
            for term in ("provider", "council", "services")]
    contract, grant = schedules(AgreementKind.contract), schedules(AgreementKind.grant_agreement)
    rows += [("{schedule:%s}" % c["key"], f"Schedule {c['number']} ({c['title']})",
              f"Schedule {g['number']} ({g['title']})") for c, g in zip(contract, grant)]
    return rows
