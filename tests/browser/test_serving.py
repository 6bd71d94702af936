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


@pytest.mark.parametrize(("site", "other"), [("h5", "console"), ("console", "h5")])
def test_each_site_is_sent_a_catalogue_without_the_other_sites_words(client, site: str, other: str):
    """One catalogue file per language for the translators; each site fetches its own words and the shared ones
    (docs/pages.md, "Text"), revalidated like every page file, and the served page preloads that address."""
    for lang, product in (("zh-CN", "微法院"), ("en", None)):
        sent = client.get(f"/{site}/i18n/{lang}.json", buffered=True)
        words = sent.get_json()
        assert sent.status_code == 200 and sent.mimetype == "application/json"
        assert product is None or words["common.product"] == product
        assert words["login.title"] and words["case_status.accepted"] and f"{site}.title" in words
        assert not [key for key in words if key.startswith(f"{other}.")]
        assert sent.headers["Cache-Control"] == "no-cache" and sent.headers["Content-Security-Policy"] == CSP
        again = client.get(f"/{site}/i18n/{lang}.json", headers={"If-None-Match": sent.headers["ETag"]}, buffered=True)
        assert again.status_code == 304
    html = client.get(f"/{site}/", buffered=True).get_data(as_text=True)
    assert f'<link rel="preload" href="/{site}/i18n/zh-CN.json" as="fetch" crossorigin>' in html
    assert "/web/i18n/" not in html


@pytest.mark.parametrize("path", ["/h5/i18n/fr.json", "/console/i18n/zh_CN.json", "/h5/i18n/..%2fzh-CN.json"])
def test_no_catalogue_for_a_language_there_is_no_file_for(client, path: str):
    assert client.get(path, buffered=True).status_code == 404


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


@pytest.mark.parametrize("site", ["h5", "console"])
def test_the_first_screen_is_rendered_from_the_catalogue_with_its_login_form(client, site: str):
    """The login form is in the HTML (usable before the scripts arrive), every text filled from the zh-CN
    catalogue, its buttons waiting for the script, and nothing inline for the CSP to refuse."""
    import json
    import re

    from miniprogram_api.pages import WEB_ROOT

    words = json.loads((WEB_ROOT / "i18n" / "zh-CN.json").read_text(encoding="utf-8"))
    html = client.get(f"/{site}/", buffered=True).get_data(as_text=True)
    for key, text in re.findall(r'data-i18n(?:-title)?="([\w.-]+)"[^>]*>([^<]*)<', html):
        assert text == words[key], key  # none left empty, none of its own
    for key, text in re.findall(r'data-i18n-label="([\w.-]+)" aria-label="([^"]*)"', html):
        assert text == words[key], key
    assert '<label for="phone" data-i18n="login.phone">手机号</label>' in html
    assert re.search(r'<input id="phone" name="phone" type="tel"', html) and 'id="code"' in html
    assert re.search(r'<button type="submit" id="login" disabled', html)  # waits for the script: no native submit
    assert re.search(r'<button type="button" id="send-code"[^>]* disabled', html)
    assert "<style" not in html and " style=" not in html and not re.search(r"<script(?![^>]*\bsrc=)", html)
    assert client.get(f"/{site}/index.html", buffered=True, follow_redirects=True).get_data(as_text=True) == html


def test_the_sms_links_first_screen_says_a_document_waits_before_any_script(client):
    html = client.get("/h5/", buffered=True).get_data(as_text=True)  # the fragment (#/documents/<id>) is not sent
    assert "收到法院短信里的文书链接？请用接收短信的手机号登录" in html


@pytest.mark.parametrize("path", ["/h5/", "/console/"])
def test_the_rendered_page_is_revalidated_by_its_etag(client, path: str):
    first = client.get(path, buffered=True)
    assert first.headers["Cache-Control"] == "no-cache" and first.headers["ETag"]
    # the same HTML for every reader (the language choice lives in the browser), but for the login screen
    assert first.headers["Vary"] == "Cookie"
    again = client.get(path, headers={"If-None-Match": first.headers["ETag"]}, buffered=True)
    assert again.status_code == 304 and again.headers["Content-Security-Policy"] == CSP
    assert client.get("/web/common/ui.js", headers={"If-None-Match": "x"}, buffered=True).headers["ETag"]


@pytest.mark.parametrize(("site", "hint", "other"), [("console", "mc_console", "h5"), ("h5", "mc_h5", "console")])
def test_a_site_whose_tab_is_logged_in_is_sent_no_login_form(client, site: str, hint: str, other: str):
    """Each site's script (keepSessionHint in web/common/api.js) sets its cookie while its tab holds a session: the
    next load is sent with a "loading" line where the login screen was, so the form is never painted before the
    script decides; a browser without the hint (or with any other value) gets the login form, and the other site
    pays no attention to it."""
    plain = client.get(f"/{site}/", buffered=True)
    client.set_cookie(hint, "1", path=f"/{site}/")
    hinted = client.get(f"/{site}/", buffered=True)
    html = hinted.get_data(as_text=True)
    assert 'id="login-screen"' in plain.get_data(as_text=True) and 'id="login-screen"' not in html
    assert 'id="phone"' not in html and '<p class="meta" data-i18n="common.loading">正在加载…</p>' in html
    assert 'type="module"' in html and 'id="tabs"' in html  # the rest of the first screen as before
    assert f'<link rel="preload" href="/{site}/i18n/zh-CN.json"' in html
    assert hinted.headers["ETag"] != plain.headers["ETag"] and hinted.headers["Vary"] == "Cookie"
    again = client.get(f"/{site}/", headers={"If-None-Match": hinted.headers["ETag"]}, buffered=True)
    assert again.status_code == 304
    client.set_cookie(hint, "1", path="/")  # even if it reached the other site, that site's own hint decides
    assert 'id="login-screen"' in client.get(f"/{other}/", buffered=True).get_data(as_text=True)
    client.set_cookie(hint, "0", path=f"/{site}/")
    client.delete_cookie(hint, path="/")
    assert client.get(f"/{site}/", buffered=True).headers["ETag"] == plain.headers["ETag"]
