"""Platform statistics for everyone; a court's or an organisation's own figures for its staff."""

from __future__ import annotations

import uuid

from flask_smorest import Blueprint

from app.statistics import figures
from miniprogram_api.auth import ORG_MANAGER, current_principal, login_required, public
from miniprogram_api.schemas.statistics import CourtStatsArgs, StatsArgs, StatsOut

blp = Blueprint("stats", __name__, description="Published figures: disputes, success rate, filings, off-hours share.")
court_blp = Blueprint("court_stats", __name__, description="A court's own figures.")
org_blp = Blueprint("org_stats", __name__, description="An organisation's own figures.")


@blp.route("/stats", methods=["GET"])
@public
@blp.arguments(StatsArgs, location="query")
@blp.response(200, StatsOut)
def platform(args: dict) -> dict:
    """Platform-wide figures over a period."""
    return figures.compute(date_from=args.get("date_from"), date_to=args.get("date_to"))


@court_blp.route("/stats", methods=["GET"])
@login_required(kinds=("user", "machine"))
@court_blp.arguments(CourtStatsArgs, location="query")
@court_blp.response(200, StatsOut)
def court(args: dict) -> dict:
    """The caller's court's figures."""
    return figures.for_court(
        court_id=args["court_id"],
        actor=current_principal(),
        date_from=args.get("date_from"),
        date_to=args.get("date_to"),
    )


@org_blp.route("/orgs/<uuid:org_id>/stats", methods=["GET"])
@login_required(role=ORG_MANAGER)
@org_blp.arguments(StatsArgs, location="query")
@org_blp.response(200, StatsOut)
def org(args: dict, org_id: uuid.UUID) -> dict:
    """An organisation's figures (its admins, platform admins)."""
    return figures.for_org(
        org_id=org_id, actor=current_principal(), date_from=args.get("date_from"), date_to=args.get("date_to")
    )
