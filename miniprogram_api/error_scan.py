"""Which error statuses a view can answer, read from the code it runs: a static scan for the OpenAPI document.

Starting from a view (and every decorator wrapping it), the scan reads each function's source, resolves the
names it uses against the function's own globals and closure, and follows every function of `app` or
`miniprogram_api` it reaches (module functions, methods reached through a module-level object, members of
module-level registries). A method called on a local object cannot be resolved by name, so it stands for every
method of that name defined in the project. Each `AppError` subclass (or werkzeug HTTP exception) referenced on
the way counts with its status: a superset of what the code raises, never less (the suite's contract check,
tests/support/contract_check.py, proves it against every response the tests receive).
"""

from __future__ import annotations

import ast
import builtins
import functools
import inspect
import os
import sys
import types
from collections.abc import Callable, Iterator

from werkzeug.exceptions import HTTPException

from app.errors import AppError

PROJECT = ("app.", "miniprogram_api.")
PROJECT_FOLDERS = tuple(
    os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), name, "")
    for name in ("app", "miniprogram_api")
)


@functools.cache
def statuses(view: Callable) -> frozenset[int]:
    """Every HTTP status of an error the view (with its decorators) may raise, as far as the code shows."""
    found: set[int] = set()
    seen: set[types.CodeType] = set()
    todo: list[types.FunctionType] = list(_wrapper_chain(view))
    while todo:
        function = todo.pop()
        if function.__code__ in seen:
            continue
        seen.add(function.__code__)
        codes, reached = _scan(function)
        found |= codes
        todo.extend(reached)
    return frozenset(found)


def _wrapper_chain(view: Callable) -> Iterator[types.FunctionType]:
    current: object = view
    while current is not None:
        if isinstance(current, types.FunctionType):
            yield current
        current = getattr(current, "__wrapped__", None)


@functools.cache
def _scan(function: types.FunctionType) -> tuple[frozenset[int], tuple[types.FunctionType, ...]]:
    """The statuses one function names directly and the project functions it reaches."""
    tree = _tree(function)
    if tree is None:
        return frozenset(), ()
    scope = _scope(function)
    codes: set[int] = set()
    reached: list[types.FunctionType] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute | ast.Name) and isinstance(node.ctx, ast.Load):
            chain = _dotted(node)
            if chain is None:
                if isinstance(node, ast.Attribute):  # obj.method on a value the scan cannot name
                    reached.extend(_methods_named().get(node.attr, ()))
                continue
            target = _resolve(chain, scope)
            if target is not _UNRESOLVED:
                _classify(target, codes, reached)
            elif isinstance(node, ast.Attribute) and chain[0] not in scope:
                reached.extend(_methods_named().get(node.attr, ()))
    return frozenset(codes), tuple(reached)


def _tree(function: types.FunctionType) -> ast.AST | None:
    # The code object, not the function: functools.wraps gives a decorator's wrapper the view's name and
    # module, but the wrapper's own code (idempotency, the gate) raises too.
    code = function.__code__
    if not code.co_filename.startswith(PROJECT_FOLDERS) or code.co_name == "<lambda>":
        return None
    return _definitions(code.co_filename).get(code.co_firstlineno)


@functools.cache
def _definitions(filename: str) -> dict[int, ast.AST]:
    """Each function defined in a source file by the first line of its code (its first decorator's line)."""
    try:
        with open(filename, encoding="utf-8") as source:
            tree = ast.parse(source.read(), filename)
    except (OSError, SyntaxError):
        return {}
    found: dict[int, ast.AST] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            found[min([node.lineno, *(d.lineno for d in node.decorator_list)])] = node
    return found


def _scope(function: types.FunctionType) -> dict[str, object]:
    scope: dict[str, object] = dict(vars(builtins))
    scope.update(function.__globals__)
    for name, cell in zip(function.__code__.co_freevars, function.__closure__ or (), strict=False):
        try:
            scope[name] = cell.cell_contents
        except ValueError:  # an empty cell (a name assigned later in the enclosing function)
            continue
    return scope


def _dotted(node: ast.AST) -> list[str] | None:
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    parts.append(node.id)
    return parts[::-1]


_UNRESOLVED = object()


def _resolve(chain: list[str], scope: dict[str, object]) -> object:
    if chain[0] not in scope:
        return _UNRESOLVED
    target = scope[chain[0]]
    for name in chain[1:]:
        try:
            target = inspect.getattr_static(target, name)
        except AttributeError:
            return _UNRESOLVED
        if isinstance(target, staticmethod | classmethod):
            target = target.__func__
    return target


def _classify(target: object, codes: set[int], reached: list[types.FunctionType]) -> None:
    if isinstance(target, type):
        if issubclass(target, AppError):
            codes.add(int(target.http_status))
        elif issubclass(target, HTTPException) and target.code:
            codes.add(int(target.code))
        elif target.__module__.startswith(PROJECT):
            reached.extend(f for f in vars(target).values() if isinstance(f, types.FunctionType))
        return
    if isinstance(target, types.MethodType):
        target = target.__func__
    if isinstance(target, types.FunctionType):
        reached.extend(_wrapper_chain(target))
    elif isinstance(target, property) and isinstance(target.fget, types.FunctionType):
        reached.append(target.fget)
    elif isinstance(target, list | tuple | set | frozenset | dict):  # a registry: whatever it holds may run
        members = target.values() if isinstance(target, dict) else target
        reached.extend(m for m in list(members) if isinstance(m, types.FunctionType))


@functools.cache
def _methods_named() -> dict[str, tuple[types.FunctionType, ...]]:
    """Every method defined on a project class, by name (dunders aside), for calls on unnamed objects."""
    index: dict[str, list[types.FunctionType]] = {}
    for module_name, module in list(sys.modules.items()):
        if module is None or not module_name.startswith(PROJECT):
            continue
        for value in list(vars(module).values()):
            if not isinstance(value, type) or value.__module__ != module_name:
                continue
            for name, member in vars(value).items():
                function = member.__func__ if isinstance(member, staticmethod | classmethod) else member
                if isinstance(function, types.FunctionType) and not name.startswith("__"):
                    index.setdefault(name, []).append(function)
    return {name: tuple(functions) for name, functions in index.items()}
