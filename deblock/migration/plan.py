"""`deblock plan`: which functions must become `async def` for the chosen entry points,
and every edit that takes (the data a later `deblock migrate` applies without
re-deciding anything).

## Colouring

1. **Roots**: the chosen entry points (`--entry` qualnames or globs, or every HTTP
   entry point: routes, views, viewsets, FastAPI dependencies). A class entry point
   (a class-based view, a viewset) contributes its methods.
2. **Path**: every function the roots reach through the call graph.
3. **Seeds**: sync functions on the path that make an I/O call with an *async twin*:
   Django ORM calls whose `a`-twin exists in the project's Django version (unknown
   version: assumed present, and said so in `notes`), sync SQLAlchemy session / engine
   / connection I/O and legacy `Query` evaluation (→ `AsyncSession`), `requests` and
   sync `httpx` (→ `httpx.AsyncClient`), redis clients (→ `redis.asyncio`), `time.sleep`
   (→ the catalogue's replacement), file I/O when the project depends on aiofiles or
   anyio.
4. **Propagation**: a sync function on the path that calls (not through an offload
   such as `asyncio.to_thread`) a function that becomes async becomes async too.
   Functions that do no such I/O stay sync. Propagation stops at a function that must
   stay sync (`hazards.must_stay_sync`: framework hooks, dunders, properties, lambdas,
   Celery tasks, commands, ...) and at functions `hazards.find_hazards` marks as
   stopping propagation; each stop is a *blocker* and gets a bridge.
5. **Closure**: a recoloured method recolours its whole override set (the same name in
   the project's bases and subclasses, through `Project.mro`, closed over siblings), and
   a Django class-based view's HTTP handlers share one colour. If any member must stay
   sync, none changes.
6. **Implicit ORM I/O** (Django; read from the function's source, `implicit_io`): a
   function about to become async that reads a single-valued relation without a
   `select_related` of it, queries a related manager, evaluates a QuerySet through a
   variable, a builtin or a call it is passed to, or renders a template, is a blocker
   (kind `implicit-orm-io`): it would raise SynchronousOnlyOperation. A sync callee doing
   such I/O counts as blocking (it gets a bridge). `request.user` is a swap instead.
   `build_plan(..., stops=)` adds blockers chosen by the caller (`deblock migrate`).

## Edits

* `awaits`: every call site of a recoloured function in async code (recoloured or
  already async) gets `await` (`self.m()`, `return f()` included; the span is the call).
* `swaps`: each twin I/O call in an async function becomes its async form (Django:
  also `request.user` → `await request.auser()`, codemod `attribute_to_awaited_call`).
* `bridges`, kind:
  - `sync_to_async` / `to_thread`: an async function keeps a sync-only piece in a worker
    thread: I/O with no twin (`transaction.atomic()` blocks, whose span is the whole
    `with` statement and whose inner ORM calls are therefore not swapped; file I/O
    without aiofiles/anyio; subprocesses...), or a sync project function that blocks;
  - `async_to_sync`: a sync function that must stay sync (or is off the chosen path)
    calls a recoloured function; valid only off the event loop (`manual` otherwise);
  - `unwrap`: an existing `asyncio.to_thread(f, ...)` / `sync_to_async(f)` of a function
    that becomes async must become `await f(...)`.
* `steps`: the changed functions, leaves first (a topological order of the changed
  subgraph's condensation: a recursive cycle is one step).

## Effort

`defs` (functions turned into `async def`), `awaits`, `swaps` (of which `unsafe`: a
semantic delta), `bridges`, `manual` (swaps with no codemod, manual bridges, blockers, and other
hazards no bridge covers), `automatic` = defs + awaits + swaps with a codemod + bridges
not manual. Counts, not
hours: each is one edit at one span.

## JSON (`--format json`, `Plan.to_json()`), schema 1

```
{"schema": 1, "root": str, "django_version": str|null,
 "entries": [{"qualname", "framework", "kind", "runs_on", "url", "methods"}],
 "functions": [{"qualname", "path", "span", "status": "becomes_async"|"already_async"|"stays_sync",
                "reason", "chain": [str], "entries": [str], "step": int, "overrides": [str],
                "awaits": [{"caller", "callee", "path", "span", "text"}],
                "swaps": [{"function", "path", "span", "family", "from", "to", "codemod", "args": {},
                           "awaited", "min_version", "semantic_delta", "safety"}],
                "bridges": [{"function", "path", "span", "kind", "target", "reason", "manual"}]}],
 "steps": [{"index", "functions": [str], "cycle": bool}],
 "blockers": [{"code", "kind", "function", "path", "span", "message", "bridge", "stops_propagation"}],
 "hazards": [same shape as blockers: hazards on the plan's functions that no bridge covers],
 "graph": {"nodes": [{"id", "label", "kind", "title", "path", "line"}],
           "edges": [{"source", "target", "kind"}]},
 "effort": {"defs", "awaits", "swaps", "unsafe_swaps", "bridges", "manual", "automatic", "formula"},
 "notes": [str], "target": "quart"|null}
```
A span is `{"line", "col", "end_line", "end_col"}` (1-based lines, 0-based columns).
Functions are listed in step order; keys never disappear (empty lists, `null`).
"""

from __future__ import annotations

import ast
import fnmatch
from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from deblock.analyzer.django_orm import INSTANCE, QUERYSET, parse
from deblock.analyzer.facts.model import ArgFact, CallFact
from deblock.analyzer.facts.resolve import offload_index
from deblock.analyzer.frameworks import LOOP, EntryPoint
from deblock.analyzer.project import Project
from deblock.analyzer.spans import parse_in_characters, tree_span as _span
from deblock.knowledge import find_blocking
from deblock.migration.hazards import Hazard, find_hazards, must_stay_sync
from deblock.model import Span
from deblock.orm_knowledge import Twin, django_orm, sqlalchemy_orm

SCHEMA = 1
HTTP_KINDS = frozenset({"route", "view", "viewset", "dependency"})
BECOMES_ASYNC, ALREADY_ASYNC, STAYS_SYNC = "becomes_async", "already_async", "stays_sync"
_CBV_HANDLERS = frozenset({"get", "post", "put", "patch", "delete", "head", "options", "trace"})
_DJANGO_VIEW = frozenset({"django.views.View", "django.views.generic.View", "django.views.generic.base.View"})
_HTTPX_DELTA = "httpx.AsyncClient replaces the sync client: share one client (`async with httpx.AsyncClient()`), await each request"
_REDIS_TYPES = ("redis.Redis.", "redis.StrictRedis.", "redis.client.Redis.", "redis.client.StrictRedis.")
_REDIS_LOCAL = frozenset({"pipeline", "pubsub", "lock", "register_script", "from_url", "close", "get_encoder"})
# What a builtin does to a QuerySet it is given, and the async form.
_QS_BUILTINS = {
    "builtins.list": "[x async for x in qs]", "builtins.tuple": "[x async for x in qs]",
    "builtins.set": "{x async for x in qs}", "builtins.sorted": "sorted([x async for x in qs])",
    "builtins.len": "await qs.acount()", "builtins.bool": "await qs.aexists()",
}


class PlanError(ValueError):
    """Bad input for a plan (an `--entry` that matches nothing): one line, exit 2."""


# ---------------------------------------------------------------------- the model
@dataclass(frozen=True, slots=True)
class EntryRef:
    qualname: str
    framework: str
    kind: str
    runs_on: str
    url: str | None
    methods: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class AwaitSite:
    """`text(...)` at `span` (a call of `callee` made in `caller`) gets `await`."""

    caller: str
    callee: str
    path: str
    span: Span
    text: str


