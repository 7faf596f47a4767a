"""Where the DBK3xx rules fire and where they must stay silent: hot paths, and the code
that runs once per process (module level, `__main__`, app factories, worker and fork
initialisers, cached factories, lifespans, commands, scripts, tests)."""

from __future__ import annotations

import pytest

from deblock.model import Severity
from deblock.pooling_knowledge import constructors, exemptions, pool_settings, session_calls
from deblock.testing import example_settings, run_example


def findings(code: str, source: str) -> list[tuple[int, str, Severity]]:
    return [(f.span.line, f.message, f.severity) for f in run_example(source, example_settings(code))]


FLASK = "from flask import Flask\nimport redis\n\napp = Flask(__name__)\n\n\n"
ROUTE = "@app.get('/')\ndef index():\n    return str(helper())\n\n\n"
HELPER = "def helper():\n    return redis.Redis(host='cache').ping()\n"


def test_fires_through_a_chain_and_names_it() -> None:
    [(line, message, severity)] = findings("DBK302", FLASK + ROUTE + HELPER)
    assert line == 13
    assert "on every request to `GET /` through `example.index -> example.helper`" in message
    assert severity is Severity.WARNING


@pytest.mark.parametrize(
    "source",
    [
        pytest.param(FLASK + "client = redis.Redis(host='cache')\n", id="module-level"),
        pytest.param(FLASK + "if __name__ == '__main__':\n    redis.Redis(host='cache').ping()\n", id="main-block"),
        pytest.param(FLASK + HELPER + "\n\nhelper()\n", id="called-from-module-level"),
        pytest.param(FLASK + "def create_app():\n    app.redis = redis.Redis(host='cache')\n    return app\n",
                     id="app-factory"),
        pytest.param(FLASK + "from celery.signals import worker_process_init\n\n\n@worker_process_init.connect\n"
                     "def init(**kwargs):\n    app.redis = redis.Redis(host='cache')\n", id="celery-worker-init"),
        pytest.param(FLASK + "from celery.signals import worker_process_init\n\n\n"
                     "def init(**kwargs):\n    app.redis = redis.Redis(host='cache')\n\n\n"
                     "worker_process_init.connect(init)\n", id="celery-worker-init-connect-call"),
        pytest.param(FLASK + "import multiprocessing\n\n\ndef init():\n    app.redis = redis.Redis(host='cache')\n\n\n"
                     "def pool():\n    return multiprocessing.Pool(2, initializer=init)\n", id="multiprocessing-initializer"),
        pytest.param(FLASK + "import functools\n\n\n@functools.lru_cache(maxsize=None)\ndef helper():\n"
                     "    return redis.Redis(host='cache')\n\n\n" + ROUTE, id="cached-factory-on-request-path"),
        pytest.param(FLASK + "@app.before_serving\ndef start():\n    app.redis = redis.Redis(host='cache')\n",
                     id="flask-before-serving"),
        pytest.param(FLASK + "def helper():\n    return 1\n\n\n" + ROUTE, id="nothing-built"),
    ],
)
def test_code_that_runs_once_is_silent(source: str) -> None:
    assert findings("DBK302", source) == []


def test_flask_request_hook_fires() -> None:
    source = FLASK + "@app.before_request\ndef open_cache():\n    app.redis = redis.Redis(host='cache')\n"
    [(_, message, _)] = findings("DBK302", source)
    assert "in the flask request hook `example.open_cache`" in message


def test_fastapi_startup_event_is_silent_and_middleware_fires() -> None:
    head = "import httpx\nfrom fastapi import FastAPI\n\napp = FastAPI()\n\n\n"
    startup = head + "@app.on_event('startup')\nasync def start():\n    app.state.http = httpx.AsyncClient()\n"
    middleware = head + ("@app.middleware('http')\nasync def tag(request, call_next):\n"
                         "    async with httpx.AsyncClient() as client:\n        await client.get('https://x.test')\n"
                         "    return await call_next(request)\n")
    assert findings("DBK303", startup) == []
    [(line, message, _)] = findings("DBK303", middleware)
    assert line == 9 and "request hook `example.tag`" in message


