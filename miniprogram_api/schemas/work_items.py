"""Clerks' work items about served documents: the list, one item, its resolution."""

from __future__ import annotations

from marshmallow import fields, post_dump, validate

from app.i18n import current_language, render_data
from miniprogram_api.schemas.base import InSchema, OutSchema
from miniprogram_api.schemas.pages import CursorArgs, cursor_page


class WorkItemArgs(CursorArgs):
    """Filter by status and page."""

    status = fields.String(validate=validate.OneOf(["open", "resolved"]))


class WorkItemOut(OutSchema):
    """A clerk's task about a document."""

    id = fields.UUID(required=True)
    court_id = fields.UUID(required=True)
    case_id = fields.UUID(required=True)
    document_id = fields.UUID(allow_none=True)
    kind = fields.String(required=True)
    status = fields.String(required=True)
    reason = fields.String(required=True)
    data = fields.Dict(required=True)
    outcome = fields.String(allow_none=True)
    note = fields.String(allow_none=True)
    created_at = fields.AwareDateTime(required=True)
    resolved_at = fields.AwareDateTime(allow_none=True)
    resolved_by = fields.String(allow_none=True)

    @post_dump(pass_original=True)
    def _in_the_readers_language(self, data: dict, original: object, **_kwargs: object) -> dict:
        """`reason` in the reader's language from its stored message (an older item: its stored words)."""
        stored = dict(data.get("data") or {})
        words = stored.pop("reason_message", None)
        data["data"] = stored
        data["reason"] = render_data(words, current_language(), data.get("reason") or "")
        return data


WorkItemPage = cursor_page("WorkItemPage", WorkItemOut, "A page of work items.")


class WorkItemResolveIn(InSchema):
    """How the document was served in the end."""

    outcome = fields.String(
        required=True,
        validate=validate.OneOf(
            [
                "served_by_post",
                "served_in_person",
                "served_by_phone",
                "served_by_announcement",
                "consent_obtained",
                "no_action_needed",
            ]
        ),
    )
    note = fields.String(validate=validate.Length(max=2000))
    method = fields.String(
        validate=validate.OneOf(["in_person", "lodged", "by_post", "announcement"]),
        metadata={"description": "Method of service by other means; by default the outcome's own."},
    )
    served_at = fields.AwareDateTime(
        metadata={"description": "When the party was served; required for served_by_post / served_in_person."}
    )
    announced_at = fields.AwareDateTime(
        metadata={"description": "When the announcement was published; required for served_by_announcement."}
    )
