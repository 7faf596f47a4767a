"""Offloads of a function that became async are unwrapped to a direct call (the runner's
import goes when unused; LibCST leaves its blank line, which `deblock migrate` trims)."""

from __future__ import annotations

import ast

import pytest

from deblock.codemods.apply import run_codemods
from deblock.model import Applicability, Fix, Span


@pytest.mark.parametrize(
    ("source", "span", "args", "expected"),
    [
        pytest.param("import asyncio\n\nasync def g(x):\n    return await asyncio.to_thread(f, x, k=1)\n",
                     Span(4, 17, 4, 44), (("form", "runner"), ("skip", "0")),
                     "\nasync def g(x):\n    return await f(x, k=1)\n", id="to-thread-import-removed"),
        pytest.param("from asgiref.sync import sync_to_async\n\nasync def g(x):\n    return await sync_to_async(svc.f)(x)\n",
                     Span(4, 17, 4, 39), (("form", "wrapper"),),
                     "\nasync def g(x):\n    return await svc.f(x)\n", id="sync-to-async"),
        pytest.param("import asyncio\n\nasync def g(loop, x):\n    y = await loop.run_in_executor(None, f, x)\n    await asyncio.sleep(0)\n",
                     Span(4, 14, 4, 46), (("form", "runner"), ("skip", "1")),
                     "import asyncio\n\nasync def g(loop, x):\n    y = await f(x)\n    await asyncio.sleep(0)\n",
                     id="run-in-executor-import-kept"),
    ],
)
def test_unwrap_offload(source: str, span: Span, args: tuple[tuple[str, str], ...], expected: str) -> None:
    fix = Fix("unwrap_offload", span, "unwrap", Applicability.SAFE, args)
    fixed, located = run_codemods(source, [fix])
    assert located == [fix]
    assert fixed == expected
    ast.parse(fixed)
