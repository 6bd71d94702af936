"""A body that is not JSON says where and why in the reader's language (issue 21): the decoder's position and its
known messages come from the catalogue, never the json module's English text."""

from __future__ import annotations

import json

import pytest

from miniprogram_api import json_input

URL = "/api/mp/v1/auth/sms/send"


def _detail(client, body: bytes, language: str) -> str:
    answer = client.post(URL, data=body, content_type="application/json", headers={"Accept-Language": language})
    assert answer.status_code == 400 and answer.get_json()["reason"] == "request.bad_json"
    (detail,) = answer.get_json()["errors"]["json"]
    return detail


@pytest.mark.parametrize(
    ("body", "zh", "en"),
    [
        (
            b'{"phone" "1"}',
            "JSON 请求体无效：第1行第10列处应为分隔符 ':'。",
            "Invalid JSON body: a ':' delimiter was expected at line 1, column 10.",
        ),
        (
            b'{"phone": "1"\n "x": 2}',
            "JSON 请求体无效：第2行第2列处应为分隔符 ','。",
            "Invalid JSON body: a ',' delimiter was expected at line 2, column 2.",
        ),
        (
            b'{"phone": ',
            "JSON 请求体无效：第1行第11列处应为一个值。",
            "Invalid JSON body: a value was expected at line 1, column 11.",
        ),
        (
            b'{"phone": "13800',
            "JSON 请求体无效：从第1行第11列开始的字符串没有结束。",
            "Invalid JSON body: the string starting at line 1, column 11 is not closed.",
        ),
    ],
)
def test_the_decoders_detail_reads_in_the_readers_language(client, body, zh, en):
    assert _detail(client, body, "zh-CN") == zh
    assert _detail(client, body, "en") == en
    assert "Expecting" not in _detail(client, body, "zh")  # the json module's English never reaches a reader


def test_every_known_decoder_message_has_chinese_and_an_unknown_one_gets_the_generic_text(app):
    from app.i18n import catalogue

    for template in [*json_input.DECODE_ERRORS.values(), json_input.DECODE_ERROR_UNKNOWN]:
        english = template % {"line": 3, "column": 7}
        (chinese,) = catalogue.translate_fields({"json": [english]}, "zh")["json"]
        assert chinese.startswith("JSON 请求体无效：") and "第3行第7列" in chinese, (template, chinese)
    unknown = json.JSONDecodeError("Something new", "[1, 2", 4)
    assert json_input.decode_error(unknown) == "Invalid JSON body at line 1, column 5."


def test_the_table_knows_the_messages_this_python_raises():
    for body in ['{"a": ', '{"a" 1}', "{a:1}", "[1 2]", '"abc', '"\\x"', '"\\u12"', "[1] x", '"a\x01"', "[1,]", "{"]:
        with pytest.raises(json.JSONDecodeError) as caught:
            json.JSONDecoder().decode(body)
        assert caught.value.msg in json_input.DECODE_ERRORS, caught.value.msg
