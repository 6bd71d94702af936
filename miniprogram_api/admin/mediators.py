"""Organisation administration of mediation: mediator profiles, directory data, linked courts, the queue."""

from __future__ import annotations

import uuid

from flask_smorest import Blueprint

from app.mediation import directory, queues
from miniprogram_api.auth import ORG_MANAGER, current_principal, login_required
from miniprogram_api.schemas.mediation_assignment import UnassignedCasePage
from miniprogram_api.schemas.mediation_directory import (
    LinkedCourtsIn,
    MediatorAdminOut,
    MediatorAdminPage,
    MediatorProfileIn,
    OrgDirectoryIn,
    OrgDirectoryOut,
)
from miniprogram_api.schemas.pages import CursorArgs

# Outsiders get the services' answer for an organisation that is not theirs.
ORG_DIRECTORY = ORG_MANAGER.refusing(directory.org_not_found)
blp = Blueprint("admin_mediators", __name__, description="Mediators, directory data and queue of an organisation.")


@blp.route("/orgs/<uuid:org_id>/mediators", methods=["GET"])
@login_required(role=ORG_DIRECTORY)
@blp.arguments(CursorArgs, location="query")
@blp.response(200, MediatorAdminPage)
def list_profiles(args: dict, org_id: uuid.UUID) -> object:
    """Every mediator profile of the organisation (its admins, platform admins)."""
    return directory.admin_list_mediators(
        org_id=org_id, actor=current_principal(), cursor=args.get("cursor"), limit=args.get("limit")
    )


@blp.route("/orgs/<uuid:org_id>/mediators/<uuid:user_id>", methods=["PUT"])
@login_required(role=ORG_DIRECTORY)
@blp.arguments(MediatorProfileIn)
@blp.response(200, MediatorAdminOut)
def put_profile(payload: dict, org_id: uuid.UUID, user_id: uuid.UUID) -> dict:
    """Create or update the directory profile of one of the organisation's mediators."""
    return directory.put_mediator(org_id=org_id, user_id=user_id, data=payload, actor=current_principal())


@blp.route("/orgs/<uuid:org_id>/directory", methods=["PATCH"])
@login_required(role=ORG_DIRECTORY)
@blp.arguments(OrgDirectoryIn, required=False)
@blp.response(200, OrgDirectoryOut)
def update_directory(payload: dict, org_id: uuid.UUID) -> dict:
    """Change the regions and categories the organisation serves."""
    return directory.update_org_directory(
        org_id=org_id, regions=payload.get("regions"), categories=payload.get("categories"), actor=current_principal()
    )


@blp.route("/orgs/<uuid:org_id>/courts", methods=["PUT"])
@login_required(role=ORG_DIRECTORY)
@blp.arguments(LinkedCourtsIn)
@blp.response(200, OrgDirectoryOut)
def link_courts(payload: dict, org_id: uuid.UUID) -> dict:
    """Set the courts the organisation is linked to (platform admins)."""
    return directory.set_linked_courts(org_id=org_id, court_ids=payload["court_ids"], actor=current_principal())


@blp.route("/orgs/<uuid:org_id>/unassigned-cases", methods=["GET"])
@login_required(role=ORG_DIRECTORY)
@blp.arguments(CursorArgs, location="query")
@blp.response(200, UnassignedCasePage)
def unassigned(args: dict, org_id: uuid.UUID) -> object:
    """Disputes waiting for a mediator: new ones and ones a mediator declined."""
    return queues.unassigned_cases(
        org_id=org_id, actor=current_principal(), cursor=args.get("cursor"), limit=args.get("limit")
    )
