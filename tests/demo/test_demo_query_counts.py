"""The N+1 fixes, measured: run the demo apps on real SQLite before and after
`deblock check --fix --unsafe-fixes`, count the queries of each list endpoint at two data
sizes, and compare the responses.

Before the fix the count grows with the number of rows; after it, the count is the same
at both sizes and the response body is identical to the original's.
"""

from __future__ import annotations

import difflib
import json
from pathlib import Path

import pytest
from demo_harness import (
    ALREADY_CONSTANT,
    DEMO,
    LARGE,
    N_PLUS_ONE,
    SMALL,
    fixed_copy,
    measure,
)


class _Runs:
    """Each app is measured once per variant and size for the whole session."""

    def __init__(self, tmp_root: Path) -> None:
        self.tmp_root = tmp_root
        self._results: dict[tuple[str, str, int], dict[str, dict[str, object]]] = {}
        self._copies: dict[str, tuple[Path, str, int]] = {}

    def fixed_dir(self, app: str) -> tuple[Path, str]:
        if app not in self._copies:  # a failed run is cached too: the copy is made only once
            copy, proc = fixed_copy(app, self.tmp_root / "fixed")
            log = f"$ deblock check --fix --unsafe-fixes {app} (exit {proc.returncode})\n{proc.stdout}{proc.stderr}"
            self._copies[app] = (copy, log, proc.returncode)
        copy, log, returncode = self._copies[app]
        assert returncode in (0, 1), log
        return copy, log

    def get(self, variant: str, app: str, n: int) -> dict[str, dict[str, object]]:
        key = (variant, app, n)
        if key not in self._results:
            app_dir = DEMO / app if variant == "original" else self.fixed_dir(app)[0]
            self._results[key] = measure(app_dir, n)
        return self._results[key]


@pytest.fixture(scope="session")
def runs(tmp_path_factory: pytest.TempPathFactory) -> _Runs:
    root = tmp_path_factory.mktemp("demo")
    (root / "fixed").mkdir()
    return _Runs(root)


def _ids(pairs: list[tuple[str, str]]) -> list[str]:
    return [f"{app}:{endpoint}" for app, endpoint in pairs]


def _sql(result: dict[str, object]) -> str:
    return "\n".join(f"  {sql}" for sql in result["sql"])  # type: ignore[union-attr]


def _diff(expected: object, actual: object) -> str:
    a = json.dumps(expected, indent=1, sort_keys=True).splitlines()
    b = json.dumps(actual, indent=1, sort_keys=True).splitlines()
    return "\n".join(difflib.unified_diff(a, b, "original", "fixed", lineterm=""))


@pytest.mark.parametrize(("app", "endpoint"), N_PLUS_ONE, ids=_ids(N_PLUS_ONE))
def test_original_has_n_plus_one(runs: _Runs, app: str, endpoint: str) -> None:
    small = runs.get("original", app, SMALL)[endpoint]
    large = runs.get("original", app, LARGE)[endpoint]
    assert small["status"] == 200, small["body"]
    assert large["status"] == 200, large["body"]
    assert small["queries"] < large["queries"], (
        f"{app}:{endpoint} ran {small['queries']} queries for {SMALL} rows and {large['queries']} for {LARGE}:"
        f" no N+1 to fix\n{_sql(large)}"
    )


@pytest.mark.parametrize(("app", "endpoint"), ALREADY_CONSTANT, ids=_ids(ALREADY_CONSTANT))
def test_original_admin_joins_list_display_foreign_keys(runs: _Runs, app: str, endpoint: str) -> None:
    small = runs.get("original", app, SMALL)[endpoint]
    large = runs.get("original", app, LARGE)[endpoint]
    assert small["status"] == large["status"] == 200
    assert small["queries"] == large["queries"], _sql(large)


ALL = N_PLUS_ONE + ALREADY_CONSTANT


@pytest.mark.parametrize(("app", "endpoint"), ALL, ids=_ids(ALL))
def test_fixed_code_runs_constant_queries(runs: _Runs, app: str, endpoint: str) -> None:
    _, log = runs.fixed_dir(app)
    counts = {}
    for n in (SMALL, LARGE):
        original = runs.get("original", app, n)[endpoint]
        fixed = runs.get("fixed", app, n)[endpoint]
        assert fixed["status"] == original["status"] == 200, f"{fixed['body']}\n{log}"
        assert fixed["body"] == original["body"], (
            f"{app}:{endpoint} at n={n}: the fix changed the response\n{_diff(original['body'], fixed['body'])}\n{log}"
        )
        counts[n] = fixed["queries"]
    assert counts[SMALL] == counts[LARGE], (
        f"{app}:{endpoint} after the fix: {counts[SMALL]} queries for {SMALL} rows, {counts[LARGE]} for {LARGE}"
        f" (originally {runs.get('original', app, SMALL)[endpoint]['queries']} and"
        f" {runs.get('original', app, LARGE)[endpoint]['queries']})\n"
        f"{_sql(runs.get('fixed', app, LARGE)[endpoint])}\n{log}"
    )
