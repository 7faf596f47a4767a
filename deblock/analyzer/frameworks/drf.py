"""Django REST framework: viewsets, API views, `@api_view` functions, router URLs.

DRF views are Django views, so they run where Django runs them (see django.py):
THREADPOOL for `def`, LOOP for `async def`. For framework-provided actions (a bare
`ModelViewSet`'s `list`) there is no project code; what the project overrides or
plugs in (`get_queryset`, `perform_create`, `@action` methods...) is recorded, and
so is the class itself, whose `queryset`/`serializer_class` rules read (as for
ModelAdmin).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from deblock.analyzer.facts.model import FunctionFact, ModuleFacts
from deblock.analyzer.frameworks import THREADPOOL, EntryPoint
from deblock.analyzer.frameworks._common import (
    HTTP_METHODS,
    Keywords,
    argument,
    calls,
    decorations,
    derives_from,
    entry,
    literal_methods,
    literal_str,
    member,
    project_classes,
    project_methods,
    ref,
    runs_on,
)
from deblock.analyzer.frameworks._django import API_VIEW, is_drf_class, url_entries
from deblock.model import Span

if TYPE_CHECKING:
    from deblock.analyzer.project import Project

FRAMEWORK = "drf"
VIEWSETS = ("rest_framework.viewsets.",)
ROUTERS = ("rest_framework.routers.",)
ACTION = "rest_framework.decorators.action"
# Viewset actions -> (HTTP method, whether the router routes them to the detail URL).
ACTIONS = {
    "list": ("GET", False), "create": ("POST", False), "retrieve": ("GET", True),
    "update": ("PUT", True), "partial_update": ("PATCH", True), "destroy": ("DELETE", True),
}
# Methods DRF's views and generic mixins call on every request.
HOOKS = (
    "dispatch", "initial", "finalize_response", "handle_exception", "get_queryset", "get_object",
    "filter_queryset", "paginate_queryset", "get_paginated_response", "get_serializer",
    "get_serializer_class", "get_serializer_context", "perform_create", "perform_update",
    "perform_destroy", "get_permissions", "check_permissions", "check_object_permissions",
    "get_authenticators", "get_throttles",
)
DETAIL = "{pk}"  # the router's lookup segment (`lookup_field` is not read)


@dataclass(frozen=True, slots=True)
class _Route:
    module: ModuleFacts
    span: Span  # `router.register(...)` or `path(...)`
    url: str | None  # router prefix, or the URLconf pattern
    router: bool


def entry_points(project: Project) -> Iterator[EntryPoint]:
    routes = _routes(project)
    yield from _function_views(project, routes)
    for module, qualname in project_classes(project):
        if is_drf_class(project, qualname):
            yield from _class_methods(project, module, qualname, routes.get(qualname))


def _routes(project: Project) -> dict[str, _Route]:
    """Where each view is routed: `router.register(prefix, ViewSet)` first, then URLconfs."""
    out: dict[str, _Route] = {}
    for use in calls(project, {"register"}):
        if derives_from(project, member(use.name)[0], ROUTERS):
            call = use.call
            target = ref(project, argument(call.args, call.keywords, 1, "viewset"))
            prefix = literal_str(argument(call.args, call.keywords, 0, "prefix"))
            if target in project.classes:
                out.setdefault(target, _Route(use.module, call.span, prefix, True))
    for item in url_entries(project):
        out.setdefault(item.view.qualname, _Route(item.module, item.span, item.url, False))
    return out


def _function_views(project: Project, routes: dict[str, _Route]) -> Iterator[EntryPoint]:
    for use in decorations(project, {member(API_VIEW)[1]}):
        if use.name != API_VIEW:
            continue
        dec, fn = use.decorator, use.function
        methods = literal_methods(argument(dec.args, dec.keywords, 0, "http_method_names")) or ("GET",)
        route = routes.get(fn.qualname)
        module, span = (route.module, route.span) if route else (use.module, dec.span or fn.span)
        yield entry(module, fn, span, FRAMEWORK, "view", runs_on(fn, THREADPOOL),
                    route.url if route else None, methods)


def _class_methods(project: Project, module: ModuleFacts, qualname: str,
                   route: _Route | None) -> Iterator[EntryPoint]:
    kind = "viewset" if derives_from(project, qualname, VIEWSETS) else "view"
    if route is not None:
        module = route.module
    span = route.span if route else project.classes[qualname].span
    url = None if route is None else _join(route.url) if route.router else route.url
    yield EntryPoint(qualname, FRAMEWORK, kind, THREADPOOL, module.path, span, url)
    for fn in project_methods(project, qualname):
        action = _action(project, fn)
        if fn.name in HTTP_METHODS:
            methods: tuple[str, ...] = (fn.name.upper(),)
        elif fn.name in ACTIONS:
            methods = (ACTIONS[fn.name][0],)
        elif action is not None:
            methods = literal_methods(dict(action).get("methods")) or ("GET",)
        elif fn.name in HOOKS:
            methods = ()
        else:
            continue  # a helper: reached through the call graph, not by DRF
        url = _url(route, fn, action)
        yield entry(module, fn, span, FRAMEWORK, kind, runs_on(fn, THREADPOOL), url, methods)


def _action(project: Project, fn: FunctionFact) -> Keywords | None:
    """The keywords of an `@action(...)` decorator, if the method has one."""
    for dec in fn.decorators:
        if project.resolve(dec.name) == ACTION:
            return dec.keywords
    return None


def _url(route: _Route | None, fn: FunctionFact, action: Keywords | None) -> str | None:
    """URLconf routes give one pattern; router routes depend on the action."""
    if route is None or not route.router:
        return route.url if route else None
    if fn.name in ACTIONS:
        detail, suffix = ACTIONS[fn.name][1], None
    elif action is not None:
        keywords = dict(action)
        flag, path = keywords.get("detail"), literal_str(keywords.get("url_path"))
        detail, suffix = bool(flag is not None and flag.value is True), path or fn.name
    else:
        return None  # hooks serve every URL the router makes for the viewset
    return _join(route.url, DETAIL if detail else None, suffix)


def _join(*parts: str | None) -> str:
    """Router URL from its prefix and segments: `books`, `{pk}` -> `books/{pk}/`."""
    return "".join(p.strip("/") + "/" for p in parts if p)
