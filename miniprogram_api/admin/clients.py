"""Machine clients of court systems: create, list, rotate and revoke."""

from __future__ import annotations

from flask_smorest import Blueprint

from app.identity import machine_clients
from miniprogram_api.auth import current_principal, login_required
from miniprogram_api.schemas.admin import ClientIn, ClientOut, ClientSecretOut

blp = Blueprint("admin_clients", __name__, description="Court systems' client credentials (platform admins).")


def _with_secret(issued: machine_clients.IssuedSecret) -> dict:
    client = issued.client
    fields = ("client_id", "name", "court_id", "status", "created_at", "last_used_at")
    return {**{name: getattr(client, name) for name in fields}, "client_secret": issued.client_secret}


@blp.route("/clients", methods=["POST"])
@login_required()
@blp.arguments(ClientIn)
@blp.response(201, ClientSecretOut)
def create_client(payload: dict) -> dict:
    """Register a court system; the secret is shown in this response only."""
    return _with_secret(machine_clients.create_client(**payload, actor=current_principal()))


@blp.route("/clients", methods=["GET"])
@login_required()
@blp.response(200, ClientOut(many=True))
def list_clients() -> object:
    """Every machine client."""
    return machine_clients.list_clients(actor=current_principal())


@blp.route("/clients/<string:client_id>/rotate", methods=["POST"])
@login_required()
@blp.response(200, ClientSecretOut)
def rotate_client(client_id: str) -> dict:
    """Issue a new secret; the old one works for CLIENT_SECRET_OVERLAP_HOURS more."""
    return _with_secret(machine_clients.rotate_secret(client_id=client_id, actor=current_principal()))


@blp.route("/clients/<string:client_id>/revoke", methods=["POST"])
@login_required()
@blp.response(200, ClientOut)
def revoke_client(client_id: str) -> object:
    """Revoke a client and every token it holds."""
    return machine_clients.revoke_client(client_id=client_id, actor=current_principal())
