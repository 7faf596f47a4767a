"""Knowledge tables from `deblock/data/*.toml`, loaded once and validated on load."""

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

from deblock.config import ASYNC_LIBRARIES
from deblock.model import Applicability

FALLBACKS = ("to_thread", "sync_to_async", "")


class KnowledgeError(ValueError):
    """A row of a data table is malformed (a bug in deblock, caught by tests)."""


def names_in(raw: dict, key: str, where: str, *, empty: bool = False) -> frozenset[str]:
    """A knowledge table's list of names (`raw[key]`), validated: `where` names the table
    in errors (`caching.toml redis`)."""
    value = raw.get(key)
    if not isinstance(value, list) or (not value and not empty) or not all(isinstance(v, str) and v for v in value):
        raise KnowledgeError(f"{where}.{key} must be a non-empty list of strings")
    return frozenset(value)


def source_in(raw: dict, where: str) -> str:
    """A knowledge table's `source`: every row says where its fact comes from."""
    value = raw.get("source")
    if not isinstance(value, str) or not value.startswith("https://"):
        raise KnowledgeError(f"{where}.source must be an https URL")
    return value


@dataclass(frozen=True, slots=True)
class BlockingCall:
    match: str
    code: str
    replacement: tuple[tuple[str, str], ...]  # async library -> call template
    awaited: bool
    safety: Applicability
    semantic_delta: str
    imports_add: tuple[tuple[str, str], ...]
    fallback: str
    source: str
    exceptions: frozenset[str] = frozenset()  # type-wide rows: methods that do not block

    def replacement_for(self, library: str) -> str | None:
        return dict(self.replacement).get(library)

    def import_for(self, library: str) -> str | None:
        return dict(self.imports_add).get(library)


_REQUIRED = ("match", "code", "awaited", "safety", "semantic_delta", "fallback", "source")
# Optional columns; `confidence` and `min_version` are reserved by design.md §4.
# `except`: for a type-wide row (`match = "urllib3.PoolManager.*"`, every method of the
# type blocks), the methods that do not (`clear`, `fileno`, ...).
_OPTIONAL = ("replacement", "imports_add", "confidence", "min_version", "except")
_CODE = re.compile(r"DBK[0-9]{3}")
# `requests.Session.get`, `builtins.open().read` (a method of what a call returns).
_MATCH = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*|\(\))*(?:\.\*)?")


def _per_library(raw: dict, key: str, index: int) -> tuple[tuple[str, str], ...]:
    value = raw.get(key, {})
    if not isinstance(value, dict) or not all(isinstance(v, str) and v for v in value.values()):
        raise KnowledgeError(f"row {index}: {key} must be a table of library = \"text\"")
    unknown = sorted(set(value) - set(ASYNC_LIBRARIES))
    if unknown:
        raise KnowledgeError(f"row {index}: {key} names unknown async libraries {unknown}")
    return tuple(sorted(value.items()))


def _row(raw: dict, index: int) -> BlockingCall:
    missing = [key for key in _REQUIRED if key not in raw]
    if missing:
        raise KnowledgeError(f"row {index}: missing {', '.join(missing)}")
    unknown = sorted(set(raw) - set(_REQUIRED) - set(_OPTIONAL))
    if unknown:
        raise KnowledgeError(f"row {index}: unknown key(s) {', '.join(unknown)}")
    if not isinstance(raw["match"], str) or not _MATCH.fullmatch(raw["match"]):
        raise KnowledgeError(f"row {index}: match must be a dotted name, got {raw['match']!r}")
    if not isinstance(raw["code"], str) or not _CODE.fullmatch(raw["code"]):
        raise KnowledgeError(f"row {index}: code must look like DBK101, got {raw['code']!r}")
    if not isinstance(raw["awaited"], bool):
        raise KnowledgeError(f"row {index}: awaited must be true or false")
    if not isinstance(raw["semantic_delta"], str) or not raw["semantic_delta"].strip():
        raise KnowledgeError(f"row {index}: semantic_delta must be a non-empty string")
    if raw["fallback"] not in FALLBACKS:
        raise KnowledgeError(f"row {index}: fallback must be one of {FALLBACKS}")
    if not str(raw["source"]).startswith("https://"):
        raise KnowledgeError(f"row {index}: source must be an https URL")
    try:
        safety = Applicability(raw["safety"])
    except ValueError:
        raise KnowledgeError(f"row {index}: unknown safety {raw['safety']!r}") from None
    return BlockingCall(
        match=raw["match"],
        code=raw["code"],
        replacement=_per_library(raw, "replacement", index),
        awaited=raw["awaited"],
        safety=safety,
        semantic_delta=raw["semantic_delta"],
        imports_add=_per_library(raw, "imports_add", index),
        fallback=raw["fallback"],
        source=raw["source"],
        exceptions=_exceptions(raw, index),
    )


