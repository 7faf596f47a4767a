"""The to_thread fallback codemod, per async library."""

from __future__ import annotations

import pytest

from deblock.model import Applicability, Fix, Span
from deblock.testing import apply_fix


def offload(source: str, span: Span, library: str) -> str:
    return apply_fix(source, Fix("offload_to_thread", span, "offload", Applicability.UNSAFE, (("library", library),)))


CASES = [
    pytest.param(
        "import shutil\n\nasync def f(a, b):\n    shutil.copy(a, b)\n", Span(4, 4, 4, 21), "asyncio",
        "import shutil\nimport asyncio\n\nasync def f(a, b):\n    await asyncio.to_thread(shutil.copy, a, b)\n",
        id="asyncio",
    ),
    pytest.param(
        "import shutil\n\nasync def f(a, b):\n    x = shutil.copy(a, b, follow_symlinks=False).upper()\n",
        Span(4, 8, 4, 48), "asyncio",
        "import shutil\nimport asyncio\n\nasync def f(a, b):\n"
        "    x = (await asyncio.to_thread(shutil.copy, a, b, follow_symlinks=False)).upper()\n",
        id="asyncio-keywords-primary",
    ),
    pytest.param(
        "import shutil\n\nasync def f(a, b):\n    shutil.copy(a, b, follow_symlinks=False)\n", Span(4, 4, 4, 44), "anyio",
        "import shutil\nimport anyio\nimport functools\n\nasync def f(a, b):\n"
        "    await anyio.to_thread.run_sync(functools.partial(shutil.copy, follow_symlinks=False), a, b)\n",
        id="anyio-keywords-through-partial",
    ),
    pytest.param(
        "import shutil\n\nasync def f(a):\n    shutil.rmtree(a)\n", Span(4, 4, 4, 20), "trio",
        "import shutil\nimport trio\n\nasync def f(a):\n    await trio.to_thread.run_sync(shutil.rmtree, a)\n",
        id="trio",
    ),
    pytest.param(
        "from app.services import load\n\nasync def view(request):\n    return load(request.user, fresh=True)\n",
        Span(4, 11, 4, 41), "asgiref",
        "from app.services import load\nfrom asgiref.sync import sync_to_async\n\nasync def view(request):\n"
        "    return await sync_to_async(load)(request.user, fresh=True)\n",
        id="asgiref",
    ),
]


@pytest.mark.parametrize(("source", "span", "library", "expected"), CASES)
def test_offload(source: str, span: Span, library: str, expected: str) -> None:
    assert offload(source, span, library) == expected


def test_comments_and_trailing_comma_survive() -> None:
    source = "import sys\n\nasync def f():\n    raw = sys.stdin.buffer.read(  # keep me\n        1024,  # and me\n    )\n"
    fixed = offload(source, Span(4, 10, 6, 5), "asyncio")
    assert "# keep me" in fixed and "# and me" in fixed
    assert "await asyncio.to_thread(  # keep me\n        sys.stdin.buffer.read, 1024,  # and me\n    )" in fixed
