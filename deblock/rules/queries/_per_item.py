"""Shared by DBK205-DBK207: the loop a call runs in, what a call does to the database,
and which rows a loop walks.

Only `for`/`async for` loops and comprehensions count (IterationFacts): a call whose
innermost loop is a `while` (a retry, a poll, a page cursor) runs an unknown number of
times and is left alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from deblock.analyzer.django_orm import INSTANCE, QUERYSET, OrmChain, parse
from deblock.analyzer.facts.model import (
    ArgFact,
    CallFact,
    FunctionFact,
    IterationFact,
    ModuleFacts,
)
from deblock.analyzer.models import model_graph
from deblock.analyzer.project import Project
from deblock.analyzer.queries import DJANGO, SQLALCHEMY, calls_within
from deblock.orm_knowledge import django_orm, sqlalchemy_orm
from deblock.query_knowledge import loop_queries, sqlalchemy_queries
from deblock.rules.queries._loops import loop_rows

DBAPI = "dbapi"


@dataclass(frozen=True)
class DbCall:
    """A call that talks to the database: the ORM, the model when known, the method."""

    call: CallFact
    orm: str  # DJANGO, SQLALCHEMY or DBAPI
    method: str  # the sync method name (`get` for `aget`)
    model: str | None = None
    chain: OrmChain | None = None


def innermost_loop(project: Project, facts: ModuleFacts, call: CallFact) -> IterationFact | None:
    """The innermost `for` loop or comprehension running `call` once per item, or None."""
    if call.loop_depth == 0 or call.loop_kind == "while":
        return None

    def build() -> dict[str, list[IterationFact]]:
        by_function: dict[str, list[IterationFact]] = {}
        for loop in facts.iterations:
            by_function.setdefault(loop.function, []).append(loop)
        return by_function

    best = None
    for loop in project.memo(("loops-by-function", facts.path), build).get(call.function, ()):
        inside = loop.span.contains(call.span) and not loop.iter_span.contains(call.span)
        if inside and (best is None or best.span.contains(loop.span)):
            best = loop
    return best


def reads_of(project: Project, facts: ModuleFacts, call: CallFact) -> set[str]:
    """Names read by the call's arguments and by the calls of its receiver chain, plus the
    receiver's base name (`qs` in `qs.filter(pk=x).first()`)."""
    names = {n for inner in calls_within(project, facts, call.span) for n in inner.reads}
    names.add(call.text.split(".")[0])
    return names


@cache
def sync_method(name: str) -> str:
    """`aget` -> `get`: Django's async twins count as the method they mirror."""
    twins = {t.twin.rpartition(".")[2]: t.method.rpartition(".")[2]
             for table in (django_orm().evaluating, django_orm().instance) for t in table.values()}
    return twins.get(name, name)


def django_call(project: Project, call: CallFact) -> DbCall | None:
    chain = parse(project, project.resolve(call.callee) or call.callee)
    if chain is None or chain.final is None:
        return None
    return DbCall(call, DJANGO, sync_method(chain.final), chain.model, chain)


def sqlalchemy_call(project: Project, facts: ModuleFacts, call: CallFact) -> DbCall | None:
    """`session.get/execute/scalars/commit(...)`, `Model.query...first()`, `session.query(M)...all()`."""
    resolved = project.resolve(call.callee) or call.callee or ""
    receiver, _, method = resolved.rpartition(".")
    sa, finals = sqlalchemy_orm(), {"all", *sqlalchemy_queries().single_row}
    if receiver in sa.sessions:
        return DbCall(call, SQLALCHEMY, method, _selected(project, facts, call))
    session, sep, _ = resolved.partition(".query()")
    if sep and session in sa.sessions and method in finals:
        return DbCall(call, SQLALCHEMY, method, _selected(project, facts, call))
    head, sep, _ = resolved.partition(".query.")
    model = model_graph(project).model(head) if sep else None
    if model is not None and model.orm == SQLALCHEMY and method in finals:
        return DbCall(call, SQLALCHEMY, method, model.qualname)
    return None


