"""Platform roles, account status and lawyer verification."""

from __future__ import annotations

import uuid

from flask_smorest import Blueprint

from app.identity import user_admin
from miniprogram_api.auth import current_principal, login_required
from miniprogram_api.schemas.admin import LawyerQueryArgs, LawyerReviewIn, RoleIn, UserAdminOut, UserStatusIn
from miniprogram_api.schemas.users import LawyerProfileOut

blp = Blueprint("admin_people", __name__, description="Accounts, platform roles and lawyers (platform admins).")


@blp.route("/users/<uuid:user_id>/roles", methods=["PUT"])
@login_required()
@blp.arguments(RoleIn)
@blp.response(200, UserAdminOut)
def grant_role(payload: dict, user_id: uuid.UUID) -> object:
    """Grant platform_admin or hotline_operator."""
    return user_admin.set_platform_role(user_id=user_id, role=payload["role"], granted=True, actor=current_principal())


@blp.route("/users/<uuid:user_id>/roles/remove", methods=["POST"])
@login_required()
@blp.arguments(RoleIn)
@blp.response(200, UserAdminOut)
def revoke_role(payload: dict, user_id: uuid.UUID) -> object:
    """Remove a platform role (effective on the user's next request)."""
    return user_admin.set_platform_role(user_id=user_id, role=payload["role"], granted=False, actor=current_principal())


@blp.route("/users/<uuid:user_id>/status", methods=["PUT"])
@login_required()
@blp.arguments(UserStatusIn)
@blp.response(200, UserAdminOut)
def set_status(payload: dict, user_id: uuid.UUID) -> object:
    """Disable (ends every session at once) or re-enable an account."""
    return user_admin.set_user_status(user_id=user_id, active=payload["active"], actor=current_principal())


@blp.route("/lawyers", methods=["GET"])
@login_required()
@blp.arguments(LawyerQueryArgs, location="query")
@blp.response(200, LawyerProfileOut(many=True))
def list_lawyers(args: dict) -> object:
    """Lawyer profiles by review state (pending first)."""
    return user_admin.list_lawyer_profiles(status=args["status"], actor=current_principal())


@blp.route("/lawyers/<uuid:profile_id>/review", methods=["POST"])
@login_required()
@blp.arguments(LawyerReviewIn)
@blp.response(200, LawyerProfileOut)
def review_lawyer(payload: dict, profile_id: uuid.UUID) -> object:
    """Verify or reject a lawyer's licence."""
    return user_admin.review_lawyer(
        profile_id=profile_id, approve=payload["approve"], note=payload.get("note"), actor=current_principal()
    )
