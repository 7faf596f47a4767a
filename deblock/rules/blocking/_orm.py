"""Matching for DBK110 (sync Django ORM) and DBK111 (sync SQLAlchemy) on the event loop.

Rules turn each `Hit` into a finding; the data lives in `deblock/data/orm_async.toml`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace

from deblock.analyzer.django_orm import INSTANCE, QUERYSET, OrmChain, parse
from deblock.analyzer.facts.model import ArgFact, CallFact, ModuleFacts
from deblock.analyzer.project import Project
from deblock.model import Span
from deblock.orm_knowledge import Twin, django_orm, sqlalchemy_orm
from deblock.rules.blocking._matching import loop_calls
from deblock.rules.blocking._orm_attributes import lazy_attributes

# What a builtin does to a QuerySet it is given, and the async way to get the same.
_BUILTINS = {
    "builtins.list": "`[x async for x in qs]`",
    "builtins.tuple": "`[x async for x in qs]`",
    "builtins.set": "`{x async for x in qs}`",
    "builtins.sorted": "`[x async for x in qs]` (sorted afterwards)",
    "builtins.len": "`await qs.acount()`",
    "builtins.bool": "`await qs.aexists()`",
}


@dataclass(frozen=True)
class Hit:
    span: Span
    what: str  # the evaluation, as the message shows it
    advice: str
    codemod: str | None = None  # the fix, if any: codemod name and its arguments
    args: tuple[tuple[str, str], ...] = ()
    title: str = ""
    function: str = ""  # qualname of the enclosing function


def _version(project: Project) -> tuple[int, ...] | None:
    return project.django_version


def _has(project: Project, since: tuple[int, ...]) -> bool:
    version = _version(project)
    return version is not None and version >= since


def _since(twin: Twin) -> str:
    return ".".join(map(str, twin.since))


def _offload(call: CallFact) -> tuple[str | None, tuple[tuple[str, str], ...], str]:
    if not call.in_async:
        return None, (), ""
    return "offload_to_thread", (("library", "asgiref"),), "Wrap in `await sync_to_async(...)(...)`"


def _twin_call(call: CallFact, twin: Twin, project: Project) -> Hit:
    receiver = call.text.rpartition(".")[0].replace("()", "(...)")
    what = f"`{receiver}.{twin.method}()`"
    if not twin.awaitable:
        return Hit(call.span, what, f"iterate `{receiver}.{twin.twin}()` with `async for` (Django {_since(twin)}+)")
    advice = f"use `await {receiver}.{twin.twin}(...)` (Django {_since(twin)}+)"
    if _has(project, twin.since) and call.in_async:
        return Hit(call.span, what, advice, "django_async_twin", (("method", twin.twin),),
                   f"Replace with `await ….{twin.twin}(...)`")
    if _version(project) is None:
        advice += "; set `target-django` to get that fix"
    return Hit(call.span, what, advice, *_offload(call))


def _twin_function(call: CallFact, twin: Twin, project: Project) -> Hit:
    module, _, name = twin.twin.rpartition(".")
    advice = f"use `await {name}(...)` (Django {_since(twin)}+)"
    if _has(project, twin.since) and call.in_async:
        return Hit(call.span, f"`{call.text}()`", advice, "django_async_twin",
                   (("method", name), ("module", module)), f"Replace with `await {name}(...)`")
    return Hit(call.span, f"`{call.text}()`", advice, *_offload(call))


def _queryset_value(project: Project, arg: ArgFact) -> OrmChain | None:
    if arg.kind not in ("call", "ref") or not isinstance(arg.value, str):
        return None
    dotted = arg.value + "()" if arg.kind == "call" else arg.value
    chain = parse(project, project.resolve(dotted) or dotted)
    return chain if chain is not None and chain.kind == QUERYSET and chain.final is None else None


def django_hits(facts: ModuleFacts, project: Project) -> Iterator[Hit]:
    functions = {call.span: call.function for call in facts.calls}
    for hit in _django_hits(facts, project):
        yield hit if hit.function else replace(hit, function=functions.get(hit.span, facts.module))
    yield from _attribute_hits(facts, project)


def _attribute_hits(facts: ModuleFacts, project: Project) -> Iterator[Hit]:
    for attr, kind, model in lazy_attributes(facts, project):
        text = f"`{attr.name}.{attr.attr}`"
        if kind == "request.user":
            advice = "use `await request.auser()` (Django 5.0+)"
            if _has(project, (5, 0)):
                yield Hit(attr.span, text, advice, "attribute_to_awaited_call", (("method", "auser"),),
                          "Replace with `await request.auser()`", attr.function)
            else:
                yield Hit(attr.span, text, advice, function=attr.function)
            continue
        label = (model or "").rpartition(".")[2]
        advice = (f"the lazy `{label}.{attr.attr}` relation runs a query: load it with "
                  f"`select_related(\"{attr.attr}\")` in the query that fetched `{attr.name}`")
        yield Hit(attr.span, f"{text} (a relation)", advice, function=attr.function)


def _django_hits(facts: ModuleFacts, project: Project) -> Iterator[Hit]:
    orm = django_orm()
    for fn in facts.functions:
        for decorator in fn.decorators if fn.is_async else ():
            entry = orm.sync_only.get(project.resolve(decorator.name) or decorator.name or "")
            if entry is not None:
                yield Hit(decorator.span or fn.span, f"`@{decorator.name.rpartition('.')[2]}`", entry.advice,
                          function=fn.qualname)
    for call in loop_calls(facts, project):
        if call.awaited or call.callee is None:
            continue
        resolved = project.resolve(call.callee) or call.callee
        entry = orm.sync_only.get(resolved)
        if entry is not None:
            yield Hit(call.span, f"`{call.text}()`", entry.advice)
            continue
        function = orm.functions.get(resolved)
        if function is not None:
            yield _twin_function(call, function, project)
            continue
        if resolved in _BUILTINS and call.args and _queryset_value(project, call.args[0]):
            name = resolved.rpartition(".")[2]
            yield Hit(call.span, f"`{name}()` of a QuerySet", f"use {_BUILTINS[resolved]}", *_offload(call))
            continue
        chain = parse(project, resolved)
        if chain is None or chain.final is None:
            continue
        if chain.kind == INSTANCE and chain.final in orm.instance:
            yield _twin_call(call, orm.instance[chain.final], project)
        elif chain.final in orm.evaluating and (chain.chain or chain.final != "delete"):
            yield _twin_call(call, orm.evaluating[chain.final], project)
        elif chain.final in orm.chainable and call.used_as == "test":
            yield Hit(call.span, "testing a QuerySet's truth", "use `await qs.aexists()`")
        elif chain.final in orm.chainable and call.used_as == "subscript":
            yield Hit(call.span, "indexing a QuerySet", "use `await qs.afirst()` or `await qs[i:i + 1].aget()`")
    for use in facts.value_uses:
        # `qs = Book.objects.filter(...)`, then `if qs:` / `qs[0]`: the QuerySet runs its query here.
        if not use.in_async:
            continue
        chain = parse(project, project.resolve(use.value) or use.value)
        if chain is None or chain.kind != QUERYSET or chain.final is not None:
            continue
        if use.how == "test":
            yield Hit(use.span, f"testing the QuerySet `{use.name}`'s truth", "use `await qs.aexists()`",
                      function=use.function)
        else:
            yield Hit(use.span, f"indexing the QuerySet `{use.name}`",
                      "use `await qs.afirst()` or `await qs[i:i + 1].aget()`", function=use.function)
    for loop in facts.iterations:
        if loop.is_async or not loop.in_async:
            continue
        chain = parse(project, project.resolve(loop.iterable) or loop.iterable)
        if chain is None or chain.kind != QUERYSET or chain.final is not None:
            continue
        advice = "iterate with `async for` (Django 4.1+)"
        if loop.kind == "for" and _has(project, (4, 1)):
            yield Hit(loop.iter_span, "iterating a QuerySet", advice, "async_for_queryset", (),
                      "Iterate with `async for`", loop.function)
        else:
            yield Hit(loop.iter_span, "iterating a QuerySet", advice, function=loop.function)


def _flask_query(project: Project, dotted: str) -> str | None:
    """`app.User.query.filter_by().first` on a Flask-SQLAlchemy model -> `first`."""
    head, sep, tail = dotted.partition(".query.")
    if not sep or head not in project.classes:
        return None
    bases = sqlalchemy_orm().model_bases
    for owner in project.mro(head):
        cls = project.classes.get(owner)
        if cls and any((project.resolve(b) or b) in bases for b in cls.bases):
            return tail.rpartition(".")[2] if all(p.endswith("()") for p in tail.split(".")[:-1]) else None
    return None


def sqlalchemy_hits(facts: ModuleFacts, project: Project) -> Iterator[Hit]:
    functions = {call.span: call.function for call in facts.calls}
    for hit in _sqlalchemy_hits(facts, project):
        yield replace(hit, function=functions.get(hit.span, facts.module))


def _sqlalchemy_hits(facts: ModuleFacts, project: Project) -> Iterator[Hit]:
    sa = sqlalchemy_orm()
    for call in loop_calls(facts, project):
        if call.awaited or call.callee is None:
            continue
        resolved = project.resolve(call.callee) or call.callee
        if resolved.startswith("sqlalchemy.ext.asyncio."):
            continue
        receiver, _, method = resolved.rpartition(".")
        what = f"`{call.text.replace('()', '(...)')}()`"
        if receiver in sa.sessions and method in sa.session_io:
            yield Hit(call.span, what, f"use an `AsyncSession` (`async_sessionmaker`) and `{sa.session_io[method]}`")
        elif receiver in sa.engines and method in sa.engine_io:
            yield Hit(call.span, what, f"use `create_async_engine()` and `{sa.engine_io[method]}`")
        elif receiver in sa.connections and method in sa.connection_io:
            yield Hit(call.span, what, f"use an `AsyncConnection` and `{sa.connection_io[method]}`")
        elif receiver in sa.extensions and method in sa.extension_io:
            yield Hit(call.span, what, f"use an `AsyncSession` and {sa.extension_io[method]}")
        else:
            session, sep, rest = resolved.partition(".query()")
            legacy = session in sa.sessions and sep and all(p.endswith("()") for p in rest.split(".")[1:-1])
            final = method if legacy else _flask_query(project, resolved)
            if final in sa.query_io:
                yield Hit(call.span, what, f"`AsyncSession` has no `query()`: use `select()` and `{sa.query_io[final]}`")
