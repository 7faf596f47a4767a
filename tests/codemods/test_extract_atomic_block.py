"""A sync-only `with` block moves into a nested function run with `await sync_to_async(fn)()`."""

from __future__ import annotations

import ast

from deblock.codemods.apply import run_codemods
from deblock.model import Applicability, Fix, Span

SOURCE = '''\
from django.db import transaction


async def restock(isbn):
    total = 0
    # the whole restock is one transaction
    with transaction.atomic():
        book = Book.objects.get(isbn=isbn)
        total = book.stock
    return total, book
'''

EXPECTED = '''\
from django.db import transaction
from asgiref.sync import sync_to_async


async def restock(isbn):
    total = 0
    # the whole restock is one transaction
    def _restock_atomic():
        nonlocal total
        with transaction.atomic():
            book = Book.objects.get(isbn=isbn)
            total = book.stock
        return book
    book = await sync_to_async(_restock_atomic)()
    return total, book
'''


def test_extract_with_returns_and_nonlocals() -> None:
    fix = Fix("extract_atomic_block", Span(7, 4, 9, 26), "extract", Applicability.SAFE,
              (("name", "_restock_atomic"), ("nonlocals", "total"), ("returns", "book")))
    fixed, located = run_codemods(SOURCE, [fix])
    assert located == [fix]
    assert fixed == EXPECTED
    ast.parse(fixed)


def test_extract_without_results() -> None:
    source = "async def f():\n    with transaction.atomic():\n        Book.objects.create()\n    return 1\n"
    fix = Fix("extract_atomic_block", Span(2, 4, 3, 29), "extract", Applicability.SAFE, (("name", "_f_atomic"),))
    fixed, _ = run_codemods(source, [fix])
    assert fixed == ("from asgiref.sync import sync_to_async\n\nasync def f():\n    def _f_atomic():\n"
                     "        with transaction.atomic():\n            Book.objects.create()\n"
                     "    await sync_to_async(_f_atomic)()\n    return 1\n")
