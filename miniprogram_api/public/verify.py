"""Anyone may confirm an electronic service certificate by its verification code (no personal data)."""

from __future__ import annotations

from flask_smorest import Blueprint

from app.documents import certificate
from app.extensions import limiter
from miniprogram_api.auth import public
from miniprogram_api.schemas.documents_verification import VerificationOut

blp = Blueprint("public_verify", __name__, description="Verify a served document's certificate.")


@blp.route("/verify/<string:verification_code>", methods=["GET"])
@public
@limiter.limit("60/minute")
@blp.response(200, VerificationOut)
@blp.alt_response(404, description="No certificate has this code.")
def verify(verification_code: str) -> dict:
    """Court, case number, digests, service time and event times of a certificate; chain re-verified."""
    return certificate.verify_public(code=verification_code[:64])
