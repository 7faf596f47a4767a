"""What django.py and drf.py both need: URLconf entries and "is this DRF?".

The Django module leaves DRF views (classes deriving from DRF views, `@api_view`
functions) to drf.py, which reads the same URLconf for their URLs.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from deblock.analyzer.facts.model import FunctionFact, ModuleFacts
from deblock.analyzer.frameworks._common import (
    View,
    argument,
    calls,
    derives_from,
    literal_str,
    member,
    view_target,
)
from deblock.model import Span

if TYPE_CHECKING:
    from deblock.analyzer.project import Project

URL_FUNCTIONS = frozenset({
    "django.urls.path", "django.urls.re_path", "django.urls.conf.path", "django.urls.conf.re_path",
    "django.conf.urls.url",
})
INCLUDES = frozenset({"django.urls.include", "django.urls.conf.include", "django.conf.urls.include"})
DRF_VIEWS = ("rest_framework.views.", "rest_framework.viewsets.", "rest_framework.generics.")
API_VIEW = "rest_framework.decorators.api_view"


@dataclass(frozen=True, slots=True)
class UrlEntry:
    """One `path(url, view)` whose view is a project function or class."""

    module: ModuleFacts
    span: Span  # the `path(...)` call
    url: str | None
    view: View


def url_entries(project: Project) -> Iterator[UrlEntry]:
    """`path()`/`re_path()`/`url()` calls anywhere (URLconf modules, `ModelAdmin.get_urls`).

    `include(...)` is not followed: every URLconf module is scanned on its own.
    """
    for use in calls(project, {member(name)[1] for name in URL_FUNCTIONS}):
        if use.name not in URL_FUNCTIONS:
            continue
        call = use.call
        view = view_target(project, use.module, argument(call.args, call.keywords, 1, "view"), INCLUDES)
        if view is not None:
            # `url(regex, view)` is the pre-2.0 spelling; `path`/`re_path` call it `route`.
            pattern = "regex" if use.name == "django.conf.urls.url" else "route"
            url = literal_str(argument(call.args, call.keywords, 0, pattern))
            yield UrlEntry(use.module, call.span, url, view)


def is_drf_class(project: Project, qualname: str) -> bool:
    return derives_from(project, qualname, DRF_VIEWS)


def is_api_view(project: Project, fn: FunctionFact) -> bool:
    return any(project.resolve(d.name) == API_VIEW for d in fn.decorators)