@dataclass(frozen=True, slots=True)
class Swap:
    """A sync I/O call replaced by its async twin, in async code."""

    function: str
    path: str
    span: Span
    family: str  # "django-orm", "sqlalchemy", "http", "redis", "sleep", "file-io"
    from_: str  # the sync callable as resolved
    to: str  # the async form
    codemod: str | None  # the LibCST codemod that performs it (None: by hand)
    args: tuple[tuple[str, str], ...]
    awaited: str  # "await", "async_for" or "async_with"
    min_version: str | None  # e.g. "django>=4.1"
    semantic_delta: str
    safety: str  # "safe" or "unsafe"


@dataclass(frozen=True, slots=True)
class Bridge:
    function: str  # where the bridge is written
    path: str
    span: Span
    kind: str  # "sync_to_async", "to_thread", "async_to_sync", "unwrap"
    target: str  # what is wrapped (a callable, or a recoloured function)
    reason: str
    manual: bool = False


@dataclass(frozen=True, slots=True)
class PlanFunction:
    qualname: str
    path: str
    span: Span  # the def
    status: str  # BECOMES_ASYNC, ALREADY_ASYNC (edits inside) or STAYS_SYNC (bridged)
    reason: str
    chain: tuple[str, ...]  # this function → ... → the I/O callable that forces it
    entries: tuple[str, ...]
    step: int
    overrides: tuple[str, ...] = ()
    awaits: tuple[AwaitSite, ...] = ()  # call sites OF this function that get `await`
    swaps: tuple[Swap, ...] = ()
    bridges: tuple[Bridge, ...] = ()


@dataclass(frozen=True, slots=True)
class Step:
    index: int
    functions: tuple[str, ...]
    cycle: bool


@dataclass(frozen=True, slots=True)
class Node:
    id: str
    label: str
    kind: str  # "sync", "becomes_async", "already_async", "io", "bridge", "blocker"
    title: str
    path: str | None = None
    line: int | None = None


@dataclass(frozen=True, slots=True)
class Edge:
    source: str
    target: str
    kind: str  # "await", "call", "bridge", "io"


@dataclass(frozen=True, slots=True)
class Effort:
    defs: int
    awaits: int
    swaps: int
    unsafe_swaps: int
    bridges: int
    manual: int
    automatic: int
    formula: str = ("automatic = defs + awaits + swaps with a codemod + bridges not manual; "
                    "manual = swaps without a codemod + manual bridges + blockers + uncovered hazards")


@dataclass(frozen=True, slots=True)
class Plan:
    root: str
    django_version: str | None
    entries: tuple[EntryRef, ...]
    functions: tuple[PlanFunction, ...]
    steps: tuple[Step, ...]
    blockers: tuple[Hazard, ...]  # hazards that stop propagation (the function stays sync)
    hazards: tuple[Hazard, ...]  # other hazards on the plan's functions that no bridge covers
    nodes: tuple[Node, ...]
    edges: tuple[Edge, ...]
    effort: Effort
    notes: tuple[str, ...] = ()
    schema: int = SCHEMA
    target: str | None = None  # `quart`: the Flask app moves to Quart and Flask-SQLAlchemy to AsyncSession

    def function(self, qualname: str) -> PlanFunction | None:
        return next((f for f in self.functions if f.qualname == qualname), None)

    def becoming_async(self) -> tuple[str, ...]:
        return tuple(f.qualname for f in self.functions if f.status == BECOMES_ASYNC)

    def to_json(self) -> dict[str, Any]:
        return {
            "schema": self.schema, "root": self.root, "django_version": self.django_version,
            "entries": [_obj(e) for e in self.entries],
            "functions": [_obj(f) for f in self.functions],
            "steps": [_obj(s) for s in self.steps],
            "blockers": [_obj(h) for h in self.blockers],
            "hazards": [_obj(h) for h in self.hazards],
            "graph": {"nodes": [_obj(n) for n in self.nodes], "edges": [_obj(e) for e in self.edges]},
            "effort": _obj(self.effort),
            "notes": list(self.notes),
            "target": self.target,
        }


def _obj(value: Any) -> Any:
    if isinstance(value, Span):
        return {"line": value.line, "col": value.col, "end_line": value.end_line, "end_col": value.end_col}
    if hasattr(value, "__dataclass_fields__"):
        out = {}
        for name in value.__dataclass_fields__:
            item = getattr(value, name)
            key = name.rstrip("_")
            out[key] = dict(item) if name == "args" else _obj(item)
        return out
    if isinstance(value, (tuple, list)):
        return [_obj(v) for v in value]
    return value


# ---------------------------------------------------------------------- I/O classification
@dataclass(frozen=True, slots=True)
class _Io:
    call_span: Span
    path: str
    target: str  # resolved callable
    swap: Swap | None  # the twin, when there is one
    fallback: str  # for calls without a twin: "sync_to_async", "to_thread" or "" (manual)
    advice: str
    with_block: bool = False  # a sync-only context manager (`with transaction.atomic():`)


def _version_text(since: tuple[int, ...]) -> str:
    return ".".join(map(str, since))


