from __future__ import annotations

from collections.abc import Iterator

from deblock.analyzer.facts.model import FunctionFact, ModuleFacts
from deblock.analyzer.frameworks import EntryPoint
from deblock.analyzer.project import Project
from deblock.analyzer.reach import is_low_priority_path
from deblock.analyzer.writes import writes_in
from deblock.hot_read_knowledge import hot_reads, normalise
from deblock.model import Finding, Severity, Span
from deblock.rules._base import Rule
from deblock.rules.caching._hot import decides_headers, per_user, serving_cacheable

_F = "import requests\nfrom flask import Flask, jsonify, redirect\napp = Flask(__name__)\n"
_RATES = "requests.get('https://rates.example/eur').json()"
_ADVICE = {
    "django": "decorate it with `@cache_control(max_age=...)`, `@condition(etag_func=...)` or `@cache_page(...)`",
    "flask": "set `response.headers[\"Cache-Control\"]` (or add them in an `@app.after_request` hook)",
    "quart": "set `response.headers[\"Cache-Control\"]` (or add them in an `@app.after_request` hook)",
    "fastapi": "take a `response: Response` parameter and set `response.headers[\"Cache-Control\"]`",
}


class GetWithoutCacheHeaders(Rule):
    """
    ## What it does
    Flags GET endpoints (Django function views and class-based views' `get`, Flask and
    Quart routes, FastAPI `get` routes) that serve cacheable data, a read DBK401 reports (a
    query, outbound HTTP GET or expensive call with constant inputs), but send no
    `Cache-Control`, `ETag` or `Last-Modified` header and use no caching decorator.

    ## Why is this bad?
    Without caching headers no browser, CDN or reverse proxy (nginx, Varnish) may reuse
    the response, so every client request reaches the application. A `max-age` of a few
    seconds on a hot public endpoint, or an `ETag` that lets clients revalidate cheaply,
    takes most of that load off the workers.

    ## Example
    ```python
    import requests
    from flask import Flask, jsonify
    app = Flask(__name__)
    @app.get("/rates")
    def rates():
        return jsonify(requests.get("https://rates.example/eur").json())
    ```
    Use instead:
    ```python
    import requests
    from flask import Flask, jsonify
    app = Flask(__name__)
    @app.get("/rates")
    def rates():
        response = jsonify(requests.get("https://rates.example/eur").json())
        response.headers["Cache-Control"] = "public, max-age=60"
        return response
    ```

    ## Known limitations
    A suggestion (INFO): whether a response may be cached is a product decision. Views
    that depend on the user (`login_required`, reads of `request.user` or the session),
    redirects, streamed and file responses, the admin and DRF viewsets (which have their
    own caching) are left alone, as are routes whose decorator deblock cannot resolve.
    Headers added by middleware or an `after_request` hook on the whole app are not seen.

    ## References
    - [Django: controlling cache using other headers](https://docs.djangoproject.com/en/5.2/topics/cache/#controlling-cache-using-other-headers)
    - [MDN: Cache-Control](https://developer.mozilla.org/en-US/docs/Web/HTTP/Headers/Cache-Control)
    """

    code = "DBK403"
    message = "GET `{url}` returns data without `Cache-Control`, `ETag` or `Last-Modified`: {advice}"
    scope = "project"
    severity = Severity.INFO
    valid = [
        _F + "@app.get('/a')\ndef a():\n    r = jsonify(" + _RATES + ")\n    r.headers['Cache-Control'] = 'max-age=60'\n"
        "    return r\n",
        _F + "@app.get('/a')\ndef a():\n    " + _RATES + "\n    return redirect('/b')\n",
        _F + "@app.post('/a')\ndef a():\n    return jsonify(" + _RATES + ")\n",
        _F + "@app.get('/a')\ndef a():\n    return jsonify(x=1)\n",  # nothing to cache: a constant
        "from django.views.decorators.cache import cache_control\n@cache_control(max_age=60)\n"
        "def v(request):\n    return 1\n# file: urls.py\nfrom django.urls import path\nimport example\n"
        "urlpatterns = [path('v/', example.v)]\n",
    ]
    invalid = [
        _F + "@app.get('/a')\ndef a():\n    return jsonify(" + _RATES + ")\n",
        "import httpx\nfrom fastapi import FastAPI\napp = FastAPI()\n@app.get('/items')\ndef items() -> list:\n"
        "    return httpx.get('https://catalog.example/items').json()\n",
    ]

    def check(self, facts: ModuleFacts, project: Project) -> Iterator[Finding]:
        for fn in facts.functions:
            entry = _get_entry(project, fn)
            if entry is None or entry.qualname not in serving_cacheable(project) or \
                    decides_headers(project, fn.qualname) or \
                    (fn.class_qualname and decides_headers(project, entry.qualname)) or \
                    per_user(project, facts, fn.qualname) or _skipped_response(project, facts, fn):
                continue
            line = next((d.span.end_line + 1 for d in fn.decorators[-1:] if d.span), fn.span.line)
            span = Span(line, fn.span.col, line, fn.span.col + len(fn.name) + (10 if fn.is_async else 4))
            yield self.finding(facts, span, url=entry.url or fn.name, advice=_ADVICE[entry.framework])


def _get_entry(project: Project, fn: FunctionFact) -> EntryPoint | None:
    """The GET route or view `fn` serves (a class-based view's `get`)."""
    if fn.class_qualname is not None:
        entry = project.entry_points.get(fn.class_qualname)
        if entry is None or fn.name != "get" or entry.framework != "django":
            return None
    else:
        entry = project.entry_points.get(fn.qualname)
    if entry is None or entry.kind not in ("route", "view") or entry.framework not in _ADVICE or \
            is_low_priority_path(entry.path) or "admin" in entry.path.split("/"):
        return None
    if entry.methods:
        return entry if "GET" in entry.methods else None
    read_view = entry.framework == "django" and not writes_in(project, fn.qualname)
    return entry if read_view or fn.class_qualname else None


def _skipped_response(project: Project, facts: ModuleFacts, fn: FunctionFact) -> bool:
    """Redirects, streams and files: not data to cache."""
    skip = hot_reads().skip_responses
    returned = normalise(project.resolve(fn.returned) or fn.returned).removesuffix("()")
    if returned in skip or fn.is_generator:
        return True
    return any(normalise(project.resolve(c.callee) or c.callee) in skip
               for c in facts.calls if c.function == fn.qualname)
