"""Matching for DBK109 (sync database drivers) beyond exact catalogue names.

The catalogue (`deblock/data/blocking/db_drivers.toml`) lists named calls, which is
also what DBK120 follows transitively. Some clients are better matched as a whole
type, because their API is open-ended:

* redis: every command is a method of `redis.Redis` (hundreds, plus modules), so any
  method of a sync client is a round trip except a short list of local helpers;
* boto3: client methods are generated from service models (`s3.get_object`), so any
  method of a `boto3.client(...)` is an API call except the local helpers; a
  resource's sub-resource actions (`dynamodb.Table("t").get_item`) likewise;
* pymongo: `client.db.coll.find_one()` resolves as the attribute chain
  `pymongo.MongoClient.db.coll.find_one`; database and collection names are arbitrary
  attributes, so the chain is normalised to `pymongo.collection.Collection.find_one`.
  Subscripts (`client["db"]["coll"]`) do not resolve in the facts and stay silent.
"""

from __future__ import annotations

from collections.abc import Iterator

from deblock.analyzer.facts.model import CallFact, ModuleFacts
from deblock.analyzer.project import Project
from deblock.knowledge import BlockingCall, blocking_calls
from deblock.model import Applicability
from deblock.rules.blocking._matching import loop_calls

CODE = "DBK109"
_REDIS_TYPES = ("redis.Redis", "redis.StrictRedis", "redis.client.Redis", "redis.client.StrictRedis",
                "redis.RedisCluster", "redis.cluster.RedisCluster")
# Methods of a redis client that build objects or read local state: no round trip.
_REDIS_LOCAL = frozenset({
    "pipeline", "pubsub", "lock", "register_script", "get_encoder", "get_connection_kwargs",
    "set_response_callback", "from_url", "from_pool", "get_retry", "set_retry", "close",
    "load_external_module", "json", "ft", "ts", "bf", "cf", "cms", "topk", "tdigest", "graph",
    "monitor", "transaction_context",
})
_MONGO_CLIENTS = ("pymongo.MongoClient", "pymongo.mongo_client.MongoClient")
_MONGO_DATABASE = "pymongo.database.Database"
_MONGO_COLLECTION = "pymongo.collection.Collection"
_BOTO_CLIENT = "botocore.client.BaseClient"
_BOTO_RESOURCE = "boto3.resources.base.ServiceResource"
_BOTO_LOCAL = frozenset({"get_paginator", "get_waiter", "can_paginate", "generate_presigned_url",
                         "generate_presigned_post", "close", "get_available_subresources",
                         "all", "filter", "limit", "page_size"})  # lazy resource collections
_TWINS = (
    ("sqlite3.", "aiosqlite"), ("psycopg2.", "psycopg.AsyncConnection or asyncpg"),
    ("psycopg.", "psycopg.AsyncConnection"), ("pymysql.", "aiomysql or asyncmy"),
    ("MySQLdb.", "aiomysql or asyncmy"), ("redis.", "redis.asyncio.Redis"),
    ("pymongo.", "pymongo.AsyncMongoClient (or motor)"), ("botocore.", "aioboto3"), ("boto3.", "aioboto3"),
)
_SOURCES = {
    "redis": "https://redis.readthedocs.io/en/stable/commands.html",
    "boto": "https://boto3.amazonaws.com/v1/documentation/api/latest/guide/clients.html",
}


def twin(name: str) -> str:
    return next((t for prefix, t in _TWINS if name.startswith(prefix)), "an async driver")


def _row(match: str, kind: str, delta: str) -> BlockingCall:
    return BlockingCall(match, CODE, (), False, Applicability.UNSAFE, delta, (), "to_thread", _SOURCES[kind])


def normalise(name: str) -> str:
    """`redis.StrictRedis.hget` -> `redis.Redis.hget`; pymongo attribute chains to their type."""
    for redis_type in _REDIS_TYPES:
        if name.startswith(redis_type + "."):
            return "redis.Redis" + name[len(redis_type):]
    for client in _MONGO_CLIENTS:
        if name.startswith(client + "."):
            rest = name[len(client) + 1:].split(".")
            if len(rest) == 3 and "()" not in name:  # client.<db>.<collection>.<op>
                return f"{_MONGO_COLLECTION}.{rest[2]}"
            if len(rest) == 2 and "()" not in name:  # client.<db>.<op>
                return f"{_MONGO_DATABASE}.{rest[1]}"
            return "pymongo.MongoClient." + ".".join(rest)
    if name.startswith(_MONGO_DATABASE + "."):
        rest = name[len(_MONGO_DATABASE) + 1:].split(".")
        if len(rest) == 2 and "()" not in name:  # db.<collection>.<op>
            return f"{_MONGO_COLLECTION}.{rest[1]}"
    return name


def type_wide(name: str) -> BlockingCall | None:
    """A synthetic row for a method of a whole client type (see the module docstring)."""
    owner, _, method = name.rpartition(".")
    if owner == "redis.Redis" and method not in _REDIS_LOCAL and not method.startswith("_"):
        return _row(name, "redis", "runs the command in a worker thread; redis.asyncio.Redis is the async twin")
    boto_delta = "runs the API call in a worker thread; aioboto3 is the async twin"
    if owner == _BOTO_CLIENT and method not in _BOTO_LOCAL and not method.startswith("_"):
        return _row(name, "boto", boto_delta)
    if name.startswith(_BOTO_RESOURCE + ".") and method[:1].islower() and method not in _BOTO_LOCAL:
        # `resource.Table("t").get_item`: an action on a sub-resource; `resource.create_table`.
        return _row(name, "boto", boto_delta)
    return None


def driver_calls(facts: ModuleFacts, project: Project) -> Iterator[tuple[CallFact, BlockingCall, str]]:
    """(call, catalogue or type-wide row, async twin) for each sync driver call on the loop."""
    catalogue = blocking_calls()
    for call in loop_calls(facts, project):
        if call.awaited or call.callee is None:
            continue
        resolved = project.resolve(call.callee) or call.callee
        name = normalise(resolved)
        if name != resolved and "()" in name:  # `StrictRedis.pipeline().execute`: resolve the return now
            name = normalise(project.resolve(name) or name)
        entry = catalogue.get(name)
        if entry is not None and entry.code != CODE:
            continue
        entry = entry or type_wide(name)
        if entry is not None:
            yield call, entry, twin(name)
