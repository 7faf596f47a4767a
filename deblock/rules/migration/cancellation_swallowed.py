from __future__ import annotations

from collections.abc import Iterator

from deblock.analyzer.facts.model import ModuleFacts
from deblock.analyzer.project import Project
from deblock.model import Finding
from deblock.rules._base import Invalid, Rule
from deblock.rules.migration._hazard_rule import hazard_findings


class CancellationSwallowed(Rule):
    """
    ## What it does
    Flags a bare `except:` or an `except BaseException:` in an `async def` whose `try`
    body awaits, when the handler has no `raise`. `except Exception:` is fine (since
    Python 3.8 `asyncio.CancelledError` is not an `Exception`), and so is a handler
    that re-raises. An explicit `except asyncio.CancelledError:` is not flagged: it
    is the way to absorb a cancellation you asked for.

    ## Why is this bad?
    Cancellation arrives as `asyncio.CancelledError` raised at an `await`. A handler
    that catches it and carries on makes the task uncancellable: `asyncio.timeout()`
    and `wait_for` stop working, `TaskGroup` cannot shut down its other tasks, server
    shutdown hangs, and Django 5.0+ can no longer stop a view whose client
    disconnected.

    ## Example
    ```python
    async def refresh(client):
        try:
            await client.get("/refresh")
        except:
            log.warning("refresh failed")
    ```

    Use instead:
    ```python
    async def refresh(client):
        try:
            await client.get("/refresh")
        except Exception:
            log.warning("refresh failed")
    ```

    ## References
    - [asyncio.CancelledError](https://docs.python.org/3/library/asyncio-exceptions.html#asyncio.CancelledError)
    - [Task cancellation](https://docs.python.org/3/library/asyncio-task.html#task-cancellation)
    """

    code = "DBK508"
    message = "{hazard}: {bridge}"
    scope = "project"
    valid = [
        "async def f(c):\n    try:\n        await c.get()\n    except Exception:\n        pass\n",
        "async def f(c):\n    try:\n        await c.get()\n    except BaseException:\n        await c.close()\n        raise\n",
        "async def f(c):\n    try:\n        c.parse()\n    except:\n        pass\n",
        "def f(c):\n    try:\n        c.get()\n    except BaseException:\n        pass\n",
    ]
    invalid = [
        Invalid("async def f(c):\n    try:\n        await c.get()\n    except:\n        pass\n", line=4,
                message="`except:` in async `f` catches asyncio.CancelledError"),
        Invalid("async def f(c):\n    try:\n        async with c.stream() as s:\n            pass\n"
                "    except (OSError, BaseException) as e:\n        return e\n", line=5),
    ]

    def check(self, facts: ModuleFacts, project: Project) -> Iterator[Finding]:
        yield from hazard_findings(self, facts, project)
