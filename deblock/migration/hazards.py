"""Hazards of a sync→async migration (reference: async-migration.md §6, H1-H16).

`find_hazards(project)` lists what is wrong in async code *today* (each such hazard
carries the DBK5xx code that reports it in `deblock check`) and, given the functions a
migration plan would recolour (`becoming_async`), what would break once they are async
(plan-only hazards, code ""). `must_stay_sync` says why one function cannot be
recoloured at all. Both are pure functions of the project's facts, memoised per project.

`stops_propagation` is True when `function` must stay `def` (a framework calls it
synchronously, the language forbids `async` there, or its consumers cannot follow): the
planner stops there and bridges. It is False when the function can become async once
the `bridge` is applied (extract a transaction, swap a cache, await `asend`, ...).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass

from deblock.analyzer.facts.model import ArgFact, CallFact, FunctionFact, ModuleFacts
from deblock.analyzer.project import Project
from deblock.migration._hooks import (
    decorator_names,
    library_bases,
    must_stay_sync,
    short,
)
from deblock.migration_knowledge import (
    callbacks_by_name,
    matches,
    matches_any,
    migration_knowledge,
)
from deblock.model import Span

__all__ = ["Hazard", "find_hazards", "hazards_for", "must_stay_sync"]

EXTRACT_ATOMIC = "extract the atomic block into a sync function and `await sync_to_async(fn)()`"


@dataclass(frozen=True, slots=True)
class Hazard:
    code: str  # the DBK5xx code that reports it in `deblock check`, or "" for plan-only hazards
    kind: str  # "sync-hook", "dunder", "property", "lambda", "sync-callback", "generator", "atomic-block", ...
    function: str  # qualname of the function the hazard is in / about
    path: str
    span: Span
    message: str  # one line: what breaks (or would break if `function` became async)
    bridge: str | None  # how to cross it
    stops_propagation: bool  # True: this function cannot become async as is


def find_hazards(project: Project, becoming_async: frozenset[str] = frozenset()) -> tuple[Hazard, ...]:
    """Hazards in the project. Functions already `async def` count as async; `becoming_async` adds
    the functions a migration plan would recolour (plan-only hazards are about those)."""
    def compute() -> tuple[Hazard, ...]:
        found = dict.fromkeys(_hazards(project, frozenset(becoming_async)))
        return tuple(sorted(found, key=lambda h: (h.path, h.span, h.kind, h.function)))

    return project.memo(("migration-hazards", frozenset(becoming_async)), compute)


def hazards_for(project: Project, path: str, code: str) -> tuple[Hazard, ...]:
    """Today's hazards (no migration) reported by rule `code` in file `path` (for DBK5xx rules)."""
    def index() -> dict[tuple[str, str], list[Hazard]]:
        grouped: dict[tuple[str, str], list[Hazard]] = defaultdict(list)
        for hazard in find_hazards(project):
            if hazard.code:
                grouped[(hazard.path, hazard.code)].append(hazard)
        return grouped

    return tuple(project.memo("migration-hazards-by-file", index).get((path, code), ()))


# ---------------------------------------------------------------------- the passes
def _hazards(project: Project, becoming: frozenset[str]) -> Iterator[Hazard]:
    def colour(qualname: str | None) -> bool:
        fn = project.functions.get(qualname or "")
        return qualname in becoming or (fn is not None and fn.is_async)

    for qualname in sorted(becoming):
        if qualname.rpartition(".")[2] == "<lambda>" and (hazard := must_stay_sync(project, qualname)):
            yield hazard
    locals_ = _thread_locals(project)
    for module in project:
        for fn in module.functions:
            if fn.is_async or fn.qualname in becoming:
                hook = must_stay_sync(project, fn.qualname)
                if hook is not None:
                    yield hook
                yield from _decorated(project, module, fn, becoming)
        for call in module.calls:
            yield from _call(project, module, call, becoming, colour, locals_)
        yield from _handlers(project, module, becoming, colour)
        yield from _thread_local_uses(project, module, becoming, locals_)
    yield from _mixed_views(project, becoming)


