"""Pooling knowledge from `deblock/data/pooling.toml` (the DBK3xx rules), loaded once and
validated on load. Rules read these tables; they never hard-code constructor lists."""

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

KINDS = ("engine", "connection", "http-client")


@dataclass(frozen=True)
class Constructor:
    """A callable that builds an object owning a pool or a connection."""

    name: str  # the resolved name it matched (`redis.Redis`)
    kind: str  # "engine" (DBK301), "connection" (DBK302), "http-client" (DBK303)
    label: str
    factory: str  # stem of the shared factory's name (`_engine`)
    params: tuple[str, ...]  # names of its leading positional parameters
    is_async: bool
    hoist: bool  # one shared instance is right (False: a single DB-API connection)
    advice: str  # what to share instead, when `hoist` is False or the object is async
    caveat: str
    shared_pool: frozenset[str]  # keywords that hand it an existing pool: then it is cheap
    source: str


@dataclass(frozen=True)
class SessionCalls:
    """Module-level `requests.get(...)`-style calls (DBK304)."""

    functions: frozenset[str]
    session_types: frozenset[str]
    source: str


@dataclass(frozen=True)
class PoolSettings:
    no_pool: frozenset[str]
    engine_functions: frozenset[str]
    network_backends: frozenset[str]
    postgres_backends: frozenset[str]
    source: str


@dataclass(frozen=True)
class Exemptions:
    """Code that runs once per process (worker initialisers, app factories)."""

    init_signals: frozenset[str]
    app_signals: frozenset[str]
    gunicorn_config_files: frozenset[str]
    gunicorn_hooks: frozenset[str]
    initializer_keywords: frozenset[str]
    app_factories: frozenset[str]
    caching_decorators: frozenset[str]
    once_hooks: frozenset[str]
    fastapi_request_hooks: frozenset[str]
    source: str


def _load() -> dict:
    return tomllib.loads(resources.files("deblock.data").joinpath("pooling.toml").read_text(encoding="utf-8"))


def _names(raw: dict, key: str, where: str, *, empty: bool = False) -> frozenset[str]:
    return names_in(raw, key, f"pooling.toml {where}", empty=empty)


def _text(raw: dict, key: str, where: str, default: str | None = None) -> str:
    value = raw.get(key, default)
    if not isinstance(value, str) or (default is None and not value):
        raise KnowledgeError(f"pooling.toml {where}.{key} must be a string")
    return value


def _source(raw: dict, where: str) -> str:
    return source_in(raw, f"pooling.toml {where}")


@cache
def constructors() -> dict[str, Constructor]:
    """Resolved callable name -> what it builds."""
    table: dict[str, Constructor] = {}
    for index, row in enumerate(_load().get("constructor", [])):
        where = f"constructor[{index}]"
        kind = _text(row, "kind", where)
        if kind not in KINDS:
            raise KnowledgeError(f"pooling.toml {where}.kind must be one of {', '.join(KINDS)}")
        unknown = set(row) - {"match", "kind", "label", "factory", "params", "is_async", "hoist", "advice", "caveat", "shared_pool", "source"}
        if unknown:
            raise KnowledgeError(f"pooling.toml {where} has unknown keys {sorted(unknown)}")
        factory = _text(row, "factory", where)
        if not factory.isidentifier():
            raise KnowledgeError(f"pooling.toml {where}.factory must be an identifier")
        is_async, hoist = row.get("is_async", False), row.get("hoist", True)
        if not isinstance(is_async, bool) or not isinstance(hoist, bool):
            raise KnowledgeError(f"pooling.toml {where}.is_async and .hoist must be booleans")
        advice = _text(row, "advice", where, "")
        if not hoist and not advice:
            raise KnowledgeError(f"pooling.toml {where}: a row without a fix needs `advice`")
        params = tuple(sorted(_names(row, "params", where, empty=True), key=row["params"].index))
        for name in _names(row, "match", where):
            if name in table:
                raise KnowledgeError(f"pooling.toml {where}: {name} is listed twice")
            table[name] = Constructor(
                name=name, kind=kind, label=_text(row, "label", where), factory=factory, params=params,
                is_async=is_async, hoist=hoist, advice=advice, caveat=_text(row, "caveat", where, ""),
                shared_pool=_names(row, "shared_pool", where, empty=True) if "shared_pool" in row else frozenset(),
                source=_source(row, where),
            )
    if not table:
        raise KnowledgeError("pooling.toml has no [[constructor]] rows")
    return table


@cache
def session_calls() -> SessionCalls:
    raw = _load().get("session_calls", {})
    return SessionCalls(
        functions=_names(raw, "match", "session_calls"),
        session_types=_names(raw, "session_types", "session_calls"),
        source=_source(raw, "session_calls"),
    )


@cache
def pool_settings() -> PoolSettings:
    raw = _load().get("pool_settings", {})
    keys = ("no_pool", "engine_functions", "network_backends", "postgres_backends")
    return PoolSettings(*(_names(raw, k, "pool_settings") for k in keys), source=_source(raw, "pool_settings"))


@cache
def exemptions() -> Exemptions:
    raw = _load().get("exempt", {})
    keys = ("init_signals", "app_signals", "gunicorn_config_files", "gunicorn_hooks", "initializer_keywords",
            "app_factories", "caching_decorators", "once_hooks", "fastapi_request_hooks")
    return Exemptions(*(_names(raw, k, "exempt") for k in keys), source=_source(raw, "exempt"))


@cache
def app_constructors() -> frozenset[str]:
    """Classes whose instances are whole web apps (`flask.Flask`, `fastapi.FastAPI`, ...)."""
    raw = _load().get("apps", {})
    _source(raw, "apps")
    return _names(raw, "constructors", "apps")


@cache
def last_names(names: frozenset[str]) -> frozenset[str]:
    """`sqlalchemy.create_engine` -> `create_engine`: what `Project.calls_ending` indexes."""
    return frozenset(name.rpartition(".")[2] for name in names)


@cache
def constructor_names() -> frozenset[str]:
    return last_names(frozenset(constructors()))
