"""Every row of the knowledge tables loads and is valid; malformed rows are rejected."""

from __future__ import annotations

import re
import sys
from importlib import resources

import pytest

from deblock.config import ASYNC_LIBRARIES
from deblock.knowledge import (
    FALLBACKS,
    BlockingCall,
    KnowledgeError,
    _row,
    blocking_calls,
)
from deblock.model import Applicability
from deblock.rules import rule_by_code

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

RAW_ROWS = [
    raw
    for entry in resources.files("deblock.data").joinpath("blocking").iterdir()
    if entry.name.endswith(".toml")
    for raw in tomllib.loads(entry.read_text(encoding="utf-8")).get("call", [])
]
ROWS = list(blocking_calls().values())
# A dotted name, optionally type-wide (`urllib3.PoolManager.*`: every method of the type).
DOTTED = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*|\(\))*(\.\*)?$")


def test_catalogue_is_not_empty_and_keyed_by_match() -> None:
    table = blocking_calls()
    assert table
    assert len(table) == len(RAW_ROWS)  # no duplicate `match`
    assert all(key == row.match for key, row in table.items())


def test_catalogue_is_loaded_once() -> None:
    assert blocking_calls() is blocking_calls()


@pytest.mark.parametrize("row", ROWS, ids=[r.match for r in ROWS])
def test_row_is_valid(row: BlockingCall) -> None:
    assert DOTTED.match(row.match), row.match
    rule = rule_by_code(row.code)
    assert rule is not None, f"{row.match}: no rule has code {row.code}"
    assert rule.code == row.code
    assert row.source.startswith("https://")
    assert isinstance(row.safety, Applicability)
    assert row.fallback in FALLBACKS
    assert isinstance(row.awaited, bool)
    assert row.semantic_delta.strip()
    libraries = [library for library, _ in row.replacement]
    assert set(libraries) <= set(ASYNC_LIBRARIES), libraries
    assert {library for library, _ in row.imports_add} <= set(ASYNC_LIBRARIES)
    for library, template in row.replacement:
        assert template.strip(), library
        # Only the documented placeholder may appear in a template.
        assert set(re.findall(r"\{(\w*)\}", template)) <= {"args"}, template
        assert row.replacement_for(library) == template
    # A replacement that needs an import says which one, for every library it supports.
    if row.imports_add:
        assert {library for library, _ in row.imports_add} == set(libraries)


def test_time_sleep_row() -> None:
    row = blocking_calls()["time.sleep"]
    assert row.code == "DBK101"
    assert row.replacement_for("asyncio") == "asyncio.sleep({args})"
    assert row.replacement_for("trio") == "trio.sleep({args})"
    assert row.import_for("anyio") == "anyio"
    assert row.replacement_for("curio") is None
    assert row.awaited is True


# ---------------------------------------------------------------------- malformed rows
GOOD = {
    "match": "time.sleep",
    "code": "DBK101",
    "replacement": {"asyncio": "asyncio.sleep({args})"},
    "awaited": True,
    "safety": "unsafe",
    "semantic_delta": "adds a suspension point",
    "imports_add": {"asyncio": "asyncio"},
    "fallback": "to_thread",
    "source": "https://docs.python.org/3/library/asyncio-task.html#asyncio.sleep",
}


def test_good_row_loads() -> None:
    row = _row(dict(GOOD), 0)
    assert row.match == "time.sleep"
    assert row.safety is Applicability.UNSAFE
    assert row.replacement == (("asyncio", "asyncio.sleep({args})"),)


def test_optional_fields_may_be_absent() -> None:
    raw = {k: v for k, v in GOOD.items() if k not in ("replacement", "imports_add")}
    row = _row(raw, 0)
    assert row.replacement == () and row.imports_add == ()


def _without(key: str) -> dict:
    return {k: v for k, v in GOOD.items() if k != key}


MALFORMED = [
    *[pytest.param(_without(key), "missing", id=f"missing-{key}") for key in
      ("match", "code", "awaited", "safety", "semantic_delta", "fallback", "source")],
    pytest.param({**GOOD, "fallback": "threadpool"}, "fallback", id="bad-fallback"),
    pytest.param({**GOOD, "source": "http://example.com"}, "https", id="http-source"),
    pytest.param({**GOOD, "source": "docs/foo.md"}, "https", id="relative-source"),
    pytest.param({**GOOD, "safety": "maybe"}, "safety", id="bad-safety"),
    pytest.param({**GOOD, "code": "E501"}, "code", id="not-a-deblock-code"),
    pytest.param({**GOOD, "code": "dbk101"}, "code", id="lowercase-code"),
    pytest.param({**GOOD, "replacement": {"curio": "curio.sleep({args})"}}, "replacement", id="unknown-library"),
    pytest.param({**GOOD, "replacement": "asyncio.sleep({args})"}, "replacement", id="replacement-not-a-table"),
    pytest.param({**GOOD, "replacement": {"asyncio": 3}}, "replacement", id="replacement-not-a-string"),
    pytest.param({**GOOD, "imports_add": {"gevent": "gevent"}}, "imports_add", id="imports-unknown-library"),
    pytest.param({**GOOD, "awaited": "false"}, "awaited", id="awaited-string"),
    pytest.param({**GOOD, "match": ""}, "match", id="empty-match"),
    pytest.param({**GOOD, "match": "time sleep"}, "match", id="match-not-dotted"),
    pytest.param({**GOOD, "semantic_delta": 3}, "semantic_delta", id="delta-not-a-string"),
    pytest.param({**GOOD, "colour": "blue"}, "colour", id="unknown-key"),
]


@pytest.mark.parametrize(("raw", "fragment"), MALFORMED)
def test_malformed_rows_are_rejected(raw: dict, fragment: str) -> None:
    with pytest.raises(KnowledgeError) as info:
        _row(raw, 7)
    message = str(info.value)
    assert "row 7" in message
    assert fragment in message


def test_type_wide_rows_match_methods_but_not_their_exceptions() -> None:
    from deblock.knowledge import find_blocking

    exact = find_blocking("urllib3.PoolManager.request")
    assert exact is not None and exact.match == "urllib3.PoolManager.request"  # the exact row wins
    wide = find_blocking("urllib3.PoolManager.anything")
    assert wide is not None and wide.match == "urllib3.PoolManager.*"
    assert find_blocking("urllib3.PoolManager.clear") is None  # listed in `except`
    assert find_blocking("io.TextIOWrapper.fileno") is None
    assert find_blocking("io.TextIOWrapper.truncate") is not None
    assert find_blocking("mylib.Thing.method") is None


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        pytest.param({"except": ["clear"]}, "only applies to a type-wide", id="except-on-exact-row"),
        pytest.param({"match": "a.B.*", "except": "clear"}, "list of method names", id="except-not-a-list"),
    ],
)
def test_except_is_validated(extra: dict, message: str) -> None:
    raw = {
        "match": "a.B.get", "code": "DBK102", "awaited": False, "safety": "unsafe",
        "semantic_delta": "x", "fallback": "to_thread", "source": "https://example.org", **extra,
    }
    with pytest.raises(KnowledgeError, match=message):
        _row(raw, 0)
