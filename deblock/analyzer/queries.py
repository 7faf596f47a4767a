"""Query dataflow for the DBK2xx rules: which values are multi-row ORM queries, of which
model, which relations they already load, and where an eager load can be added.

Reads facts only. A value is described by its resolved dotted name (what facts and
`Project.resolve` make of `Book.objects.filter(...)`, of a local variable holding it, or
of a project helper that returns it) and by its *origins*: the spans of the expressions
that built it (IterationFact.origins). The calls inside the origins say what the name
cannot: the arguments of `select_related(...)`, the entity of `select(Order)`.

Django: `Model.objects...` chains (custom managers and QuerySet methods included) that
end in a QuerySet, not in `values()`/`values_list()` rows nor in a single-row method.
SQLAlchemy: `Model.query...` (Flask-SQLAlchemy), `session.query(Model)...` and
`session.scalars(select(Model)...)` / `session.execute(select(Model)).scalars()`.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass

from deblock.analyzer.django_orm import QUERYSET, OrmChain, parse
from deblock.analyzer.facts.model import CallFact, ModuleFacts
from deblock.analyzer.models import ModelGraph, model_graph
from deblock.analyzer.project import Project
from deblock.model import Span
from deblock.query_knowledge import django_queries, sqlalchemy_queries

DJANGO = "django"
SQLALCHEMY = "sqlalchemy"
AFTER = "after"  # the new call goes after the node: `X` -> `X.select_related(...)`
BEFORE_FINAL = "before-final"  # `Post.query.all()` -> `Post.query.options(...).all()`
_HELPER_DEPTH = 2  # project helpers followed to find eager loads (`get_queryset()` -> helper)


@dataclass(frozen=True)
class EagerCall:
    """An eager-loading call already in the query, in the module being checked."""

    method: str  # "select_related", "prefetch_related" or "options"
    span: Span


@dataclass(frozen=True)
class Rows:
    """A multi-row query: the rows a loop walks."""

    model: str
    orm: str  # DJANGO or SQLALCHEMY
    text: str  # the query as written where the rows come from (for messages)
    loaded: frozenset[str]  # relation paths loaded with the rows, "__"-joined (`customer__address`)
    eager_calls: tuple[EagerCall, ...] = ()  # editable calls in this module (merge targets)
    source: Span | None = None  # where a new eager-load call goes; None when no fix is possible
    source_mode: str = AFTER
    select_related_all: bool = False  # Django `select_related()` without arguments
    source_is_helper: bool = False  # the source is a call to a project helper that builds the query


def calls_within(project: Project, facts: ModuleFacts, span: Span) -> list[CallFact]:
    """The module's calls inside `span`, in source order (an index per module, built once)."""
    def build() -> tuple[list[tuple[int, int]], list[CallFact]]:
        ordered = sorted(facts.calls, key=lambda c: (c.span.line, c.span.col))
        return [(c.span.line, c.span.col) for c in ordered], ordered

    starts, ordered = project.memo(("calls-by-span", facts.path), build)
    index = bisect.bisect_left(starts, (span.line, span.col))
    found = []
    while index < len(ordered) and starts[index] <= (span.end_line, span.end_col):
        if span.contains(ordered[index].span):
            found.append(ordered[index])
        index += 1
    return found


def rows_of(project: Project, facts: ModuleFacts, value: str | None, origins: tuple[Span, ...], text: str) -> Rows | None:
    """The multi-row query `value` is, or None (a single row, plain dicts, not a query)."""
    graph = model_graph(project)
    if not graph.models:
        return None
    resolved = (project.resolve(value) or value) if value else text  # `db.scalars(...)` on an untyped `db`
    chain = parse(project, resolved)
    if chain is not None:
        calls = [c for span in origins for c in calls_within(project, facts, span)]
        return _django_rows(project, facts, graph, chain, calls, origins, text)
    has_sqlalchemy = project.memo("sqlalchemy-models", lambda: any(m.orm == SQLALCHEMY for m in graph.models.values()))
    if not origins or not has_sqlalchemy:
        return None
    calls = [c for span in origins for c in calls_within(project, facts, span)]
    return _sqlalchemy_rows(project, facts, graph, resolved, calls, text)


# ------------------------------------------------------------------ Django
def _django_rows(project: Project, facts: ModuleFacts, graph: ModelGraph, chain: OrmChain, calls: list[CallFact],
                 origins: tuple[Span, ...], text: str) -> Rows | None:
    knowledge = django_queries()
    if chain.kind != QUERYSET or chain.final is not None:
        return None
    if knowledge.plain_rows & set(chain.chain) or graph.model(chain.model) is None:
        return None
    loaded: set[str] = set()
    select_all = False
    eager: list[EagerCall] = []
    for call, local in _with_helper_calls(project, facts, calls):
        method = (call.callee or call.text).rpartition(".")[2]
        if method not in ("select_related", "prefetch_related"):
            continue
        if local:
            eager.append(EagerCall(method, call.span))
        paths = [a.value for a in call.args if a.kind == "literal" and isinstance(a.value, str)]
        for a in call.args:  # Prefetch("lines", queryset=..., to_attr="recent")
            if a.kind == "call" and str(a.value).endswith("Prefetch") and a.args and a.args[0].kind == "literal":
                paths.append(str(a.args[0].value))
                paths.extend(str(v.value) for k, v in a.keywords if k == "to_attr" and v.kind == "literal")
        loaded.update(paths)
        select_all |= method == "select_related" and not call.args and not call.has_star_args
        if call.has_star_args:
            select_all = True  # `select_related(*fields)`: unknown, assume it covers the relation
    source, is_helper = _django_source(project, chain.model, calls, origins)
    return Rows(chain.model, DJANGO, text, frozenset(_with_prefixes(loaded)), tuple(eager),
                source, AFTER, select_all, is_helper)


