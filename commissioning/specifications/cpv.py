"""The Common Procurement Vocabulary (CPV 2008) codes a youth-services specification is likely to need.

A specification carries one, chosen from this list, and the OCDS feed classifies the process by
it. Specifications saved before it was chosen count as ``DEFAULT``.
"""
CODES = [
    ("85312000", "Social work services without accommodation"),
    ("85311300", "Welfare services for children and young people"),
    ("85312100", "Daycare services"),
    ("85312300", "Guidance and counselling services"),
    ("85312310", "Guidance services"),
    ("85312320", "Counselling services"),
    ("85312400", "Welfare services not delivered through residential institutions"),
    ("85310000", "Social work services"),
    ("85311000", "Social work services with accommodation"),
    ("85320000", "Social services"),
    ("85322000", "Community action programme"),
    ("98133110", "Services provided by youth associations"),
    ("80000000", "Education and training services"),
    ("80500000", "Training services"),
    ("92000000", "Recreational, cultural and sporting services"),
    ("92600000", "Sporting services"),
]
DEFAULT = "85312000"
DESCRIPTIONS = dict(CODES)


def classification(code):
    """The OCDS classification for a code from the list (the default for one saved before the list)."""
    code = code if code in DESCRIPTIONS else DEFAULT
    return {"scheme": "CPV", "id": code, "description": DESCRIPTIONS[code]}
