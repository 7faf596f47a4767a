"""Django: URLconf views (functions and class-based views), admin classes, management
commands.

Under ASGI Django awaits `async def` views on the loop and runs sync ones through
`sync_to_async` in a thread; under WSGI they run in a plain worker. THREADPOOL is the
conservative marking for "not on the loop" that holds for both deployments.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from deblock.analyzer.facts.model import FunctionFact, ModuleFacts
from deblock.analyzer.frameworks import SYNC, THREADPOOL, EntryPoint
from deblock.analyzer.frameworks._common import (
    HTTP_METHODS,
    entry,
    framework_bases,
    literal_methods,
    member,
    project_classes,
    project_methods,
    runs_on,
)
from deblock.analyzer.frameworks._django import is_api_view, is_drf_class, url_entries
from deblock.model import Span

if TYPE_CHECKING:
    from deblock.analyzer.project import Project

FRAMEWORK = "django"
# Methods Django's generic views call on every request besides the HTTP handlers.
VIEW_HOOKS = (
    "dispatch", "setup", "get_queryset", "get_object", "get_context_data", "get_context_object_name",
    "get_template_names", "render_to_response", "get_form_class", "get_form", "get_form_kwargs",
    "get_initial", "form_valid", "form_invalid", "get_success_url", "get_redirect_url", "paginate_queryset",
)
# Method-restricting decorators on function views -> the methods they allow.
REQUIRE = {
    "django.views.decorators.http.require_GET": ("GET",),
    "django.views.decorators.http.require_POST": ("POST",),
    "django.views.decorators.http.require_safe": ("GET", "HEAD"),
}
REQUIRE_HTTP_METHODS = "django.views.decorators.http.require_http_methods"
ADMIN_PREFIXES = ("django.contrib.admin.", "django.contrib.gis.admin.")
ADMIN_SUFFIXES = ("Admin", "Inline", "Filter", "AdminSite")
COMMANDS = frozenset({"BaseCommand", "LabelCommand", "AppCommand"})
COMMAND_PREFIX = "django.core.management."
COMMAND_METHODS = ("handle", "handle_label", "handle_app_config")


def entry_points(project: Project) -> Iterator[EntryPoint]:
    yield from _urlconf(project)
    for module, qualname in project_classes(project):
        if is_drf_class(project, qualname):
            continue  # drf.py
        if _is_class_view(project, qualname):
            yield from _class_view(project, module, qualname, project.classes[qualname].span, None)
        elif _is_admin(project, qualname):
            yield from _admin(project, module, qualname)
        elif _is_command(project, qualname):
            span = project.classes[qualname].span
            for fn in project_methods(project, qualname, COMMAND_METHODS):
                yield entry(module, fn, span, FRAMEWORK, "command", SYNC)


def _urlconf(project: Project) -> Iterator[EntryPoint]:
    for item in url_entries(project):
        if item.view.is_class:
            if not is_drf_class(project, item.view.qualname):
                yield from _class_view(project, item.module, item.view.qualname, item.span, item.url)
            continue
        fn = project.functions[item.view.qualname]
        if not is_api_view(project, fn):
            yield entry(item.module, fn, item.span, FRAMEWORK, "view", runs_on(fn, THREADPOOL), item.url,
                        _allowed_methods(project, fn))


def _allowed_methods(project: Project, fn: FunctionFact) -> tuple[str, ...]:
    for dec in fn.decorators:
        name = project.resolve(dec.name)
        if name in REQUIRE:
            return REQUIRE[name]
        if name == REQUIRE_HTTP_METHODS and dec.args:
            return literal_methods(dec.args[0])
    return ()


def _class_view(project: Project, module: ModuleFacts, qualname: str, span: Span,
                url: str | None) -> Iterator[EntryPoint]:
    """Handlers the class or its project bases define; Django's own stay framework code."""
    for fn in project_methods(project, qualname, (*HTTP_METHODS, *VIEW_HOOKS)):
        methods = (fn.name.upper(),) if fn.name in HTTP_METHODS else ()
        yield entry(module, fn, span, FRAMEWORK, "view", runs_on(fn, THREADPOOL), url, methods)


def _is_class_view(project: Project, qualname: str) -> bool:
    """`django.views.generic.ListView`, `django.contrib.auth.views.LoginView`, ..."""
    return any(base.startswith("django.") and ".views." in base for base in framework_bases(project, qualname))


def _is_admin(project: Project, qualname: str) -> bool:
    return any(
        base.startswith(ADMIN_PREFIXES) and base.endswith(ADMIN_SUFFIXES)
        for base in framework_bases(project, qualname)
    )


def _admin(project: Project, module: ModuleFacts, qualname: str) -> Iterator[EntryPoint]:
    """The class itself (rules read `list_display` & co. from it) and every project method:
    display methods, `get_queryset`, actions... all run inside admin requests."""
    cls = project.classes[qualname]
    yield EntryPoint(qualname, FRAMEWORK, "admin", THREADPOOL, module.path, cls.span)
    for fn in project_methods(project, qualname):
        yield entry(module, fn, cls.span, FRAMEWORK, "admin", runs_on(fn, THREADPOOL))


def _is_command(project: Project, qualname: str) -> bool:
    return any(
        base.startswith(COMMAND_PREFIX) and member(base)[1] in COMMANDS
        for base in framework_bases(project, qualname)
    )
