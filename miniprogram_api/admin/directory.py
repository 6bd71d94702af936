"""Courts, mediation organisations and their staff."""

from __future__ import annotations

import uuid

from flask_smorest import Blueprint

from app.identity import directory_admin
from miniprogram_api.auth import ORG_MANAGER, current_principal, login_required
from miniprogram_api.schemas.admin import CourtIn, CourtOut, MembershipAdminOut, MembershipIn, OrgIn, OrgOut

blp = Blueprint("admin_directory", __name__, description="Courts, organisations and staff (platform admins).")


@blp.route("/courts", methods=["POST"])
@login_required()
@blp.arguments(CourtIn)
@blp.response(201, CourtOut)
def create_court(payload: dict) -> object:
    """Register a court."""
    return directory_admin.create_court(**payload, actor=current_principal())


@blp.route("/orgs", methods=["POST"])
@login_required()
@blp.arguments(OrgIn)
@blp.response(201, OrgOut)
def create_org(payload: dict) -> object:
    """Register a mediation organisation."""
    return directory_admin.create_org(**payload, actor=current_principal())


@blp.route("/courts/<uuid:court_id>/members", methods=["PUT"])
@login_required()
@blp.arguments(MembershipIn)
@blp.response(200, MembershipAdminOut)
def add_court_member(payload: dict, court_id: uuid.UUID) -> object:
    """Make a user clerk or judge of a court."""
    return directory_admin.set_court_membership(court_id=court_id, active=True, **payload, actor=current_principal())


@blp.route("/courts/<uuid:court_id>/members/remove", methods=["POST"])
@login_required()
@blp.arguments(MembershipIn)
@blp.response(200, MembershipAdminOut)
def remove_court_member(payload: dict, court_id: uuid.UUID) -> object:
    """Remove a court role (effective on the user's next request)."""
    return directory_admin.set_court_membership(court_id=court_id, active=False, **payload, actor=current_principal())


@blp.route("/orgs/<uuid:org_id>/members", methods=["PUT"])
@login_required(role=ORG_MANAGER)
@blp.arguments(MembershipIn)
@blp.response(200, MembershipAdminOut)
def add_org_member(payload: dict, org_id: uuid.UUID) -> object:
    """Make a user mediator or org admin (platform admins, or the org's own admins)."""
    return directory_admin.set_org_membership(org_id=org_id, active=True, **payload, actor=current_principal())


@blp.route("/orgs/<uuid:org_id>/members/remove", methods=["POST"])
@login_required(role=ORG_MANAGER)
@blp.arguments(MembershipIn)
@blp.response(200, MembershipAdminOut)
def remove_org_member(payload: dict, org_id: uuid.UUID) -> object:
    """Remove an organisation role."""
    return directory_admin.set_org_membership(org_id=org_id, active=False, **payload, actor=current_principal())
