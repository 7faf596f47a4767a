from __future__ import annotations

from collections.abc import Iterator

from deblock.analyzer.facts.model import ModuleFacts
from deblock.analyzer.project import Project
from deblock.model import Applicability, Finding, FixAvailability
from deblock.rules._base import Invalid, Rule, Valid
from deblock.rules.blocking._matching import family_findings


class BlockingSleepInAsync(Rule):
    """
    ## What it does
    Flags `time.sleep()` called on the event loop: directly in an `async def`,
    however it was imported (`import time as t`, `from time import sleep`).

    ## Why is this bad?
    `time.sleep()` blocks the whole thread. In async code that thread runs the event
    loop, so every other request, task and timer waits until the sleep ends: one
    `time.sleep(1)` in a handler caps the whole server at one request per second.

    Calls inside a nested `def` or a `lambda`, and functions handed to
    `asyncio.to_thread`, `loop.run_in_executor` or `sync_to_async`, do not run on
    the loop and are not flagged.

    ## Example
    ```python
    import time

    async def poll_status():
        time.sleep(1)
    ```

    Use instead:
    ```python
    import asyncio

    async def poll_status():
        await asyncio.sleep(1)
    ```

    ## Fix safety
    The fix replaces the call with `await asyncio.sleep(...)` (or `anyio.sleep`,
    `trio.sleep` per `async-library` or the module's imports) and adds the import.
    It is unsafe: the sleep becomes a suspension point, so other tasks run meanwhile
    and the task can be cancelled there, which code relying on the thread being held
    may not expect.

    ## Options
    Uses the global `async-library` setting.

    ## References
    - [asyncio.sleep](https://docs.python.org/3/library/asyncio-task.html#asyncio.sleep)
    - [Developing with asyncio: concurrency and multithreading](https://docs.python.org/3/library/asyncio-dev.html#concurrency-and-multithreading)
    """

    code = "DBK101"
    message = "Blocking call `time.sleep()` in async function `{function}`"
    fix_title = "Replace with `await asyncio.sleep(...)`"
    fix_availability = FixAvailability.ALWAYS
    applicability = Applicability.UNSAFE
    valid = [
        "import time\n\ndef poll():\n    time.sleep(1)\n",
        "import asyncio\n\nasync def poll():\n    await asyncio.sleep(1)\n",
        "import time\n\nasync def poll():\n    def later():\n        time.sleep(1)\n    return later\n",
        "import asyncio, time\n\nasync def poll():\n    await asyncio.to_thread(lambda: time.sleep(1))\n",
        "import asyncio, time\n\nasync def poll(loop):\n    await loop.run_in_executor(None, time.sleep, 1)\n",
        "async def poll(clock):\n    clock.sleep(1)\n",
        "from asyncio import sleep\n\nasync def poll():\n    await sleep(1)\n",
        Valid("import time\n\nclass Job:\n    def run(self):\n        time.sleep(1)\n"),
    ]
    invalid = [
        Invalid(
            "import time\n\nasync def poll():\n    time.sleep(1)\n",
            fixed="import asyncio\n\nasync def poll():\n    await asyncio.sleep(1)\n",
            line=4,
            message="Blocking call `time.sleep()` in async function `poll`",
        ),
        Invalid(
            "from time import sleep\n\nasync def poll(delay):\n    sleep(delay)  # back off\n",
            fixed="import asyncio\n\nasync def poll(delay):\n    await asyncio.sleep(delay)  # back off\n",
            line=4,
        ),
        Invalid(
            "import time as t\nimport anyio\n\nasync def poll():\n    for _ in range(3):\n        t.sleep(0.5)\n",
            fixed="import anyio\n\nasync def poll():\n    for _ in range(3):\n        await anyio.sleep(0.5)\n",
            line=6,
        ),
        Invalid(
            "import time\n\nclass Poller:\n    async def wait(self):\n        time.sleep(2)\n        return time.time()\n",
            fixed="import time\nimport trio\n\nclass Poller:\n    async def wait(self):\n        await trio.sleep(2)\n        return time.time()\n",
            config={"async-library": "trio"},
            line=5,
        ),
    ]

    def check(self, facts: ModuleFacts, project: Project) -> Iterator[Finding]:
        yield from family_findings(self, facts, project)
