"""GB 11643 resident ID numbers: published samples, every refusal, and generated numbers in bulk."""

import datetime as dt
import random

import pytest

from app.errors import ValidationFailed
from app.security import idcard

TODAY = dt.date(2026, 11, 2)


def make(area: str = "330102", birth: str = "19900101", sequence: str = "123") -> str:
    """A valid number built with the module's own check-digit function."""
    first17 = area + birth + sequence
    return first17 + idcard.check_digit(first17)


def iso_7064_residue(number: str) -> int:
    """ISO 7064 MOD 11-2 written the standard's other way: weights 2**(i-1) mod 11 counted from the right."""
    total = 0
    for position, char in enumerate(reversed(number), start=1):
        total += (10 if char == "X" else int(char)) * pow(2, position - 1, 11)
    return total % 11


def refusal(raw, today=TODAY) -> str:
    """Parse, expect a refusal, check its shape, and return the one field message."""
    with pytest.raises(ValidationFailed) as caught:
        idcard.parse_id_number(raw, today=today)
    error = caught.value
    assert error.http_status == 422
    assert error.reason == "identity.id_number_invalid"
    assert list(error.errors) == ["id_number"] and len(error.errors["id_number"]) == 1
    message = error.errors["id_number"][0]
    if isinstance(raw, str) and len(raw.strip()) >= 6:
        assert raw.strip() not in message and raw.strip() not in error.message  # never echo the number
    return message


# Published samples, checked by hand with weights 7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2:
# - GB 11643-1999 annex A:      11010519491231002X  weighted sum 167, 167 mod 11 = 2  -> X
# - GB 11643-1999 annex A:      440524188001010014  weighted sum 195, 195 mod 11 = 8  -> 4
# - 15-to-18 conversion of 130503670401001 in the standard's commentary:
#                               130503196704010016  weighted sum 182, 182 mod 11 = 6  -> 6
# - widely used textbook example: 34052419800101001X weighted sum 189, 189 mod 11 = 2 -> X
PUBLISHED = [
    ("11010519491231002X", "110105", dt.date(1949, 12, 31), "002", "female"),
    ("130503196704010016", "130503", dt.date(1967, 4, 1), "001", "male"),
    ("34052419800101001X", "340524", dt.date(1980, 1, 1), "001", "male"),
]


@pytest.mark.parametrize(("number", "area", "born", "sequence", "sex"), PUBLISHED)
def test_published_samples_parse(number, area, born, sequence, sex):
    parsed = idcard.parse_id_number(number, today=TODAY)
    assert (parsed.area_code, parsed.birth_date, parsed.sequence, parsed.sex) == (area, born, sequence, sex)
    assert parsed.normalized == number
    assert idcard.check_digit(number[:17]) == number[17]
    assert iso_7064_residue(number) == 1


def test_the_standards_1880_sample_has_a_valid_check_digit_but_is_too_old_today():
    number = "440524188001010014"
    assert idcard.check_digit(number[:17]) == "4"
    parsed = idcard.parse_id_number(number, today=dt.date(1999, 10, 1))  # the year the standard took effect
    assert (parsed.birth_date, parsed.sex) == (dt.date(1880, 1, 1), "male")
    assert "over 130" in refusal(number)


def test_every_remainder_maps_to_the_standard_check_character():
    seen = {}
    rng = random.Random(11643)
    while len(seen) < 11:
        first17 = "".join(rng.choice("0123456789") for _ in range(17))
        total = sum(int(c) * w for c, w in zip(first17, idcard.WEIGHTS, strict=True))
        seen[total % 11] = idcard.check_digit(first17)
    assert [seen[r] for r in range(11)] == ["1", "0", "X", "9", "8", "7", "6", "5", "4", "3", "2"]


@pytest.mark.parametrize("bad", ["", "1234567890123456", "12345678901234567X1", "abcdefghijklmnopq", "１２３"])
def test_check_digit_needs_seventeen_ascii_digits(bad):
    with pytest.raises(ValueError):
        idcard.check_digit(bad)


def test_lower_case_x_spaces_and_full_width_characters_are_accepted():
    number = "11010519491231002X"
    assert idcard.parse_id_number("11010519491231002x", today=TODAY).normalized == number
    assert idcard.parse_id_number(" 110105 19491231 002x ", today=TODAY).normalized == number
    full_width = "".join(chr(0xFF10 + int(c)) for c in number[:17]) + "ｘ"
    assert idcard.parse_id_number(full_width, today=TODAY).normalized == number


@pytest.mark.parametrize("raw", [make()[:17], make() + "1", "1" * 19, "", "   "])
def test_wrong_length_is_refused(raw):
    assert "18 characters" in refusal(raw)


@pytest.mark.parametrize(
    "raw", [make()[:5] + "A" + make()[6:], "X" + make()[1:], make()[:17] + "Y", make()[:10] + "-" + make()[11:]]
)
def test_letters_and_punctuation_are_refused(raw):
    assert "17 digits followed by a digit or X" in refusal(raw)


@pytest.mark.parametrize("raw", [None, 330102199001011235, b"11010519491231002X"])
def test_non_text_is_refused(raw):
    assert "string" in refusal(raw)


def test_fifteen_digit_numbers_are_refused_with_a_clear_message():
    message = refusal("130503670401001")
    assert "15-digit" in message and "18-character" in message


