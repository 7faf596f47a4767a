"""DBK109's redis constructor swap (deblock/rules/blocking/_db_swap.py and the
`swap_to_async_client` codemod): when it is offered, when it is not and why, the
round trip (fixed code parses, re-check offers no fix), and, when redis and fakeredis
are installed, that the swapped code returns what the sync code returned."""

from __future__ import annotations

import ast
import asyncio

import pytest

from deblock.testing import example_settings, fix_example, run_example

SETTINGS = example_settings("DBK109")

SHAPES = """\
import redis

cache = redis.Redis(decode_responses=True)


async def visit(page):
    pipe = cache.pipeline()
    pipe.incr(page).expire(page, 60)
    pipe.execute()
    with cache.pipeline() as p:
        p.sadd("pages", page)
        p.scard("pages")
        added, count = p.execute()
    cache.pipeline().set("last", page).execute()
    return cache.get(page).upper(), count, [cache.exists(k) for k in ("last", "none")]


async def shutdown():
    cache.close()


class Store:
    def __init__(self, url):
        self.r = redis.from_url(url, decode_responses=True)

    async def put(self, k, v):
        self.r.hset("h", k, v)

    async def get(self, k):
        return self.r.hget("h", k)


async def local(key):
    r = redis.StrictRedis.from_url("redis://localhost", decode_responses=True)
    r.set(key, "v")
    return r.getdel(key)
"""


def _fix(source: str) -> str:
    outcome = fix_example(source, SETTINGS)
    assert outcome.error is None
    return outcome.source


def test_every_shape_is_swapped_and_rechecks_clean() -> None:
    fixed = _fix(SHAPES)
    ast.parse(fixed)
    assert "to_thread" not in fixed
    for expected in ("cache = redis.asyncio.Redis(decode_responses=True)", "    await pipe.execute()",
                     "    async with cache.pipeline() as p:", "        added, count = await p.execute()",
                     '    await cache.pipeline().set("last", page).execute()',
                     "    return (await cache.get(page)).upper(), count, [await cache.exists(k)",
                     "    await cache.aclose()", 'self.r = redis.asyncio.from_url(url, decode_responses=True)',
                     'r = redis.asyncio.Redis.from_url("redis://localhost", decode_responses=True)',
                     "    return await r.getdel(key)", '        return await self.r.hget("h", k)'):
        assert expected in fixed
    assert [f for f in run_example(fixed, SETTINGS) if f.fix is not None] == []
    assert _fix(fixed) == fixed


@pytest.mark.parametrize(("source", "why"), [
    pytest.param("import redis\n\nr = redis.Redis()\n\nasync def f(k):\n    return r.get(k)\n\nr.ping()\n",
                 "sync code", id="module-level-use"),
    pytest.param("import redis\n\nr = redis.Redis()\n\nasync def f(k):\n    r.pubsub()\n    return r.get(k)\n",
                 "`r.pubsub()` has no awaitable twin", id="pubsub"),
    pytest.param("import asyncio, redis\n\nr = redis.Redis()\n\nasync def f(k):\n"
                 "    await asyncio.to_thread(lambda: r.set(k, 1))\n    return r.get(k)\n",
                 "worker thread", id="offloaded-use"),
    pytest.param("# file: app/cache.py\nimport redis\n\nr = redis.Redis()\n\nasync def f(k):\n    return r.get(k)\n"
                 "# file: app/jobs.py\nfrom app.cache import r\n\ndef job():\n    r.flushdb()\n",
                 "used from `app.jobs`", id="other-module"),
    pytest.param("import redis\n\nclass S:\n    def __init__(self):\n        self.r = redis.Redis()\n\n"
                 "    def size(self):\n        return self.r.dbsize()\n\n    async def get(self, k):\n        return self.r.get(k)\n",
                 "sync code (`size`)", id="sync-method"),
    pytest.param("import redis\n\nclass S:\n    def __init__(self):\n        self.r = redis.Redis()\n\n"
                 "    async def get(self, k):\n        return self.r.get(k)\n\nclass T(S):\n    async def n(self):\n"
                 "        return self.r.dbsize()\n", "subclass `T`", id="subclass"),
])
def test_no_swap_when_a_use_would_break(source: str, why: str) -> None:
    findings = run_example(source, SETTINGS)
    assert findings and all(f.fix is not None and f.fix.codemod == "offload_to_thread" for f in findings)
    assert any(why in f.message for f in findings), [f.message for f in findings]


@pytest.mark.parametrize("library", ["trio", "anyio"])
def test_no_swap_outside_asyncio(library: str) -> None:
    source = f"import {library}, redis\n\nr = redis.Redis()\n\nasync def f(k):\n    return r.get(k)\n"
    (finding,) = run_example(source, SETTINGS)
    assert finding.fix is not None and finding.fix.codemod == "offload_to_thread"
    assert "redis.asyncio runs on asyncio only" in finding.message
    assert f"{library}.to_thread.run_sync" in _fix(source)


def test_client_passed_on_falls_back_to_worker_thread() -> None:
    """The facts do not record `helper(r)`; the codemod's scope check does."""
    source = "import redis\n\nr = redis.Redis()\n\nasync def f(k):\n    helper(r)\n    return r.get(k)\n"
    (finding,) = run_example(source, SETTINGS)
    assert finding.fix is not None and finding.fix.codemod == "swap_to_async_client"
    fixed = _fix(source)
    assert "r = redis.Redis()" in fixed and "await asyncio.to_thread(r.get, k)" in fixed


def test_swapped_code_behaves_like_the_sync_code() -> None:
    fakeredis = pytest.importorskip("fakeredis")
    import redis
    import redis.asyncio

    server = fakeredis.FakeServer()

    def run(source: str, sync: bool) -> list:
        patched = {"Redis": redis.Redis, "StrictRedis": redis.StrictRedis, "from_url": redis.from_url}
        fake = fakeredis.FakeRedis if sync else fakeredis.aioredis.FakeRedis
        module = redis if sync else redis.asyncio
        saved = {name: getattr(module, name) for name in patched}
        module.Redis = module.StrictRedis = type("R", (fake,), {"from_url": classmethod(
            lambda cls, url, **kw: fake(server=server, **kw))})  # type: ignore[misc]
        module.from_url = lambda url, **kw: fake(server=server, **kw)  # type: ignore[assignment]
        try:
            scope: dict = {"__name__": "shapes"}
            exec(compile(source, "shapes", "exec"), scope)  # noqa: S102 (the fixed example, run on fakeredis)
            scope["cache"] = module.Redis(server=server, decode_responses=True)
            store = scope["Store"]("redis://localhost")

            async def main() -> list:
                results = [await _maybe(scope["visit"]("home")), await _maybe(scope["visit"]("home"))]
                await _maybe(store.put("a", "1"))
                results += [await _maybe(store.get("a")), await _maybe(scope["local"]("k"))]
                await _maybe(scope["shutdown"]())
                return results

            return asyncio.run(main())
        finally:
            for name, value in saved.items():
                setattr(module, name, value)

    before = run(SHAPES, sync=True)
    server = fakeredis.FakeServer()
    after = run(_fix(SHAPES), sync=False)
    assert before == after == [("1", 1, [1, 0]), ("2", 1, [1, 0]), "1", "v"]


async def _maybe(value: object) -> object:
    return await value if asyncio.iscoroutine(value) else value  # type: ignore[misc]