def _django_source(project: Project, model: str, calls: list[CallFact],
                   origins: tuple[Span, ...]) -> tuple[Span | None, bool]:
    """The first method called on the manager in the oldest origin (`Order.objects.all()`),
    else the oldest origin itself when it is a call to a project helper."""
    if not origins:
        return None, False
    first = [c for c in calls if origins[0].contains(c.span)]
    for call in first:
        chain = parse(project, project.resolve(call.callee) or call.callee)
        if chain is not None and chain.model == model and chain.manager and not chain.chain and chain.kind == QUERYSET:
            return call.span, False
    for call in first:
        if call.span == origins[0] and project.callee(call.callee) is not None:
            return call.span, True
    return None, False


# ------------------------------------------------------------------ SQLAlchemy
def _sqlalchemy_rows(project: Project, facts: ModuleFacts, graph: ModelGraph, resolved: str,
                     calls: list[CallFact], text: str) -> Rows | None:
    knowledge = sqlalchemy_queries()
    final = _final_method(resolved)
    if final in knowledge.single_row:
        return None
    model, source, mode = _legacy_query(project, graph, resolved, calls)
    if model is None:
        model, source = _select_entity(project, graph, calls)
        mode = AFTER
        if model is None:
            return None
        is_query = any((c.callee or c.text).endswith(".query") for c in calls if c.span == source)
        if not is_query and "scalars()" not in resolved and not any(c.text.endswith("scalars") for c in calls):
            return None  # `execute(select(A))` yields Row tuples, not A instances
    loaded: set[str] = set()
    eager: list[EagerCall] = []
    loaders = knowledge.loaders
    for call, local in _with_helper_calls(project, facts, calls):
        callee = project.resolve(call.callee) or call.callee or ""
        name = callee.rpartition(".")[2]
        if name == "options" and local:
            eager.append(EagerCall("options", call.span))
        elif name in loaders and loaders[name] != "select" and call.args:
            first = call.args[0]  # raiseload/noload count too: no lazy query either way
            if first.kind in ("ref", "literal") and first.value:
                loaded.add(str(first.value).rpartition(".")[2])
    return Rows(model, SQLALCHEMY, text, frozenset(loaded), tuple(eager), source, mode)


def _final_method(resolved: str) -> str | None:
    if not resolved.endswith("()"):
        return None
    return resolved[:-2].rpartition(".")[2]


def _legacy_query(project: Project, graph: ModelGraph, resolved: str,
                  calls: list[CallFact]) -> tuple[str | None, Span | None, str]:
    """`Post.query.filter_by(...).all()` (Flask-SQLAlchemy): model, fix location, mode."""
    head, sep, _ = resolved.partition(".query")
    model = graph.model(head) if sep else None
    if model is None or model.orm != SQLALCHEMY:
        return None, None, AFTER
    for call in calls:
        callee = project.resolve(call.callee) or call.callee or ""
        if callee.startswith(head + ".query.") and callee.count(".") == head.count(".") + 2:
            method = callee.rpartition(".")[2]
            terminal = method in ("all", *sqlalchemy_queries().single_row)
            return model.qualname, call.span, BEFORE_FINAL if terminal else AFTER
    return model.qualname, None, AFTER


def _select_entity(project: Project, graph: ModelGraph, calls: list[CallFact]) -> tuple[str | None, Span | None]:
    """`select(Order)` / `session.query(Order)` among the calls: the entity and the call."""
    selects = sqlalchemy_queries().select_functions
    for call in calls:
        callee = project.resolve(call.callee) or call.callee or ""
        if (callee in selects or callee.endswith(".query")) and call.args and call.args[0].kind == "ref":
            model = graph.model(project.resolve(str(call.args[0].value)) or str(call.args[0].value))
            if model is not None and model.orm == SQLALCHEMY:
                return model.qualname, call.span
    return None, None


# ------------------------------------------------------------------ shared
def _with_helper_calls(project: Project, facts: ModuleFacts, calls: list[CallFact],
                       depth: int = 0) -> list[tuple[CallFact, bool]]:
    """The calls, plus (one or two levels down) the calls inside what the project helpers
    among them return; True marks the calls of this module's own origins."""
    found = [(c, depth == 0) for c in calls]
    if depth >= _HELPER_DEPTH:
        return found
    for call in calls:
        fn = project.callee(call.callee)
        module = project.module_of(fn.qualname) if fn is not None else None
        if fn is None or module is None or not fn.returned_origins:
            continue
        inner = [c for span in fn.returned_origins for c in calls_within(project, module, span)]
        found.extend((c, False) for c, _ in _with_helper_calls(project, module, inner, depth + 1))
    return found


def _with_prefixes(paths: set[str]) -> set[str]:
    """`a__b__c` loads `a` and `a__b` too."""
    out = set()
    for path in paths:
        parts = path.split("__")
        out.update("__".join(parts[: i + 1]) for i in range(len(parts)))
    return out
