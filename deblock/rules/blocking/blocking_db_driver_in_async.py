from __future__ import annotations

from collections.abc import Iterator

from deblock.analyzer.facts.model import ModuleFacts
from deblock.analyzer.project import Project
from deblock.model import Applicability, Finding, FixAvailability
from deblock.rules._base import Invalid, Rule
from deblock.rules.blocking._db import driver_calls
from deblock.rules.blocking._db_swap import swap_fix
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
    A redis client bound once (module-level name, local, or `self.x`) whose every use,
    project-wide, is inside `async def`s is swapped: `redis.Redis(...)`/`from_url(...)`
    becomes `redis.asyncio.Redis(...)`/`redis.asyncio.from_url(...)`, each command is
    awaited, `close()` becomes `await aclose()` (redis>=5.0.1), pipelines queue without
    await (`await pipe.execute()`, `async with r.pipeline()`). It is unsafe: the
    connection pool then belongs to one event loop. Otherwise (a sync user, trio/anyio)
    the call runs in a worker thread with `await asyncio.to_thread(...)` (anyio/trio per
    `async-library`), also unsafe: the connection is used from several threads and a
    cancelled task does not cancel the query; the message says why there is no swap. No
    fix for sqlite3 (its objects refuse other threads) or pymongo `find()` (the cursor
    blocks while iterated); their swaps to aiosqlite and `AsyncMongoClient` are not
    exact enough to automate.

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
    message = "Blocking database call `{callee}` in async function `{function}`; use {twin}{why}"
    swap_title = "Swap `{name}` to `{twin}` and await its commands (pool bound to one event loop)"
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
            fixed="import redis\nimport redis.asyncio\n\ncache = redis.asyncio.from_url('redis://localhost')\n\n"
            "async def seen(key):\n    return await cache.sismember('seen', key)\n",
            line=6, message="use redis.asyncio.Redis",
        ),
        Invalid(
            "import redis\n\nasync def hit(key):\n    r = redis.StrictRedis(decode_responses=True)\n"
            "    with r.pipeline() as pipe:\n        pipe.incr(key).expire(key, 60)\n        pipe.execute()\n"
            "    return r.get(key).upper()\n",
            fixed="import redis\nimport redis.asyncio\n\nasync def hit(key):\n    r = redis.asyncio.Redis(decode_responses=True)\n"
            "    async with r.pipeline() as pipe:\n        pipe.incr(key).expire(key, 60)\n        await pipe.execute()\n"
            "    return (await r.get(key)).upper()\n",
        ),
        Invalid(
            "import redis\n\nclass Store:\n    def __init__(self, url):\n        self.r = redis.Redis.from_url(url)\n\n"
            "    async def get(self, k):\n        return self.r.get(k)\n\n    async def close(self):\n        self.r.close()\n",
            fixed="import redis\nimport redis.asyncio\n\nclass Store:\n    def __init__(self, url):\n"
            "        self.r = redis.asyncio.Redis.from_url(url)\n\n    async def get(self, k):\n        return await self.r.get(k)\n\n"
            "    async def close(self):\n        await self.r.aclose()\n",
        ),
        Invalid(
            "import redis\n\nr = redis.Redis()\n\ndef count():\n    return r.dbsize()\n\nasync def hit(key):\n    r.incr(key)\n",
            fixed="import redis\nimport asyncio\n\nr = redis.Redis()\n\ndef count():\n    return r.dbsize()\n\n"
            "async def hit(key):\n    await asyncio.to_thread(r.incr, key)\n",
            message="no swap to `redis.asyncio.Redis`: `r` is also used by sync code (`count`)",
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
            fix, why = swap_fix(call, facts, project, library, self.swap_title)
            yield self.finding(facts, call.span, fix=fix or fix_for(self, call, entry, library), why=why,
                               callee=entry.match, function=short_name(call.function), twin=twin)
