"""Delegation states and notice texts are declared where their readers look for them.

The states a delegation can take are one tuple (app/mediation/models.py), mirrored by the API's filter; the SMS
texts of the delegation notices are templates of app/integrations/sms.py like every other, not added to it at
import time by the mediation package.
"""

from __future__ import annotations

import pathlib
import re
import subprocess
import sys

from app.integrations import sms
from app.mediation import delegation_notices
from app.mediation.models import DELEGATION_STATES
from app.notifications import kinds
from miniprogram_api.schemas.delegations import STATES as API_STATES

ROOT = pathlib.Path(__file__).resolve().parents[2]
KINDS = ("delegation_expired", "delegation_overdue", "delegation_recalled")


def test_every_state_the_code_writes_is_declared_and_filterable():
    written = set()
    for path in (ROOT / "app" / "mediation").glob("delegation*.py"):
        source = path.read_text(encoding="utf-8")
        written |= set(re.findall(r"""claim\(row, "(\w+)\"""", source))
        written |= set(re.findall(r"""to_state="(\w+)\"""", source))
    assert written >= {"accepted", "declined", "expired", "returned", "recalled"}
    assert written <= set(DELEGATION_STATES)
    assert set(API_STATES) == set(DELEGATION_STATES)


def test_each_delegation_notice_has_its_sms_template_and_wechat_status():
    assert set(delegation_notices.STATUSES) == set(KINDS)
    for name in KINDS:
        kind = kinds.get(name)
        assert kind.sms_template == name
        text = sms.render(name, kind.sms_params({"case_title": "借款纠纷"}))
        assert text.startswith("【微法院】") and "《借款纠纷》" in text
        assert kind.wechat_data({"case_title": "借款纠纷"})["thing2"] == delegation_notices.STATUSES[name]


def test_the_templates_are_in_the_sms_module_without_the_mediation_package():
    probe = (
        "import sys; from app.integrations import sms; "
        f"assert not any(m.startswith('app.mediation') for m in sys.modules); "
        f"missing = [n for n in {KINDS!r} if n not in sms.TEMPLATES]; "
        "assert not missing, missing"
    )
    done = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "TEMPLATES" not in (ROOT / "app" / "mediation" / "delegation_notices.py").read_text(encoding="utf-8")
