from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

from deblock.analyzer.facts.model import CallFact, IterationFact, ModuleFacts
from deblock.analyzer.project import Project
from deblock.analyzer.queries import DJANGO
from deblock.model import Finding
from deblock.query_knowledge import django_queries, loop_queries
from deblock.rules._base import Invalid, Rule
from deblock.rules.queries import _per_item as item
from deblock.rules._context import severity_for
from deblock.rules.queries._per_item import DbCall

_V = "# file: app/views.py\nfrom app.models import Book\n\n"
_M = "# file: app/models.py\nfrom django.db import models\n\nclass Book(models.Model):\n    price = models.IntegerField()\n"


class WriteInLoop(Rule):
    """
    ## What it does
    Flags a database write made once per iteration of a `for` loop or a comprehension:
    Django `instance.save()`/`delete()` on the loop's rows or on an instance fetched or
    built in the loop, `Model.objects.create()`/`get_or_create()`/`update_or_create()`,
    `filter(...).update()`; SQLAlchemy `session.commit()` per item.

    ## Why is this bad?
    Each write is its own round trip (and, with autocommit or a commit per item, its
    own transaction and disk flush). Saving 1,000 rows one by one takes 1,000 queries
    where `bulk_update`/`bulk_create` take a handful.

    ## Example
    ```python
    from django.db import models

    class Book(models.Model):
        price = models.IntegerField()

    def reprice(rate):
        for book in Book.objects.all():
            book.price = book.price * rate
            book.save()
    ```

    Use instead:
    ```python
    from django.db import models

    class Book(models.Model):
        price = models.IntegerField()

    def reprice(rate):
        books = list(Book.objects.all())
        for book in books:
            book.price = book.price * rate
        Book.objects.bulk_update(books, ["price"])
    ```

    What changes: `bulk_create()` and `bulk_update()` do not call `save()` overrides
    nor send `pre_save`/`post_save` signals; `bulk_update()` does not touch `auto_now`
    fields; `bulk_create()` sets primary keys only on backends that return them
    (PostgreSQL, MariaDB 10.5+, SQLite 3.35+). One commit per batch instead of per item
    means a failure rolls back the whole batch. `session.add()` in a loop is fine: the
    unit of work sends the rows together at the next flush.

    ## Known limitations
    A loop followed in the same function by `bulk_create()`/`bulk_update()` is not
    flagged. No automatic fix: the batched form needs the list of objects and the
    changed fields. Code in migrations, tests and management commands is reported at
    INFO severity.

    ## References
    - [Django: bulk_update()](https://docs.djangoproject.com/en/stable/ref/models/querysets/#bulk-update)
    - [Django: bulk_create()](https://docs.djangoproject.com/en/stable/ref/models/querysets/#bulk-create)
    - [SQLAlchemy: committing](https://docs.sqlalchemy.org/en/20/orm/session_basics.html#committing)
    """

    code = "DBK206"
    message = "`{call}` writes to the database on each iteration of {loop}; {advice}"
    scope = "project"
    valid = [
        _V + "def f(books):\n    for b in Book.objects.all():\n        b.price = 1\n"
        "    Book.objects.bulk_update(books, ['price'])\n" + _M,
        _V + "def f(rows):\n    Book.objects.bulk_create([Book(price=r) for r in rows])\n" + _M,
        _V + "def f(rows, session):\n    for r in rows:\n        session.add(Book(price=r))\n" + _M,
    ]
    invalid = [
        Invalid(_V + "def f(rows):\n    for r in rows:\n        Book.objects.create(price=r)\n" + _M,
                line=5, message="bulk_create"),
        Invalid(_V + "def f():\n    for b in Book.objects.all():\n        b.save(update_fields=['price'])\n" + _M,
                line=5, message="bulk_update(objs, [\"price\"])"),
        Invalid(_V + "def f(ids):\n    for i in ids:\n        b = Book.objects.get(pk=i)\n        b.delete()\n" + _M,
                line=6, message="filter(pk__in=...).delete()"),
    ]

    def check(self, facts: ModuleFacts, project: Project) -> Iterator[Finding]:
        for call in facts.calls:
            loop = item.innermost_loop(project, facts, call)
            write = _write(project, facts, call, loop) if loop is not None else None
            if write is None or loop is None or _bulk_after(project, facts, loop):
                continue
            text = call.text.replace("()", "(...)") + ("(...)" if call.args or call.keywords else "()")
            finding = self.finding(facts, call.span, call=text, loop=item.loop_name(loop), advice=_advice(write, call))
            yield replace(finding, severity=severity_for(project, call.function, facts.path))


def _write(project: Project, facts: ModuleFacts, call: CallFact, loop: IterationFact) -> DbCall | None:
    knowledge = django_queries()
    django = item.django_call(project, call)
    if django is not None and django.chain is not None:
        writes = knowledge.manager_writes if django.chain.manager and not django.chain.chain and \
            django.chain.kind != "instance" else knowledge.instance_writes | knowledge.queryset_writes
        return django if django.method in writes else None
    name, _, method = call.text.rpartition(".")
    if call.callee is None and name in loop.targets and item.sync_method(method) in knowledge.instance_writes:
        model = item.element_model(project, facts, loop)
        return DbCall(call, DJANGO, item.sync_method(method), model) if model else None
    sqlalchemy = item.sqlalchemy_call(project, facts, call)
    return sqlalchemy if sqlalchemy and sqlalchemy.method in loop_queries().session_commits else None


def _bulk_after(project: Project, facts: ModuleFacts, loop: IterationFact) -> bool:
    bulk = loop_queries().bulk_writes
    return any(c.function == loop.function and c.text.rpartition(".")[2] in bulk and
               (c.span.line, c.span.col) > (loop.span.end_line, loop.span.end_col) for c in facts.calls)


def _advice(write: DbCall, call: CallFact) -> str:
    name = item.short(write.model)
    if write.orm != DJANGO:
        return "commit once after the loop (or once per batch); a failure then rolls back the whole batch"
    if write.method in ("create", "save") and (write.method == "create" or
                                              (write.chain and write.chain.manager is None)):
        return (f"build the objects and call `{name}.objects.bulk_create(objs)` once "
                "(it skips `save()` overrides and pre/post_save signals)")
    if write.method == "save":
        fields = next((v.value for k, v in call.keywords if k == "update_fields" and v.kind == "literal"), None)
        listed = ", ".join(f'"{f}"' for f in fields) if isinstance(fields, tuple) else "..."
        return (f"collect the objects and call `{name}.objects.bulk_update(objs, [{listed}])` once "
                "(it skips `save()` overrides, signals and `auto_now` fields)")
    if write.method == "delete":
        return f"delete them in one query: `{name}.objects.filter(pk__in=...).delete()`"
    if write.method in ("get_or_create", "update_or_create"):
        return (f"fetch the existing rows once (`{name}.objects.filter(...__in=...)`), then "
                "`bulk_create` the missing ones and `bulk_update` the changed ones")
    return f"run one `{write.method}()` over `{name}.objects.filter(pk__in=...)`, or `bulk_update` the objects"