@pytest.mark.parametrize("position", range(18))
def test_a_wrong_character_at_any_position_is_caught_by_the_check_character(position):
    valid = "11010519491231002X"
    alphabet = "0123456789X" if position == 17 else "0123456789"
    for replacement in alphabet:
        if replacement == valid[position]:
            continue
        mutated = valid[:position] + replacement + valid[position + 1 :]
        assert "check character" in refusal(mutated)


@pytest.mark.parametrize("position", range(16))
def test_swapped_neighbours_are_caught(position):
    valid = make("350102", "19870623", "475")  # no two equal neighbours in the first 17 digits
    assert valid[position] != valid[position + 1]
    swapped = valid[:position] + valid[position + 1] + valid[position] + valid[position + 2 :]
    assert "check character" in refusal(swapped)


@pytest.mark.parametrize("birth", ["19900230", "19900231", "19901301", "19900001", "19900100", "20010229", "19000229"])
def test_impossible_birth_dates_are_refused(birth):
    assert "not a real date" in refusal(make(birth=birth))


def test_leap_day_in_a_leap_year_is_accepted():
    assert idcard.parse_id_number(make(birth="20000229"), today=TODAY).birth_date == dt.date(2000, 2, 29)


def test_birth_dates_in_the_future_are_refused_and_today_is_accepted():
    assert "future" in refusal(make(birth="20261103"))
    assert "future" in refusal(make(birth="20991231"))
    assert idcard.parse_id_number(make(birth="20261102"), today=TODAY).birth_date == TODAY


def test_age_limit_is_130_full_years():
    assert idcard.parse_id_number(make(birth="18961102"), today=TODAY).birth_date == dt.date(1896, 11, 2)  # 130
    assert idcard.parse_id_number(make(birth="18951103"), today=TODAY).birth_date == dt.date(1895, 11, 3)  # 130
    assert "over 130" in refusal(make(birth="18951102"))  # 131 today
    assert "over 130" in refusal(make(birth="17000101"))


@pytest.mark.parametrize(
    "area",
    [
        "010101",
        "910101",
        "931000",
        "100101",
        "160101",
        "200101",
        "240101",
        "300101",
        "380101",
        "400101",
        "470101",
        "550101",
        "600101",
        "660101",
        "700101",
        "720101",
        "800101",
        "840101",
        "990000",
    ],
)
def test_areas_outside_the_province_list_are_refused(area):
    message = refusal(make(area=area))
    assert "area code" in message


@pytest.mark.parametrize("area", ["810100", "820001", "831000"])
def test_residence_permits_use_the_fixed_area_codes_only(area):
    assert "810000, 820000 or 830000" in refusal(make(area=area))


@pytest.mark.parametrize("prefix", sorted(idcard.PROVINCE_PREFIXES))
def test_every_listed_province_prefix_is_accepted(prefix):
    area = prefix + "0000"
    assert idcard.parse_id_number(make(area=area), today=TODAY).area_code == area


def test_sex_follows_the_parity_of_the_sequence():
    assert idcard.parse_id_number(make(sequence="001"), today=TODAY).sex == "male"
    assert idcard.parse_id_number(make(sequence="010"), today=TODAY).sex == "female"
    assert idcard.parse_id_number(make(sequence="999"), today=TODAY).sex == "male"


def test_is_valid_and_the_masked_repr():
    assert idcard.is_valid("11010519491231002X", TODAY)
    assert idcard.is_valid("11010519491231002x", today=TODAY)
    assert not idcard.is_valid("110105194912310021", TODAY)
    assert not idcard.is_valid(None, TODAY)
    parsed = idcard.parse_id_number("11010519491231002X", today=TODAY)
    assert "19491231" not in repr(parsed) and "19491231" not in str(parsed)
    assert repr(parsed) == "IdNumber(110***********002X)"


def _random_number(rng: random.Random) -> tuple[str, dict]:
    prefix = rng.choice(sorted(idcard.PROVINCE_PREFIXES - idcard.RESIDENCE_PERMIT_PREFIXES))
    area = prefix + f"{rng.randrange(10000):04d}"
    if rng.random() < 0.1:
        area = rng.choice(sorted(idcard.RESIDENCE_PERMIT_PREFIXES)) + "0000"
    born = TODAY - dt.timedelta(days=rng.randrange(0, 130 * 365))
    sequence = f"{rng.randrange(1000):03d}"
    number = make(area, born.strftime("%Y%m%d"), sequence)
    return number, {"area_code": area, "birth_date": born, "sequence": sequence}


def test_generated_numbers_round_trip_and_single_errors_are_caught():
    rng = random.Random(20261102)
    check_characters = set()
    for _ in range(3000):
        number, expected = _random_number(rng)
        parsed = idcard.parse_id_number(number.lower(), today=TODAY)
        assert parsed.normalized == number
        assert (parsed.area_code, parsed.birth_date, parsed.sequence) == tuple(expected.values())
        assert parsed.sex == ("male" if int(expected["sequence"]) % 2 else "female")
        assert iso_7064_residue(number) == 1
        check_characters.add(number[17])
        position = rng.randrange(18)
        wrong = rng.choice([c for c in "0123456789X" if c != number[position] and (position == 17 or c != "X")])
        assert not idcard.is_valid(number[:position] + wrong + number[position + 1 :], TODAY)
    assert check_characters == set("0123456789X")
