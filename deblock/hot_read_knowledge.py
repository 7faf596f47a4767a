"""Hot-read and HTTP-caching knowledge from `deblock/data/hot_reads.toml` (DBK401,
DBK403), loaded once and validated on load. Rules read these tables; they never
hard-code library names."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from functools import cache
from importlib import resources

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

from deblock.knowledge import KnowledgeError, names_in, source_in

_TABLES = ("cache_decorators", "header_decorators", "cache_calls", "header_calls", "http_gets", "expensive")


@dataclass(frozen=True)
class HotReads:
    cache_decorators: frozenset[str]
    header_decorators: frozenset[str]
    cache_calls: frozenset[str]
    header_calls: frozenset[str]  # qualified names, or bare method names (`set_etag`)
    http_gets: frozenset[str]
    expensive: frozenset[str]
    header_names: frozenset[str]  # lower case
    header_attributes: frozenset[str]
    settings: frozenset[str]
    request_parameters: frozenset[str]
    expression_roots: tuple[str, ...]
    parameter_types: frozenset[str]
    per_user: frozenset[str]
    per_user_decorators: frozenset[str]
    skip_responses: frozenset[str]
    staff_url_files: frozenset[str]
    django_cache: str
    django_cache_control: str
    default_ttl: int
    sources: tuple[str, ...]


def normalise(name: str | None) -> str:
    """`flask_caching.Cache().memoize` -> `flask_caching.Cache.memoize`: an instance's method
    matches the class's row."""
    return (name or "").replace("()", "")


def _source(raw: dict, where: str) -> str:
    return source_in(raw, f"hot_reads.toml: {where}")


def _names(raw: dict, key: str, where: str) -> frozenset[str]:
    return names_in(raw, key, f"hot_reads.toml: {where}")


@cache
def hot_reads() -> HotReads:
    raw = tomllib.loads(resources.files("deblock.data").joinpath("hot_reads.toml").read_text(encoding="utf-8"))
    tables: dict[str, frozenset[str]] = {}
    sources: list[str] = []
    for table in _TABLES:
        rows = raw.get(table)
        if not isinstance(rows, list) or not rows:
            raise KnowledgeError(f"hot_reads.toml: [[{table}]] rows are missing")
        found: set[str] = set()
        for index, row in enumerate(rows):
            sources.append(_source(row, f"{table}[{index}]"))
            found |= _names(row, "names", f"{table}[{index}]")
        tables[table] = frozenset(found)
    headers, inputs, per_user, skip, staff, fixes = (raw.get(k, {}) for k in (
        "headers", "inputs", "per_user", "skip_responses", "staff_urls", "fixes"))
    for name, section in (("headers", headers), ("inputs", inputs), ("per_user", per_user),
                          ("skip_responses", skip), ("staff_urls", staff), ("fixes", fixes)):
        sources.append(_source(section, name))
    ttl = fixes.get("default_ttl")
    if not isinstance(ttl, int) or ttl <= 0:
        raise KnowledgeError("hot_reads.toml: fixes.default_ttl must be a positive integer")
    return HotReads(
        **tables,
        header_names=frozenset(n.lower() for n in _names(headers, "names", "headers")),
        header_attributes=_names(headers, "attributes", "headers"),
        settings=_names(inputs, "settings", "inputs"),
        request_parameters=_names(inputs, "request_parameters", "inputs"),
        expression_roots=tuple(sorted(_names(inputs, "expression_roots", "inputs"))),
        parameter_types=_names(inputs, "parameter_types", "inputs"),
        per_user=_names(per_user, "names", "per_user"),
        per_user_decorators=_names(per_user, "decorators", "per_user"),
        skip_responses=_names(skip, "names", "skip_responses"),
        staff_url_files=_names(staff, "files", "staff_urls"),
        django_cache=str(fixes.get("django_cache", "")),
        django_cache_control=str(fixes.get("django_cache_control", "")),
        default_ttl=ttl,
        sources=tuple(sources),
    )
