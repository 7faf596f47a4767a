from __future__ import annotations

from collections.abc import Iterator

from deblock.analyzer.facts.model import ModuleFacts
from deblock.analyzer.project import Project
from deblock.model import Finding
from deblock.rules._base import Invalid, Rule
from deblock.rules.migration._hazard_rule import hazard_findings


class AsyncDunderOrProperty(Rule):
    """
    ## What it does
    Flags an `async def` special method with a sync protocol (`__init__`, `__len__`,
    `__bool__`, `__eq__`, `__iter__`, `__aiter__`, `__enter__`, `__getitem__`, ...) and an
    `async def` property (`@property`, `functools.cached_property`, Django's
    `cached_property`, SQLAlchemy's `hybrid_property`). `__aenter__`, `__aexit__`,
    `__anext__` and `__call__` may be async and are not flagged.

    ## Why is this bad?
    Python calls special methods without awaiting them and uses what they return:
    `async def __init__` makes every construction raise `TypeError`, an async
    `__bool__` or `__eq__` returns a coroutine that is always truthy, and an async
    `__aiter__` breaks `async for`. An async property "works" only as `await obj.p`:
    every plain read (templates, serializers, `hasattr`, `==`) gets a coroutine, and
    `cached_property` caches the coroutine, which can be awaited only once.

    ## Example
    ```python
    class Report:
        async def __init__(self, client):
            self.rows = await client.rows()
    ```

    Use instead:
    ```python
    class Report:
        def __init__(self, rows):
            self.rows = rows

        @classmethod
        async def create(cls, client):
            return cls(await client.rows())
    ```

    ## References
    - [Special method names](https://docs.python.org/3/reference/datamodel.html#special-method-names)
    - [Asynchronous iterators](https://docs.python.org/3/reference/datamodel.html#asynchronous-iterators)
    """

    code = "DBK503"
    message = "{hazard}: {bridge}"
    scope = "project"
    valid = [
        "class Session:\n    async def __aenter__(self):\n        return self\n\n    async def __aexit__(self, *exc):\n"
        "        pass\n",
        "class App:\n    async def __call__(self, scope, receive, send):\n        pass\n",
        "def make_emitter(sio):\n    async def __event_emitter__(event):\n        await sio.emit(event)\n\n"
        "    return __event_emitter__\n",
        "class Report:\n    @property\n    def total(self):\n        return 1\n\n    async def load(self):\n        return 2\n",
    ]
    invalid = [
        Invalid("class Report:\n    async def __init__(self, client):\n        self.rows = await client.rows()\n",
                line=2, message="`async def __init__` makes construction raise TypeError"),
        Invalid("from functools import cached_property\n\nclass Order:\n    @cached_property\n"
                "    async def total(self):\n        return 1\n",
                line=5, message="`Order.total` is a property"),
        Invalid("class Cart:\n    async def __len__(self):\n        return 0\n", line=2,
                message="Python calls `__len__` synchronously"),
    ]

    def check(self, facts: ModuleFacts, project: Project) -> Iterator[Finding]:
        yield from hazard_findings(self, facts, project)
