"""add_eager_load: merge into an eager-load call, append one, or insert one before a final call."""

from __future__ import annotations

import pytest

from deblock.codemods.apply import run_codemods
from deblock.model import Applicability, Fix
import ast

from deblock.model import Span


def exact_call(source: str, written: str) -> Span:
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and ast.unparse(node) == ast.unparse(ast.parse(written, mode="eval").body):
            return Span(node.lineno, node.col_offset, node.end_lineno or node.lineno, node.end_col_offset or 0)
    raise AssertionError(written)


def fix(source: str, target: str, **args: str) -> str:
    span = exact_call(source, target)
    out, located = run_codemods(source, [Fix("add_eager_load", span, "t", Applicability.SAFE, tuple(sorted(args.items())))])
    assert located
    return out


@pytest.mark.parametrize(
    ("source", "target", "args", "expected"),
    [
        ('qs = Order.objects.all()\n', "Order.objects.all()",
         {"method": "select_related", "arg": '"customer"', "mode": "after"},
         'qs = Order.objects.all().select_related("customer")\n'),
        ('qs = Order.objects.select_related("a").filter(x=1)\n', 'Order.objects.select_related("a")',
         {"method": "select_related", "arg": '"customer"', "mode": "merge"},
         'qs = Order.objects.select_related("a", "customer").filter(x=1)\n'),
        ('qs = Order.objects.select_related("customer")\n', 'Order.objects.select_related("customer")',
         {"method": "select_related", "arg": '"customer"', "mode": "merge"},
         'qs = Order.objects.select_related("customer")\n'),
        ('rows = Post.query.all()  # newest\n', "Post.query.all()",
         {"method": "options", "arg": "joinedload(Post.author)", "mode": "before-final",
          "imports": "sqlalchemy.orm:joinedload"},
         'from sqlalchemy.orm import joinedload\n\nrows = Post.query.options(joinedload(Post.author)).all()  # newest\n'),
        ('rows = db.scalars(\n    select(Order)\n    .where(Order.x == 1)\n).all()\n', "select(Order)",
         {"method": "options", "arg": "selectinload(Order.items)", "mode": "after",
          "imports": "sqlalchemy.orm:selectinload"},
         'from sqlalchemy.orm import selectinload\n\nrows = db.scalars(\n    select(Order).options(selectinload(Order.items))\n'
         '    .where(Order.x == 1)\n).all()\n'),
    ],
)
def test_add_eager_load(source: str, target: str, args: dict[str, str], expected: str) -> None:
    assert fix(source, target, **args) == expected
