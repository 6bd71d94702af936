"""Which error `reason` values a view can answer, by status: the same static walk as error_scan.py, reading reasons.

For every function the walk reaches from the view (error_scan's resolution rules, so the same superset), each
construction of an `AppError` subclass counts with its `reason=` keyword: a string literal, a module constant, a
local variable assigned string literals, or a lookup in a module-level table of reasons (every value counts);
without the keyword, the class's default reason. A class named without a call (`raise NotFound`) counts with its
default. A reason built at run time cannot be listed: tests/support/contract_check.py fails any test that receives
a reason the document does not list for that operation and status, so such code must name its reasons.
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
            else:
                pairs.update((int(error.http_status), r) for r in _strings(keyword, tree, scope))
    for node in ast.walk(tree):
        if isinstance(node, ast.Name | ast.Attribute) and id(node) not in called:
            error = _error_class(node, scope)
            if error is not None and isinstance(getattr(node, "ctx", None), ast.Load):
                pairs.add((int(error.http_status), error.reason))
    return frozenset(pairs)


def _strings(value: ast.AST, tree: ast.AST, scope: dict[str, object]) -> set[str]:
    """The reasons a `reason=` argument can hold: a literal, a module constant (`reason=NOT_FOUND`), or a local
    name the function assigns string literals to (`reason = "a.b"`, `message, reason = "...", "a.b"`)."""
    if isinstance(value, ast.Constant):
        return {value.value} if isinstance(value.value, str) else set()
    table = value.value if isinstance(value, ast.Subscript) else None
    if isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) and value.func.attr == "get":
        table = value.func.value  # REASONS.get(key, default): any value of the table
    if table is not None:
        chain = error_scan._dotted(table)
        mapping = error_scan._resolve(chain, scope) if chain else None
        return {v for v in mapping.values() if isinstance(v, str)} if isinstance(mapping, dict) else set()
    chain = error_scan._dotted(value)
    if chain is None:
        return set()
    target = error_scan._resolve(chain, scope)
    if isinstance(target, str):
        return {target}
    if len(chain) != 1:
        return set()
    found: set[str] = set()
    for node in ast.walk(tree):
        if not isinstance(node, ast.Assign | ast.AnnAssign) or node.value is None:
            continue
        for target_node in node.targets if isinstance(node, ast.Assign) else [node.target]:
            pairs = (
                zip(target_node.elts, node.value.elts, strict=False)
                if isinstance(target_node, ast.Tuple) and isinstance(node.value, ast.Tuple)
                else [(target_node, node.value)]
            )
            for name, assigned in pairs:
                if isinstance(name, ast.Name) and name.id == chain[0] and isinstance(assigned, ast.Constant):
                    found.update({assigned.value} if isinstance(assigned.value, str) else ())
    return found


def _error_class(node: ast.AST, scope: dict[str, object]) -> type[AppError] | None:
    chain = error_scan._dotted(node)
    if chain is None:
        return None
    target = error_scan._resolve(chain, scope)
    if isinstance(target, type) and issubclass(target, AppError):
        return target
    return None
