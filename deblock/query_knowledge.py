"""Query knowledge from `deblock/data/queries.toml` (the DBK2xx rules), loaded once and
validated on load. Rules read these tables; they never hard-code method lists."""

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


@dataclass(frozen=True)
class DjangoQueries:
    single_row: frozenset[str]
    plain_rows: frozenset[str]
    served_by_prefetch: frozenset[str]
    new_query: frozenset[str]
    instance_writes: frozenset[str]
    manager_writes: frozenset[str]
    queryset_writes: frozenset[str]
    keyed_reads: frozenset[str]
    source: str


@dataclass(frozen=True)
class SqlAlchemyQueries:
    select_functions: frozenset[str]
    single_row: frozenset[str]
    loaders: dict[str, str]  # option function name -> strategy
    eager_lazy: frozenset[str]
    silent_lazy: frozenset[str]
    query_lazy: frozenset[str]
    source: str


@dataclass(frozen=True)
class LoopQueries:
    """Per-iteration queries and writes (DBK205, DBK206) and QuerySet evaluation (DBK207)."""

    keyed_functions: frozenset[str]
    session_reads: frozenset[str]
    session_commits: frozenset[str]
    cursor_factories: frozenset[str]
    cursor_queries: frozenset[str]
    bulk_writes: frozenset[str]
    evaluating_builtins: frozenset[str]
    mutating: frozenset[str]
    admin_register: frozenset[str]
    source: str


def _load() -> dict:
    return tomllib.loads(resources.files("deblock.data").joinpath("queries.toml").read_text(encoding="utf-8"))


def _names(raw: dict, key: str, where: str) -> frozenset[str]:
    return names_in(raw, key, f"queries.toml {where}")


def _source(raw: dict, where: str) -> str:
    return source_in(raw, f"queries.toml {where}")


@cache
def django_queries() -> DjangoQueries:
    raw = _load().get("django", {})
    keys = ("single_row", "plain_rows", "served_by_prefetch", "new_query", "instance_writes",
            "manager_writes", "queryset_writes", "keyed_reads")
    unknown = set(raw) - {*keys, "source"}
    if unknown:
        raise KnowledgeError(f"queries.toml django: unknown key(s) {sorted(unknown)}")
    return DjangoQueries(**{k: _names(raw, k, "django") for k in keys}, source=_source(raw, "django"))


@cache
def sqlalchemy_queries() -> SqlAlchemyQueries:
    raw = _load().get("sqlalchemy", {})
    loaders, lazy = raw.get("loaders"), raw.get("lazy", {})
    if not isinstance(loaders, dict) or not all(isinstance(v, str) for v in loaders.values()):
        raise KnowledgeError("queries.toml sqlalchemy.loaders must map option names to strategies")
    return SqlAlchemyQueries(
        select_functions=_names(raw, "select_functions", "sqlalchemy"),
        single_row=_names(raw, "single_row", "sqlalchemy"),
        loaders=dict(loaders),
        eager_lazy=_names(lazy, "eager", "sqlalchemy.lazy"),
        silent_lazy=_names(lazy, "silent", "sqlalchemy.lazy"),
        query_lazy=_names(lazy, "query", "sqlalchemy.lazy"),
        source=_source(raw, "sqlalchemy"),
    )


@cache
def loop_queries() -> LoopQueries:
    raw = _load().get("loops", {})
    keys = ("keyed_functions", "session_reads", "session_commits", "cursor_factories", "cursor_queries",
            "bulk_writes", "evaluating_builtins", "mutating", "admin_register")
    unknown = set(raw) - {*keys, "source"}
    if unknown:
        raise KnowledgeError(f"queries.toml loops: unknown key(s) {sorted(unknown)}")
    return LoopQueries(**{k: _names(raw, k, "loops") for k in keys}, source=_source(raw, "loops"))
