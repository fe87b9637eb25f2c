from commissioning.audit.operations import log_action
from commissioning.extensions import db
from commissioning.settings.models import Setting
from commissioning.settings.util import get_setting


def set_setting(key, value):
    old = get_setting(key)
    row = db.session.get(Setting, key) or Setting(key=key)
    row.value = value
    db.session.add(row)
    db.session.flush()
    if old != value:
        log_action(("Setting", None), "setting.changed", f"Setting {key} changed", key=key, old=old, new=value)
    return row
