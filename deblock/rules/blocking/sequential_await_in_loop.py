from __future__ import annotations

from collections.abc import Iterator

from deblock.analyzer.facts.model import AwaitLoopFact, ModuleFacts
from deblock.analyzer.project import Project
from deblock.model import Applicability, Finding, FixAvailability
from deblock.rules._base import Invalid, Rule
from deblock.rules.blocking._matching import short_name
from deblock.rules.blocking._serial import SERIAL_PREFIXES, independent_call, serial_functions

class SequentialAwaitInLoop(Rule):
    """
    ## What it does
    Flags the awaited call in a plain `for` loop in an `async def` that awaits one
    call per item, one after another, when the calls do not depend on each other: the
    body is only `await f(item)`, `results.append(await f(item))`, or `r = await
    f(item)` followed by `results.append(...)` / `total += ...` statements that make
    no call; the call's arguments use the loop variable; and nothing carries state
    between iterations (no `break`, `continue`, `return` or `raise`, no other await,
    no argument reading what the body assigns or collects, or the iterable).

    ## Why is this bad?
    Each iteration waits for the previous call to finish, so ten 100 ms requests take
    a second. Started together with `asyncio.gather` (or an `asyncio.TaskGroup` on
    Python 3.11+) they take about 100 ms.

    Calls whose order matters or whose receiver serves one call at a time are not
    flagged: sleeps, `asyncio`/`anyio`/`trio` helpers (batching with `gather` per
    chunk), database connections and sessions, Django's async ORM, writes to one
    socket, queues, locks.

    ## Example
    ```python
    async def load_all(urls):
        pages = []
        for url in urls:
            pages.append(await fetch(url))
        return pages
    ```

    Use instead:
    ```python
    import asyncio

    async def load_all(urls):
        pages = []
        pages.extend(await asyncio.gather(*(fetch(url) for url in urls)))
        return pages
    ```

    ## Fix safety
    The fix rewrites the two single-statement bodies (`await f(x)`, `acc.append(await
    f(x))`) to `await asyncio.gather(*(f(x) for x in xs))` and adds `import asyncio`.
    It is unsafe: the calls now overlap, so code that relied on one finishing before
    the next starts, or shared state such as a session, may break; every call starts
    at once, which can overload the server called (bound the fan-out with an
    `asyncio.Semaphore`); the first exception propagates while the other calls keep
    running; and the loop variable is no longer bound after the loop. No fix is
    offered in trio or anyio modules.

    ## References
    - [asyncio.gather](https://docs.python.org/3/library/asyncio-task.html#asyncio.gather)
    - [asyncio.TaskGroup](https://docs.python.org/3/library/asyncio-task.html#task-groups)
    """

    code = "DBK130"
    message = ("Sequential `await {callee}(...)` in a `for` loop in `{function}`: run the calls concurrently "
               "with `{runner}` (bound the fan-out with {limiter})")
    fix_title = "Replace the loop with `await asyncio.gather(...)`"
    fix_availability = FixAvailability.SOMETIMES
    applicability = Applicability.UNSAFE
    valid = [
        # An ASGI response goes out chunk by chunk, in order (seen in Django's asgi.py).
        "async def respond(send, chunks):\n    for chunk in chunks:\n        await send({'body': chunk})\n",
        "async def main(urls):\n    for url in urls:\n        r = await fetch(url)\n        if r.ok:\n            break\n",
        "async def main(ids, db):\n    for i in ids:\n        await db.execute('delete from t where id = $1', i)\n",
        "import asyncio\n\nasync def main(delays):\n    for d in delays:\n        await asyncio.sleep(d)\n",
        "async def main(pages):\n    token = None\n    for _ in pages:\n        token = await fetch(token)\n",
        "async def main(urls):\n    out = []\n    for url in urls:\n        out.append(await fetch(url, out))\n",
        "def main(urls):\n    for url in urls:\n        fetch(url)\n",
        "async def main(tasks):\n    for t in tasks:\n        await t\n",
    ]
    invalid = [
        Invalid(
            "async def main(urls):\n    for url in urls:\n        await fetch(url)\n",
            fixed="import asyncio\n\nasync def main(urls):\n    await asyncio.gather(*(fetch(url) for url in urls))\n",
            line=3,
            message="Sequential `await fetch(...)` in a `for` loop in `main`",
        ),
        Invalid(
            "async def main(client, ids):\n    out = []\n    for i in ids:\n        out.append(await client.get(f'/items/{i}'))\n",
            fixed="import asyncio\n\nasync def main(client, ids):\n    out = []\n"
            "    out.extend(await asyncio.gather(*(client.get(f'/items/{i}') for i in ids)))\n",
            line=4,
        ),
        Invalid(
            "async def main(users):\n    found, n = [], 0\n    for u in users:\n        p = await profile(u.id)\n"
            "        found.append(p.name)\n        n += p.age\n",
            line=4,
            message="asyncio.TaskGroup",
            config={"target-version": "3.12"},
        ),
        Invalid("import trio\n\nasync def main(ids):\n    for i in ids:\n        await ping(i)\n",
                line=5, message="`trio.open_nursery()` (bound the fan-out with a `trio.CapacityLimiter`)"),
    ]

    def check(self, facts: ModuleFacts, project: Project) -> Iterator[Finding]:
        library = project.async_library(facts)
        limiter = "an `asyncio.Semaphore`" if library == "asyncio" else f"a `{library}.CapacityLimiter`"
        runner = {"trio": "trio.open_nursery()", "anyio": "anyio.create_task_group()"}.get(
            library, "asyncio.TaskGroup" if self.settings.target_version >= (3, 11) else "asyncio.gather")
        for loop in facts.await_loops:
            if not self._independent(loop, project):
                continue
            fix = None
            if loop.shape in ("expr", "append") and library == "asyncio":
                fix = self.make_fix("loop_to_gather", loop.span)
            yield self.finding(facts, loop.call_span or loop.span, fix=fix, callee=loop.callee_text,
                               function=short_name(loop.function), runner=runner, limiter=limiter)

    @staticmethod
    def _independent(loop: AwaitLoopFact, project: Project) -> bool:
        if loop.shape is None or loop.awaits != 1 or loop.exits or not loop.simple_target:
            return False
        if not loop.args_use_target or loop.reads_carried:
            return False
        callee = project.resolve(loop.callee) or loop.callee or ""
        if callee.startswith(SERIAL_PREFIXES):
            return False
        if not independent_call(loop.callee_text):
            return False
        target = project.callee(loop.callee)
        return target is None or target.qualname not in serial_functions(project)
