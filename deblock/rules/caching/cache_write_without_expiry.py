from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

from deblock.analyzer.facts.model import CallFact, ModuleFacts
from deblock.analyzer.project import Project
from deblock.caching_knowledge import cache_write_names, caching_knowledge
from deblock.model import Finding, Severity
from deblock.rules._base import Invalid, Rule
from deblock.rules._context import is_low_priority_path
from deblock.rules.caching._state import redis_command

_R = "import redis\n\nr = redis.Redis()\n\n"
_D = "from django.core.cache import cache\n\n"
_TTL = "pass a TTL (`ex=seconds`; `set(k, v, nx=True, ex=...)` for `setnx`, a pipeline of `set(..., ex=...)` for `mset`)"
_TIMEOUT = "give it a timeout in seconds (or leave it out for the cache's default), and delete the key where the data changes"


class CacheWriteWithoutExpiry(Rule):
    """
    ## What it does
    Flags cache writes that never expire: Django `cache.set(k, v, None)` /
    `timeout=None` (also `add`, `get_or_set`, `set_many`), Flask-Caching
    `cache.set(k, v, timeout=0)` (cachelib treats 0 as "never expires"), and redis-py
    `set`/`setnx`/`getset`/`mset` without `ex=`/`px=`/`exat=`/`pxat=`/`keepttl=` on a key
    that is a cache: a literal key naming a cache, or a key read with `get` in the same
    function (cache-aside), as a warning; a client or function whose name says cache, as
    information. Leaving the timeout out of a Django or Flask-Caching call is fine: the
    backend's default (`TIMEOUT`, 300 s; `CACHE_DEFAULT_TIMEOUT`) applies.

    ## Why is this bad?
    An entry without expiry is only as fresh as the code that remembers to delete it: any
    write path that forgets (an admin edit, a migration, another service) leaves stale data
    served forever. Keys that are never read again pile up until memory runs out and the
    server evicts keys it should have kept (or refuses writes under `noeviction`).

    ## Example
    ```python
    from django.core.cache import cache

    def bestsellers():
        rows = cache.get("bestsellers")
        if rows is None:
            rows = compute()
            cache.set("bestsellers", rows, None)
        return rows
    ```

    Use instead:
    ```python
    from django.core.cache import cache

    def bestsellers():
        rows = cache.get("bestsellers")
        if rows is None:
            rows = compute()
            cache.set("bestsellers", rows, 300)
        return rows
    ```

    ## Known limitations
    A redis key built with an f-string is judged by the code around it only. Django's
    `timeout=0` (expire at once) is a different mistake and is not flagged here. No
    automatic fix: the right TTL is the data's, not deblock's.

    ## References
    - [Django: the low-level cache API](https://docs.djangoproject.com/en/stable/topics/cache/#basic-usage)
    - [Flask-Caching API](https://flask-caching.readthedocs.io/en/latest/api.html)
    - [redis-py `set`](https://redis.readthedocs.io/en/stable/commands.html#redis.commands.core.CoreCommands.set)
    """

    code = "DBK405"
    message = "`{call}` {problem}: {advice}"
    severity = Severity.WARNING
    valid = [
        _D + "def f(rows):\n    cache.set('k', rows)\n    cache.set('k', rows, 60)\n",
        _R + "def f(n):\n    r.set('counter', n)\n    r.set('cache:k', n, ex=60)\n",
        "from flask_caching import Cache\n\ncache = Cache()\n\ndef f(v):\n    cache.set('k', v, timeout=None)\n",
    ]
    invalid = [
        Invalid(_D + "def f(rows):\n    cache.set('k', rows, timeout=None)\n", line=4, message="keeps forever"),
        Invalid("from flask_caching import Cache\n\ncache = Cache()\n\ndef f(v):\n    cache.set('k', v, timeout=0)\n",
                line=6, message="`timeout=0`"),
        Invalid(_R + "def f(uid):\n    v = r.get(uid)\n    if v is None:\n        r.set(uid, 'x')\n", line=8,
                message="read in the same function"),
        Invalid(_R + "def f(v):\n    r.set('cache:home', v)\n", line=6, message="`cache:home`"),
    ]

    def check(self, facts: ModuleFacts, project: Project) -> Iterator[Finding]:
        for call in project.calls_ending(facts, cache_write_names()):
            found = _framework(project, call) or _redis(project, facts, call)
            if found is not None:
                problem, advice, severity = found
                finding = self.finding(facts, call.span, call=f"{call.text}(...)", problem=problem, advice=advice)
                yield replace(finding, severity=Severity.INFO if is_low_priority_path(facts.path) else severity)


def _framework(project: Project, call: CallFact) -> tuple[str, str, Severity] | None:
    client = caching_knowledge().cache_clients.get(project.resolve(call.callee) or call.callee or "")
    if client is None:
        return None
    timeout = dict(call.keywords).get(client.timeout_keyword)
    if timeout is None and len(call.args) > client.timeout_position and not call.has_star_args:
        timeout = call.args[client.timeout_position]
    if timeout is None or timeout.kind != "literal":
        return None
    if client.forever == "none" and timeout.value is None:
        return "writes with `timeout=None`, which Django keeps forever", _TIMEOUT, Severity.WARNING
    if client.forever == "zero" and timeout.value == 0 and not isinstance(timeout.value, bool):
        return "writes with `timeout=0`, which Flask-Caching keeps forever", _TIMEOUT, Severity.WARNING
    return None


def _redis(project: Project, facts: ModuleFacts, call: CallFact) -> tuple[str, str, Severity] | None:
    knowledge = caching_knowledge()
    command = redis_command(project, call)
    if command not in knowledge.expiry_redis_methods:
        return None
    write = knowledge.redis_writes.get(command or "")
    keywords = {name for name, _ in call.keywords}
    if write is None or write.expires or keywords & set(write.ttl_keywords) or call.has_star_args:
        return None
    key = call.args[0].value if call.args and call.args[0].kind == "literal" else None
    receiver = call.text.rpartition(".")[0]
    problem = "writes {} without a TTL, so it lives until something deletes it"
    if isinstance(key, str) and _says_cache(key):
        return problem.format(f"the cache key `{key}`"), _TTL, Severity.WARNING
    if any(c.function == call.function and c.text.rpartition(".")[0] == receiver and c.span.line <= call.span.line
           and redis_command(project, c) in knowledge.expiry_redis_reads for c in facts.calls):
        return problem.format("a key it read in the same function (a cache-aside write)"), _TTL, Severity.WARNING
    if _says_cache(receiver) or _says_cache(call.function.rpartition(".")[2]):
        return problem.format("what its names call a cache"), _TTL, Severity.INFO
    return None


def _says_cache(text: str) -> bool:
    lowered = text.lower()
    return any(word in lowered for word in caching_knowledge().cache_words)
