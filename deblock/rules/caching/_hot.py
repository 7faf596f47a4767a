"""Shared by DBK401 and DBK403: which entry points serve reads (GET), whether a path
already caches or sets HTTP caching headers, whether it serves per-user data, and what
a read on it is (an ORM query of a model, an outbound HTTP GET, a known-expensive call)
with inputs that are the same for every request."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from deblock.analyzer.django_orm import parse
from deblock.analyzer.facts.model import ArgFact, CallFact, FunctionFact, ModuleFacts
from deblock.analyzer.frameworks import EntryPoint
from deblock.analyzer.models import model_graph
from deblock.analyzer.project import Project
from deblock.analyzer.queries import calls_within
from deblock.analyzer.reach import entries_reaching, is_low_priority_path, reach_of
from deblock.analyzer.writes import writes_in, writes_to
from deblock.hot_read_knowledge import hot_reads, normalise
from deblock.orm_knowledge import django_orm
from deblock.query_knowledge import django_queries
from deblock.rules.queries._per_item import short, sqlalchemy_call

_READS = frozenset({"GET", "HEAD"})
_AGGREGATES = frozenset({"aggregate", "annotate", "count"})


@dataclass(frozen=True)
class Read:
    call: CallFact
    kind: str  # "django", "sqlalchemy", "http" or "expensive"
    model: str | None
    expensive: bool  # an aggregate, a count, an HTTP call or a known-expensive call
    queryset: bool = False  # a lazy Django QuerySet (the fix caches `list(...)`)


def _staff_only(path: str) -> bool:
    """URLs declared in a back office (an `admin` package or `admin_urls.py`, Wagtail's
    `wagtail_hooks.py`) serve few, logged-in users: not where a shared cache pays."""
    *folders, name = path.split("/")
    return "admin" in folders or "admin" in name.removesuffix(".py").split("_") or name in hot_reads().staff_url_files


def read_entries(project: Project, function: str) -> tuple[EntryPoint, ...]:
    """The GET routes and views reaching `function` (a view with unknown methods counts
    when neither it nor `function` writes a model)."""
    found = []
    for entry in entries_reaching(project, function):
        if entry.kind not in ("route", "view") or entry.framework == "drf" or is_low_priority_path(entry.path) \
                or _staff_only(entry.path):
            continue
        if set(entry.methods) & _READS or (not entry.methods and not writes_in(project, entry.qualname)
                                           and not writes_in(project, function)):
            found.append(entry)
    return tuple(found)


def _by_function(project: Project) -> dict[str, tuple[list[CallFact], list[str]]]:
    """Function -> (its calls, the header keys/attributes and module-level names it stores)."""

    def build() -> dict[str, tuple[list[CallFact], list[str]]]:
        index: dict[str, tuple[list[CallFact], list[str]]] = defaultdict(lambda: ([], []))
        for module in project:
            for call in module.calls:
                index[call.function][0].append(call)
            for store in module.stores:
                index[store.function][1].append((store.key or "").lower() if store.key else
                                                store.global_name or store.target.rpartition(".")[2])
        return dict(index)

    return project.memo("hot-read-functions", build)


def _resolved(project: Project, name: str | None) -> str:
    return normalise(project.resolve(name) or name)


def decides_headers(project: Project, function: str) -> bool:
    """A decorator, call, store or `headers=` keyword that sets HTTP caching in `function`."""
    known = hot_reads()
    fn = project.functions.get(function)
    if fn is not None and any(_resolved(project, d.name) in known.header_decorators | known.cache_decorators
                              for d in fn.decorators):
        return True
    calls, stores = _by_function(project).get(function, ([], []))
    if any(s in known.header_names or s in known.header_attributes for s in stores):
        return True
    for call in calls:
        name = _resolved(project, call.callee)
        if name in known.header_calls or call.text.rpartition(".")[2] in known.header_calls:
            return True
        headers = next((a for k, a in call.keywords if k == "headers"), None)
        if headers is not None and any(k.lower() in known.header_names for k, _ in headers.keywords):
            return True
    return False


def cached_path(project: Project, function: str, entries: tuple[EntryPoint, ...]) -> bool:
    """A cache (decorator, cache read, module-level store) or caching headers on the path."""
    known = hot_reads()
    chain = reach_of(project, function)
    names = {function, *(e.qualname for e in entries), *(chain.chain if chain else ())}
    for name in names:
        fn = project.functions.get(name)
        if fn is not None and any(_resolved(project, d.name) in known.cache_decorators for d in fn.decorators):
            return True
        calls, stores = _by_function(project).get(name, ([], []))
        if any("." in s for s in stores) or decides_headers(project, name):
            return True  # a module-level dict filled here is a hand-rolled cache
        if any(_resolved(project, c.callee) in known.cache_calls for c in calls):
            return True
    return False


def per_user(project: Project, facts: ModuleFacts, function: str) -> bool:
    """The function or its view reads the user, the session or requires a login."""
    known = hot_reads()
    fn = project.functions.get(function)
    if fn is not None and any(_resolved(project, d.name) in known.per_user_decorators for d in fn.decorators):
        return True
    for attr in facts.attributes:
        if attr.function == function and attr.base and any(
                f"{attr.base}.{attr.attr}".startswith(p) for p in known.per_user):
            return True
    for call in _by_function(project).get(function, ([], []))[0]:
        texts = [_resolved(project, call.callee)] + [str(a.value) for a in _flat(call.args, call.keywords)]
        if any(t.startswith(p) for t in texts for p in known.per_user):
            return True
    return False


def _flat(args: tuple[ArgFact, ...], keywords: tuple[tuple[str, ArgFact], ...]) -> list[ArgFact]:
    found: list[ArgFact] = []
    for arg in [*args, *(a for _, a in keywords)]:
        found.append(arg)
        found.extend(_flat(arg.args, arg.keywords))
    return found


def _module_constant(project: Project, name: str) -> bool:
    """`RATES_URL = "https://..."` at module level, never written elsewhere: a constant."""
    module_name, _, attr = name.rpartition(".")
    module = project.modules.get(module_name)
    if module is None:
        return False
    assigned = [a for a in module.assigns if a.name == attr]
    written = project.memo("written-globals", lambda: frozenset(
        s.global_name for m in project for s in m.stores if s.global_name))
    return len(assigned) == 1 and assigned[0].value.kind == "literal" and name not in written


def constant_inputs(project: Project, fn: FunctionFact, calls: list[CallFact], entry: bool) -> bool:
    """Every argument of the read's calls is a literal, a setting, a model or column, a
    query-building call, or (in the entry point itself) a request parameter."""
    known = hot_reads()
    graph = model_graph(project)
    params = {p.annotation for p in fn.params if p.annotation in known.parameter_types} if entry else set()
    for arg in (a for c in calls for a in _flat(c.args, c.keywords)):
        value = _resolved(project, str(arg.value)) if isinstance(arg.value, str) else ""
        if arg.kind in ("literal", "list", "dict"):
            continue
        if arg.kind == "call" and value.startswith(known.expression_roots):
            continue
        if arg.kind == "ref" and (value in params or value.startswith(tuple(known.settings)) or
                                  _module_constant(project, value) or
                                  graph.model(value) or graph.model(value.rpartition(".")[0]) or
                                  (entry and value.startswith(tuple(known.request_parameters)))):
            continue
        return False
    return True


def reads_in(project: Project, facts: ModuleFacts) -> list[Read]:
    """The outermost reads of the module's functions (a chain counts once, at its last call)."""
    found: list[Read] = []
    known, writes = hot_reads(), django_queries()
    for call in facts.calls:
        if call.loop_depth or call.function == facts.module or reach_of(project, call.function) is None:
            continue  # no entry point reaches it: no GET path either
        resolved = _resolved(project, call.callee)
        chain = parse(project, project.resolve(call.callee) or call.callee)
        if chain is not None and chain.manager is not None and (project.resolve(call.callee) or "").startswith(
                f"{chain.model}.{chain.manager}.") and (chain.final or "") not in writes.instance_writes | \
                writes.manager_writes | writes.queryset_writes | {"bulk_create", "bulk_update", "add", "remove",
                                                                    "set", "clear"}:
            if chain.final == "none" or "none" in chain.chain:
                continue  # `.none()` never reaches the database
            found.append(Read(call, "django", chain.model, bool({*chain.chain, chain.final} & _AGGREGATES),
                              queryset=chain.final is None or chain.final in django_orm().chainable))
        elif (db := sqlalchemy_call(project, facts, call)) is not None and db.model and db.method not in (
                "add", "add_all", "merge", "delete", "commit", "flush", "rollback", "close"):
            found.append(Read(call, "sqlalchemy", db.model, db.method in ("count", "scalar")))
        elif resolved in known.http_gets or resolved in known.expensive:
            found.append(Read(call, "http" if resolved in known.http_gets else "expensive", None, True))
    outer = [r for r in found if not any(o is not r and o.call.span.contains(r.call.span) for o in found)]
    return outer


