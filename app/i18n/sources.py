"""The user-facing error texts, read from the code: every reason an error is raised with, and its English words.

A static scan (no import of any domain): each `raise`-able call of an `AppError` subclass (the classes of
app/errors.py and any subclass defined in the project), with its `reason` (a literal, a module constant, an
imported module's constant such as `rules.TOO_LARGE`, or the class's own) and its message (a literal or an
f-string: each `{expression}` becomes a named placeholder `%(name)s`); the per-field messages written as literals
in its `errors={...}` (context "field"); each class's `reason`/`default_message`; a schema's own field messages
(marshmallow's `ValidationError("...")` and a validator's `error="..."`, context "field"); each `mark(context,
text)` call; and each `message("template", ...)` of app/i18n/messages.py (context "timeline" unless a literal
`context=` says otherwise). This is what `make messages` extracts into the catalogue and what tests/i18n checks the
catalogue against.
"""

from __future__ import annotations

import ast
import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
SCANNED = ("app", "miniprogram_api")
BASE_CLASSES = "AppError"


@dataclass(frozen=True)
class Text:
    """One user-facing text: its context (the error's reason), its English template, where the code says it."""

    context: str
    template: str
    path: str
    line: int


def source_files() -> list[Path]:
    return sorted(p for folder in SCANNED for p in (ROOT / folder).rglob("*.py"))


