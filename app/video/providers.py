"""The video provider port and its two adapters: Tencent Cloud TRTC, and the court's own meeting link.

The provider is chosen per court (VIDEO_COURT_PROVIDERS: "court-id=trtc,...") or for the platform
(VIDEO_PROVIDER). TRTC needs TRTC_SDK_APP_ID and TRTC_SECRET_KEY; without them a court set to TRTC answers 503.
"""

from __future__ import annotations

import dataclasses
import uuid
from typing import Protocol

from app.errors import ServiceUnavailable
from app.platform import settings
from app.video import usersig

PROVIDERS = ("trtc", "external")


@dataclasses.dataclass(frozen=True)
class Ticket:
    """What a phone needs to enter: the provider, and either the room with a UserSig or an outside link."""

    provider: str
    room_id: str | None
    room_user_id: str | None
    sdk_app_id: int | None
    user_sig: str | None
    meeting_url: str | None
    expires_in: int


class VideoProvider(Protocol):
    """A real-time video service: rooms are named by us, entry is a ticket bound to one room user id."""

    @property
    def name(self) -> str:
        """The provider's name as stored with rooms ("trtc", "external")."""
        ...

    @property
    def has_rooms(self) -> bool:
        """Whether the provider has rooms we name (else the session's own link is handed out)."""
        ...

    def ticket(self, *, room_id: str, room_user_id: str, meeting_url: str | None, expires_in: int, now: int) -> Ticket:
        """The entry ticket of one person for one room, valid for `expires_in` seconds."""
        ...


@dataclasses.dataclass(frozen=True)
class TrtcProvider:
    """Tencent Cloud TRTC: a string room id per session and a UserSig per person (TLSSigAPIv2 scheme)."""

    sdk_app_id: int
    secret_key: str
    name: str = "trtc"
    has_rooms: bool = True

    def ticket(self, *, room_id: str, room_user_id: str, meeting_url: str | None, expires_in: int, now: int) -> Ticket:
        sig = usersig.gen_user_sig(
            sdk_app_id=self.sdk_app_id, secret_key=self.secret_key, identifier=room_user_id, expire=expires_in, now=now
        )
        return Ticket("trtc", room_id, room_user_id, self.sdk_app_id, sig, None, expires_in)


@dataclasses.dataclass(frozen=True)
class ExternalLinkProvider:
    """The court's own system: the session's pasted meeting_url, handed only to those who may enter."""

    name: str = "external"
    has_rooms: bool = False

    def ticket(self, *, room_id: str, room_user_id: str, meeting_url: str | None, expires_in: int, now: int) -> Ticket:
        return Ticket("external", None, None, None, None, meeting_url, expires_in)


def provider_name(court_id: uuid.UUID | None) -> str:
    """The provider configured for a court, else the platform's."""
    config = settings.video()
    for item in config.court_providers.split(","):
        court, _, name = item.strip().partition("=")
        if court and court_id is not None and court.strip() == str(court_id) and name.strip() in PROVIDERS:
            return name.strip()
    return config.provider if config.provider in PROVIDERS else "external"


def for_court(court_id: uuid.UUID | None) -> VideoProvider:
    """The adapter for a court; 503 video.provider_unconfigured when TRTC is chosen but not configured."""
    if provider_name(court_id) == "external":
        return ExternalLinkProvider()
    config = settings.video()
    if not config.trtc_sdk_app_id or not config.trtc_secret_key:
        raise ServiceUnavailable("Video rooms are not configured.", reason="video.provider_unconfigured")
    return TrtcProvider(sdk_app_id=config.trtc_sdk_app_id, secret_key=config.trtc_secret_key)


def room_user_secret() -> str:
    """The key room user ids are derived with (the TRTC secret, else the app's secret key)."""
    return settings.video().trtc_secret_key or settings.identity().secret_key
