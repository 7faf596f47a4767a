from __future__ import annotations

from collections.abc import Iterator

from deblock.analyzer.facts.model import ModuleFacts
from deblock.analyzer.project import Project
from deblock.model import Finding
from deblock.rules._base import Invalid, Rule
from deblock.rules.migration._hazard_rule import hazard_findings


class CacheOnCoroutineFunction(Rule):
    """
    ## What it does
    Flags `functools.lru_cache` or `functools.cache` applied to an `async def`.

    ## Why is this bad?
    Calling an `async def` returns a coroutine object, and that is what the cache
    stores. The first caller awaits it; every later caller gets the same, already
    awaited coroutine back and `await` raises `RuntimeError: cannot reuse already
    awaited coroutine`. The cache never holds the result the author meant to keep.

    ## Example
    ```python
    import functools

    @functools.lru_cache(maxsize=128)
    async def exchange_rate(currency):
        return await fetch_rate(currency)
    ```

    Use instead:
    ```python
    from async_lru import alru_cache

    @alru_cache(maxsize=128)
    async def exchange_rate(currency):
        return await fetch_rate(currency)
    ```

    ## Known limitations
    Only the standard library's caches are known; other memoising decorators that
    store the return value (`cachetools.cached`) have the same problem.

    ## References
    - [functools.lru_cache](https://docs.python.org/3/library/functools.html#functools.lru_cache)
    - [async-lru](https://pypi.org/project/async-lru/)
    """

    code = "DBK501"
    message = "{hazard}: {bridge}"
    scope = "project"
    valid = [
        "import functools\n\n@functools.lru_cache\ndef rate(c):\n    return 1\n",
        "from async_lru import alru_cache\n\n@alru_cache\nasync def rate(c):\n    return 1\n",
        "import functools\n\ndef outer():\n    @functools.cache\n    def inner():\n        return 1\n    return inner\n",
    ]
    invalid = [
        Invalid("import functools\n\n@functools.lru_cache(maxsize=None)\nasync def rate(c):\n    return 1\n",
                line=3, message="`functools.lru_cache` on `rate` caches the coroutine object"),
        Invalid("from functools import cache\n\nclass Rates:\n    @cache\n    async def get(self, c):\n        return 1\n",
                line=4, message="`functools.cache` on `Rates.get`"),
    ]

    def check(self, facts: ModuleFacts, project: Project) -> Iterator[Finding]:
        yield from hazard_findings(self, facts, project)