def test_gunicorn_post_fork_is_silent_but_the_same_code_elsewhere_is_not() -> None:
    post_fork = "import pymongo\n\n\ndef post_fork(server, worker):\n    for _ in range(2):\n        worker.db = pymongo.MongoClient()\n"
    assert findings("DBK302", "# file: gunicorn.conf.py\n" + post_fork) == []
    [(_, message, severity)] = findings("DBK302", "# file: app/hooks.py\n" + post_fork)
    assert "in a loop" in message and severity is Severity.INFO


@pytest.mark.parametrize("path", ["app/management/commands/sync.py", "scripts/sync.py", "tests/test_sync.py"])
def test_commands_scripts_and_tests_are_silent(path: str) -> None:
    source = f"# file: {path}\nimport requests\n\n\ndef sync(urls):\n    for url in urls:\n        requests.get(url, timeout=5)\n"
    assert findings("DBK304", source) == []


def test_django_async_view_on_one_loop_fires_for_an_async_client() -> None:
    source = ("# file: app/views.py\nimport httpx\nfrom django.http import JsonResponse\nfrom django.urls import path\n\n\n"
              "async def ping(request):\n    async with httpx.AsyncClient() as client:\n"
              "        return JsonResponse({'s': (await client.get('https://x.test')).status_code})\n\n\n"
              "urlpatterns = [path('ping/', ping)]\n")
    [(line, message, _)] = findings("DBK303", source)
    assert line == 7 and "lifespan" in message


def test_async_client_in_a_sync_task_is_silent() -> None:
    source = ("import asyncio\n\nimport httpx\nfrom celery import shared_task\n\n\n"
              "async def _fetch(url):\n    async with httpx.AsyncClient() as client:\n        return (await client.get(url)).text\n\n\n"
              "@shared_task\ndef fetch(url):\n    return asyncio.run(_fetch(url))\n")
    assert findings("DBK303", source) == []


def test_redis_on_a_shared_pool_is_silent() -> None:
    source = FLASK.replace("\n\napp", "\n\nPOOL = redis.ConnectionPool(host='cache')\napp") + (
        "@app.get('/')\ndef index():\n    return str(redis.Redis(connection_pool=POOL).ping())\n")
    assert findings("DBK302", source) == []


def test_sqlite3_connect_per_request_is_silent() -> None:
    source = FLASK.replace("import redis", "import sqlite3") + (
        "@app.get('/')\ndef index():\n    return str(sqlite3.connect('app.db').execute('SELECT 1').fetchone())\n")
    assert findings("DBK302", source) == []


def test_session_call_in_an_entry_class_method() -> None:
    source = ("import requests\nfrom flask import Flask\nfrom flask.views import MethodView\n\napp = Flask(__name__)\n\n\n"
              "class Items(MethodView):\n    def get(self):\n        return requests.get('https://x.test', timeout=5).text\n\n\n"
              "app.add_url_rule('/items', view_func=Items.as_view('items'))\n")
    [(line, _, _)] = findings("DBK304", source)
    assert line == 10


def test_knowledge_tables_load_and_have_sources() -> None:
    table = constructors()
    assert "sqlite3.connect" not in table
    assert table["redis.Redis"].kind == "connection" and table["redis.Redis"].hoist
    assert not table["psycopg2.connect"].hoist and table["psycopg2.connect"].advice
    assert table["httpx.AsyncClient"].is_async and "transport" in table["httpx.AsyncClient"].shared_pool
    assert all(c.source.startswith("https://") for c in table.values())
    assert "requests.get" in session_calls().functions
    assert "django.db.backends.sqlite3" not in pool_settings().network_backends
    assert "post_fork" in exemptions().gunicorn_hooks
