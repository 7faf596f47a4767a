"""Unit tests for the private matching helpers of DBK108 (`_primitives`) and DBK109 (`_db`)."""

from __future__ import annotations

import pytest

from deblock.analyzer.facts.model import ArgFact, CallFact
from deblock.knowledge import blocking_calls
from deblock.model import Span
from deblock.rules.blocking._db import normalise, twin, type_wide
from deblock.rules.blocking._primitives import does_not_block


def _call(*args: object, **keywords: object) -> CallFact:
    return CallFact(
        callee="x", text="x", function="m.f", in_async=True, awaited=False, loop_depth=0, loop_kind=None,
        offloaded=False, span=Span(1, 0, 1, 1),
        args=tuple(ArgFact("literal", a) if a is not ... else ArgFact("ref", "m.v") for a in args),
        keywords=tuple((k, ArgFact("literal", v)) for k, v in keywords.items()),
    )


@pytest.mark.parametrize(
    ("method", "call", "expected"),
    [
        ("acquire", _call(), False),
        ("acquire", _call(False), True),
        ("acquire", _call(blocking=False), True),
        ("acquire", _call(True, 0), True),
        ("acquire", _call(timeout=0.0), True),
        ("acquire", _call(timeout=2), False),
        ("acquire", _call(...), False),  # a variable: could be True
        ("get", _call(False), True),
        ("get", _call(block=True, timeout=1), False),
        ("put", _call("item", False), True),
        ("put", _call("item"), False),
        ("wait", _call(0), True),
        ("wait", _call(), False),
        ("shutdown", _call(wait=False), True),
        ("shutdown", _call(), False),
        ("join", _call(timeout=True), False),  # a bool is not a timeout
    ],
)
def test_does_not_block(method: str, call: CallFact, expected: bool) -> None:
    assert does_not_block(call, method) is expected


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("redis.StrictRedis.hget", "redis.Redis.hget"),
        ("redis.client.Redis.get", "redis.Redis.get"),
        ("pymongo.MongoClient.shop.orders.find_one", "pymongo.collection.Collection.find_one"),
        ("pymongo.mongo_client.MongoClient.shop.command", "pymongo.database.Database.command"),
        ("pymongo.database.Database.orders.insert_one", "pymongo.collection.Collection.insert_one"),
        ("pymongo.MongoClient.close", "pymongo.MongoClient.close"),
        ("pymongo.MongoClient.a.b.c.find_one", "pymongo.MongoClient.a.b.c.find_one"),  # dotted collection: left alone
        ("redis.asyncio.Redis.get", "redis.asyncio.Redis.get"),
    ],
)
def test_normalise(name: str, expected: str) -> None:
    assert normalise(name) == expected


def test_type_wide_rows() -> None:
    assert type_wide("redis.Redis.zincrby") is not None
    assert type_wide("redis.Redis.pipeline") is None
    assert type_wide("redis.asyncio.Redis.zincrby") is None
    assert type_wide("botocore.client.BaseClient.put_object") is not None
    assert type_wide("botocore.client.BaseClient.generate_presigned_url") is None
    assert type_wide("boto3.resources.base.ServiceResource.Table") is None
    assert type_wide("boto3.resources.base.ServiceResource.Table().query") is not None
    row = type_wide("redis.Redis.xadd")
    assert row is not None and row.code == "DBK109" and row.fallback == "to_thread"


def test_twins_and_catalogue() -> None:
    assert twin("sqlite3.Cursor.execute") == "aiosqlite"
    assert twin("psycopg.Connection.execute") == "psycopg.AsyncConnection"
    assert twin("botocore.client.BaseClient.get_object") == "aioboto3"
    table = blocking_calls()
    # sqlite3 objects refuse other threads; pymongo `find` blocks later: no worker-thread fix.
    assert table["sqlite3.Cursor.execute"].fallback == ""
    assert table["pymongo.collection.Collection.find"].fallback == ""
    assert table["threading.RLock.acquire"].fallback == ""
    assert table["threading.Lock.acquire"].fallback == "to_thread"
    assert "asyncio.Queue.get" not in table and "queue.Queue.get_nowait" not in table
