"""Texts the catalogue scan (app/i18n/sources.py) does not see, because the code builds them away from the
raise: per-field messages put into an `errors` dict before it is raised, a ValidationFailed raised under its own
reason with the class's words, and messages passed through a variable or a helper. Each must still reach a
Chinese reader in Chinese (issue 21). The scan now reads field messages put into an errors dict and a class's words
under a call's reason; the texts built by helpers are named in app/i18n/kept_texts.py, so `make messages` keeps
them (tests/i18n/test_catalogue.py checks that extraction and the template agree)."""

from __future__ import annotations

import ast
import datetime as dt

import pytest

from app.errors import AppError
from app.i18n import catalogue, sources


def _chinese(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def _sample(template: str) -> str:
    names = catalogue.placeholders(template)
    return template % dict.fromkeys(names, "X") if names else template.replace("%%", "%")


def _field_messages_built_before_the_raise() -> list[tuple[str, int, str]]:
    """`errors["f"] = ["Words."]`, `problems["f"] = [...]`, `errors.setdefault("f", []).append("Words.")`."""
    found = []
    for path in sources.source_files():
        where = path.relative_to(sources.ROOT).as_posix()
        for node in ast.walk(sources._parsed(path)):
            values: list[ast.AST] = []
            if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Subscript):
                target = node.targets[0].value
                if isinstance(target, ast.Name) and ("error" in target.id or "problem" in target.id):
                    values = list(node.value.elts) if isinstance(node.value, ast.List | ast.Tuple) else [node.value]
            elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "append":
                inner = node.func.value
                if isinstance(inner, ast.Call) and isinstance(inner.func, ast.Attribute):
                    values = list(node.args) if inner.func.attr == "setdefault" else []
            for value in values:
                template = sources.template_of(value)
                if template and not sources.MACHINE_VALUE.fullmatch(template):
                    found.append((where, value.lineno, template))
    return found


def test_field_messages_built_before_the_raise_read_in_chinese():
    found = _field_messages_built_before_the_raise()
    assert len(found) > 30  # the scan sees the code
    operator_only = {"app/integrations/wechat.py"}  # an administrator's mini-program code request
    english = [
        f"{where}:{line} {template}"
        for where, line, template in found
        if where not in operator_only and not _chinese(catalogue.translate("field", _sample(template), "zh"))
    ]
    assert not english, "no Chinese (add the [field] entry):\n" + "\n".join(english)


def test_a_validation_answer_under_its_own_reason_reads_in_chinese():
    """`ValidationFailed(errors=..., reason="agent.self")`: the class's words under a reason of the call's own."""
    classes = sources.error_classes()
    english = []
    for path in sources.source_files():
        for node in ast.walk(sources._parsed(path)):
            if not (isinstance(node, ast.Call) and sources._name(node.func) in classes) or node.args:
                continue
            if any(k.arg == "message" for k in node.keywords):
                continue
            reason = next((k.value for k in node.keywords if k.arg == "reason"), None)
            if isinstance(reason, ast.Constant) and isinstance(reason.value, str):
                words = classes[sources._name(node.func)][1] or ""
                if words and not _chinese(catalogue.translate(reason.value, words, "zh")):
                    english.append(f"{path.relative_to(sources.ROOT)}:{node.lineno} [{reason.value}] {words}")
    assert not english, "\n".join(english)


def _raised(call) -> AppError:
    with pytest.raises(AppError) as caught:
        call()
    return caught.value


def test_messages_built_by_helpers_read_in_chinese(app):
    from app.identity import sms_login
    from app.legal.calendar import CalendarNotCovered
    from app.security import idcard, pii

    today = dt.date(2026, 12, 6)
    texts = [
        ("auth.code_invalid", sms_login.WRONG_CODE, {}),
        *[(e.reason, e.message, e.errors) for e in [CalendarNotCovered(dt.date(2031, 1, 1))]],
        *[
            (e.reason, e.message, e.errors)
            for e in (
                _raised(lambda raw=raw: idcard.parse_id_number(raw, today=today))
                for raw in ("123", "1234567890123456789", "11010519491231002X"[:-1] + "0", 7)
            )
        ],
    ]
    with app.test_request_context():
        for raw in ("abc", "+1 202 555 0100", "1234"):
            error = _raised(lambda raw=raw: pii.normalize_phone(raw))
            texts.append((error.reason, error.message, error.errors))
    from app.cases.review import NUMBER_TAKEN
    from miniprogram_api.request_guard import TEXT_REFUSED

    texts += [("validation.failed", "Some fields are invalid.", {"f": [NUMBER_TAKEN, TEXT_REFUSED]})]
    for reason, message, errors in texts:
        assert _chinese(catalogue.translate(reason, message, "zh")), (reason, message)
        for field, messages in catalogue.translate_fields(errors or {}, "zh").items():
            assert all(_chinese(m) or sources.MACHINE_VALUE.fullmatch(m) for m in messages), (field, messages)


def test_every_reason_the_code_names_has_a_catalogue_entry():
    """Also a reason raised with a message held in a variable (`Unauthorized(WRONG_CODE, reason=...)`) or
    assigned before the raise (`reason, message = "document.not_delivered", ...`), which sources.reasons() skips."""
    contexts = set(catalogue.index())
    operator_only = {"health.not_ready"}  # the readiness probe's answer, read by operators
    classes = sources.error_classes()
    missing = []
    for path in sources.source_files():
        tree = sources._parsed(path)
        constants = {
            t.id: s.value.value
            for s in tree.body
            if isinstance(s, ast.Assign) and isinstance(s.value, ast.Constant) and isinstance(s.value.value, str)
            for t in s.targets
            if isinstance(t, ast.Name)
        }
        for node in ast.walk(tree):
            named: object = None
            if isinstance(node, ast.Call) and sources._name(node.func) in classes:
                value = next((k.value for k in node.keywords if k.arg == "reason"), None)
                if isinstance(value, ast.Constant):
                    named = value.value
                elif isinstance(value, ast.Name):
                    named = constants.get(value.id)
            elif (
                isinstance(node, ast.Assign)
                and isinstance(node.value, ast.Constant)
                and any(isinstance(t, ast.Name) and t.id == "reason" for t in node.targets)
            ):
                named = node.value.value if "." in str(node.value.value) else None
            if isinstance(named, str) and named not in contexts and named not in operator_only:
                missing.append(f"{path.relative_to(sources.ROOT)}:{node.lineno} {named}")
    assert not missing, "\n".join(missing)


@pytest.mark.parametrize(
    "text",
    [
        "give the amount as a decimal string, not a float",
        "the amount has more than two decimals (fen)",
        "诉讼费 needs the amount claimed",
        "a case-number year has four digits, got '20x6'",
        "not a court code: 'Z9'",
        "A case number looks like (2026)浙0212民初1234号.",
    ],
)
def test_field_messages_that_are_an_exceptions_own_text_read_in_chinese(text):
    """AmountError (fees) and the case-number parser raise ValueError texts that become field messages."""
    (rendered,) = catalogue.translate_fields({"f": [text]}, "zh")["f"]
    assert _chinese(rendered.replace("浙0212民初1234号", "").replace("诉讼费", "")), rendered


def test_a_body_the_guard_refuses_says_why_in_chinese(client):
    answer = client.post("/api/mp/v1/auth/sms/send", data=b'{"phone": ', content_type="application/json")
    assert answer.status_code == 400 and answer.get_json()["reason"] == "request.bad_json"
    (detail,) = answer.get_json()["errors"]["json"]
    assert detail.startswith("JSON 请求体无效："), detail
