from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

from deblock.analyzer.facts.model import ModuleFacts
from deblock.analyzer.project import Project
from deblock.model import Finding, FixAvailability, Severity
from deblock.pooling_knowledge import last_names, session_calls
from deblock.rules._base import Invalid, Rule
from deblock.rules.pooling._built import written
from deblock.rules.pooling._hot import hot_context

_API = "import requests\nfrom fastapi import FastAPI\n\napp = FastAPI()\n\n\n"
_FACTORY = ("@functools.cache\ndef _http_session():\n"
            "    # One per process, built on first use (after any fork) and shared by every call.\n"
            "    return requests.Session()\n\n\n")


class HttpCallWithoutSession(Rule):
    """
    ## What it does
    Flags the module-level `requests` functions (`requests.get`, `post`, `put`, `patch`,
    `delete`, `head`, `options`, `request`) called on a request or task path, or in a loop.

    ## Why is this bad?
    Each of these functions builds a `Session`, sends one request and closes it: the
    connection to the host is never reused, so every call pays DNS, TCP and TLS again. A
    shared `Session` keeps the connection open (keep-alive) for the next call to that host.

    ## Example
    ```python
    import requests

    def prices(isbns):
        return [requests.get(f"https://feed.example/{i}", timeout=5).json() for i in isbns]
    ```

    Use instead:
    ```python
    import requests

    _session = requests.Session()

    def prices(isbns):
        return [_session.get(f"https://feed.example/{i}", timeout=5).json() for i in isbns]
    ```

    The exemptions of DBK301 apply: code that runs once per process, commands, scripts and
    tests are never flagged.

    ## Fix safety
    Unsafe. The call goes through a module-level `requests.Session` already in the module,
    or through a `functools.cache`d factory `_http_session()` that builds one per process on
    first use. A Session keeps cookies the server sets and sends them on later calls to that
    host, which one-off calls did not; a Session is not documented as thread-safe, though
    sending requests from several threads through one is common practice.

    ## References
    - [requests: Session objects](https://requests.readthedocs.io/en/latest/user/advanced/#session-objects)
    - [requests: keep-alive](https://requests.readthedocs.io/en/latest/user/advanced/#keep-alive)
    """

    code = "DBK304"
    message = "`{call}` in `{function}`{why} opens a new connection each time: send it through a shared `requests.Session`"
    fix_title = "Send it through a shared `requests.Session`"
    fix_availability = FixAvailability.ALWAYS
    severity = Severity.WARNING
    scope = "project"
    valid = [
        "import requests\n\nVERSION = requests.get('https://example.test/v', timeout=5).text\n",
        ("import requests\n\n\ndef main():\n    print(requests.get('https://example.test', timeout=5).text)\n\n\n"
        "if __name__ == '__main__':\n    main()\n"),
        _API + "_session = requests.Session()\n\n\n@app.get('/')\ndef index():\n"
        "    return _session.get('https://example.test', timeout=5).text\n",
    ]
    invalid = [
        Invalid(_API + "@app.get('/')\ndef index():\n    return requests.get('https://example.test', timeout=5).text\n",
                line=9, message="on every request to `GET /`",
                fixed=_API.replace("FastAPI\n", "FastAPI\nimport functools\n", 1) + _FACTORY
                + "@app.get('/')\ndef index():\n    return _http_session().get('https://example.test', timeout=5).text\n"),
        Invalid("import requests\n\nfeed = requests.Session()\n\n\ndef prices(isbns):\n"
                "    return [requests.request('GET', f'https://f.test/{i}', timeout=5) for i in isbns]\n",
                line=7, message="in a loop",
                fixed="import requests\n\nfeed = requests.Session()\n\n\ndef prices(isbns):\n"
                "    return [feed.request('GET', f'https://f.test/{i}', timeout=5) for i in isbns]\n"),
    ]

    def check(self, facts: ModuleFacts, project: Project) -> Iterator[Finding]:
        known = session_calls()
        shared = next((a.name for a in facts.assigns if a.value.kind == "call" and isinstance(a.value.value, str)
                       and (project.resolve(a.value.value) or a.value.value) in known.session_types), "")
        for call in project.calls_ending(facts, last_names(known.functions)):
            name = project.resolve(call.callee) or call.callee or ""
            hot = hot_context(project, facts, call) if name in known.functions else None
            if hot is None:
                continue
            fix = self.make_fix("shared_session", call.span, method=name.rpartition(".")[2], session=shared)
            finding = self.finding(facts, call.span, fix=fix, call=written(call),
                                   function=call.function.rpartition(".")[2], why=hot.why)
            yield replace(finding, severity=hot.severity)
