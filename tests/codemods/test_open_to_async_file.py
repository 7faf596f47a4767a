"""`with open(...) as f:` -> anyio.open_file / aiofiles.open, and its fallbacks."""

from __future__ import annotations

import pytest

from deblock.model import Applicability, Fix
from deblock.testing import apply_fix, call_span


def rewrite(body: str, library: str, fallback: str = "asyncio", head: str = "") -> str:
    source = head + "async def f(path, data):\n" + body
    fix = Fix("open_to_async_file", call_span(source, "open"), "async file", Applicability.UNSAFE,
              (("fallback", fallback), ("library", library)))
    return apply_fix(source, fix)


CASES = [
    pytest.param(
        "    with open(path) as f:\n        return f.read()\n", "anyio",
        "import anyio\n\nasync def f(path, data):\n    async with await anyio.open_file(path) as f:\n        return await f.read()\n",
        id="anyio-read",
    ),
    pytest.param(
        "    with open(path, 'wb') as out:  # keep\n        out.write(data)\n        out.flush()\n", "aiofiles",
        "import aiofiles\n\nasync def f(path, data):\n    async with aiofiles.open(path, 'wb') as out:  # keep\n"
        "        await out.write(data)\n        await out.flush()\n",
        id="aiofiles-write",
    ),
    pytest.param(
        "    with open(path, encoding='utf-8') as f:\n        return f.readline().strip() + str(f.tell())\n", "anyio",
        "import anyio\n\nasync def f(path, data):\n    async with await anyio.open_file(path, encoding='utf-8') as f:\n"
        "        return (await f.readline()).strip() + str(await f.tell())\n",
        id="primary-parenthesised",
    ),
    pytest.param(
        "    with open(path) as f:\n        head = await asyncio.to_thread(f.readline)\n"
        "        return head + (await asyncio.to_thread(f.read, 10)).strip()\n",
        "aiofiles",
        "import aiofiles\n\nasync def f(path, data):\n    async with aiofiles.open(path) as f:\n"
        "        head = await f.readline()\n        return head + (await f.read(10)).strip()\n",
        id="unwraps-offloaded-methods",
    ),
    pytest.param(
        "    with open(path, 'w') as f:\n        await anyio.to_thread.run_sync(functools.partial(f.seek, whence=0), 0)\n",
        "anyio",
        "import anyio\n\nasync def f(path, data):\n    async with await anyio.open_file(path, 'w') as f:\n"
        "        await f.seek(0, whence=0)\n",
        id="unwraps-partial",
    ),
]


@pytest.mark.parametrize(("body", "library", "expected"), CASES)
def test_rewrite(body: str, library: str, expected: str) -> None:
    head = "import asyncio\n\n" if "asyncio.to_thread" in body else ""
    head = "import anyio\nimport functools\n\n" if "functools" in body else head
    assert rewrite(body, library, head=head) == expected


FALLBACKS = [
    pytest.param("    with open(path) as f:\n        return json.load(f)\n", id="passed-to-a-function"),
    pytest.param("    with open(path) as f:\n        print(f.name)\n        f.read()\n", id="attribute-read"),
    pytest.param("    with open(path) as f:\n        for line in f:\n            pass\n", id="iterated"),
    pytest.param("    with open(path) as f, open(data) as g:\n        g.write(f.read())\n", id="two-items"),
    pytest.param("    with open(path):\n        pass\n", id="no-target"),
    pytest.param("    with open(path) as f:\n        return [line for line in f.readlines()] + list(lambda: f.read())\n",
                 id="lambda"),
    pytest.param("    x = open(path).read()\n", id="not-a-with"),
    pytest.param("    with open(path) as f:\n        return f.fileno()\n", id="unknown-method"),
]


@pytest.mark.parametrize("body", FALLBACKS)
def test_fallback_to_thread(body: str) -> None:
    fixed = rewrite(body, "anyio")
    assert "await asyncio.to_thread(open, path" in fixed
    assert "open_file" not in fixed and "async with" not in fixed


def test_fallback_uses_the_module_library() -> None:
    fixed = rewrite("    with open(path) as f:\n        return f.name\n", "anyio", fallback="trio")
    assert "with await trio.to_thread.run_sync(open, path) as f:" in fixed


def test_unknown_library_falls_back() -> None:
    fixed = rewrite("    with open(path) as f:\n        return f.read()\n", "")
    assert "with await asyncio.to_thread(open, path) as f:" in fixed
