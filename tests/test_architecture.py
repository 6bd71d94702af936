"""The import rules of the architecture (docs/architecture.md), checked on every module."""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FORBIDDEN_FLASK_NAMES = {"request", "g", "abort", "jsonify"}
# What every domain shares; these never import a domain.
SHARED_PACKAGES = ("platform", "security", "storage", "integrations", "utils", "i18n")
DOMAINS = sorted(
    p.name
    for p in (ROOT / "app").iterdir()
    if (p / "__init__.py").exists() and p.name not in {*SHARED_PACKAGES, "jobs"}
)
# The modules directly in app/: the factory, the composition roots (every table, the cross-domain wiring, the
# CLI) and the base every layer stands on. Anything else belongs in a package.
APP_ROOT_MODULES = {"__init__", "cli", "database", "errors", "extensions", "tables", "wiring"}
# Composition roots may reach into any package: they exist to put the house together.
COMPOSITION_ROOTS = {"app/__init__.py", "app/tables.py", "app/wiring.py"}


def modules(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


def imports_of(path: Path) -> list[tuple[str, str, bool]]:
    """(module, imported name or '', at module level?) for every import in a file."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    top_level = {id(node) for node in tree.body}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(alias.name, "", id(node) in top_level) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            found += [(node.module, alias.name, id(node) in top_level) for alias in node.names]
    return found


def rel(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def is_module(name: str, *prefixes: str) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


@pytest.mark.parametrize("path", modules("app"), ids=rel)
def test_core_knows_nothing_about_http(path):
    for module, name, top in imports_of(path):
        if is_module(module, "miniprogram_api"):
            assert rel(path) == "app/__init__.py" and not top, f"{rel(path)} imports the HTTP layer"
        if module == "flask":
            assert name not in FORBIDDEN_FLASK_NAMES, f"{rel(path)} imports flask.{name}"


@pytest.mark.parametrize("path", modules("app") + modules("miniprogram_api"), ids=rel)
def test_only_the_adapters_import_jwt_and_boto3(path):
    for module, _name, _top in imports_of(path):
        if is_module(module, "jwt"):
            assert rel(path) == "app/security/tokens.py", f"{rel(path)} imports jwt"
        if is_module(module, "boto3", "botocore"):
            assert rel(path) == "app/storage/s3.py", f"{rel(path)} imports {module}"


@pytest.mark.parametrize("path", modules("miniprogram_api"), ids=rel)
def test_http_layer_goes_through_services(path):
    allowed = ("app.platform", "app.storage", "app.errors", "app.utils", "app.security.permissions", "app.i18n")
    for module, name, _top in imports_of(path):
        if is_module(module, "app") and module != "app":
            if module == "app.extensions":
                assert name == "limiter", f"{rel(path)} imports app.extensions.{name}"
                continue
            if module.split(".")[1] in DOMAINS:
                continue  # checked by test_domains_are_entered_through_their_package
            assert is_module(module, *allowed), f"{rel(path)} imports {module} (call a service instead)"
    source = path.read_text(encoding="utf-8")
    assert "db.session" not in source, f"{rel(path)} touches db.session"


@pytest.mark.parametrize("path", modules("miniprogram_api/schemas"), ids=rel)
def test_schemas_never_query(path):
    for module, _name, _top in imports_of(path):
        assert not is_module(module, "sqlalchemy", "app.extensions", *(f"app.{d}" for d in DOMAINS)), (
            f"{rel(path)} imports {module}: schemas never query the database"
        )


LAYERS = {
    # a module of the key may not import any of the listed packages
    "app/platform": (*(f"app.{d}" for d in DOMAINS), "app.jobs"),
    "app/security": (*(f"app.{d}" for d in DOMAINS), "app.jobs", "app.platform"),
    "app/storage": (*(f"app.{d}" for d in DOMAINS), "app.jobs"),
    "app/integrations": (*(f"app.{d}" for d in DOMAINS), "app.jobs"),
    "app/utils": (*(f"app.{d}" for d in DOMAINS), "app.extensions", "app.security", "app.storage", "app.platform"),
    "app/jobs": tuple(f"app.{d}" for d in DOMAINS),
    # the message catalogue: looked up by every layer, so it stands on nothing but Flask-Babel
    "app/i18n": (*(f"app.{d}" for d in DOMAINS), "app.jobs", "app.platform", "app.security", "app.storage"),
}


@pytest.mark.parametrize("package", sorted(LAYERS))
def test_lower_layers_do_not_import_upper_ones(package):
    for path in modules(package):
        for module, _name, _top in imports_of(path):
            assert not is_module(module, *LAYERS[package]), f"{rel(path)} imports {module}"


def package_of(path: Path) -> str | None:
    """The top-level package of app/ a file belongs to (None for the HTTP layer and app/'s own modules)."""
    parts = path.relative_to(ROOT).parts
    return parts[1] if parts[0] == "app" and len(parts) > 2 else None


def exported(domain: str) -> set[str]:
    """The names a domain's __init__ lists in __all__ (what other packages may import from it)."""
    tree = ast.parse((ROOT / "app" / domain / "__init__.py").read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "__all__" for t in node.targets):
            return {ast.literal_eval(element) for element in node.value.elts}  # type: ignore[attr-defined]
    return set()


@pytest.mark.parametrize("path", modules("app") + modules("miniprogram_api"), ids=rel)
def test_domains_are_entered_through_their_package(path):
    """Another package uses a domain only through what its __init__ exports: `from app.cases import access`."""
    if rel(path) in COMPOSITION_ROOTS:
        return
    own = package_of(path)
    for module, name, _top in imports_of(path):
        parts = module.split(".")
        if parts[0] != "app" or len(parts) < 2 or parts[1] not in DOMAINS or parts[1] == own:
            continue
        domain = parts[1]
        assert len(parts) == 2, f"{rel(path)} imports {module}: use `from app.{domain} import ...` (its __all__)"
        assert name in exported(domain), f"{rel(path)} imports {name!r} from app.{domain}, which does not export it"


def package_graph() -> dict[str, set[str]]:
    """Which top-level package of app/ imports which, counting imports inside functions too."""
    graph: dict[str, set[str]] = defaultdict(set)
    for path in modules("app"):
        own = package_of(path)
        if own is None or own == "jobs":
            continue
        for module, _name, _top in imports_of(path):
            parts = module.split(".")
            is_package = parts[0] == "app" and len(parts) > 1 and (ROOT / "app" / parts[1] / "__init__.py").exists()
            if is_package and parts[1] != own:
                graph[own].add(parts[1])
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one member (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_import_cycle_between_packages():
    assert cycles(package_graph()) == []


def test_the_cycle_finder_finds_cycles():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_tasks_are_enqueued_by_name_never_imported():
    """Celery task modules are thin wrappers: nothing imports them (app.jobs registers them by name)."""
    for path in modules("app") + modules("miniprogram_api"):
        for module, name, _top in imports_of(path):
            target = module if module.endswith(".tasks") else f"{module}.{name}"
            if target.startswith("app.") and target.endswith(".tasks"):
                raise AssertionError(f"{rel(path)} imports {target}: enqueue the task by name instead")


def test_app_root_holds_only_the_factory_and_shared_base():
    loose = {p.stem for p in (ROOT / "app").glob("*.py")} - APP_ROOT_MODULES
    assert not loose, f"modules directly in app/: {sorted(loose)} (put them in a package)"


def test_every_domain_says_what_it_exports():
    for domain in DOMAINS:
        init = ROOT / "app" / domain / "__init__.py"
        assert ast.get_docstring(ast.parse(init.read_text(encoding="utf-8"))), (
            f"app/{domain}/__init__.py has no docstring"
        )
        for name in exported(domain):
            assert (ROOT / "app" / domain / f"{name}.py").exists() or name in init.read_text(encoding="utf-8"), (
                f"app.{domain} exports {name!r}, which it does not have"
            )


def test_the_rules_can_fail(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("from flask import request\nimport jwt\n")
    assert ("flask", "request", True) in imports_of(bad)
    assert ("jwt", "", True) in imports_of(bad)
