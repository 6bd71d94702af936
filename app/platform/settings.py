"""Typed, per-domain settings objects read from the app's config, built once and rebuilt only when it changes.

config.py reads the environment into flat UPPER_CASE names (app.config). Services do not read those
names: they ask this module for their domain's frozen settings object, e.g.

    limits = settings.evidence()
    if size > limits.max_bytes_per_user: ...

Each object is built from the current app's config the first time it is asked for (create_app builds
them all, so a value that cannot be read stops the process at start) and cached in app.extensions.
The app's config is a `VersionedConfig`: every change to it (tests change it after create_app) bumps a
counter, and a cached object older than the counter is rebuilt, so a change is seen on the next read.
An app whose config is a plain flask.Config (a bare Flask() in a unit test) gets a fresh object each time.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from flask import Config as FlaskConfig
from flask import Flask, current_app

from app.platform.settings_groups import (
    GROUPS,
    ArchiveSettings,
    AuditSettings,
    CaseSettings,
    DocumentSettings,
    EvidenceSettings,
    HotlineSettings,
    HttpSettings,
    IdentitySettings,
    InvitationSettings,
    JobSettings,
    MediationSettings,
    NotificationSettings,
    PaymentSettings,
    SchedulingSettings,
    StatisticsSettings,
    StorageSettings,
    VideoSettings,
    WebhookSettings,
    WeChatSettings,
)

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

EXTENSION_KEY = "microcourt.settings"
S = TypeVar("S", bound="DataclassInstance")  # every settings group is a dataclass

__all__ = [
    "GROUPS",
    "VersionedConfig",
    "archives",
    "audit",
    "build",
    "cases",
    "current",
    "documents",
    "evidence",
    "hotline",
    "http",
    "identity",
    "install",
    "invitations",
    "jobs",
    "mediation",
    "notifications",
    "payments",
    "scheduling",
    "statistics",
    "storage",
    "webhooks",
    "wechat",
]


class VersionedConfig(FlaskConfig):
    """flask.Config that counts its changes, so cached settings objects know when they are stale."""

    version = 0

    def _changed(self) -> None:
        self.version += 1

    def __setitem__(self, key: str, value: Any) -> None:
        super().__setitem__(key, value)
        self._changed()

    def __delitem__(self, key: str) -> None:
        super().__delitem__(key)
        self._changed()

    def update(self, *args: Any, **kwargs: Any) -> None:
        """dict.update, counted (dict.update does not go through __setitem__)."""
        super().update(*args, **kwargs)
        self._changed()

    def setdefault(self, key: str, default: Any = None) -> Any:
        """dict.setdefault, counted."""
        self._changed()
        return super().setdefault(key, default)

    def pop(self, key: str, *default: Any) -> Any:
        """dict.pop, counted."""
        self._changed()
        return super().pop(key, *default)

    def popitem(self) -> tuple[str, Any]:
        """dict.popitem, counted."""
        self._changed()
        return super().popitem()

    def clear(self) -> None:
        """dict.clear, counted."""
        super().clear()
        self._changed()

    def __ior__(self, other: Any) -> VersionedConfig:  # type: ignore[misc]  # typeshed overloads dict.__or__
        self.update(other)
        return self


def build(cls: type[S], config: Mapping[str, Any]) -> S:
    """A settings object of type cls from a config mapping: each field names its key in metadata["key"]."""
    values = {}
    for field in dataclasses.fields(cls):
        key, convert = field.metadata["key"], field.metadata.get("convert")
        if key in config:
            value = config[key]
            values[field.name] = convert(value) if convert is not None else value
        elif field.default is dataclasses.MISSING:
            raise KeyError(key)  # the same failure as reading app.config[key] directly
    return cls(**values)


def current(cls: type[S], app: Flask | None = None) -> S:
    """The settings object of type cls for the given (default: current) app, rebuilt when its config changed."""
    app = app if app is not None else current_app
    version = getattr(app.config, "version", None)
    if version is None:
        return build(cls, app.config)  # a plain flask.Config cannot tell us it changed: never cache
    cache = app.extensions.get(EXTENSION_KEY)
    if cache is None or cache["version"] != version:
        cache = app.extensions[EXTENSION_KEY] = {"version": version}
    built = cache.get(cls)
    if built is None:
        built = cache[cls] = build(cls, app.config)
    return built


def install(app: Flask) -> None:
    """Build every settings object once for a new app (create_app), so an unreadable value fails at start."""
    for cls in GROUPS:
        current(cls, app)


def identity(app: Flask | None = None) -> IdentitySettings:
    """Logins, tokens and sessions of the current app (or the given one)."""
    return current(IdentitySettings, app)


def wechat(app: Flask | None = None) -> WeChatSettings:
    """The WeChat mini-program's settings of the current app (or the given one)."""
    return current(WeChatSettings, app)


def audit(app: Flask | None = None) -> AuditSettings:
    """The audit chain's keys of the current app (or the given one)."""
    return current(AuditSettings, app)


def http(app: Flask | None = None) -> HttpSettings:
    """The public origin, page sizes, idempotency and environment name of the current app (or the given one)."""
    return current(HttpSettings, app)


def storage(app: Flask | None = None) -> StorageSettings:
    """Link lifetimes of the blob store of the current app (or the given one)."""
    return current(StorageSettings, app)


def jobs(app: Flask | None = None) -> JobSettings:
    """The broker and eager mode of the current app (or the given one)."""
    return current(JobSettings, app)


def cases(app: Flask | None = None) -> CaseSettings:
    """Filing and correction rules of the current app (or the given one)."""
    return current(CaseSettings, app)


def hotline(app: Flask | None = None) -> HotlineSettings:
    """Hotline claim codes of the current app (or the given one)."""
    return current(HotlineSettings, app)


def evidence(app: Flask | None = None) -> EvidenceSettings:
    """Evidence limits, categories and sweep of the current app (or the given one)."""
    return current(EvidenceSettings, app)


def mediation(app: Flask | None = None) -> MediationSettings:
    """Mediation periods and judicial confirmation of the current app (or the given one)."""
    return current(MediationSettings, app)


def scheduling(app: Flask | None = None) -> SchedulingSettings:
    """Sessions, slots and reminders of the current app (or the given one)."""
    return current(SchedulingSettings, app)


def invitations(app: Flask | None = None) -> InvitationSettings:
    """Invitation links and lifetimes of the current app (or the given one)."""
    return current(InvitationSettings, app)


def documents(app: Flask | None = None) -> DocumentSettings:
    """Served documents and the delivery sweep of the current app (or the given one)."""
    return current(DocumentSettings, app)


def notifications(app: Flask | None = None) -> NotificationSettings:
    """Notification templates and grace periods of the current app (or the given one)."""
    return current(NotificationSettings, app)


def webhooks(app: Flask | None = None) -> WebhookSettings:
    """Webhook hosts, timeouts and retries of the current app (or the given one)."""
    return current(WebhookSettings, app)


def statistics(app: Flask | None = None) -> StatisticsSettings:
    """Statistics caching of the current app (or the given one)."""
    return current(StatisticsSettings, app)


def archives(app: Flask | None = None) -> ArchiveSettings:
    """Case-file and personal-data archive links, leases and retention of the current app (or the given one)."""
    return current(ArchiveSettings, app)


def payments(app: Flask | None = None) -> PaymentSettings:
    """WeChat Pay's merchant settings and payment timings of the current app (or the given one)."""
    return current(PaymentSettings, app)


def video(app: Flask | None = None) -> VideoSettings:
    """Video rooms: provider, TRTC keys, entry window and recordings of the current app (or the given one)."""
    return current(VideoSettings, app)
