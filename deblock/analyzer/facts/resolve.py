"""Static knowledge the gatherer needs while it walks: offloaders and builtins.

Kept here rather than in data tables because it shapes the facts themselves
(what counts as "running on the event loop"), not what any rule reports.
"""

from __future__ import annotations

import builtins

BUILTIN_NAMES = frozenset(dir(builtins))

# Callables that run their function argument in a worker thread, with the index of that
# argument. What they are handed does not run on the event loop; their other
# arguments, evaluated eagerly, still do (ruff#23425, flake8-async lambda handling).
OFFLOADERS: dict[str, int] = {
    "asyncio.to_thread": 0,
    "anyio.to_thread.run_sync": 0,
    "trio.to_thread.run_sync": 0,
    "asgiref.sync.sync_to_async": 0,
    "channels.db.database_sync_to_async": 0,
    "starlette.concurrency.run_in_threadpool": 0,
    "fastapi.concurrency.run_in_threadpool": 0,
    "concurrent.futures.ThreadPoolExecutor.submit": 0,
    "concurrent.futures.ProcessPoolExecutor.submit": 0,
}
# `loop.run_in_executor(executor, fn, *args)`: the loop object is rarely resolvable
# (`asyncio.get_running_loop()` results flow through variables), so the method name
# decides. This only ever removes findings, never adds one.
EXECUTOR_METHOD = "run_in_executor"
EXECUTOR_ARG_INDEX = 1
PARTIAL = "functools.partial"

# Decorators that make a sync function's body run in a thread when it is called.
OFFLOAD_DECORATORS = frozenset(
    {"asgiref.sync.sync_to_async", "channels.db.database_sync_to_async"}
)


def offload_index(callee: str | None, text: str) -> int | None:
    """Index of the argument that an offloading call runs in a thread, if it is one."""
    if callee in OFFLOADERS:
        return OFFLOADERS[callee]
    if text.endswith("." + EXECUTOR_METHOD) or callee is not None and callee.endswith("." + EXECUTOR_METHOD):
        return EXECUTOR_ARG_INDEX
    return None


def looks_like_class(dotted: str) -> bool:
    """CapWords last segment: calling it builds an instance (PEP 8 class naming)."""
    last = dotted.rpartition(".")[2]
    return bool(last) and last[0].isupper() and not last.isupper()