class _Classifier:
    """Every I/O call a function makes, with its async twin or its fallback."""

    def __init__(self, project: Project, target: str | None = None) -> None:
        self.project = project
        self.target = target
        self.version = project.django_version
        deps = project.direct_dependencies
        self.file_library = "anyio" if "anyio" in deps else "aiofiles" if "aiofiles" in deps else None
        self.calls: dict[str, list[tuple[str, CallFact]]] = {}
        self.iterations: dict[str, list[tuple[str, Any]]] = {}
        for module in project:
            for call in module.calls:
                self.calls.setdefault(call.function, []).append((module.path, call))
            for loop in module.iterations:
                self.iterations.setdefault(loop.function, []).append((module.path, loop))
        self.assumed_versions: set[tuple[int, ...]] = set()
        self._cache: dict[str, tuple[_Io, ...]] = {}

    def io(self, qualname: str) -> tuple[_Io, ...]:
        if qualname not in self._cache:
            found = [io for path, call in self.calls.get(qualname, ()) if (io := self._call(qualname, path, call))]
            found += [io for path, loop in self.iterations.get(qualname, ()) if (io := self._loop(qualname, path, loop))]
            if self.target == "quart":
                found += self._quart_reads(qualname)
            self._cache[qualname] = tuple(sorted(found, key=lambda io: io.call_span))
        return self._cache[qualname]

    def has_twin(self, qualname: str) -> bool:
        return any(io.swap is not None for io in self.io(qualname))

    # -- Django
    def _twin_ok(self, since: tuple[int, ...]) -> bool:
        if self.version is None:
            self.assumed_versions.add(since)
            return True
        return self.version >= since

    def _django_swap(self, fn: str, path: str, call: CallFact, resolved: str, twin: Twin, to: str,
                     codemod: str | None, args: tuple[tuple[str, str], ...], awaited: str = "await") -> _Io:
        if not self._twin_ok(twin.since):
            return _Io(call.span, path, resolved, None, "sync_to_async",
                       f"`{twin.twin}` needs Django {_version_text(twin.since)}; the project pins {_version_text(self.version or ())}")
        swap = Swap(fn, path, call.span, "django-orm", resolved, to, codemod, args, awaited,
                    f"django>={_version_text(twin.since)}",
                    "same query; it runs in Django's sync thread through sync_to_async (no parallelism)", "safe")
        return _Io(call.span, path, resolved, swap, "", "")

    def _call(self, fn: str, path: str, call: CallFact) -> _Io | None:
        if call.awaited or call.offloaded or call.callee is None or call.used_as == "wrapped":
            return None
        project = self.project
        if project.callee(call.callee) is not None:
            return None
        resolved = project.resolve(call.callee) or call.callee
        orm = django_orm()
        sync_only = orm.sync_only.get(resolved)
        if sync_only is not None:
            return _Io(call.span, path, resolved, None, "sync_to_async", sync_only.advice, call.used_as == "with")
        function = orm.functions.get(resolved)
        if function is not None:
            module, _, name = function.twin.rpartition(".")
            return self._django_swap(fn, path, call, resolved, function, f"await {name}(...)", "django_async_twin",
                                     (("method", name), ("module", module)))
        if resolved in _QS_BUILTINS and call.args and _queryset_value(project, call.args[0]):
            twin = Twin(resolved, _QS_BUILTINS[resolved], (4, 1), "")
            return self._django_swap(fn, path, call, resolved, twin, _QS_BUILTINS[resolved], None, ())
        chain = parse(project, resolved)
        if chain is not None:
            if chain.final is None:
                return None  # a QuerySet value; iterating it is an IterationFact
            receiver = call.text.rpartition(".")[0]
            if chain.kind == INSTANCE and chain.final in orm.instance:
                twin = orm.instance[chain.final]
            elif chain.final in orm.evaluating and (chain.chain or chain.final != "delete"):
                twin = orm.evaluating[chain.final]
            else:
                return None
            if not twin.awaitable:
                return self._django_swap(fn, path, call, resolved, twin, f"async for ... in {receiver}.{twin.twin}()",
                                         None, (), "async_for")
            return self._django_swap(fn, path, call, resolved, twin, f"await {receiver}.{twin.twin}(...)",
                                     "django_async_twin", (("method", twin.twin),))
        if self.target == "quart" and (quart := self._quart_call(fn, path, call, resolved)) is not None:
            return quart
        return self._sqlalchemy(fn, path, call, resolved) or self._library(fn, path, call, resolved)

    def _loop(self, fn: str, path: str, loop: Any) -> _Io | None:
        if loop.is_async:
            return None
        chain = parse(self.project, self.project.resolve(loop.iterable) or loop.iterable)
        if chain is None or chain.kind != QUERYSET or chain.final is not None:
            return None
        twin = Twin("__iter__", "__aiter__", (4, 1), "")
        if not self._twin_ok(twin.since):
            return _Io(loop.iter_span, path, loop.iterable, None, "sync_to_async", "async iteration needs Django 4.1")
        codemod = "async_for_queryset" if loop.kind == "for" or _comprehension(self.project, path, loop.iter_span) else None
        swap = Swap(fn, path, loop.iter_span, "django-orm", f"for ... in {loop.text}", f"async for ... in {loop.text}",
                    codemod, (), "async_for", "django>=4.1", "same query, fetched in chunks by a thread", "safe")
        return _Io(loop.iter_span, path, loop.iterable or loop.text, swap, "", "")

    # -- SQLAlchemy
    def _sqlalchemy(self, fn: str, path: str, call: CallFact, resolved: str) -> _Io | None:
        from deblock.rules.blocking._orm import _flask_query

        sa = sqlalchemy_orm()
        if resolved.startswith("sqlalchemy.ext.asyncio."):
            return None
        receiver, _, method = resolved.rpartition(".")
        to = None
        if receiver in sa.sessions and method in sa.session_io:
            to = f"AsyncSession: {sa.session_io[method]}"
        elif receiver in sa.engines and method in sa.engine_io:
            to = f"create_async_engine(): {sa.engine_io[method]}"
        elif receiver in sa.connections and method in sa.connection_io:
            to = f"AsyncConnection: {sa.connection_io[method]}"
        elif receiver in sa.extensions and method in sa.extension_io:
            to = f"AsyncSession: {sa.extension_io[method]}"
        else:
            session, sep, rest = resolved.partition(".query()")
            legacy = session in sa.sessions and sep and all(p.endswith("()") for p in rest.split(".")[1:-1])
            final = method if legacy else _flask_query(self.project, resolved)
            if final in sa.query_io:
                to = f"select() + {sa.query_io[final]}"
        if to is None:
            return None
        awaited = "async_with" if to.startswith(("create_async_engine(): async with",)) else "await"
        delta = ("AsyncSession has no legacy Query API and no lazy loading: relationships touched after the query "
                 "raise MissingGreenlet (eager-load them), and attributes expire on commit unless expire_on_commit=False")
        swap = Swap(fn, path, call.span, "sqlalchemy", resolved, to, None, (), awaited, "sqlalchemy>=2.0", delta, "unsafe")
        return _Io(call.span, path, resolved, swap, "", "")

    # -- Quart target (deblock/migration/quart.py)
    def _quart_call(self, fn: str, path: str, call: CallFact, resolved: str) -> _Io | None:
        """Quart coroutines, the request body, `db.session` and legacy `Model.query` chains."""
        from deblock.migration import quart

        module = self.project.files.get(path)
        to = quart.quart_call(self.project, resolved)
        codemod, args = "insert_await", ()
        if to is None and module is not None and (_flask_query_final(self.project, resolved) or ".query()." in resolved):
            node = _call_node(self.project, path, call.span)
            rewrite = quart.query_rewrite(self.project, module, node) if node is not None else None
            if rewrite is None:
                return None  # not a Query chain deblock can write: the SQLAlchemy swap (by hand) stays
            to, codemod = rewrite[0].format(stmt="select(...)", session="db.session", db="db", fetch="scalars",
                                            entity="Model", args="...", kwargs=""), "legacy_query_to_select"
            args = (("template", rewrite[0]), *sorted(rewrite[1].items()))
        if to is None:
            return None
        family = "quart" if resolved.startswith("flask.") else "sqlalchemy"
        delta = _QUART_DELTA if family == "quart" else _ASYNC_SESSION_DELTA
        swap = Swap(fn, path, call.span, family, resolved, to, codemod, args, "await",
                    "quart" if family == "quart" else "sqlalchemy[asyncio]>=2.0", delta, "safe")
        return _Io(call.span, path, resolved, swap, "", "")

    def _quart_reads(self, qualname: str) -> list[_Io]:
        """`request.form` and relationship reads on typed instances (`post.author`)."""
        from deblock.migration import quart

        found = _function_node(self.project, qualname)
        module = self.project.module_of(qualname)
        if found is None or module is None:
            return []
        path, node = found
        out = []
        for site in quart.attribute_sites(self.project, module, node):
            if site.kind == "request":
                swap = Swap(qualname, path, site.span, "quart", f"flask.{site.text}", f"await {site.text}",
                            "await_attribute", (), "await", "quart", _QUART_DELTA, "safe")
            else:
                owner, _, attr = site.text.rpartition(".")
                swap = Swap(qualname, path, site.span, "sqlalchemy", site.text,
                            f"await {owner}.awaitable_attrs.{attr}", "await_attribute", (("via", "awaitable_attrs"),),
                            "await", "sqlalchemy[asyncio]>=2.0.13", _ASYNC_SESSION_DELTA, "safe")
            if site.blocked:
                out.append(_Io(site.span, path, site.text, None, "", f"`{site.text}` must be awaited, but {site.blocked}"))
            else:
                out.append(_Io(site.span, path, site.text, swap, "", ""))
        return out

    # -- catalogue rows (HTTP, sleep, redis, files, everything else)
    def _library(self, fn: str, path: str, call: CallFact, resolved: str) -> _Io | None:
        entry = find_blocking(resolved)
        if resolved.startswith(_REDIS_TYPES) and resolved.rpartition(".")[2] not in _REDIS_LOCAL:
            swap = Swap(fn, path, call.span, "redis", resolved, f"redis.asyncio.Redis(...) client: await r.{resolved.rpartition('.')[2]}(...)",
                        None, (), "await", "redis>=4.2", "one client per event loop; close it with `await r.aclose()`",
                        "unsafe")
            return _Io(call.span, path, resolved, swap, "", "")
        if entry is None:
            custom = [s for p, s in self.project.settings.blocking_calls if fnmatch.fnmatchcase(resolved, p)]
            if custom:
                return _Io(call.span, path, resolved, None, "to_thread", custom[0])
            return None
        library = self._library_name(path)
        template = entry.replacement_for(library)
        if template:
            to = "await " + template.replace("{args}", "...")
            swap = Swap(fn, path, call.span, "sleep" if entry.code == "DBK101" else "library", resolved, to,
                        "replace_blocking_call",
                        (("replacement", template.partition("(")[0]), ("module", entry.import_for(library) or ""),
                         ("original", entry.match)),
                        "await", None, entry.semantic_delta, entry.safety.value)
            return _Io(call.span, path, resolved, swap, "", "")
        if entry.code == "DBK102" and resolved.startswith(("requests.", "httpx.")) and entry.fallback:
            verb = resolved.rpartition(".")[2]
            module_call = resolved.count(".") == 1
            codemod = "requests_to_httpx" if resolved.startswith("requests.") and module_call else None
            swap = Swap(fn, path, call.span, "http", resolved, f"await httpx.AsyncClient().{verb}(...)", codemod,
                        (("verb", verb),) if codemod else (), "await", "httpx>=0.23",
                        entry.semantic_delta if resolved.startswith("requests.") else _HTTPX_DELTA, entry.safety.value)
            return _Io(call.span, path, resolved, swap, "", "")
        if entry.code == "DBK104" and self.file_library and resolved in ("builtins.open", "io.open"):
            to = "await anyio.open_file(...)" if self.file_library == "anyio" else "aiofiles.open(...)"
            swap = Swap(fn, path, call.span, "file-io", resolved, to, "open_to_async_file",
                        (("library", self.file_library),), "async_with", self.file_library, entry.semantic_delta,
                        entry.safety.value)
            return _Io(call.span, path, resolved, swap, "", "")
        return _Io(call.span, path, resolved, None, entry.fallback, entry.semantic_delta)

    def _library_name(self, path: str) -> str:
        module = self.project.files.get(path)
        return self.project.async_library(module) if module is not None else "asyncio"


