"""Texts the code builds away from a raise, named here so that `make messages` keeps them (docs/i18n.md).

The catalogue scan (app/i18n/sources.py) reads error texts where they are raised, field messages put into an
errors dict, and `mark()`/`message()` calls. A few texts are built by helpers and passed on in variables (an ID
number's checks, a phone number's, the holiday calendar's refusal) or are a class's words under a reason the
scan cannot follow. Each is marked here with its context, exactly as the code writes it;
tests/i18n/test_runtime_texts.py checks that every one of them reads in Chinese. When such a text changes in the
code, change it here too (the test then fails until the catalogue has the new words).
"""

from __future__ import annotations

from app.i18n.catalogue import mark

KEPT = (
    mark("agent.power_of_attorney_not_found", "Some fields are invalid."),
    mark("agent.power_of_attorney_not_stored", "Some fields are invalid."),
    mark("agent.power_of_attorney_wrong_party", "Some fields are invalid."),
    mark("auth.code_invalid", "The code is wrong or has expired."),
    mark("document.illegal_transition", "A document in state '%(status)s' cannot be '%(event)s'."),
    mark("document.not_delivered", "The document has not been delivered electronically (status '%(status)s')."),
    mark("field", "15-digit ID numbers are no longer accepted; enter the 18-character number on the current card."),
    mark("field", "Do not write phone or ID numbers in the reason: it is kept in the audit log."),
    mark("field", "Give a reason of %(REASON_MIN)s to %(REASON_MAX)s characters."),
    mark("field", "No such court: %(courts)s"),
    mark("field", "No such evidence in this case."),
    mark("field", "Text may not hold NUL or unpaired surrogate characters."),
    mark("field", "The evidence is %(status)s, not stored: upload and complete it first."),
    mark("field", "The power of attorney must be evidence of the party the lawyer acts for."),
    mark("field", "This case number is already used."),
    mark("field", "is required."),
    mark("field", "may contain only digits, spaces, hyphens, parentheses and a leading +."),
    mark("field", "must be 17 digits followed by a digit or X."),
    mark("field", "must be 18 characters long, got %(number)s."),
    mark("field", "must be a mainland China mobile number: 11 digits starting with 13 to 19."),
    mark("field", "must be a string of 18 characters."),
    mark("field", "must be a string."),
    mark("field", "only mainland China mobile numbers (+86) are accepted."),
    mark("field", "the area code (first 6 digits) does not name a province."),
    mark("field", "the area code (first 6 digits) must start with a digit from 1 to 8."),
    mark("field", "the area code of a residence permit must be 810000, 820000 or 830000."),
    mark("field", "the birth date (digits 7-14) gives an age over %(MAX_AGE_YEARS)s years."),
    mark("field", "the birth date (digits 7-14) is in the future."),
    mark("field", "the birth date (digits 7-14) is not a real date."),
    mark("field", "the check character (last) does not match; a character was probably mistyped."),
    mark(
        "legal.calendar_not_covered",
        "The holiday calendar does not cover %(day)s: the built-in calendar covers %(first)s to %(last)s and no "
        "override announces %(year)s. An administrator must enter that year's holidays before this can be computed.",
    ),
    mark(
        "mediation.assignment_conflict", "Another mediator was offered the case at the same time; reload and try again."
    ),
    mark("mediation.assignment_conflict", "The case was answered at the same time; reload it."),
    mark("privacy.live_cases", "The account cannot be closed while these cases are still going on: %(cases)s"),
    # field messages that are an exception's own text (app/fees/calculation.py AmountError, app/cases/numbers.py)
    mark("field", "give the amount as a decimal string, not a float"),
    mark("field", "not a number of yuan"),
    mark("field", "the amount must be a non-negative number of yuan"),
    mark("field", "the amount has more than two decimals (fen)"),
    mark("field", "%(label)s needs the amount claimed"),
    mark("field", "%(label)s needs an amount"),
    mark("field", "a case-number year has four digits, got %(year)s"),
    mark("field", "not a court code: %(court_code)s"),
    mark("field", "not a case-type code: %(type_code)s"),
    mark("field", "a case-number sequence is a whole number from 1, got %(sequence)s"),
    mark("field", "A case number looks like (2026)浙0212民初1234号."),
    # a body the request guard refuses (miniprogram_api/json_input.py BadJson, under the field "json")
    mark("field", "The body is not UTF-8."),
    mark("field", "JSON nested deeper than %(MAX_DEPTH)s levels."),
    mark("field", "Invalid JSON body: %(exc)s"),
    mark("field", "The body holds values that are refused."),
)
