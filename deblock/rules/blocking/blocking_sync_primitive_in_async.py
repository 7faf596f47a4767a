from __future__ import annotations

from collections.abc import Iterator

from deblock.analyzer.facts.model import ModuleFacts
from deblock.analyzer.project import Project
from deblock.model import Applicability, Finding, FixAvailability
from deblock.rules._base import Invalid, Rule
from deblock.rules.blocking._matching import (
    blocking_calls_on_loop,
    fix_for,
    loop_calls,
    short_name,
)
from deblock.rules.blocking._primitives import WITH_TYPES, does_not_block, twin


class BlockingSyncPrimitiveInAsync(Rule):
    """
    ## What it does
    Flags thread synchronisation that waits on the event loop: `acquire()` of a
    `threading.Lock`/`RLock`/`Semaphore`/`BoundedSemaphore`/`Condition`,
    `Condition.wait()`/`wait_for()`, `Event.wait()`, `Barrier.wait()`, `Thread.join()`,
    `get()`/`put()`/`join()` of a `queue.Queue` (`LifoQueue`, `PriorityQueue`,
    `SimpleQueue`, `multiprocessing` queues), `concurrent.futures` `Future.result()`,
    `wait()`, `as_completed()` and `Executor.shutdown()`, and `with threading.Lock():`.

    ## Why is this bad?
    These primitives park the calling thread until another thread acts. On the event
    loop that thread is the loop itself: nothing else runs while it waits, and if the
    thread it waits for needs the loop (a callback, a `run_coroutine_threadsafe`), the
    process deadlocks.

    Non-blocking forms are not flagged: `acquire(blocking=False)`, `get(block=False)`,
    `timeout=0`, `get_nowait()`, and `asyncio.Lock`/`asyncio.Queue`.

    ## Example
    ```python
    import queue

    jobs = queue.Queue()

    async def next_job():
        return jobs.get()
    ```

    Use instead:
    ```python
    import asyncio

    jobs = asyncio.Queue()

    async def next_job():
        return await jobs.get()
    ```

    ## Fix safety
    Where it is meaningful, the fix waits in a worker thread with
    `await asyncio.to_thread(...)` (anyio/trio per `async-library`). It is unsafe: a
    cancelled task leaves the thread waiting. No fix is offered for `RLock`/`Condition`,
    which must be released by the thread that acquired them, nor for
    `with threading.Lock():`. Switching to `asyncio.Lock`/`asyncio.Queue` is the real
    fix when only coroutines share the object.

    ## Known limitations
    `with self._lock:` on a stored lock is not a call, so the facts do not record it and
    it is not flagged; only `with threading.Lock():` inline is. Objects of unknown type
    (an untyped parameter `q`) are never matched, so `q.get()` stays silent.

    ## References
    - [asyncio synchronization primitives](https://docs.python.org/3/library/asyncio-sync.html)
    - [asyncio queues](https://docs.python.org/3/library/asyncio-queue.html)
    """

    code = "DBK108"
    message = "Blocking `{callee}` in async function `{function}`; use `{twin}`"
    fix_title = "Run in a worker thread with `await asyncio.to_thread(...)`"
    fix_availability = FixAvailability.SOMETIMES
    applicability = Applicability.UNSAFE
    valid = [
        "import asyncio\n\nasync def worker(q: asyncio.Queue):\n    return await q.get()\n",
        ("import threading\n\nlock = threading.Lock()\n\nasync def try_work():\n    if lock.acquire(blocking=False):\n"
         "        lock.release()\n"),
        "import queue\n\nasync def drain(q: queue.Queue):\n    return q.get_nowait(), q.get(block=False)\n",
        "import queue\n\ndef consume(q: queue.Queue):\n    return q.get()\n",
        "async def consume(q):\n    return q.get()\n",
    ]
    invalid = [
        Invalid(
            "import threading\n\nclass Cache:\n    def __init__(self):\n        self.ready = threading.Event()\n\n"
            "    async def load(self):\n        self.ready.wait(5)\n",
            fixed="import threading\nimport asyncio\n\nclass Cache:\n    def __init__(self):\n"
            "        self.ready = threading.Event()\n\n    async def load(self):\n"
            "        await asyncio.to_thread(self.ready.wait, 5)\n",
            line=8,
            message="Blocking `threading.Event.wait` in async function `load`; use `asyncio.Event`",
        ),
        Invalid(
            "import threading\n\nasync def critical(cond: threading.Condition):\n    cond.wait()\n",
            line=4,
            message="`threading.Condition.wait`",
        ),
        Invalid(
            "import threading\n\nasync def update(state):\n    with threading.Lock():\n        state.x += 1\n",
            line=4,
            message="Blocking `threading.Lock` in async function `update`; use `asyncio.Lock`",
        ),
    ]

    def check(self, facts: ModuleFacts, project: Project) -> Iterator[Finding]:
        library = project.async_library(facts)
        for call, entry in blocking_calls_on_loop(facts, project, self.code):
            if not does_not_block(call, short_name(entry.match)):
                yield self.finding(facts, call.span, fix=fix_for(self, call, entry, library),
                                   callee=entry.match, function=short_name(call.function), twin=twin(entry.match))
        for call in loop_calls(facts, project):
            name = project.resolve(call.callee) if call.callee else None
            if call.used_as == "with" and name in WITH_TYPES:
                yield self.finding(facts, call.span, callee=name, function=short_name(call.function), twin=twin(name))
