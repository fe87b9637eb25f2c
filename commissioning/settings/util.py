from commissioning.evaluation.standstill import DEFAULT_BANK_HOLIDAYS
from commissioning.extensions import db
from commissioning.settings.models import Setting

#: Defaults: the Procurement Act 2023 thresholds in force (inclusive of VAT), in pence.
DEFAULTS = {
    "threshold_light_touch_pence": 66_354_000,
    "threshold_goods_services_pence": 20_772_000,
    "threshold_notifiable_pence": 3_000_000,
    "key_decision_pence": 50_000_000,
    "approval_stages": ["Joint commissioning group", "Commissioning executive"],
    "key_decision_stage": "Executive board (key decision)",
    "bank_holidays": DEFAULT_BANK_HOLIDAYS,
}


def get_setting(key):
    row = db.session.get(Setting, key)
    return row.value if row is not None else DEFAULTS[key]


def all_settings():
    stored = {s.key: s.value for s in db.session.scalars(db.select(Setting))}
    return {key: stored.get(key, default) for key, default in DEFAULTS.items()}
