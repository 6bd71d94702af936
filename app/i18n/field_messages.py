"""The validation messages of marshmallow and webargs, marked for the catalogue (context "field").

marshmallow formats `{name}`; the catalogue writes `%(name)s`. A value such as a length or a bound arrives in
the rendered English and is carried into the reader's words.
"""

from __future__ import annotations

from app.i18n.catalogue import mark

FIELD_MESSAGES = (
    mark("field", "Missing data for required field."),
    mark("field", "Unknown field."),
    mark("field", "Field may not be null."),
    mark("field", "Invalid value."),
    mark("field", "Invalid type."),
    mark("field", "Invalid input type."),
    mark("field", "Not a valid string."),
    mark("field", "Not a valid utf-8 string."),
    mark("field", "Not a valid integer."),
    mark("field", "Not a valid number."),
    mark("field", "Not a valid boolean."),
    mark("field", "Not a valid date."),
    mark("field", "Not a valid datetime."),
    mark("field", "Not a valid time."),
    mark("field", "Not a valid naive datetime."),
    mark("field", "Not a valid aware datetime."),
    mark("field", "Not a valid period of time."),
    mark("field", "Not a valid list."),
    mark("field", "Not a valid tuple."),
    mark("field", "Not a valid mapping type."),
    mark("field", "Not a valid UUID."),
    mark("field", "Not a valid URL."),
    mark("field", "Not a valid email address."),
    mark("field", "Not a valid IP address."),
    mark("field", "Number too large."),
    mark("field", "Special numeric values (nan or infinity) are not permitted."),
    mark("field", "Shorter than minimum length %(min)s."),
    mark("field", "Longer than maximum length %(max)s."),
    mark("field", "Length must be between %(min)s and %(max)s."),
    mark("field", "Length must be %(equal)s."),
    mark("field", "Must be one of: %(choices)s."),
    mark("field", "Must be greater than or equal to %(min)s."),
    mark("field", "Must be greater than %(min)s."),
    mark("field", "Must be less than or equal to %(max)s."),
    mark("field", "Must be less than %(max)s."),
    mark("field", "Must be greater than or equal to %(min)s and less than or equal to %(max)s."),
    mark("field", "Must be greater than %(min)s and less than %(max)s."),
    mark("field", "Must be greater than or equal to %(min)s and less than %(max)s."),
    mark("field", "Must be greater than %(min)s and less than or equal to %(max)s."),
    mark("field", '"%(input)s" cannot be formatted as a datetime.'),
    mark("field", '"%(input)s" cannot be formatted as a date.'),
)
