"""Flask and Quart: route decorators, `add_url_rule`, class-based views, request hooks.

Flask runs `def` views in the (sync) WSGI worker and `async def` views in an event
loop it starts for the request, which the view then blocks. Quart awaits `async def`
views on its loop and runs `def` views in an executor.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from deblock.analyzer.facts.model import FunctionFact, ModuleFacts
from deblock.analyzer.frameworks import SYNC, THREADPOOL, EntryPoint
from deblock.analyzer.frameworks._common import (
    HTTP_METHODS,
    argument,
    calls,
    declared_methods,
    decorations,
    entry,
    literal_str,
    lookup,
    member,
    project_classes,
    project_methods,
    runs_on,
    view_target,
)
from deblock.model import Span

if TYPE_CHECKING:
    from deblock.analyzer.project import Project

# Classes whose instances register routes -> framework.
APPS = {
    "flask.Flask": "flask",
    "flask.app.Flask": "flask",
    "flask.Blueprint": "flask",
    "flask.blueprints.Blueprint": "flask",
    "quart.Quart": "quart",
    "quart.app.Quart": "quart",
    "quart.Blueprint": "quart",
    "quart.blueprints.Blueprint": "quart",
}
VIEW_CLASSES = {
    "flask.views.View": "flask",
    "flask.views.MethodView": "flask",
    "quart.views.View": "quart",
    "quart.views.MethodView": "quart",
}
ROUTES = frozenset({"route", *(m for m in HTTP_METHODS if m not in ("head", "options", "trace")), "websocket"})
HOOKS = frozenset({
    "before_request", "after_request", "teardown_request", "teardown_appcontext",
    "before_app_request", "after_app_request", "teardown_app_request",
    "errorhandler", "app_errorhandler", "before_serving", "after_serving",
    "before_websocket", "after_websocket",
})
ADD_URL_RULE = "add_url_rule"
# Flask-AppBuilder (Superset, Airflow 2): `@expose("/url", methods=[...])` on the methods of
# its view and API classes registers a Flask route (GET when `methods` is not given).
APPBUILDER = "flask_appbuilder."
APPBUILDER_ROUTES = frozenset({"expose", "expose_api"})
# Method names a `MethodView` dispatches to; `View` subclasses implement `dispatch_request`.
DISPATCH = "dispatch_request"


def entry_points(project: Project) -> Iterator[EntryPoint]:
    yield from _decorated(project)
    yield from _appbuilder(project)
    yield from _url_rules(project)
    yield from _class_views(project)


def _runs_on(framework: str, fn: FunctionFact) -> str:
    return runs_on(fn, THREADPOOL if framework == "quart" else SYNC)


def _decorated(project: Project) -> Iterator[EntryPoint]:
    for use in decorations(project, ROUTES | HOOKS):
        owner, attr = member(use.name)
        framework = lookup(project, owner, APPS)
        if framework is None:
            continue
        dec = use.decorator
        span = dec.span or use.function.span
        runs = _runs_on(framework, use.function)
        if attr in HOOKS:
            yield entry(use.module, use.function, span, framework, "hook", runs)
            continue
        url = literal_str(argument(dec.args, dec.keywords, 0, "rule"))
        if attr == "websocket":
            methods: tuple[str, ...] = ()
        elif attr == "route":
            methods = declared_methods(dec.keywords)
        else:
            methods = (attr.upper(),)
        yield entry(use.module, use.function, span, framework, "route", runs, url, methods)


def _appbuilder(project: Project) -> Iterator[EntryPoint]:
    if not project.imports("flask_appbuilder"):
        return
    for use in decorations(project, APPBUILDER_ROUTES):
        if not use.name.startswith(APPBUILDER) or use.function.class_qualname is None:
            continue
        dec = use.decorator
        url = literal_str(argument(dec.args, dec.keywords, 0, "url"))
        yield entry(use.module, use.function, dec.span or use.function.span, "flask", "route",
                    _runs_on("flask", use.function), url, declared_methods(dec.keywords))


def _url_rules(project: Project) -> Iterator[EntryPoint]:
    """`app.add_url_rule(rule, endpoint, view_func, methods=...)`; also `.as_view` views."""
    for use in calls(project, {ADD_URL_RULE}):
        framework = lookup(project, member(use.name)[0], APPS)
        if framework is None:
            continue
        call = use.call
        url = literal_str(argument(call.args, call.keywords, 0, "rule"))
        view = view_target(project, use.module, argument(call.args, call.keywords, 2, "view_func"))
        if view is None:
            continue
        if view.is_class:
            # A class view's own handlers decide its methods; `methods=` only narrows them.
            methods = declared_methods(call.keywords, ())
            yield from _view_methods(project, use.module, view.qualname, call.span, url, methods)
        else:
            fn = project.functions[view.qualname]
            yield entry(use.module, fn, call.span, framework, "route", _runs_on(framework, fn),
                        url, declared_methods(call.keywords))


def _class_views(project: Project) -> Iterator[EntryPoint]:
    """View subclasses, registered or not: `as_view(...)` results often flow through
    variables before reaching `add_url_rule`, so the base class decides."""
    for module, qualname in project_classes(project):
        yield from _view_methods(project, module, qualname, project.classes[qualname].span, None, ())


def _view_methods(project: Project, module: ModuleFacts, cls: str, span: Span,
                  url: str | None, methods: tuple[str, ...]) -> Iterator[EntryPoint]:
    framework = lookup(project, cls, VIEW_CLASSES)
    if framework is None:
        return
    for fn in project_methods(project, cls, (*HTTP_METHODS, DISPATCH)):
        own = (fn.name.upper(),) if fn.name in HTTP_METHODS else methods
        yield entry(module, fn, span, framework, "view", _runs_on(framework, fn), url, own)
