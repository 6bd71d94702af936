"""Real-name verification: the development adapter's rules and the HTTP adapter against a real local server."""

import json
import logging
import socket
import threading

import pytest

from app.errors import ServiceUnavailable
from app.integrations import identity
from app.security.idcard import check_digit
from config import ConfigError
from tests.support.live_server import live_server

NAME = "张三丰"
ID_NUMBER = "11010519491231002X"
KEY = "provider-key-0123456789"


class Provider:
    """A tiny identity provider: records each request and answers with the configured response."""

    def __init__(self) -> None:
        self.requests: list[dict] = []
        self.status = "200 OK"
        self.body: bytes = b"{}"
        self.headers = [("Content-Type", "application/json")]
        self.release = threading.Event()
        self.stall = False

    def answer(self, status: str = "200 OK", body: object = None, raw: bytes | None = None, **headers: str) -> None:
        self.status = status
        self.body = raw if raw is not None else json.dumps(body).encode()
        self.headers = [("Content-Type", "application/json"), *headers.items()]

    def __call__(self, environ, start_response):
        length = int(environ.get("CONTENT_LENGTH") or 0)
        self.requests.append(
            {
                "method": environ["REQUEST_METHOD"],
                "path": environ["PATH_INFO"],
                "authorization": environ.get("HTTP_AUTHORIZATION"),
                "content_type": environ.get("CONTENT_TYPE"),
                "json": json.loads(environ["wsgi.input"].read(length) or b"null"),
            }
        )
        if self.stall:
            self.release.wait(10)
        start_response(self.status, self.headers)
        return [self.body]


@pytest.fixture
def provider():
    fake = Provider()
    with live_server(fake) as server:
        fake.url = server.url + "/v1/verify"
        yield fake
        fake.release.set()


def verifier(provider, timeout=2.0) -> identity.HttpIdentityVerifier:
    return identity.HttpIdentityVerifier(url=provider.url, key=KEY, timeout=timeout)


def assert_unavailable(call, caplog) -> ServiceUnavailable:
    with caplog.at_level(logging.DEBUG), pytest.raises(ServiceUnavailable) as caught:
        call()
    error = caught.value
    assert error.http_status == 503 and error.reason == "identity.provider_unavailable"
    assert int(error.headers["Retry-After"]) >= 1
    for secret in (NAME, ID_NUMBER, KEY):
        assert secret not in caplog.text and secret not in error.message
    return error


def test_match_sends_name_and_number_with_the_bearer_key(provider):
    provider.answer(body={"match": True, "reference": "ref-123"})
    result = verifier(provider).verify(NAME, ID_NUMBER)
    assert result == identity.VerificationResult(verified=True, provider="http", reference="ref-123", reason=None)
    [request] = provider.requests
    assert request["method"] == "POST" and request["path"] == "/v1/verify"
    assert request["authorization"] == f"Bearer {KEY}"
    assert request["content_type"].startswith("application/json")
    assert request["json"] == {"name": NAME, "id_number": ID_NUMBER}


def test_no_match_is_an_answer_not_an_error(provider):
    provider.answer(body={"match": False, "reference": 98765})
    result = verifier(provider).verify(NAME, ID_NUMBER)
    assert (result.verified, result.reason, result.reference) == (False, "identity.mismatch", "98765")


def test_a_missing_reference_is_none(provider):
    provider.answer("201 Created", body={"match": True})
    assert verifier(provider).verify(NAME, ID_NUMBER).reference is None


def test_server_error_is_service_unavailable(provider, caplog):
    provider.answer("500 Internal Server Error", body={"error": "boom"})
    assert_unavailable(lambda: verifier(provider).verify(NAME, ID_NUMBER), caplog)
    assert len(provider.requests) == 1  # no retry: a verification may be billed per call


def test_the_providers_retry_after_is_passed_on(provider, caplog):
    provider.answer("503 Service Unavailable", body={}, **{"Retry-After": "30"})
    error = assert_unavailable(lambda: verifier(provider).verify(NAME, ID_NUMBER), caplog)
    assert error.headers["Retry-After"] == "30"


@pytest.mark.parametrize("status", ["401 Unauthorized", "400 Bad Request", "404 Not Found", "302 Found"])
def test_other_statuses_are_service_unavailable(provider, caplog, status):
    provider.answer(status, body={"match": True}, Location="http://127.0.0.1:9/elsewhere")
    assert_unavailable(lambda: verifier(provider).verify(NAME, ID_NUMBER), caplog)
    assert len(provider.requests) == 1  # a redirect is not followed


@pytest.mark.parametrize(
    "raw", [b"not json", b"", b"[]", b'{"match": "true"}', b'{"match": 1}', b'{"reference": "r"}', b"null"]
)
def test_a_2xx_without_a_boolean_match_is_service_unavailable(provider, caplog, raw):
    provider.answer(raw=raw)
    assert_unavailable(lambda: verifier(provider).verify(NAME, ID_NUMBER), caplog)


@pytest.mark.timeout(20)
def test_a_closed_port_is_service_unavailable(caplog):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    closed = identity.HttpIdentityVerifier(url=f"http://127.0.0.1:{port}/verify", key=KEY, timeout=1.0)
    assert_unavailable(lambda: closed.verify(NAME, ID_NUMBER), caplog)