def _selected(project: Project, facts: ModuleFacts, call: CallFact) -> str | None:
    """The entity of the `select(M)` / `query(M)` / `get(M, pk)` inside the call."""
    graph = model_graph(project)
    for inner in calls_within(project, facts, call.span):
        for arg in inner.args[:1]:
            if arg.kind == "ref" and graph.model(project.resolve(str(arg.value)) or str(arg.value)):
                return project.resolve(str(arg.value)) or str(arg.value)
    return None


def cursor_call(project: Project, call: CallFact) -> DbCall | None:
    """`<connection>.cursor().execute(...)` (DB-API, Django's `connection.cursor()`)."""
    resolved = project.resolve(call.callee) or call.callee or ""
    receiver, _, method = resolved.rpartition(".")
    knowledge = loop_queries()
    if method in knowledge.cursor_queries and receiver.endswith("()") and \
            receiver[:-2].rpartition(".")[2] in knowledge.cursor_factories and _fixed_sql(call):
        return DbCall(call, DBAPI, method)
    return None


def _fixed_sql(call: CallFact) -> bool:
    """The statement is the same on every iteration (a literal, or a named constant):
    a loop over different statements (`for sql in statements: cursor.execute(sql)`)
    cannot become one query."""
    sql = call.args[0] if call.args else None
    return sql is not None and (sql.kind == "literal" or (sql.kind == "ref" and sql.value is not None))


def element_model(project: Project, facts: ModuleFacts, loop: IterationFact) -> str | None:
    """The Django model of the loop's element: rows of a query, `list(<query>)`, or the
    `queryset` parameter of an action on a registered ModelAdmin."""
    if len(loop.targets) != 1:
        return None
    for found, rows in loop_rows(project, facts):
        if found == loop and rows.orm == DJANGO:
            return rows.model
    if loop.origins:
        for call in calls_within(project, facts, loop.origins[-1]):
            resolved = project.resolve(call.callee) or call.callee
            arg = call.args[0] if call.args else None
            if resolved in loop_queries().evaluating_builtins and arg is not None and arg.kind == "call":
                chain = parse(project, (project.resolve(str(arg.value)) or str(arg.value)) + "()")
                if chain is not None and chain.kind == QUERYSET and chain.final is None:
                    return chain.model
    return _admin_queryset_model(project, facts, loop)


def _admin_queryset_model(project: Project, facts: ModuleFacts, loop: IterationFact) -> str | None:
    function = next((f for f in facts.functions if f.qualname == loop.function), None)
    if not isinstance(function, FunctionFact) or function.class_qualname is None:
        return None
    params = [p.name for p in function.params]
    if len(params) < 3 or params[2] != loop.text:
        return None  # `def action(self, request, queryset)`
    cls = project.classes.get(function.class_qualname)
    for decorator in cls.decorators if cls else ():
        if decorator.name in loop_queries().admin_register and decorator.args:
            arg: ArgFact = decorator.args[0]
            model = project.resolve(str(arg.value)) or str(arg.value)
            if arg.kind == "ref" and model_graph(project).model(model) is not None:
                return model
    return None


def evaluated(project: Project, facts: ModuleFacts, call: CallFact) -> bool:
    """Does the QuerySet `call` makes run here: iterated, tested, indexed, or handed to `list()`?"""
    if call.used_as in ("iter", "test", "subscript"):
        return True
    if any(call.span in loop.origins for loop in facts.iterations):
        return True
    evaluating = loop_queries().evaluating_builtins
    return any((project.resolve(c.callee) or c.callee) in evaluating and any(a.span == call.span for a in c.args)
               for c in facts.calls if c.function == call.function)


def loop_mutates(project: Project, facts: ModuleFacts, loop: IterationFact, query: CallFact) -> bool:
    """Does the loop call a method that changes state (`save()`, `ids.append()`) besides the query?"""
    mutating = loop_queries().mutating
    return any(c.text.rpartition(".")[2] in mutating and not query.span.contains(c.span)
               for c in calls_within(project, facts, loop.span))


def loop_name(loop: IterationFact) -> str:
    return "the loop" if loop.text.startswith("<") else f"the loop over `{loop.text}`"


def is_instance(chain: OrmChain | None) -> bool:
    return chain is not None and chain.kind == INSTANCE


def short(qualname: str | None, default: str = "Model") -> str:
    return qualname.rpartition(".")[2] if qualname else default
