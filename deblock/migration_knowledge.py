"""Migration knowledge from `deblock/data/migration.toml` (deblock/migration, DBK5xx):
framework hooks that must stay sync, callables that need a sync function, Django view
handlers. Loaded once and validated on load.

Names in the table are patterns `root:tail` (see the table's header); `matches` applies one.
"""

from __future__ import annotations

import fnmatch
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from importlib import resources

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

from deblock.knowledge import KnowledgeError


def matches(name: str | None, pattern: str) -> bool:
    """`django.views.generic.list.ListView` matches `django:ListView`."""
    if not name:
        return False
    root, _, tail = pattern.partition(":")
    return name.partition(".")[0] == root and (name == f"{root}.{tail}" or name.endswith("." + tail))


def matches_any(name: str | None, patterns: Iterable[str]) -> str | None:
    """The first pattern `name` matches, else None."""
    return next((p for p in patterns if matches(name, p)), None)


@dataclass(frozen=True, slots=True)
class Hook:
    """Methods a framework calls synchronously on subclasses of `bases`."""

    bases: tuple[str, ...]
    methods: tuple[str, ...]  # fnmatch patterns; "*" = every public method
    what: str
    source: str

    def covers(self, method: str) -> bool:
        if method.startswith("_"):
            return False
        return any(fnmatch.fnmatchcase(method, m) for m in self.methods)


@dataclass(frozen=True, slots=True)
class HookDecorator:
    names: tuple[str, ...]
    what: str
    source: str


@dataclass(frozen=True, slots=True)
class Callback:
    """A callable that calls a function it is handed (position `arg` or `keyword`) synchronously."""

    callables: tuple[str, ...]
    arg: int | None
    keyword: str | None
    what: str
    bridge: str
    source: str
    plan_only: bool = False  # a hazard only for functions becoming async (not for today's `async def`)


@dataclass(frozen=True, slots=True)
class ViewHandlers:
    bases: tuple[str, ...]
    handlers: tuple[str, ...]
    source: str


@dataclass(frozen=True, slots=True)
class MigrationKnowledge:
    hooks: tuple[Hook, ...]
    decorators: tuple[HookDecorator, ...]
    callbacks: tuple[Callback, ...]
    view_handlers: tuple[ViewHandlers, ...]
    async_dunders: frozenset[str]
    properties: tuple[str, ...]
    coroutine_caches: tuple[str, ...]
    atomic: tuple[str, ...]
    signal_types: tuple[str, ...]
    signal_modules: tuple[str, ...]
    thread_locals: tuple[str, ...]
    coroutine_markers: tuple[str, ...]
    http_methods: tuple[str, ...]


def _patterns(raw: dict, key: str, where: str, *, empty: bool = False) -> tuple[str, ...]:
    value = raw.get(key)
    if not isinstance(value, list) or (not value and not empty) or not all(isinstance(v, str) for v in value):
        raise KnowledgeError(f"{where}: {key} must be a {'' if empty else 'non-empty '}list of strings")
    return tuple(value)


def _checked(raw: dict, where: str, required: set[str], optional: frozenset[str] = frozenset()) -> dict:
    missing = sorted(required - set(raw))
    unknown = sorted(set(raw) - required - optional)
    if missing or unknown:
        raise KnowledgeError(f"{where}: missing {missing}, unknown {unknown}")
    source = raw.get("source", "")
    if not isinstance(source, str) or not source.startswith("https://"):
        raise KnowledgeError(f"{where}: source must be an https URL")
    return raw


def _qualified(patterns: tuple[str, ...], where: str) -> tuple[str, ...]:
    bad = [p for p in patterns if ":" not in p or not all(p.partition(":")[::2])]
    if bad:
        raise KnowledgeError(f"{where}: names must be written root:tail, not {bad}")
    return patterns


def parse(text: str) -> MigrationKnowledge:
    data = tomllib.loads(text)
    hooks, decorators, callbacks, views = [], [], [], []
    for i, raw in enumerate(data.get("hooks", [])):
        where = f"hooks[{i}]"
        _checked(raw, where, {"bases", "methods", "what", "source"})
        hooks.append(Hook(_qualified(_patterns(raw, "bases", where), where), _patterns(raw, "methods", where),
                          raw["what"], raw["source"]))
    for i, raw in enumerate(data.get("decorators", [])):
        where = f"decorators[{i}]"
        _checked(raw, where, {"names", "what", "source"})
        decorators.append(HookDecorator(_qualified(_patterns(raw, "names", where), where), raw["what"], raw["source"]))
    for i, raw in enumerate(data.get("callbacks", [])):
        where = f"callbacks[{i}]"
        _checked(raw, where, {"callables", "what", "bridge", "source"}, frozenset({"arg", "keyword", "plan_only"}))
        arg, keyword = raw.get("arg"), raw.get("keyword")
        if (arg is None) == (keyword is None) or not isinstance(arg if keyword is None else keyword,
                                                                int if keyword is None else str):
            raise KnowledgeError(f"{where}: exactly one of arg (int) or keyword (str)")
        callbacks.append(Callback(_qualified(_patterns(raw, "callables", where), where), arg, keyword,
                                  raw["what"], raw["bridge"], raw["source"], raw.get("plan_only") is True))
    for i, raw in enumerate(data.get("view_handlers", [])):
        where = f"view_handlers[{i}]"
        _checked(raw, where, {"bases", "handlers", "source"})
        views.append(ViewHandlers(_qualified(_patterns(raw, "bases", where), where),
                                  _patterns(raw, "handlers", where, empty=True), raw["source"]))
    names = data.get("names")
    if not isinstance(names, dict):
        raise KnowledgeError("missing [names]")
    keys = {"async_dunders", "properties", "coroutine_caches", "atomic", "signal_types", "signal_modules",
            "thread_locals", "coroutine_markers", "http_methods", "source"}
    _checked(names, "names", keys)
    get = {k: _patterns(names, k, "names") for k in keys - {"source"}}
    for key in ("properties", "coroutine_caches", "atomic", "signal_types", "thread_locals", "coroutine_markers"):
        _qualified(get[key], f"names.{key}")
    return MigrationKnowledge(
        tuple(hooks), tuple(decorators), tuple(callbacks), tuple(views), frozenset(get["async_dunders"]),
        get["properties"], get["coroutine_caches"], get["atomic"], get["signal_types"], get["signal_modules"],
        get["thread_locals"], get["coroutine_markers"], get["http_methods"],
    )


@cache
def migration_knowledge() -> MigrationKnowledge:
    return parse(resources.files("deblock.data").joinpath("migration.toml").read_text(encoding="utf-8"))


@cache
def callbacks_by_name() -> dict[str, tuple[Callback, ...]]:
    """The callback rows indexed by the last name of each callable pattern (`sorted` for
    `builtins:sorted`), so a call looks up its few candidate rows instead of matching
    every pattern (find_hazards runs this for every call in the project)."""
    index: dict[str, list[Callback]] = {}
    for row in migration_knowledge().callbacks:
        for pattern in row.callables:
            rows = index.setdefault(pattern.rpartition(":")[2].rpartition(".")[2], [])
            if row not in rows:
                rows.append(row)
    return {name: tuple(rows) for name, rows in index.items()}
