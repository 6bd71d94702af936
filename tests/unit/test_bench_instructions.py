"""bench/instructions.py's bookkeeping: call names, callgrind's dump files, the tables (no valgrind needed)."""

from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "bench"))
import instructions  # noqa: E402  (bench/ is not a package)

CASE = "0b6f2c1e-9a4d-4c1b-8f3e-2d5a7b9c1e4f"


def test_a_call_is_named_by_its_route_not_its_ids():
    assert instructions.label(f"/api/mp/v1/cases/{CASE}/sessions") == "/api/mp/v1/cases/{id}/sessions"
    assert instructions.label("/api/mp/v1/invitations/Zx9_tok-EN/accept") == "/api/mp/v1/invitations/{token}/accept"
    assert instructions.label("/api/mp/v1/me") == "/api/mp/v1/me"


def _dump(path: Path, name: str, total: int) -> None:
    path.write_text(
        "version: 1\ncreator: callgrind-3.19.0\ndesc: I1 cache: \ndesc: Timerange: Basic block 0 - 10\n"
        f"desc: Trigger: Client Request: {name}\npositions: line\nevents: Ir\nsummary: {total}\n\nfn=(1) main\n"
        f"0 {total}\n\ntotals: {total}\n"
    )


def test_the_dumps_are_read_by_the_name_that_triggered_them_in_dump_order(tmp_path):
    _dump(tmp_path / "callgrind.out.2", "POST /a", 200)
    _dump(tmp_path / "callgrind.out.10", "POST /a", 300)
    _dump(tmp_path / "callgrind.out.1", "GET /b", 100)
    (tmp_path / "callgrind.out").write_text("desc: Trigger: Program termination\nsummary: 0\ntotals: 0\n")
    assert instructions.dumps_of(tmp_path) == {"GET /b": [100], "POST /a": [200, 300]}


def _result(commit: str, create: list[int], floor: list[int]) -> dict:
    return {
        "repo": "/r",
        "commit": commit,
        "lifecycles": 3,
        "instructions": {"POST /api/mp/v1/cases": create, "GET /api/mp/v1/me": floor},
        "cpu_ms": {"POST /api/mp/v1/cases": [5.0, 6.0, 7.0], "GET /api/mp/v1/me": [1.0, 1.0, 1.0]},
        "statements": {"POST /api/mp/v1/cases": [4, 4, 5], "GET /api/mp/v1/me": [1, 1, 1]},
        "database": "postgresql",
    }


def test_the_table_sums_the_lifecycle_and_shows_the_floor_apart():
    table = instructions.render(_result("abc", [10_000_000, 11_000_000, 12_000_000], [3_000_000] * 3))
    assert table.startswith("/r at abc on postgresql: medians of 3 lifecycles")
    assert "| POST /api/mp/v1/cases | 11.00 | 18.18% | 4 | 6.0 |" in table
    assert "| **a lifecycle** | **11.00** | | **4** | **6.0** |" in table
    assert table.rstrip().endswith("| GET /api/mp/v1/me | 3.00 | 0.00% | 1 | 1.0 |")


def test_a_comparison_gives_each_call_and_the_lifecycle_as_a_change():
    old = _result("old", [10_000_000] * 3, [3_000_000] * 3)
    new = _result("new", [9_000_000] * 3, [3_000_000] * 3)
    table = instructions.compare(old, new)
    assert "| POST /api/mp/v1/cases | 10.00 | 9.00 | -10.0% |" in table
    assert "| **a lifecycle** | **10.00** | **9.00** | **-10.0%** |" in table
    assert "| GET /api/mp/v1/me | 3.00 | 3.00 | +0.0% |" in table


def test_the_tables_name_the_interpreter_each_run_was_counted_on():
    old = _result("old", [10_000_000] * 3, [3_000_000] * 3)  # saved before runs recorded their interpreter
    new = {**_result("new", [9_000_000] * 3, [3_000_000] * 3), "python": "CPython 3.11.2 (/p; libpython static)"}
    assert instructions.render(new).startswith(
        "/r at new on postgresql, CPython 3.11.2 (/p; libpython static): medians of 3 lifecycles"
    )
    assert instructions.compare(old, new).startswith(
        "M instructions: old old (/r; interpreter not recorded), new new (/r; CPython 3.11.2 (/p; libpython static))"
    )


def test_the_interpreter_is_described_by_version_path_and_how_libpython_is_linked():
    import platform

    import run_foundation

    described = run_foundation.interpreter()
    assert described.startswith(f"CPython {platform.python_version()} ({sys.executable}; libpython ")
    linked = any("libpython" in line for line in Path("/proc/self/maps").read_text().splitlines())
    assert ("libpython shared" in described) is linked


def test_the_batch_push_is_counted_beside_the_lifecycle_not_in_it():
    result = _result("abc", [10_000_000] * 3, [3_000_000] * 3)
    result["instructions"]["POST /api/court/v1/documents/batch"] = [1_000_000_000] * 3
    result["cpu_ms"]["POST /api/court/v1/documents/batch"] = [500.0] * 3
    result["statements"]["POST /api/court/v1/documents/batch"] = [26] * 3
    table = instructions.render(result)
    assert "| **a lifecycle** | **10.00** | | **4** | **6.0** |" in table
    assert table.rstrip().endswith("| POST /api/court/v1/documents/batch | 1000.00 | 0.00% | 26 | 500.0 |")
    assert "| POST /api/court/v1/documents/batch | 1000.00 | 1000.00 | +0.0% |" in instructions.compare(result, result)
