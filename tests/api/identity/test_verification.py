"""Real-name verification: GB 11643 checks, the identity provider, one ID number per account."""

import pytest
from sqlalchemy import select

from app.extensions import db
from app.identity.models import User
from app.security.idcard import check_digit
from tests.support.factories import login, make_user

BODY = "33020219900307123"
ID_NUMBER = BODY + check_digit(BODY)


def verify(client, headers, real_name="张三", id_number=ID_NUMBER):
    return client.post(
        "/api/mp/v1/me/verification", json={"real_name": real_name, "id_number": id_number}, headers=headers
    )


def test_verification_stores_the_number_encrypted_and_shows_it_to_its_owner(client):
    headers = login(make_user())
    response = verify(client, headers)
    assert response.status_code == 200
    body = response.get_json()
    assert body["verification_status"] == "verified" and body["real_name"] == "张三"
    assert body["id_number"] == ID_NUMBER  # the owner sees it unmasked
    user = db.session.scalar(select(User))
    assert ID_NUMBER not in (user.id_number_enc or "") and user.id_number_index


@pytest.mark.parametrize(
    "bad",
    [BODY + ("0" if check_digit(BODY) != "0" else "1"), "12345", "33020219901307123X", "3302021990030712", "abc"],
)
def test_invalid_numbers_are_422_without_echoing_them(client, bad):
    response = verify(client, login(make_user()), id_number=bad)
    assert response.status_code == 422
    body = response.get_json()
    assert body["reason"] in {"identity.id_number_invalid", "validation.failed"}
    assert "id_number" in body["errors"]
    if len(bad) >= 15:
        assert bad not in response.get_data(as_text=True)


def test_the_provider_can_refuse(client):
    response = verify(client, login(make_user()), real_name="拒绝测试")
    assert response.status_code == 422 and response.get_json()["reason"] == "identity.verification_failed"


def test_one_id_number_one_account(client):
    assert verify(client, login(make_user())).status_code == 200
    second = verify(client, login(make_user()))
    assert second.status_code == 409 and second.get_json()["reason"] == "identity.id_number_taken"


def test_verifying_twice_is_a_conflict(client):
    headers = login(make_user())
    verify(client, headers)
    assert verify(client, headers).status_code == 409