@pytest.mark.timeout(20)
def test_a_provider_slower_than_the_timeout_is_service_unavailable(provider, caplog):
    provider.stall = True
    provider.answer(body={"match": True})
    assert_unavailable(lambda: verifier(provider, timeout=0.3).verify(NAME, ID_NUMBER), caplog)
    provider.release.set()


def test_the_key_stays_out_of_the_repr(provider):
    assert KEY not in repr(verifier(provider))


def test_development_verifier_accepts_well_formed_pairs(clock):
    dev = identity.DevelopmentVerifier()
    for name in ["张三丰", "李四", "买买提·艾力", "John Smith", "Mary·Jane", "欧阳娜娜", "𠮷田"]:
        result = dev.verify(name, ID_NUMBER)
        assert result.verified and result.provider == "development" and result.reason is None, name
        assert result.reference.startswith("dev-") and ID_NUMBER not in result.reference
    assert dev.verify(NAME, "11010519491231002x").verified
    assert dev.verify(" 张三丰 ", ID_NUMBER).verified


@pytest.mark.parametrize(
    "name",
    [
        "张3",
        "张三1",
        "Agent 007",
        "张",
        "a",
        "",
        "   ",
        "张" * 21,
        "John  Smith",
        "·张三",
        "张三·",
        "张··三",
        "张三John",
        "张 三",
        "John-Smith",
        "O'Brien",
        "张\n三",
        "张三\u200b",
        None,
    ],
)
def test_development_verifier_rejects_malformed_names(clock, name):
    result = identity.DevelopmentVerifier().verify(name, ID_NUMBER)
    assert (result.verified, result.reason) == (False, "identity.name_invalid")


def test_twenty_characters_is_the_longest_name(clock):
    assert identity.DevelopmentVerifier().verify("张" * 20, ID_NUMBER).verified
    assert not identity.DevelopmentVerifier().verify("A" * 21, ID_NUMBER).verified


@pytest.mark.parametrize("number", ["110105194912310021", "130503670401001", "", "abc", None, "11010520261103002X"])
def test_development_verifier_rejects_invalid_numbers(clock, number):
    result = identity.DevelopmentVerifier().verify(NAME, number)
    assert (result.verified, result.reason) == (False, "identity.id_number_invalid")


def test_development_verifier_uses_the_clock_for_birth_dates(clock):
    first17 = "110105" + "20261103" + "002"
    born_tomorrow = first17 + check_digit(first17)
    assert not identity.DevelopmentVerifier().verify(NAME, born_tomorrow).verified
    clock.advance(days=1)
    assert identity.DevelopmentVerifier().verify(NAME, born_tomorrow).verified


def test_development_verifier_rejects_the_documented_magic_name(clock):
    result = identity.DevelopmentVerifier().verify(identity.REJECTED_NAME, ID_NUMBER)
    assert identity.REJECTED_NAME == "拒绝测试"
    assert (result.verified, result.reason, result.reference) == (False, "identity.mismatch", None)


def test_build_verifier_picks_the_adapter():
    assert isinstance(identity.build_verifier({}), identity.DevelopmentVerifier)
    assert isinstance(identity.build_verifier({"IDENTITY_VERIFIER": "Development"}), identity.DevelopmentVerifier)
    http = identity.build_verifier(
        {
            "IDENTITY_VERIFIER": "http",
            "IDENTITY_VERIFIER_URL": "https://id.example/v",
            "IDENTITY_VERIFIER_KEY": KEY,
            "IDENTITY_VERIFIER_TIMEOUT": "2.5",
            "ENV_NAME": "production",
        }
    )
    assert isinstance(http, identity.HttpIdentityVerifier)
    assert (http.url, http.timeout) == ("https://id.example/v", 2.5)
    default = identity.build_verifier(
        {"IDENTITY_VERIFIER": "http", "IDENTITY_VERIFIER_URL": "http://127.0.0.1:1/v", "IDENTITY_VERIFIER_KEY": KEY}
    )
    assert default.timeout == identity.DEFAULT_TIMEOUT_SECONDS


HTTP = {"IDENTITY_VERIFIER": "http", "IDENTITY_VERIFIER_URL": "https://id.example/v", "IDENTITY_VERIFIER_KEY": KEY}


@pytest.mark.parametrize(
    ("settings", "says"),
    [
        ({"IDENTITY_VERIFIER": "face"}, "must be 'development' or 'http'"),
        ({"ENV_NAME": "production"}, "production needs a real provider"),
        ({**HTTP, "IDENTITY_VERIFIER_URL": ""}, "http(s) URL"),
        ({**HTTP, "IDENTITY_VERIFIER_URL": "ftp://id.example"}, "http(s) URL"),
        ({**HTTP, "IDENTITY_VERIFIER_KEY": ""}, "IDENTITY_VERIFIER_KEY is required"),
        ({**HTTP, "IDENTITY_VERIFIER_TIMEOUT": "soon"}, "number of seconds"),
        ({**HTTP, "IDENTITY_VERIFIER_TIMEOUT": "0"}, "between 0 and 60"),
        ({**HTTP, "IDENTITY_VERIFIER_TIMEOUT": "600"}, "between 0 and 60"),
        ({**HTTP, "IDENTITY_VERIFIER_URL": "http://id.example/v", "ENV_NAME": "production"}, "https in production"),
    ],
)
def test_build_verifier_refuses_bad_settings(settings, says):
    with pytest.raises(ConfigError) as caught:
        identity.build_verifier(settings)
    assert says in str(caught.value)
