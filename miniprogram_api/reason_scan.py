"""Which error `reason` values a view can answer, by status: the same static walk as error_scan.py, reading reasons.

For every function the walk reaches from the view (error_scan's resolution rules, so the same superset), each
construction of an `AppError` subclass counts with its `reason=` keyword when that is a string literal, else with
the class's default reason; a class named without a call (`raise NotFound`) counts with its default. A reason
built at run time (not a literal) cannot be listed and is skipped.
"""

from __future__ import annotations

import ast
import functools
import types
from collections.abc import Callable

from app.errors import AppError
from miniprogram_api import error_scan


@functools.cache
def reasons(view: Callable) -> dict[int, frozenset[str]]:
    """status -> the reasons the view (with its decorators) may answer with it, as far as the code shows."""
    found: dict[int, set[str]] = {}
    seen: set[types.CodeType] = set()
    todo: list[types.FunctionType] = list(error_scan._wrapper_chain(view))
    while todo:
        function = todo.pop()
        if function.__code__ in seen:
            continue
        seen.add(function.__code__)
        for status, reason in _named(function):
            found.setdefault(status, set()).add(reason)
        todo.extend(error_scan._scan(function)[1])
    return {status: frozenset(values) for status, values in found.items()}


@functools.cache
def _named(function: types.FunctionType) -> frozenset[tuple[int, str]]:
    tree = error_scan._tree(function)
    if tree is None:
        return frozenset()
    scope = error_scan._scope(function)
    pairs: set[tuple[int, str]] = set()
    called: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            error = _error_class(node.func, scope)
            if error is None:
                continue
            called.add(id(node.func))
            keyword = next((k.value for k in node.keywords if k.arg == "reason"), None)
            if keyword is None:
                pairs.add((int(error.http_status), error.reason))
            elif isinstance(keyword, ast.Constant) and isinstance(keyword.value, str):
                pairs.add((int(error.http_status), keyword.value))
    for node in ast.walk(tree):
        if isinstance(node, ast.Name | ast.Attribute) and id(node) not in called:
            error = _error_class(node, scope)
            if error is not None and isinstance(getattr(node, "ctx", None), ast.Load):
                pairs.add((int(error.http_status), error.reason))
    return frozenset(pairs)


def _error_class(node: ast.AST, scope: dict[str, object]) -> type[AppError] | None:
    chain = error_scan._dotted(node)
    if chain is None:
        return None
    target = error_scan._resolve(chain, scope)
    if isinstance(target, type) and issubclass(target, AppError):
        return target
    return None