def _queryset_value(project: Project, arg: ArgFact) -> bool:
    if arg.kind not in ("call", "ref") or not isinstance(arg.value, str):
        return False
    dotted = arg.value + "()" if arg.kind == "call" else arg.value
    chain = parse(project, project.resolve(dotted) or dotted)
    return chain is not None and chain.kind == QUERYSET and chain.final is None


# ---------------------------------------------------------------------- entry selection
def select_entries(project: Project, patterns: Sequence[str] = (), all_views: bool = False) -> list[EntryPoint]:
    """The entry points (or plain functions) the plan starts from. Raises PlanError when a
    pattern matches nothing."""
    entries = project.entry_points
    chosen: dict[str, EntryPoint] = {}
    if all_views or not patterns:
        for qualname, entry in sorted(entries.items()):
            if entry.kind in HTTP_KINDS:
                chosen[qualname] = entry
    for pattern in patterns:
        matched = [q for q in sorted(entries) if fnmatch.fnmatchcase(q, pattern)]
        if not matched:
            matched = [q for q in sorted(project.functions) if fnmatch.fnmatchcase(q, pattern)]
        if not matched:
            hint = _closest(pattern, [*entries, *project.functions])
            raise PlanError(f"--entry {pattern!r} matches no entry point or function" + (f" (did you mean {hint!r}?)" if hint else ""))
        for qualname in matched:
            if qualname in entries:
                chosen[qualname] = entries[qualname]
            else:
                fn = project.functions[qualname]
                module = project.module_of(qualname)
                chosen[qualname] = EntryPoint(qualname, "project", "function", LOOP if fn.is_async else "sync",
                                              module.path if module else "", fn.span)
    return [chosen[q] for q in sorted(chosen)]


def _closest(name: str, candidates: Iterable[str]) -> str | None:
    import difflib

    found = difflib.get_close_matches(name, list(candidates), n=1, cutoff=0.6)
    return found[0] if found else None


def _roots(project: Project, entry: EntryPoint) -> list[str]:
    cls = project.classes.get(entry.qualname)
    if cls is None:
        return [entry.qualname] if entry.qualname in project.functions else []
    return [f"{cls.qualname}.{name}" for name in cls.methods if f"{cls.qualname}.{name}" in project.functions]


# ---------------------------------------------------------------------- colouring
class _Colouring:
    def __init__(self, project: Project, entries: list[EntryPoint], target: str | None = None) -> None:
        self.project = project
        self.graph = project.callgraph
        self.io = _Classifier(project, target)
        self.entries = entries
        self.reached: dict[str, tuple[str, ...]] = {}  # function -> chosen entries reaching it
        pending: deque[str] = deque()
        for entry in entries:
            for root in _roots(project, entry):
                self.reached.setdefault(root, ())
                self.reached[root] += (entry.qualname,)
                pending.append(root)
        while pending:
            name = pending.popleft()
            for callee in self.graph.callees(name):
                if callee not in self.project.functions or self._offloaded(name, callee):
                    continue
                known = self.reached.get(callee)
                merged = tuple(sorted(set(known or ()) | set(self.reached[name])))
                if known != merged:
                    self.reached[callee] = merged
                    pending.append(callee)
        self.stops: dict[str, Hazard] = {}
        self._stay: dict[str, Hazard | None] = {}

    def _offloaded(self, caller: str, callee: str) -> bool:
        return all(site.call.offloaded for site in self.graph.sites(caller, callee))

    def is_async(self, qualname: str) -> bool:
        fn = self.project.functions.get(qualname)
        return fn is not None and fn.is_async

    def stay_sync(self, qualname: str) -> Hazard | None:
        if qualname in self.stops:
            return self.stops[qualname]
        if qualname not in self._stay:
            self._stay[qualname] = must_stay_sync(self.project, qualname)
        return self._stay[qualname]

    def group(self, qualname: str) -> list[str]:
        """The functions that must share `qualname`'s colour: its override set (closed:
        siblings overriding the same base method too) and, for a Django class-based view
        handler, the class's other handlers."""
        members, todo = {qualname}, [qualname]
        while todo:
            for member in self._group_once(todo.pop()):
                if member not in members:
                    members.add(member)
                    todo.append(member)
        return sorted(members)

    def _group_once(self, qualname: str) -> list[str]:
        fn = self.project.functions[qualname]
        cls = fn.class_qualname
        if cls is None or fn.parent is not None:
            return [qualname]
        name = fn.name
        members = set(self.graph.dispatch_siblings(qualname))  # one call site, several methods
        related = set(self.project.mro(cls))
        related |= {c for c in self.project.classes if cls in self.project.mro(c)}
        for owner in related:
            candidate = f"{owner}.{name}"
            if candidate in self.project.functions:
                members.add(candidate)
        if name in _CBV_HANDLERS and self._django_view(cls):
            owner = self.project.classes[cls]
            members |= {f"{cls}.{m}" for m in owner.methods if m in _CBV_HANDLERS and f"{cls}.{m}" in self.project.functions}
        return sorted(members)

    def _django_view(self, cls: str) -> bool:
        for owner in self.project.mro(cls):
            klass = self.project.classes.get(owner)
            if klass and any((self.project.resolve(b) or b) in _DJANGO_VIEW for b in klass.bases):
                return True
        return False

    def colour(self) -> tuple[dict[str, tuple[str, ...]], dict[str, str], dict[str, Hazard]]:
        """Recoloured function -> chain to its I/O; group member -> the reason; blocked -> hazard."""
        chains: dict[str, tuple[str, ...]] = {}
        grouped: dict[str, str] = {}
        blocked: dict[str, Hazard] = {}
        pending: deque[str] = deque()

        def add(qualname: str, chain: tuple[str, ...]) -> None:
            if qualname in chains or qualname in blocked or self.is_async(qualname):
                return
            members = [m for m in self.group(qualname) if not self.is_async(m)]
            hazards = [(m, h) for m in members if (h := self.stay_sync(m)) is not None]
            if hazards:
                member, hazard = hazards[0]
                blocked[qualname] = hazard if member == qualname else _override_hazard(self.project, qualname, member, hazard)
                return
            for member in members:
                if member not in chains:
                    chains[member] = chain if member == qualname else (member, *chain)
                    if member != qualname:
                        grouped[member] = qualname
                    pending.append(member)

        for qualname in sorted(self.reached):
            if not self.is_async(qualname):
                swap = next((io for io in self.io.io(qualname) if io.swap is not None), None)
                if swap is not None:
                    add(qualname, (qualname, swap.target))
        while pending:
            current = pending.popleft()
            for caller in sorted(self.graph.callers(current)):
                if caller in self.reached and caller in self.project.functions and not self._offloaded(caller, current):
                    add(caller, (caller, *chains[current]))
        return chains, grouped, blocked


