from __future__ import annotations

from collections.abc import Iterator

from deblock.analyzer.facts.model import ArgFact, CallFact, ModuleFacts
from deblock.analyzer.project import Project
from deblock.caching_knowledge import RedisWrite, cache_write_names
from deblock.model import Finding, FixAvailability
from deblock.rules._base import Invalid, Rule
from deblock.rules.caching._state import container_kind, redis_write

_R = "import redis\n\nr = redis.Redis()\n\n"
_FIXABLE = ("dict", "list")  # json.dumps of a set raises TypeError, and a tuple comes back a list


class RedisValueNotSerialised(Rule):
    """
    ## What it does
    Flags a redis-py write (`set`, `setex`, `hset`, `lpush`, `sadd`, `publish`, `mset`, and
    the like on `redis.Redis`, `redis.StrictRedis`, `redis.asyncio.Redis`, a pipeline, or a client
    from `redis.from_url`) whose value is a dict, list, tuple or set: a display, a name
    annotated `dict`/`list`/`set`, or a module-level container.
    `hset(mapping=...)`/`mset({...})` are flagged when a value inside the mapping is one.

    ## Why is this bad?
    Redis stores strings. redis-py 3.0 and later accept only bytes, str, int and float
    and raise `redis.exceptions.DataError: Invalid input of type: 'dict'` for anything
    else, so the write fails on the first request that reaches it (redis-py 2 silently
    stored `str(value)`, which no reader could parse back).

    ## Example
    ```python
    import redis

    r = redis.Redis()

    def remember(user_id, prefs):
        r.set(f"prefs:{user_id}", {"theme": prefs.theme}, ex=3600)
    ```

    Use instead:
    ```python
    import json

    import redis

    r = redis.Redis()

    def remember(user_id, prefs):
        r.set(f"prefs:{user_id}", json.dumps({"theme": prefs.theme}), ex=3600)
    ```

    Readers then need `json.loads(r.get(key))`.

    ## Known limitations
    An unannotated local bound to a display (`data = {...}; r.set(k, data)`) and a
    comprehension passed directly are not recognised yet: the facts do not type them.

    ## Fix safety
    Wraps a dict or list value in `json.dumps(...)` and adds `import json`. Unsafe: every
    reader of the key must now `json.loads` it, and values that are not JSON (datetimes,
    decimals, model instances) raise `TypeError`. Sets, tuples, values inside a mapping and
    the members of `lpush`/`rpush`/`sadd` (where unpacking may be what was meant) get
    advice only.

    ## References
    - [redis-py: encoding of user input (3.0)](https://github.com/redis/redis-py/blob/master/CHANGES)
    - [redis-py issue #1542: hset with a dict value](https://github.com/redis/redis-py/issues/1542)
    - [redis-py commands](https://redis.readthedocs.io/en/stable/commands.html)
    """

    code = "DBK404"
    message = ("`{call}` sends a {kind} as a redis value{where}: redis-py accepts only bytes, str, int "
               "and float and raises `DataError`; serialise it (`json.dumps(...)`, and `json.loads(...)` "
               "where the key is read)")
    fix_title = "Wrap the value in `json.dumps(...)`"
    fix_availability = FixAvailability.SOMETIMES
    scope = "project"
    valid = [
        _R + "def f(uid, prefs):\n    r.set(f'p:{uid}', json.dumps(prefs), ex=60)\n",
        _R + "def f(uid):\n    r.hset('h', mapping={'a': 1, 'b': 'x'})\n    r.sadd('s', 1, 2)\n",
        "def f(cache, uid):\n    cache.set('k', {'a': 1})\n",  # not a redis client
    ]
    invalid = [
        Invalid(_R + "def f(uid):\n    r.set('k', {'a': uid}, ex=60)\n", line=6, message="sends a dict",
                fixed=_R.replace("import redis", "import redis\nimport json") +
                "def f(uid):\n    r.set('k', json.dumps({'a': uid}), ex=60)\n"),
        Invalid(_R + "def f(rows: list[int]):\n    r.set('q', rows)\n", line=6, message="list",
                fixed=_R.replace("import redis", "import redis\nimport json") +
                "def f(rows: list[int]):\n    r.set('q', json.dumps(rows))\n"),
        Invalid(_R + "def f(x):\n    r.rpush('q', [x])\n", line=6, message="unpack it"),
        Invalid("import redis.asyncio as aioredis\n\nasync def f(c: aioredis.Redis, x):\n"
                "    await c.publish('chan', {x, 1})\n", line=4, message="list, tuple or set"),
        Invalid(_R + "def f(uid):\n    r.hset('h', mapping={'a': [uid]})\n", line=6, message="under `a`"),
    ]

    def check(self, facts: ModuleFacts, project: Project) -> Iterator[Finding]:
        for call in project.calls_ending(facts, cache_write_names()):
            write = redis_write(project, call)
            if write is None:
                continue
            found = list(_values(project, call, write))
            if not found:
                continue
            kind, where, position, keyword = found[0]
            fix = None
            if len(found) == 1 and kind in _FIXABLE and not where:
                args = {"keyword": keyword} if keyword else {"position": str(position)}
                fix = self.make_fix("wrap_in_json_dumps", call.span, **args)
            shown = f"{call.text}(...)"
            yield self.finding(facts, call.span, fix=fix, call=shown, kind=kind, where=where)


def _values(project: Project, call: CallFact, write: RedisWrite) -> Iterator[tuple[str, str, int, str]]:
    """(kind, where, position, keyword) for each container sent as a value."""
    if not call.has_star_args:  # `*args` shifts positions: indexes are unknown
        for position in write.values:
            if position < len(call.args) and (kind := container_kind(project, call.args[position])):
                yield kind, "", position, ""
        for position in range(write.rest, len(call.args)) if write.rest is not None else ():
            if kind := container_kind(project, call.args[position]):
                # one JSON string, or (more likely meant) one member per item: not ours to choose
                yield kind, " (unpack it, `*items`, to send one member per item)", position, ""
    keywords = dict(call.keywords)
    for name in write.value_keywords:
        if name in keywords and (kind := container_kind(project, keywords[name])):
            yield kind, "", -1, name
    for mapping in write.mappings:
        value: ArgFact | None = keywords.get(mapping)
        if mapping.isdigit() and not call.has_star_args and int(mapping) < len(call.args):
            value = call.args[int(mapping)]
        if value is not None and value.kind == "dict":
            for key, item in value.keywords:
                if kind := container_kind(project, item):
                    yield kind, f" under `{key}`", -1, ""
