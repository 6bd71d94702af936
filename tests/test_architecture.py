"""The import rules of the architecture (../shared/design/architecture.md), checked on every module."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FORBIDDEN_FLASK_NAMES = {"request", "g", "abort", "jsonify"}
DOMAINS = sorted(
    p.name
    for p in (ROOT / "app").iterdir()
    if (p / "__init__.py").exists()
    and p.name not in {"platform", "security", "storage", "integrations", "utils", "jobs"}
)


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
    allowed = (*(f"app.{d}" for d in DOMAINS), "app.platform", "app.storage", "app.errors", "app.utils")
    allowed = (*allowed, "app.security.permissions")
    for module, name, _top in imports_of(path):
        if is_module(module, "app") and module != "app":
            if module == "app.extensions":
                assert name == "limiter", f"{rel(path)} imports app.extensions.{name}"
                continue
            assert is_module(module, *allowed), f"{rel(path)} imports {module} (call a service instead)"
    source = path.read_text(encoding="utf-8")
    assert "db.session" not in source, f"{rel(path)} touches db.session"


@pytest.mark.parametrize("path", modules("miniprogram_api/schemas"), ids=rel)
def test_schemas_never_query(path):
    for module, _name, _top in imports_of(path):
        assert not is_module(module, "sqlalchemy", "app.extensions", *(f"app.{d}" for d in DOMAINS)), (
            f"{rel(path)} imports {module}: schemas never query the database"
        )


SHARED = ("app.platform", "app.security", "app.storage", "app.integrations", "app.utils")
LAYERS = {
    # a module of the key may not import any of the listed packages
    "app/platform": (*(f"app.{d}" for d in DOMAINS), "app.jobs"),
    "app/security": (*(f"app.{d}" for d in DOMAINS), "app.jobs"),
    "app/storage": (*(f"app.{d}" for d in DOMAINS), "app.jobs"),
    "app/integrations": (*(f"app.{d}" for d in DOMAINS), "app.jobs"),
    "app/utils": (*(f"app.{d}" for d in DOMAINS), "app.extensions", "app.security", "app.storage", "app.platform"),
}


@pytest.mark.parametrize("package", sorted(LAYERS))
def test_lower_layers_do_not_import_upper_ones(package):
    for path in modules(package):
        for module, _name, _top in imports_of(path):
            assert not is_module(module, *LAYERS[package]), f"{rel(path)} imports {module}"


def test_the_rules_can_fail(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("from flask import request\nimport jwt\n")
    assert ("flask", "request", True) in imports_of(bad)
    assert ("jwt", "", True) in imports_of(bad)