def _decorated(project: Project, module: ModuleFacts, fn: FunctionFact, becoming: frozenset[str]) -> Iterator[Hazard]:
    """H6 generators, H7 `@transaction.atomic`, H11 sync wrappers, H12 coroutine caches."""
    knowledge = migration_knowledge()
    name, now = short(project, fn.qualname), fn.is_async
    if not now and fn.is_generator:
        yield Hazard("", "generator", fn.qualname, module.path, fn.span,
                     f"`{name}` is a generator: as `async def` it becomes an async generator, so every consumer "
                     "must switch to `async for` (and `yield from` / `return value` are SyntaxErrors there)",
                     "convert it by hand to an async generator and its consumers to `async for`, or keep it sync",
                     True)
    for dec, span in decorator_names(project, fn):
        where = span or fn.span
        if matches_any(dec, knowledge.coroutine_caches):
            alru = "async-lru" in project.direct_dependencies
            yield Hazard("DBK501" if now else "", "cached-coroutine", fn.qualname, module.path, where,
                         f"`{dec}` on `{name}` caches the coroutine object, not its result: the second call "
                         "returns an already awaited coroutine and awaiting it raises RuntimeError",
                         "use `async_lru.alru_cache`" if alru else
                         "cache the awaited result yourself, or use `alru_cache` from the async-lru package", False)
        elif matches_any(dec, knowledge.atomic):
            yield Hazard("", "atomic-block", fn.qualname, module.path, where,
                         f"`@{dec}` on `{name}`: Django transactions are not supported in async code",
                         EXTRACT_ATOMIC, False)
        elif _sync_wrapper(project, dec, span, fn):
            yield Hazard("DBK504" if now else "", "sync-wrapper-decorator", fn.qualname, module.path, where,
                         f"decorator `{short(project, dec)}` wraps `{name}` in a sync function: the wrapper returns "
                         "the coroutine unawaited (its try/except, timing or retries see none of the work) and "
                         "`iscoroutinefunction()` is False for the result",
                         "make the wrapper `async def` and `return await func(*args, **kwargs)`, or mark it with "
                         "`inspect.markcoroutinefunction` (asgiref's before Python 3.12)", False)


def _sync_wrapper(project: Project, dec: str, span: Span | None, fn: FunctionFact) -> bool:
    """`dec` is a project decorator (or decorator factory) returning a nested sync `def`."""
    decorator = project.functions.get(dec)
    if decorator is None:
        return False
    is_call = any(d.span == span and d.is_call for d in fn.decorators)
    chain = [decorator]
    for _ in range(2 if is_call else 1):
        inner = project.functions.get(chain[-1].returned or "")
        if inner is None or inner.parent != chain[-1].qualname:
            return False
        chain.append(inner)
    wrapper = chain[-1]
    if wrapper.is_async:
        return False
    markers = migration_knowledge().coroutine_markers
    module = project.module_of(decorator.qualname)
    names = {f.qualname for f in chain}
    # A dual decorator tests `iscoroutinefunction(func)`; a marked wrapper is async to Django.
    return not any(c.function in names and matches_any(project.resolve(c.callee) or c.callee, markers)
                   for c in (module.calls if module else ()))


