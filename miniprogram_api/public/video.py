"""TRTC's callback URL: room, media and cloud-recording events, believed only once their signature is verified."""

from __future__ import annotations

from flask import request
from flask_smorest import Blueprint

from app.video import callbacks
from miniprogram_api.auth import public
from miniprogram_api.schemas.video import VideoCallbackOut

blp = Blueprint("public_video", __name__, description="TRTC event callbacks (called by Tencent Cloud).")


@blp.route("/video/trtc/callback", methods=["POST"])
@public
@blp.response(200, VideoCallbackOut)
@blp.alt_response(401, description="Unknown SdkAppId, bad Sign, or a callback older than the window (`video.*`).")
def trtc_callback() -> dict:
    """A TRTC event: 200 {"code": 0} once recorded (a duplicate too); 401 when forged, foreign or stale.

    Sign = base64(HMAC-SHA256(TRTC_CALLBACK_KEY, raw body)), SdkAppId must be TRTC_SDK_APP_ID, CallbackTs within
    VIDEO_CALLBACK_MAX_AGE_SECONDS. Events 103/104 mark attendance; 311 registers a recording to copy.
    """
    return callbacks.receive(headers=dict(request.headers.items()), body=request.get_data())
