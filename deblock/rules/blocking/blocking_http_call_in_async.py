from __future__ import annotations

from collections.abc import Iterator

from deblock.analyzer.facts.model import ModuleFacts
from deblock.analyzer.project import Project
from deblock.model import Applicability, Finding, FixAvailability
from deblock.rules._base import Invalid, Rule
from deblock.rules.blocking._http import with_httpx_fixes
from deblock.rules.blocking._matching import family_findings


class BlockingHttpCallInAsync(Rule):
    """
    ## What it does
    Flags synchronous HTTP calls made on the event loop: `requests` (module functions
    and `requests.Session` methods), the sync `httpx` API (`httpx.get`, `httpx.Client`),
    `urllib.request.urlopen`, `urllib3` (`urllib3.request`, `PoolManager` and connection
    pool methods) and `http.client` connections and response bodies.

    Receivers are resolved through imports, constructors and `with ... as`, never by
    method name: `d.get()` on a dict or an unknown `session.get()` does not fire, and
    `httpx.AsyncClient` is the async API, so it is never flagged.

    ## Why is this bad?
    A network round trip takes milliseconds to seconds, and a sync client waits for it
    on the thread that runs the event loop. Every other request, task and timer stalls
    until the response arrives; one slow upstream freezes the whole server.

    ## Example
    ```python
    import requests

    async def fetch_user(user_id):
        return requests.get(f"https://api.example.com/users/{user_id}", timeout=5).json()
    ```

    Use instead:
    ```python
    import httpx

    async def fetch_user(user_id):
        async with httpx.AsyncClient(follow_redirects=True, timeout=None) as client:
            response = await client.get(f"https://api.example.com/users/{user_id}")
        return response.json()
    ```

    The swap is not a rename: httpx does not follow redirects by default (requests
    does), has a 5 s default timeout (requests has none), and its `raise_for_status()`
    raises on unfollowed 3xx. The message names the differences for each library.
    `aiohttp.ClientSession` is the other common choice.

    ## Fix safety
    Under asyncio or anyio, a `requests.<verb>()` call that is a whole statement
    (`r = ...`, `return ...`, or alone) is moved to
    `async with httpx.AsyncClient() as client: r = await client.get(...)`, with
    `follow_redirects=True` and `timeout=None` added to keep requests' behaviour,
    `data=` str/bytes passed as `content=` (a value of unknown type stays `data=`: the
    fix title says so) and `verify=`/`cert=`/`proxies=` moved to the client. Everything
    else (the call inside an expression, `Session` methods, `urllib`, `stream=`,
    `files=`, `**kwargs`, trio) keeps the sync client and runs the call in a worker
    thread (`await asyncio.to_thread(requests.get, url, timeout=5)`; `anyio`/`trio`
    `to_thread.run_sync`). Both are unsafe: httpx still differs (above), and a thread
    runs the call concurrently with other tasks (a shared `requests.Session` is not
    guaranteed thread-safe).

    ## Known limitations
    A client reached through an attribute of unknown type (`self.http.get()` without an
    annotation) or returned by a helper the project index cannot type is not flagged.

    ## References
    - [HTTPX: Async support](https://www.python-httpx.org/async/)
    - [HTTPX: Requests compatibility](https://www.python-httpx.org/compatibility/)
    - [aiohttp client quickstart](https://docs.aiohttp.org/en/stable/client_quickstart.html)
    """

    code = "DBK102"
    message = (
        "Blocking HTTP call `{callee}()` in async function `{function}`; "
        "use `httpx.AsyncClient` or `aiohttp`: {delta}"
    )
    fix_title = "Run in a worker thread"
    fix_availability = FixAvailability.SOMETIMES
    applicability = Applicability.UNSAFE
    valid = [
        "import requests\n\ndef fetch(url):\n    return requests.get(url, timeout=5)\n",
        "import httpx\n\nasync def fetch(url):\n    async with httpx.AsyncClient() as client:\n        return await client.get(url)\n",
        "import asyncio, requests\n\nasync def fetch(url):\n    return await asyncio.to_thread(requests.get, url)\n",
        "async def fetch(cache, session, url):\n    session.get(url)\n    return cache.get(url)\n",
        "import requests\n\nasync def fetch(url):\n    def load():\n        return requests.get(url)\n    return load\n",
        "import requests\n\nasync def fetch(url):\n    a, b = requests.Session(), {}\n    a, b = b, a\n    return a.get(url)\n",
    ]
    invalid = [
        Invalid(
            "import requests\n\nasync def fetch(url):\n    return requests.get(url, timeout=5)\n",
            fixed="import httpx\n\nasync def fetch(url):\n    async with httpx.AsyncClient() as client:\n"
            "        return await client.get(url, timeout=5, follow_redirects=True)\n",
            line=4,
            message="Blocking HTTP call `requests.get()` in async function `fetch`; use `httpx.AsyncClient`",
        ),
        Invalid(
            "import requests\n\nasync def fetch(url):\n    return requests.get(url).json()\n",
            fixed="import requests\nimport asyncio\n\nasync def fetch(url):\n"
            "    return (await asyncio.to_thread(requests.get, url)).json()\n",
        ),
        Invalid(
            "import requests as r\n\nasync def push(url, data):\n    s = r.session()\n    s.post(url, json=data)\n",
            fixed="import requests as r\nimport asyncio\n\nasync def push(url, data):\n    s = r.session()\n    await asyncio.to_thread(s.post, url, json=data)\n",
            line=5,
            message="`requests.Session.post()`",
        ),
        Invalid(
            "import httpx\n\nasync def ping(url):\n    with httpx.Client() as client:\n        client.head(url)\n",
            fixed="import httpx\nimport asyncio\n\nasync def ping(url):\n    with httpx.Client() as client:\n        await asyncio.to_thread(client.head, url)\n",
            line=5,
        ),
        Invalid(
            "from urllib.request import urlopen\n\nasync def load(url):\n    urlopen(url)\n",
            fixed="from urllib.request import urlopen\nimport asyncio\n\nasync def load(url):\n    await asyncio.to_thread(urlopen, url)\n",
            message="does not follow redirects by default (urlopen does)",
        ),
        Invalid(
            "import urllib3\n\nasync def fetch(pool: urllib3.connectionpool.ConnectionPool):\n    return pool.urlopen('GET', '/')\n",
            fixed="import urllib3\nimport asyncio\n\nasync def fetch(pool: urllib3.connectionpool.ConnectionPool):\n"
            "    return await asyncio.to_thread(pool.urlopen, 'GET', '/')\n",
            line=4,
            message="`urllib3.connectionpool.ConnectionPool.urlopen()`",
        ),
    ]

    def check(self, facts: ModuleFacts, project: Project) -> Iterator[Finding]:
        yield from with_httpx_fixes(self, facts, project, family_findings(self, facts, project))
