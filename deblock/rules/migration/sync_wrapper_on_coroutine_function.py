from __future__ import annotations

from collections.abc import Iterator

from deblock.analyzer.facts.model import ModuleFacts
from deblock.analyzer.project import Project
from deblock.model import Finding
from deblock.rules._base import Invalid, Rule
from deblock.rules.migration._hazard_rule import hazard_findings


class SyncWrapperOnCoroutineFunction(Rule):
    """
    ## What it does
    Flags a project decorator (or decorator factory) applied to an `async def` when
    the wrapper it returns is a plain `def`. Decorators that test
    `iscoroutinefunction(func)` (dual sync/async decorators) or mark their wrapper
    with `markcoroutinefunction` are not flagged.

    ## Why is this bad?
    The sync wrapper calls the `async def`, which only creates a coroutine, and
    returns it unawaited. Whatever the wrapper does around the call (`try/except`,
    retries, timing, logging, a lock) happens before any of the real work runs, so it
    sees nothing. Frameworks also decide how to run a view from
    `iscoroutinefunction()`, which is False for the wrapper: Django runs it as a sync
    view in a thread and then fails on the coroutine it returns; FastAPI sends it to
    its threadpool.

    ## Example
    ```python
    import functools, time

    def timed(func):
        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            start = time.monotonic()
            try:
                return func(*args, **kwargs)
            finally:
                print(time.monotonic() - start)
        return wrapper

    @timed
    async def load(url):
        return 1
    ```

    Use instead:
    ```python
    import functools, time

    def timed(func):
        @functools.wraps(func)
        async def wrapper(*args, **kwargs):
            start = time.monotonic()
            try:
                return await func(*args, **kwargs)
            finally:
                print(time.monotonic() - start)
        return wrapper

    @timed
    async def load(url):
        return 1
    ```

    ## References
    - [inspect.markcoroutinefunction](https://docs.python.org/3/library/inspect.html#inspect.markcoroutinefunction)
    - [Django: async adapter functions](https://docs.djangoproject.com/en/stable/topics/async/#async-adapter-functions)
    """

    code = "DBK504"
    message = "{hazard}: {bridge}"
    scope = "project"
    _deco = "def deco(func):\n    def wrapper(*a, **k):\n        return func(*a, **k)\n    return wrapper\n\n"
    valid = [
        _deco + "@deco\ndef load():\n    return 1\n",
        "def deco(func):\n    async def wrapper(*a, **k):\n        return await func(*a, **k)\n    return wrapper\n\n"
        "@deco\nasync def load():\n    return 1\n",
        "import inspect\n\ndef deco(func):\n    def wrapper(*a, **k):\n        return func(*a, **k)\n"
        "    if inspect.iscoroutinefunction(func):\n        return inspect.markcoroutinefunction(wrapper)\n"
        "    return wrapper\n\n@deco\nasync def load():\n    return 1\n",
    ]
    invalid = [
        Invalid(_deco + "@deco\nasync def load():\n    return 1\n", line=6,
                message="decorator `deco` wraps `load` in a sync function"),
        Invalid("def retry(times):\n    def decorator(func):\n        def wrapper(*a, **k):\n"
                "            return func(*a, **k)\n        return wrapper\n    return decorator\n\n"
                "class Api:\n    @retry(3)\n    async def get(self):\n        return 1\n", line=9,
                message="decorator `retry` wraps `Api.get`"),
    ]

    def check(self, facts: ModuleFacts, project: Project) -> Iterator[Finding]:
        yield from hazard_findings(self, facts, project)