@functools.cache
def _parsed(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


@functools.cache
def error_classes() -> dict[str, tuple[str | None, str | None]]:
    """Every AppError subclass by name: (reason, default_message), inherited from its base when not its own."""
    found: dict[str, tuple[str | None, str | None, str | None]] = {}  # name -> (base, reason, message)
    for path in source_files():
        for node in ast.walk(_parsed(path)):
            if not isinstance(node, ast.ClassDef):
                continue
            base = next((_name(b) for b in node.bases if _name(b)), None)
            attrs = {
                t.id: s.value.value
                for s in node.body
                if isinstance(s, ast.Assign) and isinstance(s.value, ast.Constant) and isinstance(s.value.value, str)
                for t in s.targets
                if isinstance(t, ast.Name)
            }
            found[node.name] = (base, attrs.get("reason"), attrs.get("default_message"))
    classes: dict[str, tuple[str | None, str | None]] = {}

    def resolve(name: str, depth: int = 0) -> tuple[str | None, str | None] | None:
        if name not in found or depth > 10:
            return None
        base, reason, message = found[name]
        if name == BASE_CLASSES:
            return reason, message
        inherited = resolve(base, depth + 1) if base else None
        if inherited is None:
            return None
        return reason or inherited[0], message or inherited[1]

    for name in found:
        resolved = resolve(name)
        if resolved is not None:
            classes[name] = resolved
    return classes


def _module_constants(path: Path) -> dict[str, str]:
    """A module's top-level string constants (`TOO_LARGE = "evidence.too_large"`)."""
    return {
        t.id: s.value.value
        for s in _parsed(path).body
        if isinstance(s, ast.Assign) and isinstance(s.value, ast.Constant) and isinstance(s.value.value, str)
        for t in s.targets
        if isinstance(t, ast.Name)
    }


def _imported_constant(tree: ast.Module, value: ast.Attribute) -> str | None:
    """`module.NAME` where the file imported the module from the project (`from app.evidence import rules`)."""
    if not isinstance(value.value, ast.Name):
        return None
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                if (alias.asname or alias.name) == value.value.id:
                    path = ROOT.joinpath(*node.module.split("."), f"{alias.name}.py")
                    if path.is_file():
                        return _module_constants(path).get(value.attr)
    return None


def _name(node: ast.AST) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def template_of(node: ast.AST | None) -> str | None:
    """A message expression as a template: a literal as is, an f-string with `%(name)s` per expression."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value.replace("%", "%%")
    if not isinstance(node, ast.JoinedStr):
        return None
    parts: list[str] = []
    used: set[str] = set()
    for value in node.values:
        if isinstance(value, ast.Constant):
            parts.append(str(value.value).replace("%", "%%"))
        elif isinstance(value, ast.FormattedValue):
            name = placeholder_name(value.value)
            candidate, n = name, 2
            while candidate in used:
                candidate, n = f"{name}_{n}", n + 1
            used.add(candidate)
            parts.append(f"%({candidate})s")
    return "".join(parts)


def placeholder_name(node: ast.AST) -> str:
    """A readable name for an f-string expression: `case.state` -> state, `len(ids)` -> ids, `", ".join(kinds)`
    -> kinds, `a[0]` -> a."""
    while True:
        if isinstance(node, ast.Name):
            return node.id.strip("_") or "value"
        if isinstance(node, ast.Attribute):
            return node.attr.strip("_") or "value"
        if isinstance(node, ast.Call):
            wraps = _name(node.func) in {"len", "str", "repr", "int", "sorted", "list", "set", "tuple", "join"}
            node = node.args[0] if node.args and wraps else node.func
        elif isinstance(node, ast.Subscript):
            if isinstance(node.slice, ast.Constant) and isinstance(node.slice.value, str):
                return node.slice.value
            node = node.value
        else:
            return "value"


def texts_in(path: Path) -> Iterator[Text]:
    """The error texts and marked texts of one source file."""
    tree = _parsed(path)
    classes = error_classes()
    constants = {
        t.id: s.value.value
        for s in tree.body
        if isinstance(s, ast.Assign) and isinstance(s.value, ast.Constant) and isinstance(s.value.value, str)
        for t in s.targets
        if isinstance(t, ast.Name)
    }
    where = path.relative_to(ROOT).as_posix()
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Subscript):
            yield from _prebuilt_field_texts(node, where)
        if isinstance(node, ast.ClassDef) and node.name in classes:
            reason, message = classes[node.name]
            if reason and message:
                yield Text(reason, message.replace("%", "%%"), where, node.lineno)
        if not isinstance(node, ast.Call):
            continue
        callee = _name(node.func)
        if callee == "mark" and len(node.args) == 2:
            context, text = (a.value if isinstance(a, ast.Constant) else None for a in node.args)
            if isinstance(context, str) and isinstance(text, str):
                yield Text(context, text, where, node.lineno)
            continue
        if callee == "message" and node.args and isinstance(node.args[0], ast.Constant):
            given = next((k.value for k in node.keywords if k.arg == "context"), None)
            name = given.value if isinstance(given, ast.Constant) else "timeline" if given is None else None
            if isinstance(name, str) and isinstance(node.args[0].value, str):
                yield Text(name, node.args[0].value, where, node.lineno)
            continue
        if callee not in classes:
            yield from _prebuilt_field_texts(node, where)
            yield from _schema_field_texts(node, callee, where)
            continue
        reason = classes[callee][0]
        for keyword in node.keywords:
            if keyword.arg == "reason":
                value = keyword.value
                if isinstance(value, ast.Constant) and isinstance(value.value, str):
                    reason = value.value
                elif isinstance(value, ast.Name) and value.id in constants:
                    reason = constants[value.id]
                elif isinstance(value, ast.Attribute) and (found := _imported_constant(tree, value)) is not None:
                    reason = found  # a module's constant: `reason=rules.TOO_LARGE`
                else:
                    reason = None  # chosen at run time: the catalogue cannot name it
        expression = node.args[0] if node.args else next((k.value for k in node.keywords if k.arg == "message"), None)
        template = template_of(expression)
        if reason and template:
            yield Text(reason, template, where, node.lineno)
        elif reason and expression is None and reason != classes[callee][0] and classes[callee][1]:
            # the class's own words under the call's reason: ValidationFailed(errors=..., reason="agent.self")
            yield Text(reason, (classes[callee][1] or "").replace("%", "%%"), where, node.lineno)
        for keyword in node.keywords:
            if keyword.arg == "errors" and isinstance(keyword.value, ast.Dict):
                yield from _field_texts(keyword.value, where)


MACHINE_VALUE = re.compile(r"[a-z0-9_.\-]+")  # a state or code in a field's list ("submitted"), not words


def _schema_field_texts(node: ast.Call, callee: str | None, where: str) -> Iterator[Text]:
    """A schema's own per-field messages: marshmallow's `ValidationError("Words.")` raised by a validator, and a
    validator's `error="Words."` (`validate.Regexp(..., error=...)`)."""
    expression: ast.expr | None = None
    if callee == "ValidationError":
        expression = node.args[0] if node.args else next((k.value for k in node.keywords if k.arg == "message"), None)
    elif isinstance(node.func, ast.Attribute) and _name(node.func.value) == "validate":
        expression = next((k.value for k in node.keywords if k.arg == "error"), None)
    template = template_of(expression)
    if template and not MACHINE_VALUE.fullmatch(template):
        yield Text("field", template, where, node.lineno)


def _prebuilt_field_texts(node: ast.AST, where: str) -> Iterator[Text]:
    """Per-field messages put into an errors dict before it is raised: `errors["f"] = ["Words."]` (a name holding
    "error" or "problem") and `errors.setdefault("f", []).append("Words.")`."""
    values: list[ast.expr] = []
    if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Subscript):
        target = node.targets[0].value
        if isinstance(target, ast.Name) and ("error" in target.id or "problem" in target.id):
            values = list(node.value.elts) if isinstance(node.value, ast.List | ast.Tuple) else [node.value]
    elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "append":
        inner = node.func.value
        if isinstance(inner, ast.Call) and isinstance(inner.func, ast.Attribute) and inner.func.attr == "setdefault":
            values = list(node.args)
    for value in values:
        template = template_of(value)
        if template and not MACHINE_VALUE.fullmatch(template):
            yield Text("field", template, where, value.lineno)


def _field_texts(errors: ast.Dict, where: str) -> Iterator[Text]:
    """The per-field messages the core writes as literals: `errors={"field": "Words."}` (or a list of them)."""
    for value in errors.values:
        for item in value.elts if isinstance(value, ast.List | ast.Tuple) else [value]:
            template = template_of(item)
            if template and not MACHINE_VALUE.fullmatch(template):
                yield Text("field", template, where, item.lineno)


def all_texts() -> list[Text]:
    """Every error text and marked text the code can produce, in file order."""
    return [text for path in source_files() for text in texts_in(path)]


def reasons() -> set[str]:
    """Every reason the code names (raised with a message, or a class's own)."""
    found = {text.context for text in all_texts() if text.context != "field"}
    found |= {reason for reason, _message in error_classes().values() if reason}
    return found