def _code_unit(project: Project, qualname: str) -> bool:
    """A function, a lambda (facts keep no FunctionFact for lambdas) or a module's top level."""
    return qualname in project.functions or qualname in project.modules or qualname.endswith("<lambda>")


def _override_hazard(project: Project, qualname: str, member: str, hazard: Hazard) -> Hazard:
    from dataclasses import replace

    fn = project.functions[qualname]
    module = project.module_of(qualname)
    return replace(hazard, function=qualname, path=module.path if module else hazard.path, span=fn.span,
                   message=f"`{qualname}` shares a colour with `{member}`, which must stay sync: {hazard.message}")


# ---------------------------------------------------------------------- with blocks
def _with_block(project: Project, path: str, call_span: Span) -> Span | None:
    """The `with` statement whose item is the call at `call_span` (read from the file)."""
    tree = _tree(project, path)
    for node in ast.walk(tree) if tree is not None else ():
        if isinstance(node, ast.With):
            for item in node.items:
                expr = item.context_expr
                if (expr.lineno, expr.col_offset) == (call_span.line, call_span.col):
                    return _span(node)
    return None


# ---------------------------------------------------------------------- the plan
def build_plan(project: Project, patterns: Sequence[str] = (), all_views: bool = False,
               stops: Mapping[str, Hazard] | None = None, target: str | None = None) -> Plan:
    """`stops`: functions the caller (`deblock migrate`) keeps sync, with the reason;
    `target`: `quart` moves a Flask app to Quart (deblock/migration/quart.py)."""
    entries = select_entries(project, patterns, all_views)
    colouring = _Colouring(project, entries, target)
    colouring.stops.update(stops or {})
    chains, grouped, blocked = colouring.colour()
    hazards: tuple[Hazard, ...] = ()
    for _ in range(5):  # hazards that stop propagation once the colouring is known
        hazards = find_hazards(project, frozenset(chains)) + _implicit_hazards(project, colouring, chains)
        stopping = {h.function: h for h in hazards if h.stops_propagation and h.function in chains}
        if not stopping:
            break
        colouring.stops.update(stopping)
        chains, grouped, blocked = colouring.colour()
    return _Builder(project, colouring, chains, grouped, blocked, hazards).plan()


