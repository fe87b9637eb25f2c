"""What the Procurement Act 2023 asks of each notice: its name, section, OCDS shape and time limit.

One place for the law as this service reads it. The periods are settings (``config.SETTINGS``,
``NOTICE_*`` and ``TENDER_PERIOD_*``) with the Act's figures as defaults; the thresholds are the
admin's settings page (the figures in force from 1 January 2026, inclusive of VAT). Above the
threshold that applies, a procurement is "covered" and Parts 3 to 5 of the Act apply; between the
notifiable figure (£30,000 for a council) and the threshold, Part 6's below-threshold notices do.
"""
from dataclasses import dataclass


@dataclass(frozen=True)
class Kind:
    code: str
    title: str
    section: str         # where the Act asks for it
    tag: str             # the OCDS release tag
    document_type: str   # the OCDS documentType of the notice itself
    where: str           # the part of the release the notice document goes in
    plain: str           # what it tells people, in a sentence


KINDS = {k.code: k for k in (
    Kind("UK2", "Preliminary market engagement notice", "section 17", "planning", "marketEngagementNotice",
         "planning", "that the council talked to the market before the tender, and how"),
    Kind("UK3", "Planned procurement notice", "section 18", "planning", "plannedProcurementNotice", "planning",
         "that a tender is coming, and roughly when"),
    Kind("UK4", "Tender notice", "sections 21 and 87", "tender", "tenderNotice", "tender",
         "the invitation to bid: what is bought, for how much, how bids are judged and by when"),
    Kind("UK5", "Transparency notice", "section 44", "award", "awardNotice", "award",
         "that the council means to award a contract directly, without competition, and why"),
    Kind("UK6", "Contract award notice", "sections 50 and 51", "award", "awardNotice", "award",
         "who the council means to award the contract to; the standstill period starts"),
    Kind("UK7", "Contract details notice", "sections 53 and 88", "contract", "contractNotice", "contract",
         "the contract as signed: with whom, for how much and for how long"),
    Kind("UK9", "Contract performance notice", "section 71", "implementation", "implementationNotice",
         "implementation", "how the provider performed against the contract's KPIs over a year"),
    Kind("UK10", "Contract change notice", "section 75", "contractAmendment", "contractNotice", "contract",
         "a change to the contract before it is made"),
    Kind("UK11", "Contract termination notice", "section 80", "contractTermination", "contractTerminationNotice",
         "contract", "that the contract has ended, and why"),
    Kind("UK12", "Procurement termination notice", "section 55", "tenderCancellation", "tenderCancellationNotice",
         "tender", "that the council decided not to award a contract after all"),
)}
ORDER = tuple(KINDS)

#: The extension's measureClassification ids for a KPI, from the monitor's rating of it.
RAG_MEASURE = {"green": ("met", "Met the required standard"),
               "amber": ("slightlyBelow", "Slightly below the required standard"),
               "red": ("below", "Below the required standard")}


def covered(value_pence, light_touch, thresholds):
    """Whether a procurement of this value is above the threshold that applies to it."""
    limit = thresholds["threshold_light_touch_pence"] if light_touch else thresholds["threshold_goods_services_pence"]
    return value_pence >= limit


def notifiable(value_pence, thresholds):
    """Below threshold, whether Part 6's notices apply (at or above the notifiable figure)."""
    return value_pence >= thresholds["threshold_notifiable_pence"]


def minimum_tender_days(config, after_planned_notice):
    """The fewest days a covered open procedure may give for tenders (section 54, electronic submission)."""
    return config["TENDER_PERIOD_AFTER_UK3_DAYS"] if after_planned_notice else config["TENDER_PERIOD_MIN_DAYS"]


def qualifying_planned_notice(published_on, opening_on, config):
    """A UK3 shortens the tendering period when published 40 days to a year before the tender notice."""
    gap = (opening_on - published_on).days
    return config["UK3_QUALIFYING_MIN_DAYS"] <= gap <= config["UK3_QUALIFYING_MAX_DAYS"]
