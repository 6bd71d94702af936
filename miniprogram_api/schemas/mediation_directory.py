"""Mediation directory payloads: organisations, mediators, recommendations, and their administration."""

from __future__ import annotations

from marshmallow import fields, validate

from miniprogram_api.schemas.base import InSchema, OutSchema
from miniprogram_api.schemas.pages import CursorArgs, cursor_page

NAME = validate.Length(min=1, max=64)
REGION = validate.Length(min=2, max=64)
CATEGORY = validate.Length(min=1, max=40)


class OrgSearchArgs(CursorArgs):
    """Filters of the organisation directory."""

    region = fields.String(validate=REGION)
    category = fields.String(validate=CATEGORY)


class MediatorSearchArgs(CursorArgs):
    """Filters of an organisation's mediators."""

    region = fields.String(validate=REGION)
    category = fields.String(validate=CATEGORY)


class LinkedCourtOut(OutSchema):
    """A court an organisation is linked to."""

    id = fields.UUID(required=True)
    name = fields.String(required=True)
    code = fields.String(required=True)


class OrgDirectoryOut(OutSchema):
    """An organisation's public directory entry."""

    id = fields.UUID(required=True)
    name = fields.String(required=True)
    org_type = fields.String(required=True)
    region = fields.String(required=True)
    regions = fields.List(fields.String(), required=True)
    categories = fields.List(fields.String(), required=True, metadata={"description": "Empty: every category"})
    linked_courts = fields.List(fields.Nested(LinkedCourtOut), required=True)


MediationOrgPage = cursor_page("MediationOrgPage", OrgDirectoryOut, "A page of organisations.")


class MediatorOut(OutSchema):
    """A mediator's public profile (no phone, ID number or account id)."""

    id = fields.UUID(required=True, metadata={"description": "The mediator_id to choose"})
    org_id = fields.UUID(required=True)
    display_name = fields.String(required=True)
    title = fields.String(allow_none=True)
    bio = fields.String(allow_none=True)
    specialties = fields.List(fields.String(), required=True)
    region = fields.String(required=True)
    accepting = fields.Boolean(required=True)
    active_load = fields.Integer(required=True)
    max_load = fields.Integer(required=True)


MediatorPage = cursor_page("MediatorPage", MediatorOut, "A page of mediators.")


class RecommendationScoreOut(OutSchema):
    """How a recommendation scored (docs/mediation.md)."""

    specialty = fields.Float(required=True)
    region = fields.Float(required=True)
    # Named load_ in Python, "load" on the wire: a field named load would hide Schema.load from the type checker.
    load_ = fields.Float(required=True, data_key="load", attribute="load")
    total = fields.Float(required=True)


class RecommendationOut(MediatorOut):
    """A recommended mediator and its score."""

    score = fields.Nested(RecommendationScoreOut, required=True)


class MediatorProfileIn(InSchema):
    """A mediator's directory profile, set by the organisation's admin."""

    display_name = fields.String(required=True, validate=NAME)
    title = fields.String(allow_none=True, validate=validate.Length(max=64))
    bio = fields.String(allow_none=True, validate=validate.Length(max=500))
    specialties = fields.List(fields.String(validate=CATEGORY), required=True, validate=validate.Length(max=30))
    region = fields.String(required=True, validate=REGION)
    max_load = fields.Integer(required=True, validate=validate.Range(min=1, max=500))
    accepting = fields.Boolean(required=True)


class MediatorAdminOut(MediatorOut):
    """A profile as the organisation's admins see it."""

    user_id = fields.UUID(required=True)
    listed = fields.Boolean(required=True)


MediatorAdminPage = cursor_page("MediatorAdminPage", MediatorAdminOut, "A page of profiles.")


class OrgDirectoryIn(InSchema):
    """The regions and categories an organisation serves."""

    regions = fields.List(fields.String(validate=REGION), validate=validate.Length(max=100))
    categories = fields.List(fields.String(validate=CATEGORY), validate=validate.Length(max=100))


class LinkedCourtsIn(InSchema):
    """The courts an organisation is linked to (the whole list)."""

    court_ids = fields.List(fields.UUID(), required=True, validate=validate.Length(max=100))