class _Builder:
    def __init__(self, project: Project, colouring: _Colouring, chains: dict[str, tuple[str, ...]],
                 grouped: dict[str, str], blocked: dict[str, Hazard], hazards: tuple[Hazard, ...]) -> None:
        self.project = project
        self.c = colouring
        self.chains = chains
        self.grouped = grouped
        self.blocked = blocked
        self.hazards = hazards
        self.awaits: dict[str, list[AwaitSite]] = {}
        self.swaps: dict[str, list[Swap]] = {}
        self.bridges: dict[str, list[Bridge]] = {}
        self.django = project.imports("django")

    def _async_after(self, qualname: str) -> bool:
        return qualname in self.chains or self.c.is_async(qualname)

    def _on_loop(self, qualname: str) -> bool:
        """Will this sync function still run on the event loop after the migration? Sync
        callees of async code are bridged into a thread, so only a sync entry point the
        framework runs on the loop, or a lambda / nested function of an async function
        (run inline, e.g. a `key=` function), stays there."""
        entry = self.project.entry_points.get(qualname)
        if entry is not None and entry.runs_on == LOOP:
            return True
        fn = self.project.functions.get(qualname)
        parent = fn.parent if fn is not None else qualname.partition(".<locals>.")[0] if "<locals>" in qualname else None
        return parent is not None and self._async_after(parent)

    def _thread_kind(self) -> str:
        return "sync_to_async" if self.django else "to_thread"

    def _edits_in_async(self, fn: str) -> None:
        """Swaps, bridges and awaits inside a function that is (or becomes) async."""
        graph = self.c.graph
        blocks: list[Span] = []
        for io in self.c.io.io(fn):
            if io.with_block:
                block = _with_block(self.project, io.path, io.call_span)
                if block is not None:
                    blocks.append(block)
        if self.django:
            for path, span in implicit_io(self.project, fn).user_reads:
                if not any(b.contains(span) for b in blocks):
                    self.swaps.setdefault(fn, []).append(Swap(
                        fn, path, span, "django-orm", "django.http.HttpRequest.user", "await request.auser()",
                        "attribute_to_awaited_call", (("method", "auser"),), "await", "django>=5.0",
                        "same user; the session and user are loaded in Django's sync thread", "safe"))
        for io in self.c.io.io(fn):
            if any(b.contains(io.call_span) for b in blocks) and not io.with_block:
                continue
            if io.swap is not None:
                self.swaps.setdefault(fn, []).append(io.swap)
                continue
            span = io.call_span
            reason = io.advice
            manual = not io.fallback
            if io.with_block:
                span = next((b for b in blocks if b.contains(io.call_span)), io.call_span)
                reason = f"`{io.target}` has no async twin: extract the `with` block into a sync function, " \
                         f"call it with `await sync_to_async(fn)()`"
                manual = False
            kind = io.fallback or self._thread_kind()
            if kind == "to_thread" and self.django:
                kind = "sync_to_async"
            self.bridges.setdefault(fn, []).append(Bridge(fn, io.path, span, kind, io.target,
                                                          reason or f"`{io.target}` has no async twin", manual))
        for callee in graph.callees(fn):
            if callee not in self.project.functions:
                continue
            sites = [s for s in graph.sites(fn, callee) if not s.call.offloaded and not s.call.awaited]
            if callee in self.chains:
                for site in sites:
                    if any(b.contains(site.call.span) for b in blocks):
                        continue  # runs inside the extracted sync block: bridged with it
                    self.awaits.setdefault(callee, []).append(
                        AwaitSite(fn, callee, site.path, site.call.span, site.call.text))
            elif not self.c.is_async(callee):
                chain = graph.blocking_chain(callee)
                if chain is None and not self._does_io(callee):
                    continue
                for site in sites:
                    if any(b.contains(site.call.span) for b in blocks) or self._bridged(fn, site.call.span):
                        continue  # inside an extracted block, or a site dispatching to several methods
                    why = (f"`{callee}` stays sync ({self.blocked[callee].message})" if callee in self.blocked
                           else f"`{callee}` stays sync and blocks: {chain.render() if chain else 'it does I/O'}")
                    self.bridges.setdefault(fn, []).append(
                        Bridge(fn, site.path, site.call.span, self._thread_kind(), callee, why))

    def _bridged(self, fn: str, span: Span) -> bool:
        return any(b.span == span for b in self.bridges.get(fn, ()))

    def _does_io(self, qualname: str, seen: frozenset[str] = frozenset()) -> bool:
        if qualname in seen or len(seen) > 50:
            return False
        if self.c.io.io(qualname):
            return True
        if self.django:  # implicit ORM I/O (lazy relations, QuerySets evaluated by a builtin...)
            found = implicit_io(self.project, qualname)
            if found.problems or found.user_reads:
                return True
        return any(self._does_io(c, seen | {qualname}) for c in self.c.graph.callees(qualname)
                   if c in self.project.functions and not self.c.is_async(c))

    def _edits_outside(self) -> None:
        """Sync callers that stay sync get `async_to_sync`; offloads of recoloured functions unwrap."""
        graph = self.c.graph
        for callee in sorted(self.chains):
            for caller in sorted(graph.callers(callee)):
                if self._async_after(caller) or not _code_unit(self.project, caller):
                    continue
                sites = [s for s in graph.sites(caller, callee) if not s.call.offloaded]
                on_loop = self._on_loop(caller)
                hazard = self.blocked.get(caller) or self.c.stay_sync(caller)
                why = hazard.message if hazard is not None else "off the chosen entry points' paths"
                for site in sites:
                    if self._bridged(caller, site.call.span):
                        continue  # one site dispatching to several recoloured methods: one bridge
                    reason = f"`{caller}` stays sync ({why}) and calls `{callee}`, which becomes async"
                    if on_loop:
                        reason += "; it runs on the event loop, where async_to_sync raises: move the call out by hand"
                    self.bridges.setdefault(caller, []).append(
                        Bridge(caller, site.path, site.call.span, "async_to_sync", callee, reason, on_loop))
        for module in self.project:
            for call in module.calls:
                index = offload_index(call.callee and (self.project.resolve(call.callee) or call.callee), call.text)
                if index is None or len(call.args) <= index or call.function not in self.project.functions:
                    continue
                arg = call.args[index]
                target = self.project.callee(arg.value) if arg.kind == "ref" and isinstance(arg.value, str) else None
                if target is None or target.qualname not in self.chains:
                    continue
                manual = not self._async_after(call.function)
                self.bridges.setdefault(call.function, []).append(Bridge(
                    call.function, module.path, call.span, "unwrap", target.qualname,
                    f"`{target.qualname}` becomes async: replace the `{call.text}(...)` offload with "
                    f"`await {target.name}(...)`" + (" (the caller is sync: by hand)" if manual else ""), manual))

    def plan(self) -> Plan:
        project = self.project
        async_on_path = [q for q in self.c.reached if self.c.is_async(q)]
        for fn in sorted({*self.chains, *async_on_path}):
            self._edits_in_async(fn)
        self._edits_outside()
        callers = {site.caller for sites in self.awaits.values() for site in sites}
        changed = {f for f in {*self.chains, *self.swaps, *self.bridges, *callers} if _code_unit(project, f)}
        steps, step_of = _order(self.c.graph, changed)
        functions = []
        for qualname in sorted(changed, key=lambda q: (step_of[q], q)):
            path, span, is_async = self._where(qualname)
            status = BECOMES_ASYNC if qualname in self.chains else ALREADY_ASYNC if is_async else STAYS_SYNC
            chain = self.chains.get(qualname, ())
            functions.append(PlanFunction(
                qualname=qualname, path=path, span=span, status=status,
                reason=self._reason(qualname, status, chain), chain=chain,
                entries=self.c.reached.get(qualname, ()), step=step_of[qualname],
                overrides=tuple(m for m in self.c.group(qualname) if m != qualname) if qualname in self.chains else (),
                awaits=tuple(sorted(self.awaits.get(qualname, ()), key=lambda a: (a.path, a.span))),
                swaps=tuple(sorted(self.swaps.get(qualname, ()), key=lambda s: (s.path, s.span))),
                bridges=tuple(sorted(self.bridges.get(qualname, ()), key=lambda b: (b.path, b.span))),
            ))
        blockers, hazards = self._hazards(changed)
        nodes, edges = self._graph(functions, blockers)
        return Plan(
            root=str(project.settings.root),
            django_version=_version_text(project.django_version) if project.django_version else None,
            entries=tuple(EntryRef(e.qualname, e.framework, e.kind, e.runs_on, e.url, e.methods) for e in self.c.entries),
            functions=tuple(functions), steps=steps, blockers=blockers, hazards=hazards, nodes=nodes, edges=edges,
            effort=_effort(functions, (*blockers, *hazards)), notes=self._notes(), target=self.c.io.target,
        )

    def _where(self, qualname: str) -> tuple[str, Span, bool]:
        """Path, span and colour of a function, a lambda (no FunctionFact: located by the
        bridges written in it) or a module's top level."""
        fn = self.project.functions.get(qualname)
        if fn is not None:
            module = self.project.module_of(qualname)
            return (module.path if module else "", fn.span, fn.is_async)
        module = self.project.modules.get(qualname)
        if module is not None:
            return module.path, Span(1, 0, max(module.line_count, 1), 0), False
        bridges = self.bridges.get(qualname, ())
        if bridges:
            first = min(bridges, key=lambda b: b.span)
            return first.path, first.span, False
        hazard = self.c.stay_sync(qualname)
        return (hazard.path, hazard.span, False) if hazard else ("", Span(1, 0, 1, 0), False)

    def _reason(self, qualname: str, status: str, chain: tuple[str, ...]) -> str:
        if status == BECOMES_ASYNC:
            via = ""
            if qualname in self.grouped:
                source = self.grouped[qualname]
                same_class = source.rpartition(".")[0] == qualname.rpartition(".")[0]
                via = (f" (a Django class-based view's handlers share one colour with `{source}`)" if same_class
                       else f" (override set of `{source}`)")
            return f"performs I/O with an async twin: {' → '.join(chain)}{via}"
        if status == ALREADY_ASYNC:
            return "already async: edits inside (awaits, swaps or bridges)"
        hazard = self.blocked.get(qualname) or self.c.stay_sync(qualname)
        return f"stays sync ({hazard.message})" if hazard else "stays sync: not on the chosen entry points' paths"

    def _hazards(self, changed: set[str]) -> tuple[tuple[Hazard, ...], tuple[Hazard, ...]]:
        """Blockers (hazards that stop propagation) and the other hazards on the plan's
        functions that no bridge of the plan already covers."""
        stays = [h for f in sorted(changed) if f not in self.chains and (h := self.c.stay_sync(f)) is not None]
        relevant = {*changed, *self.blocked, *self.chains}
        found: dict[tuple[str, str, Span], Hazard] = {}
        for hazard in [*self.blocked.values(), *self.c.stops.values(), *stays, *self.hazards]:
            if hazard.function in relevant:
                found.setdefault((hazard.kind, hazard.function, hazard.span), hazard)
        bridges = [b for items in self.bridges.values() for b in items]
        blockers, others = [], []
        for hazard in sorted(found.values(), key=lambda h: (h.path, h.span, h.kind)):
            if hazard.stops_propagation:
                blockers.append(hazard)
            elif not any(b.path == hazard.path and b.span.line <= hazard.span.line <= b.span.end_line for b in bridges):
                others.append(hazard)
        return tuple(blockers), tuple(others)

    def _notes(self) -> tuple[str, ...]:
        notes = []
        if self.c.io.assumed_versions and self.project.django_version is None:
            newest = _version_text(max(self.c.io.assumed_versions))
            notes.append(f"Django version unknown (set `target-django`): the plan assumes Django >= {newest} "
                         "for the `a`-twins it uses")
        if self.c.io.target == "quart":
            notes.append("Target Quart: `flask` imports move to `quart`, Flask-SQLAlchemy's `db` to the AsyncSession "
                          "module `quart_db.py`; every function using `db.session` must become async")
        elif any(e.framework == "flask" for e in self.c.entries):
            notes.append("Flask runs async views in a per-request event loop on a WSGI worker: no throughput gain "
                         "until the app moves to Quart (or another ASGI framework)")
        return tuple(notes)

    def _graph(self, functions: list[PlanFunction], blockers: tuple[Hazard, ...]) -> tuple[tuple[Node, ...], tuple[Edge, ...]]:
        nodes: dict[str, Node] = {}
        edges: set[Edge] = set()
        blocked_fns = {h.function for h in blockers}
        for pf in functions:
            kind = {BECOMES_ASYNC: "becomes_async", ALREADY_ASYNC: "already_async"}.get(pf.status, "sync")
            if pf.status == STAYS_SYNC:
                kind = "blocker" if pf.qualname in blocked_fns or self.c.stay_sync(pf.qualname) else "bridge"
            nodes[pf.qualname] = Node(pf.qualname, _short(pf.qualname), kind, pf.reason, pf.path, pf.span.line)
        for pf in functions:
            for site in pf.awaits:
                edges.add(Edge(site.caller, pf.qualname, "await"))
            for swap in pf.swaps:
                io_id = "io:" + swap.from_
                nodes.setdefault(io_id, Node(io_id, _short_io(swap.from_), "io", f"{swap.from_} → {swap.to}"))
                edges.add(Edge(pf.qualname, io_id, "io"))
            for bridge in pf.bridges:
                target = bridge.target if bridge.target in self.project.functions else "io:" + bridge.target
                if target not in nodes:
                    fn = self.project.functions.get(bridge.target)
                    module = self.project.module_of(bridge.target) if fn else None
                    blocker = fn is not None and (bridge.target in blocked_fns or self.c.stay_sync(bridge.target))
                    kind = "blocker" if blocker else "bridge"
                    nodes[target] = Node(target, _short(bridge.target) if fn else _short_io(bridge.target), kind,
                                         bridge.reason, module.path if module else None, fn.span.line if fn else None)
                edges.add(Edge(pf.qualname, target, "bridge"))
        for h in blockers:
            if h.function not in nodes and h.function in self.project.functions:
                nodes[h.function] = Node(h.function, _short(h.function), "blocker", h.message, h.path, h.span.line)
        for entry in self.c.entries:  # entries that need no change still show, as sync or async
            for root in _roots(self.project, entry):
                if root not in nodes:
                    fn = self.project.functions[root]
                    module = self.project.module_of(root)
                    nodes[root] = Node(root, _short(root), "already_async" if fn.is_async else "sync",
                                       "entry point: no change needed", module.path if module else None, fn.span.line)
        ordered = tuple(sorted(nodes.values(), key=lambda n: n.id))
        return ordered, tuple(sorted(edges, key=lambda e: (e.source, e.target, e.kind)))


