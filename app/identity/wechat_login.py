"""WeChat login: exchange a wx.login code for the user's openid; the session_key stays here, encrypted."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.errors import Unauthorized
from app.extensions import db
from app.identity import login_sessions as sessions
from app.identity.models import User, WeChatSessionKey
from app.integrations.wechat import WeChatClient, WeChatSession
from app.platform import adapters
from app.security import pii


def client() -> WeChatClient:
    """The app's WeChat client (built once, in create_app)."""
    return adapters.wechat()


def login(*, code: str) -> sessions.TokenPair:
    """Log in (or sign up) with a wx.login code."""
    wx = client().code2session(code)
    user = _find_or_create(wx)
    if user.status != "active":
        db.session.rollback()
        raise Unauthorized("This account is disabled.", reason="auth.account_disabled")
    _store_session_key(user, wx.session_key)
    return sessions.start_session(user=user, method="wechat")


def _find_or_create(wx: WeChatSession) -> User:
    user = db.session.scalar(select(User).where(User.wechat_openid == wx.openid))
    if user is None and wx.unionid:
        user = db.session.scalar(select(User).where(User.wechat_unionid == wx.unionid, User.wechat_openid.is_(None)))
        if user is not None:
            user.wechat_openid = wx.openid
    if user is None:
        try:
            with db.session.begin_nested():
                user = User(wechat_openid=wx.openid, wechat_unionid=wx.unionid)
                db.session.add(user)
        except IntegrityError:  # the same WeChat user logged in twice at once: use that account
            user = db.session.scalars(select(User).where(User.wechat_openid == wx.openid)).one()
    if wx.unionid and user.wechat_unionid is None:
        user.wechat_unionid = wx.unionid
    return user


def _store_session_key(user: User, session_key: str) -> None:
    db.session.flush()
    record = db.session.get(WeChatSessionKey, user.id) or WeChatSessionKey(user_id=user.id, session_key_enc="")
    record.session_key_enc = pii.encrypt(session_key, field="wechat_session_key")
    db.session.add(record)


def session_key_for(user: User) -> str | None:
    """The user's latest session_key (for legacy encryptedData), or None if they never logged in by WeChat."""
    record = db.session.get(WeChatSessionKey, user.id)
    return pii.decrypt(record.session_key_enc, field="wechat_session_key") if record else None