def _call(project: Project, module: ModuleFacts, call: CallFact, becoming: frozenset[str],
          colour, locals_: frozenset[str]) -> Iterator[Hazard]:
    """H3 lambdas, H4 sync callbacks, H7 atomic blocks, H14 `signal.send`, H15 getattr on locals."""
    knowledge = migration_knowledge()
    callee = project.resolve(call.callee) or call.callee or ""
    caller = call.function
    on_loop = (call.in_async or caller in becoming) and not call.offloaded
    if on_loop and matches_any(callee, knowledge.atomic):
        yield Hazard("", "atomic-block", caller, module.path, call.span,
                     f"`{call.text}()` in `{short(project, caller)}`: Django transactions are not supported in "
                     "async code", EXTRACT_ATOMIC, False)
    receiver, _, method = callee.rpartition(".")
    if on_loop and method in ("send", "send_robust") and (
            matches_any(receiver, knowledge.signal_types) or receiver.rpartition(".")[0] in knowledge.signal_modules):
        asend = project.django_version is None or project.django_version >= (5, 0)
        twin = "asend" if method == "send" else "asend_robust"
        yield Hazard("DBK506" if call.in_async else "", "signal-send", caller, module.path, call.span,
                     f"`{call.text}()` in async `{short(project, caller)}` runs sync receivers on the event loop "
                     "and async ones through `async_to_sync`, which raises RuntimeError there",
                     f"`await {call.text.rpartition('.')[0]}.{twin}(...)`" if asend else
                     f"`await sync_to_async({call.text})(...)` (Django 5.0 adds `{twin}`)", False)
    if caller.rpartition(".")[2] == "<lambda>":
        target = project.callee(call.callee)
        if target is not None and target.qualname in becoming and not target.is_async:
            yield Hazard("", "lambda", caller, module.path, call.span,
                         f"a lambda calls `{short(project, target.qualname)}`, which becomes async: a lambda "
                         "cannot await", "hoist the lambda into a nested `async def` and await the call", True)
    if on_loop and callee in ("builtins.getattr", "builtins.setattr", "builtins.hasattr", "builtins.delattr"):
        first = call.args[0] if call.args else None
        if first is not None and first.kind == "ref" and _is_thread_local(project, first.value, locals_):
            yield _thread_local_hazard(project, module, caller, call.span, str(first.value), call.in_async)
    for row in callbacks_by_name().get(callee.rpartition(".")[2], ()):
        if not matches_any(callee, row.callables):
            continue
        arg = dict(call.keywords).get(row.keyword) if row.keyword else (
            call.args[row.arg] if row.arg is not None and len(call.args) > row.arg else None)
        target = _function_value(project, arg)
        if target is not None and colour(target.qualname) and not (row.plan_only and target.is_async):
            yield Hazard("DBK502" if target.is_async else "", "sync-callback", target.qualname, module.path,
                         call.span, f"`{short(project, target.qualname)}` is async but `{call.text}` {row.what}",
                         row.bridge, False)


def _function_value(project: Project, arg: ArgFact | None) -> FunctionFact | None:
    """The project function an argument names (`f`, `self.f`, `functools.partial(f, ...)`)."""
    if arg is not None and arg.kind == "call" and arg.value == "functools.partial" and arg.args:
        arg = arg.args[0]
    if arg is None or arg.kind != "ref" or not isinstance(arg.value, str):
        return None
    return project.functions.get(project.resolve(arg.value) or arg.value)


def _handlers(project: Project, module: ModuleFacts, becoming: frozenset[str], colour) -> Iterator[Hazard]:
    """H16: `except:` / `except BaseException:` without `raise` where cancellation can land."""
    for handler in module.handlers:
        if handler.reraises:
            continue
        if handler.in_async:
            exposed = handler.body_awaits
        elif handler.function in becoming:
            exposed = handler.body_awaits or any(
                c.function == handler.function and handler.body_span.contains(c.span)
                and colour((target := project.callee(c.callee)) and target.qualname) for c in module.calls)
        else:
            continue
        if exposed:
            clause = "except:" if handler.caught == "bare" else "except BaseException:"
            yield Hazard("DBK508" if handler.in_async else "", "swallowed-cancellation", handler.function,
                         module.path, handler.span,
                         f"`{clause}` in async `{short(project, handler.function)}` catches asyncio.CancelledError "
                         "and does not re-raise it: the task cannot be cancelled (timeouts, disconnects, shutdown)",
                         "catch `Exception` instead, or end the handler with `raise`", False)


# ---------------------------------------------------------------------- thread-local state (H15)
def _thread_locals(project: Project) -> frozenset[str]:
    """Module-level names bound to a `threading.local()` (or a subclass) instance."""
    def compute() -> frozenset[str]:
        return frozenset(
            f"{module.module}.{assign.name}" for module in project for assign in module.assigns
            if assign.value.kind == "call" and _is_thread_local(project, f"{assign.value.value}()", frozenset()))
    return project.memo("migration-thread-locals", compute)


