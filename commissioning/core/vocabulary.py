"""The domain's shared vocabulary (DOMAIN.md): tiers, outcomes for young people, vulnerable groups."""
from commissioning.core.enums import TitledEnum


class Tier(TitledEnum):
    universal = "universal", "Universal"
    early_intervention = "early_intervention", "Early intervention"
    targeted = "targeted", "Targeted"
    specialist = "specialist", "Specialist"


class EcmOutcome(TitledEnum):
    """Outcomes for young people, in today's words.

    The name and the stored values come from the Every Child Matters outcomes the service was first
    designed from; they are kept so that recorded needs and specification traces need no migration.
    The titles people see follow the 2023 statutory guidance on the youth services duty (section 507B
    of the Education Act 1996) and Youth Matters, the national youth strategy of 2025: health, safety,
    enriching activities and skills, a say and a sense of belonging, and learning or work.
    """

    be_healthy = "be_healthy", "Good mental and physical health"
    stay_safe = "stay_safe", "Feel safe, online and offline"
    enjoy_and_achieve = "enjoy_and_achieve", "Enriching activities and skills for life"
    positive_contribution = "positive_contribution", "Seen and heard, and part of their community"
    economic_wellbeing = "economic_wellbeing", "In education, training or work"


class VulnerableGroup(TitledEnum):
    looked_after = "looked_after", "Children in care and care leavers"
    young_carers = "young_carers", "Young carers"
    neet = "neet", "Not in education, employment or training (NEET)"
    lldd = "lldd", "Special educational needs and disabilities (SEND)"
    young_offenders = "young_offenders", "In contact with the youth justice system"
    teenage_parents = "teenage_parents", "Young parents"
    bme = "bme", "Ethnic minority groups"
    refugees = "refugees", "Refugees and young people seeking asylum"
    homeless = "homeless", "Homeless young people"
    excluded = "excluded", "Excluded from school or at risk of exclusion"


def financial_year_label(start_year):
    """2026 -> '2026/27', the way councils name financial years."""
    return f"{start_year}/{(start_year + 1) % 100:02d}"
