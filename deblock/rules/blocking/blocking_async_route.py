from __future__ import annotations

from collections.abc import Iterator
from itertools import chain

from deblock.analyzer.facts.model import CallFact, ModuleFacts
from deblock.analyzer.project import Project
from deblock.model import Applicability, Finding, FixAvailability
from deblock.rules._base import Invalid, Rule
from deblock.rules.blocking._async_route import (
    awaited_anywhere,
    blocking_via,
    needs_loop,
)
from deblock.rules.blocking._matching import short_name
from deblock.rules.blocking._orm import django_hits, sqlalchemy_hits


class BlockingAsyncRoute(Rule):
    """
    ## What it does
    Flags a FastAPI or Starlette `async def` route that awaits nothing (no `await`,
    `async for` or `async with`) and makes a blocking call: a catalogue call, a sync
    Django or SQLAlchemy ORM call, or a call to project code that reaches one.

    ## Why is this bad?
    FastAPI and Starlette run an `async def` route on the event loop and a plain `def`
    route in a worker thread. An `async def` route that never awaits gains nothing
    from being async, and its blocking call stalls every other request the worker
    serves. Declared with `def`, the same code runs in the threadpool and the loop
    stays free.

    ## Example
    ```python
    import sqlite3
    from fastapi import FastAPI

    app = FastAPI()

    @app.get("/books")
    async def books():
        db = sqlite3.connect("books.db")
        return db.execute("select title from books").fetchall()
    ```

    Use instead:
    ```python
    import sqlite3
    from fastapi import FastAPI

    app = FastAPI()

    @app.get("/books")
    def books():
        db = sqlite3.connect("books.db")
        return db.execute("select title from books").fetchall()
    ```

    ## Fix safety
    The fix removes `async` from the route. It is unsafe: a sync route runs in a
    threadpool of limited size (40 threads by default in AnyIO), so slow routes can
    queue; code outside the project that awaits the function (tests) breaks; code
    relying on the loop thread no longer runs there. No fix when project code awaits it.
    """

    code = "DBK131"
    message = ("Async route `{function}` awaits nothing and blocks the event loop on `{callee}`: "
               "declare it with `def` so {framework} runs it in its threadpool")
    fix_title = "Remove `async` from the route"
    fix_availability = FixAvailability.SOMETIMES
    applicability = Applicability.UNSAFE
    scope = "project"
    _APP = "from fastapi import FastAPI\n\napp = FastAPI()\n\n"
    valid = [
        "import requests\n" + _APP + "@app.get('/')\ndef index():\n    return requests.get('http://x').json()\n",
        "import httpx\n" + _APP + "@app.get('/')\nasync def index():\n    async with httpx.AsyncClient() as c:\n"
        "        return (await c.get('http://x')).json()\n",
        _APP + "@app.get('/')\nasync def index():\n    return {'ok': True}\n",
        "import asyncio, time\n" + _APP + "@app.get('/')\nasync def index():\n    asyncio.create_task(asyncio.sleep(1))\n"
        "    time.sleep(1)\n",
        "import time\n\nasync def helper():\n    time.sleep(1)\n",
    ]
    invalid = [
        Invalid(
            "import time\n" + _APP + "@app.get('/')\nasync def index():\n    time.sleep(1)\n    return {}\n",
            fixed="import time\n" + _APP + "@app.get('/')\ndef index():\n    time.sleep(1)\n    return {}\n",
            line=7,
            message="Async route `index` awaits nothing and blocks the event loop on `time.sleep`",
        ),
        Invalid(
            "# file: app/main.py\nfrom fastapi import APIRouter\nfrom app.db import load\n\nrouter = APIRouter()\n\n"
            "@router.post('/items')\nasync def create(item: dict):\n    return load(item)\n"
            "# file: app/db.py\nimport sqlite3\n\ndef load(item):\n    return sqlite3.connect('x.db')\n"
            "# file: app/__init__.py\n",
            fixed="from fastapi import APIRouter\nfrom app.db import load\n\nrouter = APIRouter()\n\n"
            "@router.post('/items')\ndef create(item: dict):\n    return load(item)\n",
            line=7,
            message="`app.db.load`",
        ),
        Invalid(
            "import time\n" + _APP + "@app.get('/')\nasync def index():\n    time.sleep(1)\n\n"
            "async def warm():\n    await index()\n",
            line=7,
        ),
    ]

    def check(self, facts: ModuleFacts, project: Project) -> Iterator[Finding]:
        entries, orm = project.entry_points, None
        by_function: dict[str, list[CallFact]] = {}
        for call in facts.calls:
            by_function.setdefault(call.function, []).append(call)
        for fn in facts.functions:
            entry = entries.get(fn.qualname)
            if entry is None or entry.framework not in ("fastapi", "starlette") or entry.kind != "route":
                continue
            calls = by_function.get(fn.qualname, [])
            if not fn.is_async or fn.awaits or fn.is_generator or any(needs_loop(c, project) for c in calls):
                continue
            callee = next(filter(None, (blocking_via(c, project) for c in calls)), None)
            if callee is None:
                if orm is None:  # sync Django / SQLAlchemy ORM calls, as DBK110/DBK111 find them
                    hits = chain(django_hits(facts, project), sqlalchemy_hits(facts, project))
                    orm = {hit.function: hit.what.strip("`") for hit in reversed(list(hits))}
                callee = orm.get(fn.qualname)
            if callee is not None:
                # Something that awaits the route would break once it is a plain `def`.
                fix = None if awaited_anywhere(fn.qualname, project) else self.make_fix("async_def_to_def", fn.span)
                yield self.finding(facts, fn.span, fix=fix, function=short_name(fn.qualname), callee=callee,
                                   framework="FastAPI" if entry.framework == "fastapi" else "Starlette")
