"""Django Channels consumers.

Async consumers (`AsyncWebsocketConsumer`, `AsyncConsumer`, ...) run their handlers on
the event loop; sync ones (`WebsocketConsumer`, `SyncConsumer`) are dispatched through
`database_sync_to_async`, i.e. in a thread.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from deblock.analyzer.frameworks import LOOP, THREADPOOL, EntryPoint
from deblock.analyzer.frameworks._common import (
    entry,
    framework_bases,
    member,
    project_classes,
    project_methods,
)

if TYPE_CHECKING:
    from deblock.analyzer.project import Project

FRAMEWORK = "channels"
PREFIX = "channels."
ASYNC_PREFIX = "Async"
CONSUMER_SUFFIX = "Consumer"


def entry_points(project: Project) -> Iterator[EntryPoint]:
    if not project.imports("channels"):
        return  # no consumer can derive from a package nobody imports
    for module, qualname in project_classes(project):
        flavour = _flavour(project, qualname)
        if flavour is None:
            continue
        span = project.classes[qualname].span
        for fn in project_methods(project, qualname):
            if flavour == LOOP and not fn.is_async:
                continue  # a sync helper of an async consumer: the call graph reaches it
            if flavour == THREADPOOL and fn.name.startswith("_"):
                continue
            yield entry(module, fn, span, FRAMEWORK, "consumer", LOOP if fn.is_async else THREADPOOL)


def _flavour(project: Project, qualname: str) -> str | None:
    """LOOP for async consumers, THREADPOOL for sync ones, None for anything else."""
    names = [member(b)[1] for b in framework_bases(project, qualname) if b.startswith(PREFIX)]
    consumers = [n for n in names if n.endswith(CONSUMER_SUFFIX)]
    if not consumers:
        return None
    return LOOP if any(n.startswith(ASYNC_PREFIX) for n in consumers) else THREADPOOL
