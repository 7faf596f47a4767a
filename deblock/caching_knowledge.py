"""Caching knowledge from `deblock/data/caching.toml` (DBK402, DBK404-DBK406), loaded once
and validated on load. Rules read these tables; they never hard-code method lists."""

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

from deblock.knowledge import KnowledgeError, names_in, source_in


@dataclass(frozen=True)
class Memoizers:
    decorators: frozenset[str]
    no_instance: frozenset[str]
    enum_bases: frozenset[str]
    request_types: frozenset[str]
    request_names: frozenset[str]


@dataclass(frozen=True)
class RedisWrite:
    """Where a redis-py write command takes its values, and whether it can set a TTL."""

    method: str
    values: tuple[int, ...] = ()
    rest: int | None = None
    value_keywords: tuple[str, ...] = ()
    mappings: tuple[str, ...] = ()  # a digit string is a positional index, else a keyword
    ttl_keywords: tuple[str, ...] = ()
    expires: bool = False
    source: str = ""


@dataclass(frozen=True)
class CacheClient:
    """A framework cache write and the timeout value that means "never expire"."""

    method: str
    timeout_position: int
    timeout_keyword: str
    forever: str  # "none" (Django) or "zero" (Flask-Caching / cachelib)
    source: str


@dataclass(frozen=True)
class CachingKnowledge:
    memoizers: Memoizers
    redis_clients: frozenset[str]
    redis_writes: dict[str, RedisWrite]
    expiry_redis_methods: frozenset[str]
    expiry_redis_reads: frozenset[str]
    cache_words: tuple[str, ...]
    cache_clients: dict[str, CacheClient]
    constructors: frozenset[str]
    process_bound: frozenset[str]
    mutating: frozenset[str]
    request_kinds: frozenset[str]
    python_configs: frozenset[str]
    python_keys: frozenset[str]
    python_calls: frozenset[str]
    deployment_files: tuple[str, ...]
    manifest_dirs: frozenset[str]
    worker_patterns: tuple[re.Pattern[str], ...]


def _names(raw: dict, key: str, where: str) -> frozenset[str]:
    return names_in(raw, key, f"caching.toml {where}")


def _source(raw: dict, where: str) -> str:
    return source_in(raw, f"caching.toml {where}")


def _rows(raw: dict, key: str, where: str, fields: frozenset[str]) -> list[dict]:
    rows = raw.get(key)
    if not isinstance(rows, list) or not rows or not all(isinstance(r, dict) for r in rows):
        raise KnowledgeError(f"caching.toml {where}.{key} must be a non-empty array of tables")
    for row in rows:
        unknown = set(row) - fields
        if unknown or not isinstance(row.get("method"), str):
            raise KnowledgeError(f"caching.toml {where}.{key}: bad row {row!r} (unknown {sorted(unknown)})")
        _source(row, f"{where}.{key}[{row['method']}]")
    return rows


def _redis_write(row: dict) -> RedisWrite:
    return RedisWrite(
        method=row["method"], values=tuple(int(v) for v in row.get("values", [])), rest=row.get("rest"),
        value_keywords=tuple(row.get("value_keywords", [])), mappings=tuple(row.get("mappings", [])),
        ttl_keywords=tuple(row.get("ttl_keywords", [])), expires=bool(row.get("expires", False)),
        source=row["source"],
    )


def _patterns(raw: dict) -> tuple[re.Pattern[str], ...]:
    compiled = []
    for text in _names(raw, "patterns", "deployment"):
        try:
            pattern = re.compile(text)
        except re.error as error:
            raise KnowledgeError(f"caching.toml deployment.patterns: {text!r}: {error}") from error
        if "count" not in pattern.groupindex:
            raise KnowledgeError(f"caching.toml deployment.patterns: {text!r} needs a (?P<count>...) group")
        compiled.append(pattern)
    return tuple(sorted(compiled, key=lambda p: p.pattern))


@cache
def caching_knowledge() -> CachingKnowledge:
    raw = tomllib.loads(resources.files("deblock.data").joinpath("caching.toml").read_text(encoding="utf-8"))
    memo, bound, redis = raw.get("memoizers", {}), raw.get("request_bound", {}), raw.get("redis", {})
    expiry, containers, deployment = raw.get("expiry", {}), raw.get("containers", {}), raw.get("deployment", {})
    for table, where in ((memo, "memoizers"), (bound, "request_bound"), (redis, "redis"), (expiry, "expiry"),
                         (containers, "containers"), (deployment, "deployment")):
        _source(table, where)
    write_fields = frozenset({"method", "values", "rest", "value_keywords", "mappings", "ttl_keywords",
                              "expires", "source"})
    client_fields = frozenset({"method", "timeout_position", "timeout_keyword", "forever", "source"})
    clients = [CacheClient(**row) for row in _rows(expiry, "clients", "expiry", client_fields)]
    if any(c.forever not in ("none", "zero") for c in clients):
        raise KnowledgeError("caching.toml expiry.clients: `forever` must be \"none\" or \"zero\"")
    return CachingKnowledge(
        memoizers=Memoizers(
            decorators=_names(memo, "decorators", "memoizers"),
            no_instance=_names(memo, "no_instance", "memoizers"),
            enum_bases=_names(memo, "enum_bases", "memoizers"),
            request_types=_names(bound, "types", "request_bound"),
            request_names=_names(bound, "names", "request_bound"),
        ),
        redis_clients=_names(redis, "clients", "redis"),
        redis_writes={r["method"]: _redis_write(r) for r in _rows(redis, "writes", "redis", write_fields)},
        expiry_redis_methods=_names(expiry, "redis_methods", "expiry"),
        expiry_redis_reads=_names(expiry, "redis_reads", "expiry"),
        cache_words=tuple(sorted(_names(expiry, "cache_words", "expiry"))),
        cache_clients={c.method: c for c in clients},
        constructors=_names(containers, "constructors", "containers"),
        process_bound=_names(containers, "process_bound", "containers"),
        mutating=_names(containers, "mutating", "containers"),
        request_kinds=_names(containers, "request_kinds", "containers"),
        python_configs=_names(deployment, "python_configs", "deployment"),
        python_keys=_names(deployment, "python_keys", "deployment"),
        python_calls=_names(deployment, "python_calls", "deployment"),
        deployment_files=tuple(sorted(_names(deployment, "files", "deployment"))),
        manifest_dirs=_names(deployment, "manifest_dirs", "deployment"),
        worker_patterns=_patterns(deployment),
    )


@cache
def cache_write_names() -> frozenset[str]:
    """Method names of the redis and framework cache writes DBK404/DBK405 look at
    (`Project.calls_ending` skips every other call)."""
    known = caching_knowledge()
    return frozenset({*known.redis_writes, *known.expiry_redis_methods,
                      *(name.rpartition(".")[2] for name in known.cache_clients)})
