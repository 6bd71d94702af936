"""Service by other means recorded on a served document (直接送达, 留置送达, 邮寄送达, 公告送达)."""

from __future__ import annotations

from marshmallow import ValidationError, fields, validate, validates_schema

from miniprogram_api.schemas.base import InSchema

METHODS = ("in_person", "lodged", "by_post", "announcement")


class OtherServiceIn(InSchema):
    """How and when the party was served outside the platform."""

    method = fields.String(
        required=True,
        validate=validate.OneOf(METHODS),
        metadata={"description": "in_person 直接送达, lodged 留置送达, by_post 邮寄送达, announcement 公告送达"},
    )
    served_at = fields.AwareDateTime(
        metadata={"description": "When the party was served (the receipt's date); required but for announcement"}
    )
    announced_at = fields.AwareDateTime(
        metadata={"description": "When the announcement was published (announcement only); deemed served 30 days on"}
    )
    note = fields.String(validate=validate.Length(max=2000), metadata={"description": "e.g. the postal receipt number"})

    @validates_schema
    def _time_given(self, data: dict, **_kwargs: object) -> None:
        field = "announced_at" if data.get("method") == "announcement" else "served_at"
        if data.get("method") and data.get(field) is None:
            raise ValidationError("Missing data for required field.", field)