def cacheable_reads(project: Project, facts: ModuleFacts) -> list[tuple[Read, FunctionFact, tuple[EntryPoint, ...]]]:
    """DBK401's reads: on a GET path, no cache on the way, not per user, constant inputs.
    A sync ORM read made on the event loop is left to DBK110/DBK111: it must move off the
    loop before caching it means anything."""
    found = []
    for read in reads_in(project, facts):
        fn = project.functions.get(read.call.function)
        entries = read_entries(project, read.call.function) if fn is not None else ()
        if fn is None or not entries or cached_path(project, fn.qualname, entries) or \
                per_user(project, facts, fn.qualname):
            continue
        if read.kind in ("django", "sqlalchemy") and read.call.in_async and not read.call.awaited:
            continue
        calls = calls_within(project, facts, read.call.span)
        if constant_inputs(project, fn, calls, any(e.qualname == fn.qualname for e in entries)):
            found.append((read, fn, entries))
    return found


def serving_cacheable(project: Project) -> frozenset[str]:
    """Entry points whose requests reach a DBK401 read: the GET endpoints whose data a cache
    header would let clients and proxies keep (DBK403 reports only those)."""
    return project.memo("caching-serving-cacheable", lambda: frozenset(
        entry.qualname for module in project for _, _, entries in cacheable_reads(project, module) for entry in entries))


