from __future__ import annotations

from collections.abc import Iterator

from deblock.analyzer.facts.model import ModuleFacts
from deblock.analyzer.project import Project
from deblock.model import Finding, FixAvailability, Severity
from deblock.rules._base import Invalid, Rule
from deblock.rules.pooling._built import built_per_call

_VIEW = "import redis\nfrom django.conf import settings\nfrom django.http import JsonResponse\nfrom django.urls import path\n\n\n"
_URLS = "\n\nurlpatterns = [path('hits/', hits)]\n"
_FACTORY = ("@functools.cache\ndef {}:\n    # One per process, built on first use (after any fork) and shared by every call.\n"
            "    return {}\n\n\n")


class ConnectionBuiltPerCall(Rule):
    """
    ## What it does
    Flags a database or service client built inside a function that runs on every request
    or task, or in a loop: `redis.Redis(...)`/`from_url`, `pymongo.MongoClient`, `boto3.client`,
    `Elasticsearch`, and single DB-API connections (`psycopg2.connect`, `psycopg.connect`,
    `pymysql.connect`, `MySQLdb.connect`, `asyncpg.connect`). `sqlite3.connect` is not
    flagged: opening a local SQLite file per request is normal.

    ## Why is this bad?
    Each client owns a connection pool (and PyMongo monitor threads, boto3 credential
    resolution): building one per request pays a TCP and TLS handshake and authentication on
    every request, and clients that are never closed leak sockets. A DB-API connection per
    request does the same without any pool.

    ## Example
    ```python
    import redis
    from django.conf import settings
    from django.urls import path

    def hits(request, pk):
        counter = redis.Redis(host=settings.REDIS_HOST)
        return counter.incr(f"hits:{pk}")

    urlpatterns = [path("hits/<int:pk>/", hits)]
    ```

    Use instead:
    ```python
    import functools

    import redis
    from django.conf import settings
    from django.urls import path

    @functools.cache
    def _redis():
        return redis.Redis(host=settings.REDIS_HOST)

    def hits(request, pk):
        counter = _redis()
        return counter.incr(f"hits:{pk}")

    urlpatterns = [path("hits/<int:pk>/", hits)]
    ```

    A single DB-API connection is one transaction and is not safe to share between threads:
    for those the message advises a pool (`psycopg_pool.ConnectionPool`, a pooled SQLAlchemy
    engine, PgBouncer) instead of a fix. The exemptions of DBK301 apply (module level, app
    factories, worker and fork initialisers, cached factories, commands, scripts, tests).

    ## Fix safety
    Unsafe. Clients that own a pool (Redis, MongoDB, boto3 clients, Elasticsearch) move into
    a module-level `functools.cache`d factory, built on first use in each process, after any
    fork: a client built before a fork shares its sockets with the children. Code that closed
    the client after use, or changed it per call, behaves differently; async clients get
    advice (open one in the app's lifespan) rather than a fix.

    ## References
    - [redis-py: connection pools](https://redis.readthedocs.io/en/stable/connections.html#connectionpool)
    - [PyMongo: is PyMongo fork-safe?](https://pymongo.readthedocs.io/en/stable/faq.html#is-pymongo-fork-safe)
    - [boto3: clients and multithreading](https://boto3.amazonaws.com/v1/documentation/api/latest/guide/clients.html#multithreading-or-multiprocessing-with-clients)
    - [psycopg: connection pools](https://www.psycopg.org/psycopg3/docs/advanced/pool.html)
    """

    code = "DBK302"
    message = "{what} built by `{call}` in `{function}`{why}: {advice}"
    fix_title = "Build it once per process in a cached module-level factory"
    fix_availability = FixAvailability.SOMETIMES
    severity = Severity.WARNING
    scope = "project"
    valid = [
        _VIEW + "counter = redis.Redis(host=settings.REDIS_HOST)\n\n\n"
        "def hits(request):\n    return JsonResponse({'n': counter.incr('hits')})\n" + _URLS,
        "import sqlite3\nfrom django.http import JsonResponse\nfrom django.urls import path\n\n\n"
        "def hits(request):\n    with sqlite3.connect('hits.db') as db:\n"
        "        return JsonResponse({'n': db.execute('SELECT 1').fetchone()[0]})\n" + _URLS,
        ("import psycopg2\nfrom celery.signals import worker_process_init\n\n\n@worker_process_init.connect\n"
        "def init_worker(**kwargs):\n    global conn\n    conn = psycopg2.connect('dbname=app')\n"),
        "import pymongo\n\n\ndef post_fork(server, worker):\n    worker.mongo = pymongo.MongoClient()\n",
    ]
    invalid = [
        Invalid(_VIEW + "def hits(request):\n    counter = redis.Redis(host=settings.REDIS_HOST, port=6379)\n"
                "    return JsonResponse({'n': counter.incr('hits')})\n" + _URLS,
                line=8, message="on every request to `hits/`",
                fixed=_VIEW.replace("path\n", "path\nimport functools\n")
                + _FACTORY.format("_redis()", "redis.Redis(host=settings.REDIS_HOST, port=6379)")
                + "def hits(request):\n    counter = _redis()\n"
                "    return JsonResponse({'n': counter.incr('hits')})\n" + _URLS),
        Invalid("import psycopg2\nfrom django.http import JsonResponse\nfrom django.urls import path\n\n\n"
                "def hits(request):\n    conn = psycopg2.connect('dbname=app')\n"
                "    return JsonResponse({'n': conn.server_version})\n" + _URLS,
                line=7, message="psycopg2.pool.ThreadedConnectionPool"),
        Invalid("import boto3\n\n\ndef upload_all(paths, bucket):\n    for p in paths:\n"
                "        boto3.client('s3').upload_file(p, bucket, p)\n",
                line=6, message="in a loop",
                fixed="import boto3\nimport functools\n\n\n" + _FACTORY.format("_aws()", "boto3.client('s3')")
                + "def upload_all(paths, bucket):\n    for p in paths:\n        _aws().upload_file(p, bucket, p)\n"),
    ]

    def check(self, facts: ModuleFacts, project: Project) -> Iterator[Finding]:
        yield from built_per_call(self, facts, project, "connection")
