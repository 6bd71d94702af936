"""GB 11643 resident identity numbers: parse, check the MOD 11-2 character, and refuse what cannot be real."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re

from app.errors import ValidationFailed

REASON = "identity.id_number_invalid"
LENGTH = 18
LEGACY_LENGTH = 15
WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)  # 2**(18-i) mod 11, GB 11643 / ISO 7064
CHECK_CHARACTERS = "10X98765432"  # indexed by the weighted sum mod 11
MAX_AGE_YEARS = 130  # older than any living person; a larger age means a mistyped birth year

# Province-level prefixes of GB/T 2260 (digits 1-2 of the area code). 71 is Taiwan's GB/T 2260 code;
# 81/82/83 are the fixed area codes 810000/820000/830000 of Hong Kong, Macau and Taiwan residence permits.
# A first digit 9 marks the 2023 foreigners' permanent residence card: a different document, refused here.
PROVINCE_PREFIXES = frozenset(
    {"11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37"}
    | {"41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65"}
    | {"71", "81", "82", "83"}
)
RESIDENCE_PERMIT_PREFIXES = frozenset({"81", "82", "83"})

_SHAPE = re.compile(r"[0-9]{17}[0-9X]", re.ASCII)
# Chinese input methods often produce full-width digits and letters; fold them to ASCII before checking.
_FULL_WIDTH = str.maketrans({**{chr(0xFF10 + d): str(d) for d in range(10)}, "\uff38": "X", "\uff58": "X"})


@dataclasses.dataclass(frozen=True)
class IdNumber:
    """A parsed, valid 18-character resident identity number."""

    area_code: str
    birth_date: dt.date
    sequence: str
    sex: str
    normalized: str

    def __repr__(self) -> str:
        # The number is personal information: keep it out of reprs, tracebacks and logs.
        return f"IdNumber({mask(self.normalized)})"

    __str__ = __repr__


def clean(raw: str) -> str:
    """Drop whitespace, fold full-width characters to ASCII and upper-case a trailing x."""
    return "".join(raw.translate(_FULL_WIDTH).split()).upper()


def mask(normalized: str) -> str:
    """Show the first 3 and last 4 characters only: 330***********1234."""
    if len(normalized) != LENGTH:
        return "*" * len(normalized)
    return normalized[:3] + "*" * (LENGTH - 7) + normalized[-4:]


def check_digit(first17: str) -> str:
    """Return the ISO 7064 MOD 11-2 check character for the first 17 digits."""
    if len(first17) != LENGTH - 1 or not first17.isascii() or not first17.isdigit():
        raise ValueError("check_digit needs exactly 17 ASCII digits")
    total = sum(int(char) * weight for char, weight in zip(first17, WEIGHTS, strict=True))
    return CHECK_CHARACTERS[total % 11]


def _invalid(message: str) -> ValidationFailed:
    return ValidationFailed("The resident ID number is invalid.", reason=REASON, errors={"id_number": [message]})


def _check_shape(number: str) -> None:
    if len(number) == LEGACY_LENGTH and number.isascii() and number.isdigit():
        raise _invalid("15-digit ID numbers are no longer accepted; enter the 18-character number on the current card.")
    if len(number) != LENGTH:
        raise _invalid(f"must be 18 characters long, got {len(number)}.")
    if not _SHAPE.fullmatch(number):
        raise _invalid("must be 17 digits followed by a digit or X.")


def _check_area(area_code: str) -> None:
    if area_code[0] not in "12345678":
        raise _invalid("the area code (first 6 digits) must start with a digit from 1 to 8.")
    prefix = area_code[:2]
    if prefix not in PROVINCE_PREFIXES:
        raise _invalid("the area code (first 6 digits) does not name a province.")
    if prefix in RESIDENCE_PERMIT_PREFIXES and area_code[2:] != "0000":
        raise _invalid("the area code of a residence permit must be 810000, 820000 or 830000.")


def _birth_date(digits: str, today: dt.date) -> dt.date:
    try:
        born = dt.date(int(digits[:4]), int(digits[4:6]), int(digits[6:]))
    except ValueError:
        raise _invalid("the birth date (digits 7-14) is not a real date.") from None
    if born > today:
        raise _invalid("the birth date (digits 7-14) is in the future.")
    if _age(born, today) > MAX_AGE_YEARS:
        raise _invalid(f"the birth date (digits 7-14) gives an age over {MAX_AGE_YEARS} years.")
    return born


def _age(born: dt.date, today: dt.date) -> int:
    """Full years completed on `today`."""
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def parse_id_number(raw: object, *, today: dt.date) -> IdNumber:
    """Parse and validate an 18-character resident ID number; raise ValidationFailed saying what is wrong."""
    if not isinstance(raw, str):
        raise _invalid("must be a string of 18 characters.")
    number = clean(raw)
    _check_shape(number)
    if check_digit(number[:17]) != number[17]:
        raise _invalid("the check character (last) does not match; a character was probably mistyped.")
    _check_area(number[:6])
    born = _birth_date(number[6:14], today)
    sex = "male" if int(number[16]) % 2 else "female"
    return IdNumber(area_code=number[:6], birth_date=born, sequence=number[14:17], sex=sex, normalized=number)


def is_valid(raw: object, today: dt.date) -> bool:
    """True when `raw` is a valid resident ID number on `today`."""
    try:
        parse_id_number(raw, today=today)
    except ValidationFailed:
        return False
    return True
