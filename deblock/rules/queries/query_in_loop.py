from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

from deblock.analyzer.facts.model import CallFact, IterationFact, ModuleFacts
from deblock.analyzer.project import Project
from deblock.analyzer.queries import DJANGO, SQLALCHEMY
from deblock.model import Finding
from deblock.orm_knowledge import django_orm
from deblock.query_knowledge import django_queries, loop_queries, sqlalchemy_queries
from deblock.rules._base import Invalid, Rule
from deblock.rules.queries import _per_item as item
from deblock.rules._context import severity_for
from deblock.rules.queries._per_item import DbCall

_M = "# file: app/models.py\nfrom django.db import models\n\nclass Book(models.Model):\n    title = models.CharField(max_length=200)\n"
_V = "# file: app/views.py\nfrom app.models import Book\n\n"


class QueryInLoop(Rule):
    """
    ## What it does
    Flags a database query run once per iteration of a `for` loop or a comprehension:
    Django `Model.objects.get(...)`, `.filter(...).first()`, `.exists()`, `.count()`;
    SQLAlchemy `session.get(...)`, `session.execute/scalars/scalar(select(...))`,
    `Model.query.get(...)`; DB-API `cursor.execute(...)`. A query keyed by the loop
    variable should become one batched query, a loop-invariant one be hoisted out of it
    (loops over `range()`, batches and retries, are left alone).

    ## Why is this bad?
    Every query is a round trip to the database. A loop over 500 items makes 500 round
    trips where one `WHERE id IN (...)` query would do, and the request slows down
    linearly with the data.

    ## Example
    ```python
    from django.db import models

    class Book(models.Model):
        stock = models.IntegerField()

    def stock_of(cart):
        return [Book.objects.get(pk=line["book_id"]).stock for line in cart]
    ```

    Use instead:
    ```python
    from django.db import models

    class Book(models.Model):
        stock = models.IntegerField()

    def stock_of(cart):
        books = Book.objects.in_bulk([line["book_id"] for line in cart])
        return [books[line["book_id"]].stock for line in cart]
    ```

    SQLAlchemy: `select(Book).where(Book.id.in_(ids))` into a dict; DB-API:
    one `WHERE id IN (...)` query, or `cursor.executemany(...)` for writes.

    ## Known limitations
    Only the innermost loop counts, and only `for` loops and comprehensions: a query in
    a `while` loop (a retry, a poll, pagination) runs an unknown number of times and is
    not flagged. A loop over a small literal (`for status in ("a", "b")`) is flagged
    too; suppress it if that is intended. No automatic fix: the batched form needs the
    list of keys, and a missing row becomes a dict miss instead of `DoesNotExist`.
    Writes per item (`create()`, `save()`) are DBK206's; queries on a related manager
    of the loop's row are DBK202's.

    ## References
    - [Django: retrieve everything at once](https://docs.djangoproject.com/en/stable/topics/db/optimization/#retrieve-everything-at-once-if-you-know-you-will-need-it)
    - [Django: in_bulk()](https://docs.djangoproject.com/en/stable/ref/models/querysets/#in-bulk)
    - [SQLAlchemy: ColumnOperators.in_()](https://docs.sqlalchemy.org/en/20/core/sqlelement.html#sqlalchemy.sql.expression.ColumnOperators.in_)
    """

    code = "DBK205"
    message = "`{call}` runs a query on each iteration of {loop}; {advice}"
    scope = "project"
    valid = [
        _V + "def f(ids):\n    books = Book.objects.in_bulk(ids)\n    return [books[i] for i in ids]\n" + _M,
        _V + "def f(ids):\n    for i in ids:\n        Book.objects.create(title=i)\n" + _M,
        _V + "def f():\n    while True:\n        if Book.objects.filter(title='x').exists():\n            return\n" + _M,
        _V + "def f(ids):\n    for i in ids:\n        qs = Book.objects.filter(pk=i)\n        print(i)\n" + _M,
    ]
    invalid = [
        Invalid(_V + "def f(cart):\n    for line in cart:\n        print(Book.objects.get(pk=line['id']))\n" + _M,
                line=5, message="in_bulk"),
        Invalid(_V + "def f(ids):\n    return [i for i in ids if Book.objects.filter(pk=i).exists()]\n" + _M,
                line=4, message="filter(pk__in=ids)"),
        Invalid(_V + "def f(ids):\n    for i in ids:\n        print(i, Book.objects.count())\n" + _M,
                line=5, message="hoist it out of the loop"),
    ]

    def check(self, facts: ModuleFacts, project: Project) -> Iterator[Finding]:
        found: list[tuple[DbCall, IterationFact]] = []
        for call in facts.calls:
            loop = item.innermost_loop(project, facts, call)
            if loop is not None and loop.iterable == "builtins.range()":
                continue  # `for offset in range(0, total, batch)`: batching or retries, one query a step by design
            query = _query(project, facts, call) if loop is not None else None
            if query is not None and loop is not None:
                found.append((query, loop))
        spans = [q.call.span for q, _ in found]
        for query, loop in found:
            if any(s != query.call.span and s.contains(query.call.span) for s in spans):
                continue  # part of a larger query already reported (`filter(...)` of `filter(...).first()`)
            reads = item.reads_of(project, facts, query.call)
            keyed = bool(reads & set(loop.assigned))
            if not keyed and item.loop_mutates(project, facts, loop, query.call):
                continue  # the query may see what the loop changes: hoisting it is not safe
            finding = self.finding(facts, query.call.span, call=_written(query.call),
                                   loop=item.loop_name(loop), advice=_advice(query, keyed))
            yield replace(finding, severity=severity_for(project, query.call.function, facts.path))


def _query(project: Project, facts: ModuleFacts, call: CallFact) -> DbCall | None:
    if (project.resolve(call.callee) or call.callee) in loop_queries().keyed_functions:
        return DbCall(call, DJANGO, "get", str(call.args[0].value) if call.args else None)
    django = item.django_call(project, call)
    if django is not None and django.chain is not None:
        chain, knowledge = django.chain, django_queries()
        if chain.manager is None or django.method not in knowledge.keyed_reads or \
                django.method in knowledge.manager_writes:
            return None
        if django.method in django_orm().chainable and not item.evaluated(project, facts, call):
            return None
        return django
    sqlalchemy = item.sqlalchemy_call(project, facts, call)
    if sqlalchemy is not None:
        reads = loop_queries().session_reads | sqlalchemy_queries().single_row | {"all"}
        return sqlalchemy if sqlalchemy.method in reads else None
    return item.cursor_call(project, call)


def _written(call: CallFact) -> str:
    return call.text.replace("()", "(...)") + ("(...)" if call.args or call.keywords or call.has_star_args else "()")


def _advice(query: DbCall, keyed: bool) -> str:
    if not keyed:
        return "its arguments do not change in the loop: hoist it out of the loop and run it once"
    name = item.short(query.model)
    if query.orm == DJANGO:
        return (f"fetch the rows in one query before the loop (`{name}.objects.in_bulk(ids)`, or "
                f"`{name}.objects.filter(pk__in=ids)` into a dict) and look each one up")
    if query.orm == SQLALCHEMY:
        return (f"load them in one query before the loop (`select({name}).where({name}.id.in_(ids))` "
                "into a dict) and look each one up")
    return "send one query for all items (`WHERE id IN (...)`), or `cursor.executemany(...)` for writes"
