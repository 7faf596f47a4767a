"""Framework entry points: the functions a web framework or task queue calls for you.

Each framework module exposes `entry_points(project) -> Iterator[EntryPoint]`; this
package collects them all. Detection reads facts only (decorators, calls such as
`path(...)`/`add_url_rule(...)`, class bases); nothing is imported or executed.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from deblock.model import Span

if TYPE_CHECKING:
    from deblock.analyzer.project import Project

# Where the framework runs the entry point's body.
LOOP = "loop"  # on the event loop (async def routes/views/consumers)
THREADPOOL = "threadpool"  # in a worker thread while a loop serves other requests (FastAPI/Starlette `def` routes, Django sync views under ASGI)
SYNC = "sync"  # a plain sync worker (Flask/WSGI, Celery tasks, management commands)


@dataclass(frozen=True, slots=True)
class EntryPoint:
    qualname: str  # the function (or method) the framework calls
    framework: str  # "flask", "quart", "fastapi", "django", "drf", "celery", ...
    kind: str  # "route", "view", "viewset", "dependency", "task", "admin", "command", "hook"
    runs_on: str  # LOOP, THREADPOOL or SYNC
    path: str  # file that declares it (where the decorator or URLconf entry is)
    span: Span  # the declaration (decorator, `path(...)` call, class)
    url: str | None = None  # the URL pattern when known
    methods: tuple[str, ...] = ()  # HTTP methods when known ("GET", ...)


def find_entry_points(project: Project) -> Iterator[EntryPoint]:
    seen: set[tuple[str, str]] = set()
    for info in pkgutil.iter_modules(__path__, prefix=__name__ + "."):
        if info.name.rpartition(".")[2].startswith("_"):
            continue
        module = importlib.import_module(info.name)
        for entry in module.entry_points(project):
            key = (entry.qualname, entry.kind)
            if key not in seen:
                seen.add(key)
                yield entry
