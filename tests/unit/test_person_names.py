"""One rule for "is this the verified person's name": joining a named party and signing in person both use it."""

import pytest

from app.identity.profile import names_match


@pytest.mark.parametrize(
    ("written", "verified"),
    [
        ("李四", "李四"),
        ("李 四", "李四"),
        (" 李四\u3000", "李四"),
        ("ＬＩ Ｓｉ", "LI Si"),  # full-width Latin, as a phone's Chinese keyboard may type it
        ("阿依古丽·买买提", "阿依古丽·买买提"),
        ("阿依古丽•买买提", "阿依古丽·买买提"),  # the separator typed as a bullet,
        ("阿依古丽・买买提", "阿依古丽·买买提"),  # a katakana middle dot,
        ("阿依古丽．买买提", "阿依古丽·买买提"),  # or a full-width full stop
    ],
)
def test_the_same_name_written_with_spaces_or_in_another_width_matches(written, verified):
    assert names_match(written, verified)


@pytest.mark.parametrize(
    ("written", "verified"),
    [("李四", "李五"), ("李四", "李四四"), ("", "李四"), ("李四", ""), ("阿依古丽买买提", "阿依古丽·买买提")],
)
def test_another_name_does_not(written, verified):
    assert not names_match(written, verified)
