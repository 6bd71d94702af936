"""How the pages are served: from web/, public, with a content security policy and no way out of the folder."""

from __future__ import annotations

import pytest

from miniprogram_api.pages import CSP, policy


@pytest.mark.parametrize("path", ["/h5/", "/console/"])
def test_each_site_serves_its_page_with_a_strict_policy(client, path: str):
    response = client.get(path, buffered=True)
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    policy = response.headers["Content-Security-Policy"]
    assert policy == CSP and "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert "script-src 'self'" in policy and "connect-src 'self'" in policy
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert 'type="module"' in response.get_data(as_text=True)


def test_the_address_without_a_slash_moves_to_the_site(client):
    response = client.get("/h5", buffered=True)
    assert response.status_code == 308 and response.headers["Location"].endswith("/h5/")


def test_shared_files_and_the_catalogue_are_served(client):
    assert client.get("/web/common/api.js", buffered=True).mimetype in ("text/javascript", "application/javascript")
    catalogue = client.get("/web/i18n/zh-CN.json", buffered=True)
    assert catalogue.status_code == 200 and catalogue.get_json()["common.product"] == "微法院"


@pytest.mark.parametrize("path", ["/h5/../config.py", "/web/../config.py", "/h5/%2e%2e/wsgi.py", "/console/nope.js"])
def test_nothing_outside_web_and_nothing_missing(client, path: str):
    assert client.get(path, buffered=True).status_code == 404


def test_the_plain_qr_link_opened_outside_wechat_lands_on_the_h5_invitation(client):
    response = client.get("/mp/pages/invitation/accept?scene=Xk3abcdefghijklmnopqrstu", buffered=True)
    assert response.status_code == 302
    assert response.headers["Location"] == "/h5/#/invite/Xk3abcdefghijklmnopqrstu"


@pytest.mark.parametrize(
    "path", ["/mp/pages/other?scene=Xk3abcdefghijklmnopqrstu", "/mp/pages/invitation/accept?scene=<script>", "/mp/x"]
)
def test_other_mini_program_links_are_not_found(client, path: str):
    response = client.get(path, buffered=True)
    assert response.status_code == 404 and response.get_json()["reason"] == "resource.not_found"


def test_with_an_s3_store_the_policy_lets_the_page_post_uploads_to_its_endpoint():
    s3 = {"STORAGE_BACKEND": "s3", "S3_ENDPOINT_URL": "https://oss.court.example:9000/bucket"}
    assert "connect-src 'self' https://oss.court.example:9000;" in policy(s3)
    assert "connect-src 'self' https://*.amazonaws.com;" in policy({"STORAGE_BACKEND": "s3", "S3_ENDPOINT_URL": ""})
    assert policy({"STORAGE_BACKEND": "local"}) == CSP