def read_text(read: Read) -> str:
    text = read.call.text.replace("()", "(...)")
    return f"{text}(...)" if read.call.args or read.call.keywords else f"{text}()"


def entries_text(entries: tuple[EntryPoint, ...]) -> str:
    names = list(dict.fromkeys(f"`{e.methods[0] if e.methods else 'GET'} {e.url or e.qualname.rpartition('.')[2]}`"
                               for e in entries))  # one URL can be served by several registrations
    return ", ".join(names[:3]) + (f" (+{len(names) - 3} more)" if len(names) > 3 else "")


def writes_text(project: Project, read: Read) -> str:
    if read.model is None:
        return "the data is another service's: pick a TTL it tolerates"
    sites = [w for w in writes_to(project, [read.model]) if not is_low_priority_path(w.path)]  # tests' writes do not count
    if not sites:
        return f"no writes of `{short(read.model)}` found in the project"
    grouped: dict[tuple[str, str], list[str]] = {}
    for site in sites:
        grouped.setdefault((site.path, site.function.rpartition(".")[2]), []).append(str(site.span.line))
    parts = [f"{path}:{','.join(lines)} ({name})" for (path, name), lines in grouped.items()]
    shown = ", ".join(parts[:6]) + (f" (+{len(parts) - 6} more)" if len(parts) > 6 else "")
    return f"a cache must be invalidated by the writes of `{short(read.model)}` and related models at {shown}"


def cache_fix_args(project: Project, facts: ModuleFacts, read: Read, fn: FunctionFact) -> dict[str, str] | None:
    """The `wrap_in_cache` arguments for a DBK401 read, or None when no exact rewrite exists:
    async code, a read other code filters, counts or loops over (it must stay a query),
    or no cache the project already uses (Django's for Django reads, else cachetools)."""
    call = read.call
    iterated = call.used_as == "iter" or any(call.span in loop.origins for loop in facts.iterations)
    if fn.is_async or call.in_async or iterated or (read.queryset and call.used_as != "subscript"):
        return None
    if read.kind == "django":
        backend = "django"
    elif project.imports("cachetools"):
        backend = "cachetools"
    else:
        return None
    clash = any(i.alias == "cache" and i.target != hot_reads().django_cache for i in facts.imports)
    params = ",".join(p.name for p in fn.params if p.annotation in hot_reads().parameter_types)
    what = call.text.split(".")[0] + "." + call.text.rpartition(".")[2]  # `Author.count`: one key per read
    return {"backend": backend, "key": f"{fn.qualname}:{what}", "params": params,
            "listify": "1" if read.queryset else "", "subscript": "1" if call.used_as == "subscript" else "",
            "name": "django_cache" if clash else "cache"}
