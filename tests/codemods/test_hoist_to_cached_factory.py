"""The hoist codemods: a per-call construction becomes a cached module-level factory
(`hoist_to_cached_factory`), a `requests.get(...)` goes through a shared Session
(`shared_session`)."""

from __future__ import annotations

import ast

from deblock.model import Applicability, Fix, Span
from deblock.testing import apply_fix, call_span

WHY = "    # One per process, built on first use (after any fork) and shared by every call.\n"


def last_call_span(source: str, callee: str) -> Span:
    calls = [n for n in ast.walk(ast.parse(source)) if isinstance(n, ast.Call) and ast.unparse(n.func) == callee]
    node = max(calls, key=lambda n: (n.lineno, n.col_offset))
    return Span(node.lineno, node.col_offset, node.end_lineno or node.lineno, node.end_col_offset or 0)


def hoist(source: str, callee: str, factory: str, params: str = "", fixed: str = "", *, last: bool = False) -> str:
    span = last_call_span(source, callee) if last else call_span(source, callee)
    fix = Fix("hoist_to_cached_factory", span, "hoist", Applicability.UNSAFE,
              (("factory", factory), ("fixed", fixed), ("params", params)))
    return apply_fix(source, fix)


def share(source: str, callee: str, method: str, session: str = "") -> str:
    fix = Fix("shared_session", call_span(source, callee), "share", Applicability.UNSAFE,
              (("method", method), ("session", session)))
    return apply_fix(source, fix)


def test_constant_arguments_stay_in_the_factory_and_comments_are_kept() -> None:
    source = ("import redis\nfrom django.conf import settings\n\n\n"
              "# Counts page views.\ndef hits(request):\n"
              "    client = redis.Redis(host=settings.REDIS_HOST, db=0)  # the counter\n    return client.incr('n')\n")
    assert hoist(source, "redis.Redis", "_redis", "url", "host,db") == (
        "import redis\nfrom django.conf import settings\nimport functools\n\n\n"
        "@functools.cache\ndef _redis():\n" + WHY + "    return redis.Redis(host=settings.REDIS_HOST, db=0)\n\n\n"
        "# Counts page views.\ndef hits(request):\n    client = _redis()  # the counter\n    return client.incr('n')\n"
    )


def test_changing_arguments_become_parameters_in_order() -> None:
    source = ("from sqlalchemy import create_engine\n\n\nclass Reports:\n"
              "    def engine(self, url, size):\n        return create_engine(url, pool_size=size, echo=False)\n")
    assert hoist(source, "create_engine", "_engine", "url", "echo") == (
        "from sqlalchemy import create_engine\nimport functools\n\n\n"
        "@functools.cache\ndef _engine_for(url, pool_size):\n" + WHY
        + "    return create_engine(url, pool_size=pool_size, echo=False)\n\n\n"
        "class Reports:\n    def engine(self, url, size):\n        return _engine_for(url, size)\n"
    )


def test_names_do_not_clash_and_identical_factories_are_reused() -> None:
    source = ("import requests\n\n_http_session = None\n\n\ndef a():\n    return requests.Session()\n\n\n"
              "def b():\n    return requests.Session()\n")
    once = hoist(source, "requests.Session", "_http_session")
    assert "def _http_session_2():" in once and "    return _http_session_2()\n" in once
    twice = hoist(once, "requests.Session", "_http_session", last=True)
    assert twice.count("@functools.cache") == 1
    assert twice.endswith("def b():\n    return _http_session_2()\n")


def test_shared_session_reuses_a_module_level_session() -> None:
    source = "import requests\n\nfeed = requests.Session()\n\n\ndef price(i):\n    return requests.get(f'https://f.test/{i}', timeout=5)\n"
    assert share(source, "requests.get", "get", "feed").endswith("    return feed.get(f'https://f.test/{i}', timeout=5)\n")


def test_shared_session_writes_one_factory_and_imports_requests() -> None:
    source = ("from requests import post\n\n\ndef notify(users):\n    for u in users:\n"
              "        post('https://n.test', json={'u': u}, timeout=5)\n")
    fixed = share(source, "post", "post")
    assert fixed == (
        "from requests import post\nimport functools\nimport requests\n\n\n"
        "@functools.cache\ndef _http_session():\n" + WHY + "    return requests.Session()\n\n\n"
        "def notify(users):\n    for u in users:\n        _http_session().post('https://n.test', json={'u': u}, timeout=5)\n"
    )
