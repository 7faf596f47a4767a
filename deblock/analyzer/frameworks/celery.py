"""Celery: tasks (`@app.task`, `@shared_task`, `Task` subclasses) and worker signal
handlers. Workers run tasks synchronously in their pool (prefork, threads, eventlet,
gevent): never on an asyncio loop, hence SYNC.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from deblock.analyzer.frameworks import SYNC, EntryPoint
from deblock.analyzer.frameworks._common import (
    argument,
    calls,
    decorations,
    derives_from,
    entry,
    lookup,
    member,
    project_classes,
    project_methods,
    ref,
)

if TYPE_CHECKING:
    from deblock.analyzer.project import Project

FRAMEWORK = "celery"
APPS = {
    "celery.Celery": "celery", "celery.app.Celery": "celery", "celery.app.base.Celery": "celery",
    "celery.current_app": "celery",
}
SHARED_TASKS = frozenset({"celery.shared_task", "celery.app.shared_task", "celery.task", "celery.decorators.task"})
TASK_CLASSES = ("celery.Task", "celery.app.task.Task", "celery.task.Task")
# What a worker calls on a `Task` subclass.
TASK_METHODS = ("run", "__call__", "before_start", "on_success", "on_failure", "on_retry", "after_return")
SIGNALS = "celery.signals."
APP_SIGNALS = frozenset({"on_configure", "on_after_configure", "on_after_finalize", "on_after_fork"})
CONNECT = "connect"


def entry_points(project: Project) -> Iterator[EntryPoint]:
    if not project.imports("celery"):
        return
    yield from _tasks(project)
    yield from _task_classes(project)
    yield from _signal_handlers(project)


def _tasks(project: Project) -> Iterator[EntryPoint]:
    for use in decorations(project, {"task", "shared_task"}):
        owner = member(use.name)[0]
        if use.name in SHARED_TASKS or lookup(project, owner, APPS):
            span = use.decorator.span or use.function.span
            yield entry(use.module, use.function, span, FRAMEWORK, "task", SYNC)


def _task_classes(project: Project) -> Iterator[EntryPoint]:
    for module, qualname in project_classes(project):
        if derives_from(project, qualname, TASK_CLASSES):
            span = project.classes[qualname].span
            for fn in project_methods(project, qualname, TASK_METHODS):
                yield entry(module, fn, span, FRAMEWORK, "task", SYNC)


def _is_signal(project: Project, connect: str) -> bool:
    """`celery.signals.worker_process_init.connect`, `app.on_after_configure.connect`."""
    signal, attr = member(connect)
    if attr != CONNECT:
        return False
    if signal.startswith(SIGNALS):
        return True
    owner, name = member(signal)
    return name in APP_SIGNALS and lookup(project, owner, APPS) is not None


def _signal_handlers(project: Project) -> Iterator[EntryPoint]:
    for use in decorations(project, {CONNECT}):
        if _is_signal(project, use.name):
            span = use.decorator.span or use.function.span
            yield entry(use.module, use.function, span, FRAMEWORK, "hook", SYNC)
    for called in calls(project, {CONNECT}):  # `worker_process_init.connect(init_db)`
        fn = project.functions.get(ref(project, argument(called.call.args, called.call.keywords, 0, "receiver")) or "")
        if fn is not None and _is_signal(project, called.name):
            yield entry(called.module, fn, called.call.span, FRAMEWORK, "hook", SYNC)
