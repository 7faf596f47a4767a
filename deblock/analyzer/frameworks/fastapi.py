"""FastAPI and Starlette: path operations, `Depends` dependencies, routes, app hooks.

Both await `async def` endpoints and dependencies on the event loop and run `def`
ones through `run_in_threadpool`. Startup/shutdown handlers are the exception:
Starlette calls a sync one directly, on the loop thread.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from deblock.analyzer.facts.model import ArgFact, FunctionFact, ModuleFacts
from deblock.analyzer.frameworks import LOOP, THREADPOOL, EntryPoint
from deblock.analyzer.frameworks._common import (
    HTTP_METHODS,
    Keywords,
    argument,
    calls,
    declared_methods,
    decorations,
    derives_from,
    entry,
    literal_str,
    lookup,
    member,
    project_method,
    project_methods,
    ref,
    runs_on,
)
from deblock.model import Span

if TYPE_CHECKING:
    from deblock.analyzer.project import Project

APPS = {
    "fastapi.FastAPI": "fastapi",
    "fastapi.applications.FastAPI": "fastapi",
    "fastapi.APIRouter": "fastapi",
    "fastapi.routing.APIRouter": "fastapi",
    "starlette.applications.Starlette": "starlette",
    "starlette.routing.Router": "starlette",
}
# Route objects: constructor -> (framework, index of the endpoint argument).
ROUTE_CLASSES = {
    "starlette.routing.Route": "starlette",
    "starlette.routing.WebSocketRoute": "starlette",
    "fastapi.routing.APIRoute": "fastapi",
    "fastapi.routing.APIWebSocketRoute": "fastapi",
}
ENDPOINT_CLASSES = ("starlette.endpoints.HTTPEndpoint", "starlette.endpoints.WebSocketEndpoint")
WEBSOCKET_HANDLERS = ("on_connect", "on_receive", "on_disconnect")
DEPENDS = frozenset({
    "fastapi.Depends", "fastapi.params.Depends", "fastapi.param_functions.Depends",
    "fastapi.Security", "fastapi.params.Security", "fastapi.param_functions.Security",
})
ROUTES = frozenset({*HTTP_METHODS, "api_route", "websocket", "route", "websocket_route"})
ADD_ROUTES = frozenset({"add_api_route", "add_route", "add_api_websocket_route", "add_websocket_route"})
EVENT_HOOKS = frozenset({"on_event", "add_event_handler"})
HANDLER_HOOKS = frozenset({"exception_handler", "add_exception_handler", "middleware"})
LIFESPAN_KEYWORDS = ("lifespan", "on_startup", "on_shutdown")


def entry_points(project: Project) -> Iterator[EntryPoint]:
    routes = [*_decorated(project), *_added(project)]
    yield from routes
    yield from _hooks(project)
    functions = [project.functions[r.qualname] for r in routes if r.framework == "fastapi"]
    yield from _dependencies(project, functions, _router_dependencies(project))


def _route(module: ModuleFacts, fn: FunctionFact, span: Span, framework: str, attr: str,
           url: str | None, keywords: Keywords) -> EntryPoint:
    if attr in HTTP_METHODS:
        verbs: tuple[str, ...] = (attr.upper(),)
    elif "websocket" in attr:
        verbs = ()
    else:  # api_route / add_api_route / Route: GET unless `methods=` says otherwise
        verbs = declared_methods(keywords)
    return entry(module, fn, span, framework, "route", runs_on(fn, THREADPOOL), url, verbs)


def _decorated(project: Project) -> Iterator[EntryPoint]:
    for use in decorations(project, ROUTES):
        owner, attr = member(use.name)
        framework = lookup(project, owner, APPS)
        if framework is not None:
            dec = use.decorator
            url = literal_str(argument(dec.args, dec.keywords, 0, "path"))
            yield _route(use.module, use.function, dec.span or use.function.span, framework, attr, url,
                         dec.keywords)


def _added(project: Project) -> Iterator[EntryPoint]:
    """`app.add_api_route(path, fn)` and `Route(path, endpoint)` objects."""
    for use in calls(project, ADD_ROUTES | {member(c)[1] for c in ROUTE_CLASSES}):
        owner, attr = member(use.name)
        framework = ROUTE_CLASSES.get(use.name) or lookup(project, owner, APPS)
        if framework is None:
            continue
        call = use.call
        url = literal_str(argument(call.args, call.keywords, 0, "path"))
        target = ref(project, argument(call.args, call.keywords, 1, "endpoint"))
        if target in project.functions:
            yield _route(use.module, project.functions[target], call.span, framework, attr.lower(), url, call.keywords)
        elif target in project.classes and derives_from(project, target, ENDPOINT_CLASSES):
            for fn in project_methods(project, target, (*HTTP_METHODS, *WEBSOCKET_HANDLERS)):
                verbs = (fn.name.upper(),) if fn.name in HTTP_METHODS else ()
                yield entry(use.module, fn, call.span, framework, "route", runs_on(fn, THREADPOOL), url, verbs)


def _hooks(project: Project) -> Iterator[EntryPoint]:
    for use in decorations(project, EVENT_HOOKS | HANDLER_HOOKS):
        owner, attr = member(use.name)
        framework = lookup(project, owner, APPS)
        if framework is not None:
            runs = LOOP if attr in EVENT_HOOKS else runs_on(use.function, THREADPOOL)
            yield entry(use.module, use.function, use.decorator.span or use.function.span, framework, "hook", runs)
    for use in calls(project, {"add_event_handler", "add_exception_handler", *(member(a)[1] for a in APPS)}):
        owner, attr = member(use.name)
        framework = APPS.get(use.name) or lookup(project, owner, APPS)
        if framework is None:
            continue
        call = use.call
        if attr in EVENT_HOOKS | HANDLER_HOOKS:
            targets = [(argument(call.args, call.keywords, 1, "func" if attr in EVENT_HOOKS else "handler"), attr)]
        else:  # `FastAPI(lifespan=..., on_startup=[...])`
            targets = [(a, kw) for kw in LIFESPAN_KEYWORDS for a in _items(dict(call.keywords).get(kw))]
        for arg, how in targets:
            fn = project.functions.get(ref(project, arg) or "")
            if fn is not None:
                runs = runs_on(fn, THREADPOOL) if how in HANDLER_HOOKS else LOOP
                yield entry(use.module, fn, call.span, framework, "hook", runs)


def _items(arg: ArgFact | None) -> tuple[ArgFact, ...]:
    if arg is None:
        return ()
    return arg.args if arg.kind == "list" else (arg,)


# ---------------------------------------------------------------------- dependencies
Pending = tuple[ModuleFacts, ArgFact, str | None]  # where declared, the Depends(...) call, param annotation


def _router_dependencies(project: Project) -> list[Pending]:
    """`dependencies=[Depends(f)]` on path decorators (calls too), routers, apps, `include_router`."""
    out: list[Pending] = []
    for use in calls(project, {"include_router", "api_route", *HTTP_METHODS, *(member(a)[1] for a in APPS)}):
        owner = use.name if use.name in APPS else member(use.name)[0]
        if lookup(project, owner, APPS) == "fastapi":
            out.extend((use.module, d, None) for d in _items(dict(use.call.keywords).get("dependencies")))
    return out


def _param_dependencies(project: Project, fn: FunctionFact) -> Iterator[Pending]:
    """`p = Depends(f)`, `p: Annotated[T, Depends(f)]` and `p: Alias` where
    `Alias = Annotated[T, Depends(f)]` (FastAPI's recommended style)."""
    module = project.module_of(fn.qualname)
    if module is None:
        return
    for param in fn.params:
        if param.default is not None:
            yield module, param.default, param.annotation
        metadata, annotation = param.metadata, param.annotation
        if not metadata and annotation:
            alias = _annotated_alias(project, annotation)
            if alias is not None:
                metadata, annotation = alias.args, alias.value if isinstance(alias.value, str) else None
        for item in metadata:
            yield module, item, annotation


def _annotated_alias(project: Project, name: str) -> ArgFact | None:
    """The `Annotated[...]` value of a module-level alias, if `name` is one."""
    module_name, _, alias = (project.resolve(name) or name).rpartition(".")
    module = project.modules.get(module_name)
    if module is None:
        return None
    return next((a.value for a in module.assigns if a.name == alias and a.value.kind == "annotated"), None)


def _dependencies(project: Project, roots: list[FunctionFact], pending: list[Pending]) -> Iterator[EntryPoint]:
    """Dependencies of the roots' parameters and of `pending`, and theirs in turn."""
    for fn in roots:
        pending.extend(_param_dependencies(project, fn))
    seen: set[str] = set()
    while pending:
        module, depends, annotation = pending.pop()
        if not _is_depends(project, depends):
            continue
        arg = argument(depends.args, depends.keywords, 0, "dependency")
        # `Depends()` without a callable means "call the annotated class".
        target = ref(project, arg) if arg is not None else project.resolve(annotation)
        for fn, runs in _callables(project, target):
            if fn.qualname not in seen:
                seen.add(fn.qualname)
                yield entry(module, fn, depends.span or fn.span, "fastapi", "dependency", runs)
                pending.extend(_param_dependencies(project, fn))


def _is_depends(project: Project, arg: ArgFact) -> bool:
    return arg.kind == "call" and isinstance(arg.value, str) and project.resolve(arg.value) in DEPENDS


def _callables(project: Project, target: str | None) -> Iterator[tuple[FunctionFact, str]]:
    """What FastAPI runs for a dependency: a function, or a class's `__init__` (called like
    any sync callable) and, for an instance, its `__call__` (facts cannot tell the two
    apart: `checker = Checker()` resolves to the class)."""
    if target in project.functions:
        fn = project.functions[target]
        yield fn, runs_on(fn, THREADPOOL)
    elif target in project.classes:
        init = project_method(project, target, "__init__")
        if init is not None:
            yield init, THREADPOOL
        call = project_method(project, target, "__call__")
        if call is not None:
            yield call, runs_on(call, THREADPOOL)
