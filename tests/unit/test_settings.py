"""Settings objects and adapters: built once per app, settings rebuilt when app.config changes."""

import dataclasses

import pytest
from flask import Flask

from app.platform import adapters, settings
from app.platform.settings_groups import GROUPS, EvidenceSettings


def test_every_group_is_built_once_and_kept(app):
    assert settings.evidence() is settings.evidence()
    assert app.extensions[settings.EXTENSION_KEY][EvidenceSettings] is settings.evidence()
    for group in GROUPS:
        assert dataclasses.is_dataclass(settings.current(group))


def test_a_config_change_is_seen_on_the_next_read(app):
    before = settings.evidence()
    app.config["EVIDENCE_MAX_FILES_PER_CASE"] = 3
    assert settings.evidence().max_files_per_case == 3 and before.max_files_per_case != 3
    app.config.update(MEDIATION_DAYS=10)
    assert settings.mediation().days == 10
    with pytest.raises(dataclasses.FrozenInstanceError):
        settings.mediation().days = 1  # type: ignore[misc]


def test_lists_become_tuples(app):
    assert isinstance(settings.cases().categories, tuple)
    assert list(settings.cases().categories) == app.config["CASE_CATEGORIES"]


def test_a_bare_flask_app_gets_fresh_objects_and_the_defaults():
    bare = Flask(__name__)
    bare.config.update(SECRET_KEY="s" * 40)
    with bare.app_context():
        assert settings.audit().hmac_keys == "" and settings.audit().secret_key == "s" * 40
        bare.config["AUDIT_ACTIVE_KID"] = "k2"
        assert settings.audit().active_kid == "k2"
        with pytest.raises(KeyError, match="EVIDENCE_MAX_BYTES_PDF"):
            settings.evidence()


def test_adapters_are_built_once_and_rebuilt_only_when_dropped(app):
    first = adapters.wechat()
    app.config["WECHAT_APPID"] = "wx-other"
    assert adapters.wechat() is first  # clients keep their state; settings objects do not
    app.extensions.pop(adapters.WECHAT)
    assert adapters.wechat() is not first and adapters.wechat().appid == "wx-other"
    assert adapters.jwt_ring() is adapters.jwt_ring()
    assert adapters.pii_cipher() is adapters.pii_cipher()
    assert adapters.sms_gateway() is adapters.sms_gateway()
    assert adapters.identity_verifier() is adapters.identity_verifier()