def _exceptions(raw: dict, index: int) -> frozenset[str]:
    value = raw.get("except", [])
    if value and not str(raw["match"]).endswith(".*"):
        raise KnowledgeError(f"row {index}: `except` only applies to a type-wide `match` ending in `.*`")
    if not isinstance(value, list) or not all(isinstance(v, str) and v.isidentifier() for v in value):
        raise KnowledgeError(f"row {index}: `except` must be a list of method names")
    return frozenset(value)


def find_blocking(name: str) -> BlockingCall | None:
    """The catalogue row for a resolved callee: its exact row, else a type-wide row for its
    receiver type (`urllib3.PoolManager.*`) unless the method is one of that row's exceptions."""
    table = blocking_calls()
    entry = table.get(name)
    if entry is not None:
        return entry
    receiver, _, method = name.rpartition(".")
    wide = table.get(receiver + ".*") if receiver else None
    return wide if wide is not None and method not in wide.exceptions else None


@cache
def _catalogue_files() -> tuple[tuple[str, dict], ...]:
    folder = resources.files("deblock.data").joinpath("blocking")
    return tuple(
        (entry.name, tomllib.loads(entry.read_text(encoding="utf-8")))
        for entry in sorted(folder.iterdir(), key=lambda e: e.name)
        if entry.name.endswith(".toml")
    )


@cache
def return_types() -> dict[str, str]:
    """Library callables whose result type deblock knows: `[[returns]]` rows
    (`function`, `type`, `source`) in the catalogue files, e.g. `sqlite3.connect`
    returns `sqlite3.Connection`, so `conn.execute()` resolves to `sqlite3.Connection.execute`."""
    table: dict[str, str] = {}
    for name, data in _catalogue_files():
        for index, raw in enumerate(data.get("returns", [])):
            if set(raw) != {"function", "type", "source"} or not str(raw["source"]).startswith("https://"):
                raise KnowledgeError(f"{name}: returns row {index} needs exactly function, type and an https source")
            if raw["function"] in table:
                raise KnowledgeError(f"{name}: duplicate returns row for {raw['function']!r}")
            table[raw["function"]] = raw["type"]
    return table


@cache
def blocking_calls() -> dict[str, BlockingCall]:
    """The blocking-call catalogue keyed by qualified name, from every
    `deblock/data/blocking/*.toml` (one file per family). Immutable once loaded."""
    table: dict[str, BlockingCall] = {}
    for name, data in _catalogue_files():
        for index, raw in enumerate(data.get("call", [])):
            try:
                row = _row(raw, index)
            except KnowledgeError as exc:
                raise KnowledgeError(f"{name}: {exc}") from None
            if row.match in table:
                raise KnowledgeError(f"{name}: duplicate `match` {row.match!r}")
            table[row.match] = row
    return table


@dataclass(frozen=True, slots=True)
class ClientSwap:
    """A sync client factory and its async twin (`[[swap]]` rows): DBK109's constructor swap."""

    factory: str
    async_factory: str
    semantic_delta: str
    sources: tuple[str, ...]


@cache
def client_swaps() -> dict[str, ClientSwap]:
    """`[[swap]]` rows keyed by the sync factory (`redis.Redis` -> `redis.asyncio.Redis`)."""
    table: dict[str, ClientSwap] = {}
    for name, data in _catalogue_files():
        for index, raw in enumerate(data.get("swap", [])):
            where = f"{name}: swap row {index}"
            sources = tuple(v for k, v in raw.items() if k.startswith("source"))
            if not {"factory", "async_factory", "semantic_delta", "source"} <= set(raw) or not all(
                isinstance(s, str) and s.startswith("https://") for s in sources
            ):
                raise KnowledgeError(f"{where} needs factory, async_factory, semantic_delta and https sources")
            if raw["factory"] in table:
                raise KnowledgeError(f"{where}: duplicate factory {raw['factory']!r}")
            table[raw["factory"]] = ClientSwap(raw["factory"], raw["async_factory"], raw["semantic_delta"], sources)
    return table
