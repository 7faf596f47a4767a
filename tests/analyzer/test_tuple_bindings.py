"""`a, b = f(), g()` binds each name to its own element's type (Ruff's ASYNC230 fixture,
flake8-async's "tuple assignments are completely ignored" gap)."""

from __future__ import annotations

import textwrap

import pytest

from deblock.analyzer.parse import extract
from deblock.config import Settings
from deblock.engine import check_source


def callees(body: str) -> dict[str, str | None]:
    """What each `x.get`/`x.open` call resolves to when `body` runs in a function."""
    source = "\ndef f():\n" + textwrap.indent(body, "    ")
    facts = extract(source.encode("utf-8"), "pkg/mod.py", "pkg.mod", False)
    return {c.text: c.callee for c in facts.calls if c.text.endswith(".get") or c.text.endswith(".open")}


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        pytest.param("s, n = requests.Session(), 3\ns.get('u')\n",
                     {"s.get": "requests.Session.get"}, id="tuple"),
        pytest.param("(s, n) = (requests.Session(), 3)\ns.get('u')\n",
                     {"s.get": "requests.Session.get"}, id="parenthesised"),
        pytest.param("[s, [t, u]] = [1, [requests.Session(), 2]]\nt.get('u')\n",
                     {"t.get": "requests.Session.get"}, id="nested"),
        # Every element is resolved before any name is rebound.
        pytest.param("a, b = requests.Session(), {}\na, b = b, a\na.get('u')\nb.get('u')\n",
                     {"a.get": None, "b.get": "requests.Session.get"}, id="swap"),
        # Different lengths or a starred target: nothing is known.
        pytest.param("a, *b = requests.Session(), 1, 2\na.get('u')\n", {"a.get": None}, id="starred"),
        pytest.param("a, b = pair()\na.get('u')\n", {"a.get": None}, id="call"),
    ],
)
def test_tuple_assignment_binds_each_element(source: str, expected: dict[str, str | None]) -> None:
    assert callees(source) == expected


def test_type_wide_row_message_names_the_method() -> None:
    source = "import urllib3\n\nasync def f(c: urllib3.PoolManager):\n    c.anything()\n"
    [finding] = check_source(source, Settings(select=("DBK102",)), "m.py", "m")
    assert "`urllib3.PoolManager.anything()`" in finding.message


def test_private_realpath_worker_blocks() -> None:
    source = "import os.path\n\nasync def f():\n    os.path._joinrealpath('', 'a', False, {})\n    os.path.normpath('a')\n"
    assert [f.span.line for f in check_source(source, Settings(select=("DBK105",)), "m.py", "m")] == [4]
