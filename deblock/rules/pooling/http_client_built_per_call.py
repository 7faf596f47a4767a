from __future__ import annotations

from collections.abc import Iterator

from deblock.analyzer.facts.model import ModuleFacts
from deblock.analyzer.project import Project
from deblock.model import Finding, FixAvailability, Severity
from deblock.rules._base import Invalid, Rule
from deblock.rules.pooling._built import built_per_call

_API = "import httpx\nimport requests\nfrom fastapi import FastAPI\n\napp = FastAPI()\n\n\n"
_FLASK = "import httpx\nfrom flask import Flask\n\napp = Flask(__name__)\n\n\n"


class HttpClientBuiltPerCall(Rule):
    """
    ## What it does
    Flags an HTTP client that owns a connection pool (`requests.Session()`, `httpx.Client()`,
    `httpx.AsyncClient()`, `aiohttp.ClientSession()`, `urllib3.PoolManager()`) built inside
    a function that runs on every request or task, or in a loop, including
    `with httpx.Client() as client:` blocks: each is still a new pool.

    ## Why is this bad?
    A client keeps connections to each host open for reuse. One built per call reuses
    nothing: every call pays DNS, TCP and TLS again, and a client that is never closed
    (`requests.Session()` without `close()`) leaks its sockets until garbage collection.

    ## Example
    ```python
    import requests
    from fastapi import FastAPI

    app = FastAPI()

    @app.post("/sync")
    def sync(skus: list[str]):
        session = requests.Session()
        return [session.get(f"https://wh.example/{s}", timeout=5).json() for s in skus]
    ```

    Use instead:
    ```python
    import functools

    import requests
    from fastapi import FastAPI

    app = FastAPI()

    @functools.cache
    def _http_session():
        return requests.Session()

    @app.post("/sync")
    def sync(skus: list[str]):
        session = _http_session()
        return [session.get(f"https://wh.example/{s}", timeout=5).json() for s in skus]
    ```

    Async clients are flagged only where one event loop serves every request (FastAPI,
    Starlette, Quart, Django ASGI): Flask runs each `async def` view in a fresh event loop,
    and a sync task runs its coroutines through its own `asyncio.run`, so an async client
    cannot outlive the call there. For async clients the advice is to open one in the app's
    lifespan and hand it out through a dependency (no automatic fix).

    ## Fix safety
    Unsafe. The client moves into a module-level `functools.cache`d factory, built on first
    use in each process. Headers, cookies or auth set on it per call are then shared by every
    caller (pass them per request instead), and a client closed after use (`with`, `close()`)
    gets no automatic fix.

    ## References
    - [requests: Session objects](https://requests.readthedocs.io/en/latest/user/advanced/#session-objects)
    - [HTTPX: why use a client](https://www.python-httpx.org/advanced/clients/#why-use-a-client)
    - [aiohttp: make a request](https://docs.aiohttp.org/en/stable/client_quickstart.html#make-a-request)
    """

    code = "DBK303"
    message = "{what} built by `{call}` in `{function}`{why}: {advice}"
    fix_title = "Build it once per process in a cached module-level factory"
    fix_availability = FixAvailability.SOMETIMES
    severity = Severity.WARNING
    scope = "project"
    valid = [
        _FLASK + "@app.get('/links')\nasync def links():\n    async with httpx.AsyncClient(timeout=5) as client:\n"
        "        return (await client.get('https://example.test')).text\n",
        ("from contextlib import asynccontextmanager\n\nimport httpx\nfrom fastapi import FastAPI\n\n\n"
        "@asynccontextmanager\nasync def lifespan(app):\n    async with httpx.AsyncClient() as client:\n"
        "        app.state.http = client\n        yield\n\n\napp = FastAPI(lifespan=lifespan)\n"),
        "from functools import lru_cache\n\n" + _API + "@lru_cache\ndef get_http() -> httpx.Client:\n"
        "    return httpx.Client(timeout=5)\n",
        _API + "http = httpx.Client()\n\n\n@app.get('/')\ndef index():\n    return http.get('https://example.test').text\n",
    ]
    invalid = [
        Invalid(_API + "@app.get('/')\ndef index():\n    session = requests.Session()\n"
                "    return session.get('https://example.test', timeout=5).text\n",
                line=10, message="on every request to `GET /`",
                fixed=_API.replace("FastAPI\n", "FastAPI\nimport functools\n", 1)
                + "@functools.cache\ndef _http_session():\n"
                "    # One per process, built on first use (after any fork) and shared by every call.\n"
                "    return requests.Session()\n\n\n@app.get('/')\ndef index():\n    session = _http_session()\n"
                "    return session.get('https://example.test', timeout=5).text\n"),
        Invalid(_API + "@app.get('/')\ndef index():\n    with httpx.Client(timeout=5) as client:\n"
                "        return client.get('https://example.test').text\n",
                line=10, message="stop closing it"),
        Invalid(_API + "@app.get('/')\nasync def index():\n    async with httpx.AsyncClient() as client:\n"
                "        return (await client.get('https://example.test')).text\n",
                line=10, message="lifespan"),
    ]

    def check(self, facts: ModuleFacts, project: Project) -> Iterator[Finding]:
        yield from built_per_call(self, facts, project, "http-client")
