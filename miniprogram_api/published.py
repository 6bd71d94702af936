"""The committed copy of the OpenAPI document (docs/openapi.json): every contract change is a reviewed diff.

`make openapi` writes it; tests/api/test_versioning.py fails while the document the app generates differs from it.
The form is canonical (sorted keys, two-space indent, UTF-8) so that the diff shows only what changed. When the
test fails: run `make openapi`, read the diff, and add a line to CHANGELOG.md (docs/versioning.md says which changes
are breaking and how they are announced).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

COMMITTED = Path(__file__).resolve().parents[1] / "docs" / "openapi.json"


def canonical(document: dict[str, Any]) -> str:
    """The document as the committed file holds it."""
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def generate() -> dict[str, Any]:
    """The document the application publishes at /api/openapi.json."""
    from app import create_app

    app = create_app()
    with app.app_context():
        return app.extensions["microcourt.api"].spec.to_dict()


def main() -> None:
    """Write docs/openapi.json from the application."""
    COMMITTED.write_text(canonical(generate()), encoding="utf-8")
    print(f"wrote {COMMITTED}")


if __name__ == "__main__":
    main()
