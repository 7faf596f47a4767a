"""ORM knowledge from `deblock/data/orm_async.toml` (DBK110, DBK111), loaded once and
validated on load. Rules read these tables; they never hard-code method lists."""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from functools import cache
from importlib import resources

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

from deblock.knowledge import KnowledgeError

_NAME = re.compile(r"[a-z_][a-z0-9_]*")
_VERSION = re.compile(r"[0-9]+\.[0-9]+")


@dataclass(frozen=True)
class Twin:
    """A sync Django method and its `a`-prefixed twin, with the release that added it."""

    method: str
    twin: str
    since: tuple[int, ...]
    source: str
    awaitable: bool = True


@dataclass(frozen=True)
class SyncOnly:
    match: str
    advice: str
    source: str


@dataclass(frozen=True)
class DjangoOrm:
    model_bases: frozenset[str]
    manager_bases: frozenset[str]
    default_managers: frozenset[str]
    chainable: frozenset[str]
    returns_instance: frozenset[str]
    evaluating: dict[str, Twin]
    instance: dict[str, Twin]
    functions: dict[str, Twin]  # qualified name -> twin (`method`/`twin` are the qualified names)
    sync_only: dict[str, SyncOnly]


@dataclass(frozen=True)
class SqlAlchemyOrm:
    sessions: frozenset[str]
    engines: frozenset[str]
    extensions: frozenset[str]
    connections: frozenset[str]
    model_bases: frozenset[str]
    session_io: dict[str, str]
    engine_io: dict[str, str]
    connection_io: dict[str, str]
    extension_io: dict[str, str]
    query_io: dict[str, str]
    source: str
    query_source: str


def _load() -> dict:
    text = resources.files("deblock.data").joinpath("orm_async.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)


def _source(value: object, where: str) -> str:
    if not isinstance(value, str) or not value.startswith("https://"):
        raise KnowledgeError(f"{where}: source must be an https URL")
    return value


def _names(raw: dict, key: str, where: str) -> frozenset[str]:
    value = raw.get(key)
    if not isinstance(value, list) or not value or not all(isinstance(v, str) and v for v in value):
        raise KnowledgeError(f"{where}.{key} must be a non-empty list of strings")
    return frozenset(value)


def _twins(rows: object, where: str) -> dict[str, Twin]:
    if not isinstance(rows, list) or not rows:
        raise KnowledgeError(f"{where} must be a non-empty array of tables")
    out: dict[str, Twin] = {}
    for index, row in enumerate(rows):
        unknown = set(row) - {"method", "twin", "since", "source", "awaitable"}
        if unknown:
            raise KnowledgeError(f"{where}[{index}]: unknown key(s) {sorted(unknown)}")
        method, twin, since = row.get("method"), row.get("twin"), row.get("since")
        if not isinstance(method, str) or not _NAME.fullmatch(method):
            raise KnowledgeError(f"{where}[{index}]: method must be a name")
        if twin != "a" + method:
            raise KnowledgeError(f"{where}[{index}]: twin of {method} must be a{method}, got {twin!r}")
        if not isinstance(since, str) or not _VERSION.fullmatch(since):
            raise KnowledgeError(f"{where}[{index}]: since must look like 4.1")
        awaitable = row.get("awaitable", True)
        if not isinstance(awaitable, bool):
            raise KnowledgeError(f"{where}[{index}]: awaitable must be true or false")
        out[method] = Twin(method, twin, tuple(int(p) for p in since.split(".")),
                           _source(row.get("source"), f"{where}[{index}]"), awaitable)
    return out


def _functions(rows: object) -> dict[str, Twin]:
    out: dict[str, Twin] = {}
    for index, row in enumerate(rows if isinstance(rows, list) else []):
        if set(row) != {"match", "since", "source"} or not isinstance(row["match"], str):
            raise KnowledgeError(f"django.function[{index}]: needs exactly match, since, source")
        module, _, name = row["match"].rpartition(".")
        if not module or not _NAME.fullmatch(name) or not _VERSION.fullmatch(str(row["since"])):
            raise KnowledgeError(f"django.function[{index}]: match must be dotted and since look like 5.0")
        since = tuple(int(p) for p in row["since"].split("."))
        out[row["match"]] = Twin(row["match"], f"{module}.a{name}", since, _source(row["source"], "django.function"))
    return out


def _io(raw: dict, key: str) -> dict[str, str]:
    table = raw.get(key)
    if not isinstance(table, dict) or not table or not all(
        _NAME.fullmatch(k) and isinstance(v, str) and v for k, v in table.items()
    ):
        raise KnowledgeError(f"sqlalchemy.{key} must be a table of method = \"async form\"")
    return dict(table)


@cache
def django_orm() -> DjangoOrm:
    raw = _load().get("django", {})
    sync_only: dict[str, SyncOnly] = {}
    for index, row in enumerate(raw.get("sync_only", [])):
        if set(row) != {"match", "advice", "source"}:
            raise KnowledgeError(f"django.sync_only[{index}]: needs exactly match, advice, source")
        sync_only[row["match"]] = SyncOnly(row["match"], row["advice"], _source(row["source"], "django.sync_only"))
    _source(raw.get("chainable_source"), "django.chainable_source")
    orm = DjangoOrm(
        model_bases=_names(raw, "model_bases", "django"),
        manager_bases=_names(raw, "manager_bases", "django"),
        default_managers=_names(raw, "default_managers", "django"),
        chainable=_names(raw, "chainable", "django"),
        returns_instance=_names(raw, "returns_instance", "django"),
        evaluating=_twins(raw.get("evaluating"), "django.evaluating"),
        instance=_twins(raw.get("instance"), "django.instance"),
        functions=_functions(raw.get("function")),
        sync_only=sync_only,
    )
    clash = orm.chainable & set(orm.evaluating)
    if clash:
        raise KnowledgeError(f"django: methods both chainable and evaluating: {sorted(clash)}")
    if not orm.returns_instance <= set(orm.evaluating):
        raise KnowledgeError("django.returns_instance must list evaluating methods")
    return orm


@cache
def sqlalchemy_orm() -> SqlAlchemyOrm:
    raw = _load().get("sqlalchemy", {})
    return SqlAlchemyOrm(
        sessions=_names(raw, "sessions", "sqlalchemy"),
        engines=_names(raw, "engines", "sqlalchemy"),
        extensions=_names(raw, "extensions", "sqlalchemy"),
        connections=_names(raw, "connections", "sqlalchemy"),
        model_bases=_names(raw, "model_bases", "sqlalchemy"),
        session_io=_io(raw, "session_io"),
        engine_io=_io(raw, "engine_io"),
        connection_io=_io(raw, "connection_io"),
        extension_io=_io(raw, "extension_io"),
        query_io=_io(raw, "query_io"),
        source=_source(raw.get("source"), "sqlalchemy.source"),
        query_source=_source(raw.get("query_source"), "sqlalchemy.query_source"),
    )
