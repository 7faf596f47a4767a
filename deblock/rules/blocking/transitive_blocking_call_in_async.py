from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from deblock.analyzer.facts.model import ModuleFacts
from deblock.analyzer.project import Project
from deblock.model import Finding
from deblock.rules._base import Invalid, Rule
from deblock.rules.blocking._matching import loop_calls, short_name


class TransitiveBlockingCallInAsync(Rule):
    """
    ## What it does
    Flags a call, made on the event loop (in an `async def`, or in a sync function the
    framework runs on the loop, such as a Starlette startup handler), to project code
    that blocks: a sync function that, through any number of other functions across
    modules, reaches a blocking call: anything the DBK101-DBK109 catalogue lists (sleep,
    HTTP, files, subprocesses, sockets, database drivers), sync Django ORM or SQLAlchemy
    I/O, or a call declared in `[tool.deblock.blocking-calls]`. The finding sits on the
    call in the async function,
    and its message shows the shortest chain, e.g.
    `app.views.index → app.services.load → time.sleep`.

    ## Why is this bad?
    The blocking call runs on the event loop just as if it were written inline: every
    other request waits. Linters that look at one function at a time (flake8-async,
    Ruff's ASYNC rules) cannot see it, because the async function itself looks clean.

    Calls handed to `asyncio.to_thread`, `loop.run_in_executor`, `sync_to_async` or
    `run_in_threadpool`, and functions decorated with `@sync_to_async`, run in a
    thread and are not flagged. One finding is reported per call site, with the
    shortest chain, however many paths lead to blocking code.

    ## Example
    ```python
    import time

    def load_prices():
        time.sleep(1)

    async def index():
        load_prices()
    ```

    Use instead:
    ```python
    import asyncio
    import time

    def load_prices():
        time.sleep(1)

    async def index():
        await asyncio.to_thread(load_prices)
    ```

    ## Options
    `[tool.deblock.rules.DBK120] max-depth = N` reports only chains of at most N project
    functions (default: no limit), for code bases where long chains mostly run through
    rarely taken branches.

    ## Known limitations
    Calls through values whose type deblock cannot infer (untyped parameters,
    containers, dynamic dispatch) are not followed.
    """

    @dataclass(frozen=True)
    class Options:
        max_depth: int | None = None

    code = "DBK120"
    message = "Call to `{callee}` blocks the event loop in async function `{function}`: {chain}"
    scope = "project"
    valid = [
        "import time\n\ndef load():\n    time.sleep(1)\n\ndef index():\n    load()\n",
        "import asyncio, time\n\ndef load():\n    time.sleep(1)\n\nasync def index():\n    await asyncio.to_thread(load)\n",
        "import time\n\nasync def load():\n    return 1\n\nasync def index():\n    await load()\n",
        "import time\nfrom asgiref.sync import sync_to_async\n\n@sync_to_async\ndef load():\n    time.sleep(1)\n\nasync def index():\n    await load()\n",
        "import asyncio, time\n\ndef load():\n    time.sleep(1)\n\nasync def index():\n    await asyncio.get_running_loop().run_in_executor(None, lambda: load())\n",
    ]
    invalid = [
        Invalid(
            "import time\n\ndef _backoff():\n    time.sleep(1)\n\ndef load():\n    _backoff()\n\nasync def index():\n    load()\n",
            line=10,
            message="example.index → example.load → example._backoff → time.sleep",
        ),
        Invalid(
            "# file: app/views.py\nfrom app import services\n\nasync def index():\n    return services.load()\n"
            "# file: app/services.py\nimport time\n\ndef load():\n    time.sleep(1)\n"
            "# file: app/__init__.py\n",
            line=4,
            message="Call to `load` blocks the event loop in async function `index`: app.views.index → app.services.load → time.sleep",
        ),
        Invalid(
            "import time\nfrom starlette.applications import Starlette\n\ndef warm():\n    time.sleep(1)\n\n"
            "def startup():\n    warm()\n\napp = Starlette(on_startup=[startup])\n",
            line=8,
            message="example.startup → example.warm → time.sleep",
        ),
        Invalid(
            "import time\n\nclass Repo:\n    def fetch(self):\n        time.sleep(1)\n\nclass Service:\n    def __init__(self):\n"
            "        self.repo = Repo()\n\n    async def handle(self):\n        self.repo.fetch()\n",
            line=12,
            message="example.Service.handle → example.Repo.fetch → time.sleep",
        ),
    ]

    def check(self, facts: ModuleFacts, project: Project) -> Iterator[Finding]:
        graph = project.callgraph
        for call in loop_calls(facts, project):
            target = project.callee(call.callee)
            if target is None:
                continue
            chain = graph.blocking_chain(target.qualname)
            if chain is None or (self.options.max_depth is not None and len(chain.functions) > self.options.max_depth):
                continue
            yield self.finding(
                facts,
                call.span,
                callee=short_name(target.qualname),
                function=short_name(call.function),
                chain=chain.render(start=call.function),
            )
