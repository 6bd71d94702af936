"""Clerk work items of electronic service: documents to serve by paper or phone."""

from __future__ import annotations

import uuid

from flask_smorest import Blueprint

from app.documents import work_items
from miniprogram_api.auth import current_principal, login_required
from miniprogram_api.schemas.work_items import WorkItemArgs, WorkItemOut, WorkItemPage, WorkItemResolveIn

blp = Blueprint("court_work_items", __name__, description="Work items for clerks: held and unopened documents.")


@blp.route("/work-items", methods=["GET"])
@login_required(kinds=("user", "machine"))
@blp.arguments(WorkItemArgs, location="query")
@blp.response(200, WorkItemPage)
def list_items(args: dict) -> object:
    """Work items of the caller's courts, newest first."""
    return work_items.list_items(
        actor=current_principal(), status=args.get("status"), cursor=args.get("cursor"), limit=args.get("limit")
    )


@blp.route("/work-items/<uuid:item_id>/resolve", methods=["POST"])
@login_required(kinds=("user", "machine"))
@blp.arguments(WorkItemResolveIn)
@blp.response(200, WorkItemOut)
def resolve(payload: dict, item_id: uuid.UUID) -> object:
    """Record how the document was served in the end; service by post, in person or announcement counts as served.

    `served_at` (`announced_at` for an announcement) is required for those outcomes while the document is unserved.
    """
    return work_items.resolve(
        item_id=item_id,
        outcome=payload["outcome"],
        note=payload.get("note"),
        actor=current_principal(),
        method=payload.get("method"),
        served_at=payload.get("served_at"),
        announced_at=payload.get("announced_at"),
    )
