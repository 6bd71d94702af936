"""Logging in (WeChat, SMS), refreshing and logging out."""

from __future__ import annotations

from flask_limiter.util import get_remote_address
from flask_smorest import Blueprint

from app.extensions import limiter
from app.identity import login_sessions, profile, sms_login, wechat_login
from miniprogram_api.auth import current_principal, login_required, public
from miniprogram_api.limits import configured, phone_key, refused_body
from miniprogram_api.schemas.auth import RefreshIn, SmsSendIn, SmsVerifyIn, TokenPairOut, WeChatLoginIn

blp = Blueprint("mp_auth", __name__, description="Login with WeChat or an SMS code; token refresh and logout.")


def _pair(pair: login_sessions.TokenPair) -> dict:
    # A refresh read the caller's roles with its token (no statement here); a login reads them now.
    principal = pair.principal or login_sessions.load_principal(pair.user)
    return {
        "access_token": pair.access_token,
        "refresh_token": pair.refresh_token,
        "token_type": pair.token_type,
        "expires_in": pair.expires_in,
        "user": profile.profile(actor=principal),
    }


@blp.route("/auth/wechat", methods=["POST"])
@public
@limiter.limit(configured("LOGIN_LIMIT_PER_IP"), key_func=get_remote_address)
@blp.arguments(WeChatLoginIn)
@blp.response(200, TokenPairOut)
def wechat(payload: dict) -> dict:
    """Log in with a `wx.login` code (400 auth.invalid_code when WeChat refuses it)."""
    return _pair(wechat_login.login(code=payload["code"]))


@blp.route("/auth/sms/send", methods=["POST"])
@public
@limiter.limit(configured("SMS_SEND_LIMIT_PER_IP"), key_func=get_remote_address)
# A body refused with 400/422 (an unknown field, a phone no one can be sent a code at) spends no phone's quota.
@limiter.limit(
    configured("SMS_SEND_LIMIT_PER_PHONE"),
    key_func=phone_key,
    exempt_when=refused_body(SmsSendIn(), lambda body: sms_login.takes_phone(body["phone"])),
)
@blp.arguments(SmsSendIn)
@blp.response(202)
def sms_send(payload: dict) -> dict:
    """Send a login code; the answer is the same whether or not the phone has an account."""
    sms_login.send_login_code(phone=payload["phone"])
    return {"status": "sent"}


@blp.route("/auth/sms/verify", methods=["POST"])
@public
@limiter.limit(configured("SMS_VERIFY_LIMIT_PER_IP"), key_func=get_remote_address)
@blp.arguments(SmsVerifyIn)
@blp.response(200, TokenPairOut)
def sms_verify(payload: dict) -> dict:
    """Log in with the code (5 wrong tries burn it)."""
    return _pair(sms_login.verify_login_code(phone=payload["phone"], code=payload["code"]))


@blp.route("/auth/refresh", methods=["POST"])
@public
@limiter.limit(configured("LOGIN_LIMIT_PER_IP"), key_func=get_remote_address)
@blp.arguments(RefreshIn)
@blp.response(200, TokenPairOut)
def refresh(payload: dict) -> dict:
    """Spend the refresh token for a new pair (reusing a spent one ends the session: 401 auth.refresh_reused)."""
    return _pair(login_sessions.refresh(refresh_token=payload["refresh_token"]))


@blp.route("/auth/logout", methods=["POST"])
@login_required()
@blp.response(204)
def logout() -> None:
    """End this session; its access and refresh tokens stop working at once."""
    login_sessions.logout(actor=current_principal())
