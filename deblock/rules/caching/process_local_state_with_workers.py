from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import PurePosixPath

from deblock.analyzer.deployment import several_workers
from deblock.analyzer.facts.model import ModuleFacts
from deblock.analyzer.project import Project
from deblock.model import Finding, Severity
from deblock.rules._base import Invalid, Rule
from deblock.rules._context import is_low_priority_path
from deblock.rules.caching._state import (
    describe_reach,
    is_container,
    request_reach,
    writes_by_global,
)

_APP = "# file: app.py\nfrom flask import Flask\n\napp = Flask(__name__)\n_seen = {}\n\n"
_CONF = "# file: gunicorn.conf.py\nworkers = 4\n"


class ProcessLocalStateWithWorkers(Rule):
    """
    ## What it does
    Flags a module-level dict, list, set, `defaultdict`, `OrderedDict`, `deque` or
    `cachetools` cache that request handlers write (`_cache[k] = v`, `del _cache[k]`,
    `_cache.pop(k)`, `.append()`, `.clear()`...), in a project whose deployment files
    run it in several processes: `workers = ...` in `gunicorn.conf.py`, `gunicorn -w 4`
    or `uvicorn --workers 4` in a `Procfile`, `Dockerfile`, compose file or shell script,
    `uvicorn.run(..., workers=4)`, `WEB_CONCURRENCY=4`, or `replicas:`/`scale:` in compose
    files and Kubernetes manifests. The finding sits on the container's definition and
    lists every write, the handler behind it and the worker evidence.

    ## Why is this bad?
    Each worker process (and each instance behind the load balancer) has its own copy of
    module state. A cache filled by one worker is a miss in the others; a `pop()` or
    `clear()` meant to invalidate it only reaches the worker that served that request, so
    the others keep serving stale data; per-user data (sessions, rate limits, "recently
    viewed") is right only when the next request happens to land on the same process.

    ## Example
    ```python
    # file: app.py
    from flask import Flask

    app = Flask(__name__)
    _hits = {}

    @app.post("/hit/<user>")
    def hit(user):
        _hits[user] = _hits.get(user, 0) + 1
        return {"hits": _hits[user]}
    # file: gunicorn.conf.py
    workers = 4
    ```

    Use instead:
    ```python
    # file: app.py
    import redis
    from flask import Flask

    app = Flask(__name__)
    store = redis.Redis()

    @app.post("/hit/<user>")
    def hit(user):
        return {"hits": store.incr(f"hits:{user}")}
    # file: gunicorn.conf.py
    workers = 4
    ```

    ## Known limitations
    Silent without worker evidence: one process (`gunicorn` defaults to one worker)
    shares its state. Writes at import time (registries), from Celery tasks, management
    commands and code no request reaches are ignored, and so are containers built by
    comprehensions. An `lru_cache` holding per-user results is not flagged here. There is
    no automatic fix: the shared store, its keys and expiry are a design decision.

    ## References
    - [gunicorn: workers](https://docs.gunicorn.org/en/stable/settings.html#workers)
    - [Django: cache framework](https://docs.djangoproject.com/en/stable/topics/cache/)
    - [Flask-Caching](https://flask-caching.readthedocs.io/en/latest/)
    """

    code = "DBK406"
    message = ("Module-level `{name}` is process-local state, written on requests by {writes}; "
               "{evidence} runs several worker processes, each with its own copy: keep it in Redis "
               "or the framework's shared cache")
    scope = "project"
    valid = [
        _APP + "@app.get('/x')\ndef x(k):\n    _seen[k] = 1\n    return 'ok'\n",  # one process
        _APP + "@app.get('/x')\ndef x(k):\n    return _seen.get(k)\n\n_seen['a'] = 1\n" + _CONF,  # import time
        _APP + "def warm(k):\n    _seen[k] = 1\n\n@app.get('/x')\ndef x(k):\n    return 'ok'\n" + _CONF,
        _APP + "@app.get('/x')\ndef x(k):\n    _seen[k] = 1\n    return 'ok'\n# file: gunicorn.conf.py\nworkers = 1\n",
    ]
    invalid = [
        Invalid(_APP + "@app.get('/x')\ndef x(k):\n    _seen[k] = 1\n    return 'ok'\n" + _CONF,
                line=4, message="gunicorn.conf.py:1 (`workers = 4`)"),
        Invalid(_APP + "@app.post('/x')\ndef x(k):\n    helper(k)\n    return 'ok'\n\ndef helper(k):\n"
                "    _seen.pop(k, None)\n" + _CONF, line=4, message="via app.x -> app.helper"),
        Invalid(_APP + "import uvicorn\n\n@app.get('/x')\ndef x(k):\n    _seen.setdefault(k, []).append(1)\n"
                "    return 'ok'\n\nuvicorn.run(app, workers=3)\n", line=4, message="workers=3"),
    ]

    def check(self, facts: ModuleFacts, project: Project) -> Iterator[Finding]:
        containers = [a for a in facts.assigns if is_container(a)]
        if not containers:
            return
        writes = writes_by_global(project)
        for assign in containers:
            served = [(w, r) for w in writes.get(f"{facts.module}.{assign.name}", ())
                      if (r := request_reach(project, w.function)) is not None]
            if not served:
                continue
            evidence = several_workers(project, facts.path)
            if evidence is None:
                return  # the whole module is covered (or not) by the same evidence
            by_function: dict[str, list[str]] = {}
            for write, found in served:
                key = f"`{write.function.rpartition('.')[2]}` ({describe_reach(found)})"
                by_function.setdefault(key, []).append(f"{_where(write.path, facts.path)}:{write.span.line}")
            shown = "; ".join(f"{who} at {', '.join(lines)}" for who, lines in by_function.items())
            finding = self.finding(facts, assign.span, name=assign.name, writes=shown, evidence=evidence.render())
            if is_low_priority_path(facts.path):
                finding = replace(finding, severity=Severity.INFO)
            yield finding


def _where(path: str, here: str) -> str:
    """The write's file, shortened to its name when it is the definition's own file."""
    return PurePosixPath(path).name if path == here else path
