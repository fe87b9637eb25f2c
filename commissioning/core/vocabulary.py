"""The domain's shared vocabulary (DOMAIN.md): tiers, ECM outcomes, vulnerable groups."""
from commissioning.core.enums import TitledEnum


class Tier(TitledEnum):
    universal = "universal", "Universal"
    early_intervention = "early_intervention", "Early intervention"
    targeted = "targeted", "Targeted"
    specialist = "specialist", "Specialist"


class EcmOutcome(TitledEnum):
    be_healthy = "be_healthy", "Be healthy"
    stay_safe = "stay_safe", "Stay safe"
    enjoy_and_achieve = "enjoy_and_achieve", "Enjoy and achieve"
    positive_contribution = "positive_contribution", "Make a positive contribution"
    economic_wellbeing = "economic_wellbeing", "Achieve economic well-being"


class VulnerableGroup(TitledEnum):
    looked_after = "looked_after", "Looked-after children and care leavers"
    young_carers = "young_carers", "Young carers"
    neet = "neet", "Not in education, employment or training (NEET)"
    lldd = "lldd", "Learning difficulties or disabilities (LLDD)"
    young_offenders = "young_offenders", "Young offenders"
    teenage_parents = "teenage_parents", "Teenage parents"
    bme = "bme", "Black and minority ethnic groups"
    refugees = "refugees", "Refugees and asylum seekers"
    homeless = "homeless", "Homeless young people"
    excluded = "excluded", "Excluded pupils"


def financial_year_label(start_year):
    """2008 -> '2008/09', the way councils name financial years."""
    return f"{start_year}/{(start_year + 1) % 100:02d}"
