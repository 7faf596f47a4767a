"""The loop -> asyncio.gather codemod (DBK130)."""

from __future__ import annotations

import pytest

from deblock.codemods.apply import run_codemods
from deblock.model import Applicability, Fix, Span
from deblock.testing import apply_fix


def gather(source: str, span: Span) -> str:
    return apply_fix(source, Fix("loop_to_gather", span, "gather", Applicability.UNSAFE))


CASES = [
    pytest.param(
        "async def f(urls):\n    for url in urls:\n        await fetch(url)\n", Span(2, 4, 3, 24),
        "import asyncio\n\nasync def f(urls):\n    await asyncio.gather(*(fetch(url) for url in urls))\n",
        id="expr",
    ),
    pytest.param(
        "import asyncio\n\nasync def f(c, ids):\n    out = []\n    for i in ids:\n        out.append(await c.get(i, t=1))\n",
        Span(5, 4, 6, 39),
        "import asyncio\n\nasync def f(c, ids):\n    out = []\n    out.extend(await asyncio.gather(*(c.get(i, t=1) for i in ids)))\n",
        id="append",
    ),
    pytest.param(
        "async def f(pairs):\n    # notify\n    for a, b in pairs.items():  # each pair\n        await g(a, b)  # slow\n",
        Span(3, 4, 4, 21),
        "import asyncio\n\nasync def f(pairs):\n    # notify\n    # each pair\n    # slow\n"
        "    await asyncio.gather(*(g(a, b) for a, b in pairs.items()))\n",
        id="tuple-target-and-comments",
    ),
]


@pytest.mark.parametrize(("source", "span", "expected"), CASES)
def test_loop_to_gather(source: str, span: Span, expected: str) -> None:
    assert gather(source, span) == expected


@pytest.mark.parametrize(
    ("source", "span"),
    [
        ("async def f(xs):\n    for x in xs:\n        y = await g(x)\n        print(y)\n", Span(2, 4, 4, 16)),
        ("async def f(xs):\n    for x in xs:\n        await g(x)\n    else:\n        pass\n", Span(2, 4, 5, 12)),
        ("async def f(xs):\n    for x in xs:\n        await g(x)\n", Span(9, 4, 9, 5)),
    ],
)
def test_leaves_other_loops_alone(source: str, span: Span) -> None:
    fix = Fix("loop_to_gather", span, "gather", Applicability.UNSAFE)
    fixed, located = run_codemods(source, [fix])
    assert (fixed, located) == (source, [])