def _is_thread_local(project: Project, name: object, locals_: frozenset[str]) -> bool:
    if not isinstance(name, str):
        return False
    if name in locals_:
        return True
    resolved = project.resolve(name) or name
    if resolved in locals_:
        return True
    cls = resolved.removesuffix("()")
    patterns = migration_knowledge().thread_locals
    if matches_any(cls, patterns):
        return True
    return cls in project.classes and any(matches_any(b, patterns) for b in library_bases(project, cls))


def _thread_local_uses(project: Project, module: ModuleFacts, becoming: frozenset[str],
                       locals_: frozenset[str]) -> Iterator[Hazard]:
    for attr in module.attributes:
        if (attr.in_async or attr.function in becoming) and attr.base and _is_thread_local(project, attr.base, locals_):
            yield _thread_local_hazard(project, module, attr.function, attr.span, attr.name, attr.in_async)
    for store in module.stores:
        if (store.in_async or store.function in becoming) and store.global_name in locals_:
            yield _thread_local_hazard(project, module, store.function, store.span, store.root, store.in_async)


def _thread_local_hazard(project: Project, module: ModuleFacts, function: str, span: Span, name: str,
                         now: bool) -> Hazard:
    return Hazard("DBK507" if now else "", "thread-local", function, module.path, span,
                  f"`{name}` is a `threading.local` used in async `{short(project, function)}`: every task on "
                  "the event loop runs in the same thread, so concurrent requests share (and overwrite) it",
                  "use a `contextvars.ContextVar` (or `asgiref.local.Local`)", False)


# ---------------------------------------------------------------------- Django CBVs (H13)
def _mixed_views(project: Project, becoming: frozenset[str]) -> Iterator[Hazard]:
    knowledge = migration_knowledge()
    if not project.imports("django"):
        return
    for cls in project.classes.values():
        bases = library_bases(project, cls.qualname)
        rows = [row for row in knowledge.view_handlers if any(matches_any(b, row.bases) for b in bases)]
        if not rows:
            continue
        handlers: dict[str, tuple[str, FunctionFact | None]] = {}
        for owner in project.mro(cls.qualname) or [cls.qualname]:
            for method in knowledge.http_methods:
                fn = project.functions.get(f"{owner}.{method}")
                if fn is not None and method in project.classes[owner].methods:
                    handlers.setdefault(method, (short(project, fn.qualname), fn))
        for base in bases:
            for row in knowledge.view_handlers:
                if any(matches(base, b) for b in row.bases):
                    for method in row.handlers:
                        handlers.setdefault(method, (f"{base.rpartition('.')[2]}.{method}", None))
        yield from _mixed(project, cls.qualname, cls.span, handlers, becoming)


def _mixed(project: Project, qualname: str, span: Span, handlers: dict[str, tuple[str, FunctionFact | None]],
           becoming: frozenset[str]) -> Iterator[Hazard]:
    today = {m: bool(fn and fn.is_async) for m, (_, fn) in handlers.items()}
    planned = {m: bool(fn and (fn.is_async or fn.qualname in becoming)) for m, (_, fn) in handlers.items()}
    for colours, code in ((today, "DBK505"), (planned, "")):
        if len(set(colours.values())) < 2:
            continue
        async_ = [handlers[m][0] for m, a in colours.items() if a]
        sync = [handlers[m][0] for m, a in colours.items() if not a]
        first = next(fn for m, (_, fn) in handlers.items() if colours[m] and fn is not None)
        inherited = any(fn is None for _, fn in handlers.values())
        module = project.module_of(qualname)
        yield Hazard(code, "mixed-cbv-handlers", first.qualname, module.path if module else "", span,
                     f"`{short(project, qualname)}` mixes async handlers ({', '.join(f'`{a}`' for a in async_)}) "
                     f"with sync ones ({', '.join(f'`{s}`' for s in sync)}): Django's `as_view()` raises "
                     "ImproperlyConfigured",
                     "generic views have no async handlers: use a plain `View` subclass with every handler async"
                     if inherited else "make every handler of the view async, or none", inherited)
        return
