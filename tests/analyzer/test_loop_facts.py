"""AwaitLoopFact: plain `for` loops in `async def` bodies that await (DBK130's input)."""

from __future__ import annotations

import pickle
import textwrap

import pytest

from deblock.analyzer.facts.model import AwaitLoopFact
from deblock.analyzer.parse import extract
from deblock.model import Span


def loops(source: str) -> tuple[AwaitLoopFact, ...]:
    return extract(textwrap.dedent(source).encode(), "m.py", "m", False).await_loops


def only(source: str) -> AwaitLoopFact:
    found = loops(source)
    assert len(found) == 1, found
    return found[0]


def test_expression_shape() -> None:
    loop = only("""
        async def main(urls):
            for url in urls:
                await fetch(url)
    """)
    assert loop.function == "m.main"
    assert loop.shape == "expr" and loop.accumulator is None
    assert loop.targets == ("url",) and loop.simple_target
    assert (loop.body_len, loop.awaits, loop.exits) == (1, 1, False)
    assert loop.callee == "fetch"  # a free global name denotes itself
    assert loop.callee_text == "fetch"
    assert loop.span == Span(3, 4, 4, 24)
    assert loop.iter_span == Span(3, 15, 3, 19)
    assert loop.call_span == Span(4, 14, 4, 24)
    assert loop.args_use_target and not loop.reads_carried


def test_append_and_assign_append_shapes() -> None:
    first, second = loops("""
        async def main(client, ids):
            out = []
            for i in ids:
                out.append(await client.get(f"/items/{i}", timeout=3))
            for a, b in pairs(ids):
                r = await client.post(url=a, json=b)
                out.append(r)
    """)
    assert (first.shape, first.accumulator, first.callee_text) == ("append", "out", "client.get")
    assert first.args_use_target
    assert (second.shape, second.accumulator, second.targets) == ("assign-collect", "out", ("a", "b"))
    assert second.simple_target and second.args_use_target and not second.reads_carried


@pytest.mark.parametrize(
    ("body", "field", "value"),
    [
        ("r = await fetch(x)\n        if r: break", "exits", True),
        ("await fetch(x)\n        continue", "exits", True),
        ("if x: raise ValueError\n        await fetch(x)", "exits", True),
        ("await fetch(x)\n        await store(x)", "awaits", 2),
        ("async with lock:\n            await fetch(x)", "awaits", 2),
        ("await fetch(0)", "args_use_target", False),
        ("out.append(await fetch(x, out))", "reads_carried", True),
        ("xs.append(await fetch(x))", "reads_carried", True),
        ("r = await fetch(r)\n        out.append(r)", "reads_carried", True),
        ("print(x)\n        await fetch(x)", "shape", None),
        ("await fetch(x)\n        print(x)", "shape", None),
        ("y = await fetch(x)\n        out.append(x)", "shape", "assign-collect"),
        ("y = await fetch(x)\n        total += y.size", "shape", "assign-collect"),
        ("y = await fetch(x)\n        out.append(str(y))", "shape", None),
        ("y = await fetch(x)\n        print(y)", "shape", None),
        ("y = fetch(x)\n        out.append(await y)", "shape", None),
        ("y = await fetch(x, total)\n        total += y", "reads_carried", True),
        ("y = await fetch(x)\n        xs.append(y)", "reads_carried", True),
        ("await fetch(x, xs)", "reads_carried", False),
    ],
)
def test_guards(body: str, field: str, value: object) -> None:
    loop = only(f"async def main(xs, out, lock, r, total):\n    for x in xs:\n        {body}\n")
    assert getattr(loop, field) == value


def test_else_clause_counts_as_exit() -> None:
    assert only("async def f(xs):\n    for x in xs:\n        await g(x)\n    else:\n        pass\n").exits


def test_attribute_target_is_not_simple() -> None:
    assert not only("async def f(self, xs):\n    for self.x in xs:\n        await g(self.x)\n").simple_target


@pytest.mark.parametrize(
    "source",
    [
        "def f(xs):\n    for x in xs:\n        g(x)\n",  # sync
        "async def f(xs):\n    async for x in xs:\n        await g(x)\n",  # async for
        "async def f(xs):\n    while xs:\n        await g(xs.pop())\n",  # while
        "async def f(xs):\n    for x in xs:\n        g(x)\n",  # awaits nothing
        "async def f(xs):\n    return [await g(x) for x in xs]\n",  # comprehension
        "async def f(xs):\n    def inner():\n        for x in xs:\n            g(x)\n    return inner\n",  # nested sync def
        "async def f(xs):\n    for x in xs:\n        async def h():\n            await g(x)\n",  # await in a nested def
        "for x in []:\n    pass\n",  # module level
    ],
)
def test_not_recorded(source: str) -> None:
    assert loops(source) == ()


def test_facts_pickle() -> None:
    loop = only("async def f(xs):\n    for x in xs:\n        await g(x)\n")
    assert pickle.loads(pickle.dumps(loop)) == loop
