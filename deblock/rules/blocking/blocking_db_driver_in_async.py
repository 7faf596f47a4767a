from __future__ import annotations

from collections.abc import Iterator

from deblock.analyzer.facts.model import ModuleFacts
from deblock.analyzer.project import Project
from deblock.model import Applicability, Finding, FixAvailability
from deblock.rules._base import Invalid, Rule
from deblock.rules.blocking._db import driver_calls
from deblock.rules.blocking._matching import fix_for, short_name


class BlockingDbDriverInAsync(Rule):
    """
    ## What it does
    Flags calls into sync database and cache drivers on the event loop: `sqlite3`,
    `psycopg2`, psycopg 3's sync `psycopg.Connection`, `pymysql`, `MySQLdb`, sync
    `redis.Redis` clients, `pymongo.MongoClient` and `boto3` clients and resources.
    Connections, cursors and clients are followed from their constructor
    (`conn = sqlite3.connect(p)`, `r = redis.from_url(u)`, `s3 = boto3.client("s3")`)
    or an annotation, so `conn.execute()` and `cur.fetchall()` are recognised.

    ## Why is this bad?
    Every query is a network or disk round trip that holds the event loop thread until
    the server answers; one slow query stalls every request in the process. Each
    driver has an async twin: aiosqlite, `psycopg.AsyncConnection` or asyncpg,
    aiomysql/asyncmy, `redis.asyncio.Redis`, `pymongo.AsyncMongoClient` (or motor) and
    aioboto3.

    ## Example
    ```python
    import redis

    cache = redis.Redis()

    async def get_user(key):
        return cache.get(key)
    ```

    Use instead:
    ```python
    import redis.asyncio

    cache = redis.asyncio.Redis()

    async def get_user(key):
        return await cache.get(key)
    ```

    ## Fix safety
    Where it is meaningful, the fix runs the call in a worker thread with
    `await asyncio.to_thread(...)` (anyio/trio per `async-library`). It is unsafe: the
    connection is then used from several threads, and a cancelled task does not cancel
    the query. No fix is offered for sqlite3 (its objects refuse use from another
    thread) or for pymongo `find()` (the cursor blocks later, while iterated). The
    constructor swap to the async client is left to you: it changes every call site.

    ## Known limitations
    pymongo collections reached by subscript (`client["db"]["users"]`) do not resolve
    and are not flagged; attribute chains (`client.db.users.find_one()`) are. Result
    fetches of pymysql/MySQLdb/psycopg2 default cursors read a buffer filled by
    `execute()` and are not flagged. A redis or boto3 method is assumed to do I/O unless
    it is a known local helper (`pipeline()`, `get_paginator()`, ...).

    ## References
    - [redis-py asyncio](https://redis.readthedocs.io/en/stable/examples/asyncio_examples.html)
    - [aiosqlite](https://aiosqlite.omnilib.dev/)
    - [psycopg 3 async](https://www.psycopg.org/psycopg3/docs/advanced/async.html)
    """

    code = "DBK109"
    message = "Blocking database call `{callee}` in async function `{function}`; use {twin}"
    fix_title = "Run in a worker thread with `await asyncio.to_thread(...)`"
    fix_availability = FixAvailability.SOMETIMES
    applicability = Applicability.UNSAFE
    valid = [
        "import sqlite3\n\ndef load(path):\n    return sqlite3.connect(path).execute('select 1').fetchall()\n",
        "import redis.asyncio as redis\n\nr = redis.Redis()\n\nasync def hit(key):\n    return await r.incr(key)\n",
        "import redis\n\nr = redis.Redis()\n\nasync def batch():\n    pipe = r.pipeline()\n    pipe.set('a', 1)\n",
        "async def lookup(d, key):\n    return d.get(key)\n",
        "import asyncio, sqlite3\n\nasync def load(path):\n    return await asyncio.to_thread(lambda: sqlite3.connect(path).execute('x'))\n",
    ]
    invalid = [
        Invalid(
            "import sqlite3 as db\n\nasync def count(path):\n    conn = db.connect(path)\n"
            "    return conn.execute('select count(*) from t').fetchone()\n",
            line=4,
            message="Blocking database call `sqlite3.connect` in async function `count`; use aiosqlite",
        ),
        Invalid(
            "import redis\n\ncache = redis.from_url('redis://localhost')\n\nasync def seen(key):\n"
            "    return cache.sismember('seen', key)\n",
            fixed="import redis\nimport asyncio\n\ncache = redis.from_url('redis://localhost')\n\nasync def seen(key):\n"
            "    return await asyncio.to_thread(cache.sismember, 'seen', key)\n",
            line=6,
            message="use redis.asyncio.Redis",
        ),
        Invalid(
            "import pymongo\n\nclient = pymongo.MongoClient()\n\nasync def user(uid):\n"
            "    return client.app.users.find_one({'_id': uid})\n",
            fixed="import pymongo\nimport asyncio\n\nclient = pymongo.MongoClient()\n\nasync def user(uid):\n"
            "    return await asyncio.to_thread(client.app.users.find_one, {'_id': uid})\n",
            message="`pymongo.collection.Collection.find_one`",
        ),
        Invalid(
            "import boto3\n\ns3 = boto3.client('s3')\n\nasync def fetch(key):\n"
            "    return s3.get_object(Bucket='b', Key=key)\n",
            fixed="import boto3\nimport asyncio\n\ns3 = boto3.client('s3')\n\nasync def fetch(key):\n"
            "    return await asyncio.to_thread(s3.get_object, Bucket='b', Key=key)\n",
            message="use aioboto3",
        ),
    ]

    def check(self, facts: ModuleFacts, project: Project) -> Iterator[Finding]:
        library = project.async_library(facts)
        for call, entry, twin in driver_calls(facts, project):
            yield self.finding(facts, call.span, fix=fix_for(self, call, entry, library),
                               callee=entry.match, function=short_name(call.function), twin=twin)