def _short(qualname: str) -> str:
    parts = qualname.split(".")
    return ".".join(parts[-2:]) if len(parts) > 1 else qualname


def _short_io(name: str) -> str:
    return name if len(name) <= 40 else "…" + name[-39:]


def _order(graph: Any, changed: set[str]) -> tuple[tuple[Step, ...], dict[str, int]]:
    """Leaves first: the condensation of the changed subgraph, callees before callers."""
    import networkx as nx

    sub = nx.DiGraph()
    sub.add_nodes_from(sorted(changed))
    for caller in sorted(changed):
        for callee in graph.callees(caller):
            if callee in changed:
                sub.add_edge(caller, callee)
    condensed = nx.condensation(sub)
    members = {n: sorted(condensed.nodes[n]["members"]) for n in condensed.nodes}
    order = list(nx.lexicographical_topological_sort(condensed.reverse(copy=True), key=lambda n: members[n][0]))
    steps, step_of = [], {}
    for index, component in enumerate(order, start=1):
        names = tuple(members[component])
        cycle = len(names) > 1 or sub.has_edge(names[0], names[0])
        steps.append(Step(index, names, cycle))
        for name in names:
            step_of[name] = index
    return tuple(steps), step_of


def _effort(functions: Sequence[PlanFunction], blockers: Sequence[Hazard]) -> Effort:
    defs = sum(1 for f in functions if f.status == BECOMES_ASYNC)
    awaits = len({(s.path, s.span) for f in functions for s in f.awaits})  # a site may dispatch to several
    swaps = [s for f in functions for s in f.swaps]
    bridges = [b for f in functions for b in f.bridges]
    manual = sum(1 for s in swaps if s.codemod is None) + sum(1 for b in bridges if b.manual) + len(blockers)
    automatic = defs + awaits + sum(1 for s in swaps if s.codemod) + sum(1 for b in bridges if not b.manual)
    return Effort(defs, awaits, len(swaps), sum(1 for s in swaps if s.safety != "safe"), len(bridges), manual, automatic)


__all__ = [
    "ALREADY_ASYNC", "BECOMES_ASYNC", "STAYS_SYNC", "AwaitSite", "Bridge", "Edge", "Effort", "EntryRef", "Node",
    "Plan", "PlanError", "PlanFunction", "Step", "Swap", "build_plan", "select_entries",
]


# ---------------------------------------------------------------------- implicit ORM I/O
# Reading a Django function's source: ORM I/O no call fact shows (lazy relations,
# `request.user`, QuerySets evaluated through a variable or by a template). A function
# about to become async that does any of it is kept sync (with the reason) unless the
# plan rewrites that exact spot; `request.user` becomes `await request.auser()`.
_QS_BUILDERS = frozenset({
    "all", "filter", "exclude", "annotate", "alias", "order_by", "reverse", "distinct", "values", "values_list",
    "dates", "datetimes", "none", "union", "intersection", "difference", "select_related", "prefetch_related",
    "extra", "defer", "only", "using", "select_for_update", "raw",
})
_EVALUATING_BUILTINS = frozenset({"list", "tuple", "set", "sorted", "len", "bool", "sum", "any", "all", "max", "min",
                                  "next", "iter", "repr", "str", "dict", "enumerate", "zip", "reversed"})
# Callables that keep a QuerySet lazy (an expression or a prefetch, evaluated by the outer query).
_LAZY_QS_CONSUMERS = frozenset({"Prefetch", "Subquery", "Exists", "sync_to_async"})
_TEMPLATE_CALLS = frozenset({"render", "render_to_string", "render_to_response", "TemplateResponse",
                             "SimpleTemplateResponse"})


_QUART_DELTA = ("Quart runs the same Flask API on asyncio: the request body, templates and responses are "
                "coroutines; sync views still work (Quart runs them in a thread)")
_ASYNC_SESSION_DELTA = ("AsyncSession (quart_db.py): one per request, expire_on_commit=False, no lazy loading "
                        "(relationships are read with `await obj.awaitable_attrs.rel`), no legacy Query API")


def _flask_query_final(project: Project, resolved: str) -> str | None:
    from deblock.rules.blocking._orm import _flask_query

    return _flask_query(project, resolved)


def _call_node(project: Project, path: str, span: Span) -> ast.Call | None:
    tree = _tree(project, path)
    for node in ast.walk(tree) if tree is not None else ():
        if isinstance(node, ast.Call) and _span(node) == span:
            return node
    return None


@dataclass(frozen=True, slots=True)
class ImplicitIo:
    user_reads: tuple[tuple[str, Span], ...]  # `request.user` reads that become `await request.auser()`
    problems: tuple[tuple[str, Span, str], ...]  # (path, span, what): implicit I/O nothing rewrites


def _tree(project: Project, path: str) -> ast.Module | None:
    def parse_file() -> ast.Module | None:
        try:
            return parse_in_characters((project.settings.root / path).read_bytes())
        except (OSError, SyntaxError, ValueError):
            return None
    return project.memo(("migration-ast", path), parse_file)


def _function_node(project: Project, qualname: str) -> tuple[str, ast.FunctionDef | ast.AsyncFunctionDef] | None:
    fn = project.functions.get(qualname)
    module = project.module_of(qualname)
    if fn is None or module is None:
        return None
    tree = _tree(project, module.path)
    for node in ast.walk(tree) if tree is not None else ():
        if (isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == fn.name
                and fn.span.line <= node.lineno <= fn.span.end_line + 1):
            first = node.decorator_list[0].lineno if node.decorator_list else node.lineno
            if fn.span.line in (first, node.lineno):
                return module.path, node
    return None


def _comprehension(project: Project, path: str, iter_span: Span) -> bool:
    """The iterable at `iter_span` is a list/set/dict comprehension's (not a generator's)."""
    tree = _tree(project, path)
    for node in ast.walk(tree) if tree is not None else ():
        if isinstance(node, (ast.ListComp, ast.SetComp, ast.DictComp)) and _span(node.generators[0].iter) == iter_span:
            return True
    return False


def _own_method(project: Project, qualname: str, func: ast.expr) -> bool:
    """`self.render(...)` / `cls.render(...)` that runs a project method (not Django's)."""
    fn = project.functions.get(qualname)
    if not (fn and fn.class_qualname and isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name)
            and func.value.id in ("self", "cls")):
        return False
    return project.callee(f"{fn.class_qualname}.{func.attr}") is not None


def _own_nodes(fn: ast.AST) -> Iterable[tuple[ast.AST, ast.AST]]:
    """(node, parent) in a function's body, nested functions and classes excluded."""
    stack = [(child, fn) for child in ast.iter_child_nodes(fn)]
    while stack:
        node, parent = stack.pop()
        yield node, parent
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            stack.extend((child, node) for child in ast.iter_child_nodes(node))


def _relation_names(project: Project) -> tuple[frozenset[str], frozenset[str]]:
    from deblock.analyzer.models import model_graph

    def compute() -> tuple[frozenset[str], frozenset[str]]:
        single, many = set(), set()
        for model in model_graph(project).models.values():
            for name, relation in model.relations.items():
                (many if relation.many else single).add(name)
        return frozenset(single), frozenset(many)
    return project.memo("migration-relations", compute)


def implicit_io(project: Project, qualname: str, covered: Sequence[Span] = ()) -> ImplicitIo:
    """Implicit Django ORM I/O in a function's own body; `covered`: spans the plan rewrites."""
    found = _function_node(project, qualname)
    if found is None:
        return ImplicitIo((), ())
    path, fn = found
    single, many = _relation_names(project)
    nodes = list(_own_nodes(fn))
    params = [a.arg for a in fn.args.posonlyargs + fn.args.args]
    if params and params[0] in ("self", "cls"):
        params = params[1:]
    request = params[0] if params and (params[0] == "request" or qualname in project.entry_points) else None
    loaded = {part for node, _ in nodes if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
              and node.func.attr == "select_related"
              for arg in node.args if isinstance(arg, ast.Constant) and isinstance(arg.value, str)
              for part in arg.value.split("__")}
    version = project.django_version
    users: list[tuple[str, Span]] = []
    problems: list[tuple[str, Span, str]] = []

    def is_covered(node: ast.AST) -> bool:
        span = _span(node)
        return any(c.contains(span) for c in covered)

    def querysetish(node: ast.AST) -> bool:
        """An unevaluated QuerySet expression: `M.objects....builder()[...]`, `x.<many>.all()`."""
        while isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Slice):
            node = node.value
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in _QS_BUILDERS:
            return True
        return isinstance(node, ast.Attribute) and (node.attr == "objects" or node.attr in many)

    qs_vars = {t.id for node, _ in nodes if isinstance(node, ast.Assign) and querysetish(node.value)
               for t in node.targets if isinstance(t, ast.Name)}
    for node, parent in nodes:
        if isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Load):
            base = node.value
            if request and isinstance(base, ast.Name) and base.id == request and node.attr == "user":
                if version is None or version >= (5, 0):
                    users.append((path, _span(node)))
                else:
                    problems.append((path, _span(node), (f"`{request}.user` loads the user synchronously "
                                                         "(`request.auser()` needs Django 5.0)")))
            elif (node.attr in single and node.attr not in loaded and not is_covered(node)
                  and not (isinstance(base, ast.Name) and base.id in ("self", "cls"))):
                problems.append((path, _span(node), f"`{ast.unparse(node)}` may be a lazy relation (a query on first read)"))
            elif (isinstance(base, ast.Attribute) and base.attr in many and isinstance(parent, ast.Call)
                  and parent.func is node and node.attr not in _QS_BUILDERS and not node.attr.startswith("a")
                  and not is_covered(parent)):
                problems.append((path, _span(parent), f"`{ast.unparse(parent)}` runs a query on a related manager"))
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load) and node.id in qs_vars and not is_covered(node):
            receiver = isinstance(parent, ast.Attribute) and parent.value is node and (
                parent.attr in _QS_BUILDERS or parent.attr.startswith("a"))
            if not receiver:
                problems.append((path, _span(node), f"QuerySet `{node.id}` is evaluated implicitly"))
        elif isinstance(node, ast.Call):
            name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            if name in _TEMPLATE_CALLS and not _own_method(project, qualname, node.func):
                problems.append((path, _span(node), (f"`{name}(...)` renders a template synchronously (QuerySets and "
                                                     "lazy relations in its context would query on the event loop)")))
            elif name in _EVALUATING_BUILTINS and any(querysetish(a) for a in node.args) and not is_covered(node):
                problems.append((path, _span(node), f"`{ast.unparse(node)[:60]}` evaluates a QuerySet implicitly"))
            elif (name not in _QS_BUILDERS and name not in _LAZY_QS_CONSUMERS and not is_covered(node)
                  and any(querysetish(a) for a in [*node.args, *(k.value for k in node.keywords)])):
                problems.append((path, _span(node), (f"a QuerySet passed to `{name or 'a call'}(...)` may be evaluated "
                                                     "synchronously")))
        elif (isinstance(node, (ast.For, ast.comprehension)) and not getattr(node, "is_async", 0)
              and querysetish(node.iter) and not is_covered(node.iter)):
            problems.append((path, _span(node.iter), f"iterating `{ast.unparse(node.iter)[:60]}` runs a query"))
    return ImplicitIo(tuple(users), tuple(problems))


def _implicit_hazards(project: Project, colouring: _Colouring, chains: Mapping[str, tuple[str, ...]]) -> tuple[Hazard, ...]:
    """Functions about to become async that do implicit ORM I/O the plan cannot rewrite: they stay sync."""
    if not project.imports("django"):
        return ()
    found = []
    for qualname in sorted(chains):
        covered = [io.swap.span for io in colouring.io.io(qualname) if io.swap is not None]
        covered += [io.call_span for io in colouring.io.io(qualname)]
        covered += [b for io in colouring.io.io(qualname) if io.with_block and (b := _with_block(project, io.path, io.call_span))]
        problems = implicit_io(project, qualname, covered).problems
        if problems:
            path, span, what = problems[0]
            found.append(Hazard("", "implicit-orm-io", qualname, path, span,
                                f"{what}: it would raise SynchronousOnlyOperation in async code",
                                "keep it sync (Django runs it in a thread); rewrite that access by hand to migrate it",
                                True))
    return tuple(found)
