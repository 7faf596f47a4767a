from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

from deblock.analyzer.facts.model import ModuleFacts
from deblock.analyzer.project import Project
from deblock.model import Applicability, Finding, FixAvailability
from deblock.rules._base import Invalid, Rule
from deblock.rules._context import severity_for
from deblock.rules.queries._eager import KINDS, advice, eager_fix, is_loaded
from deblock.rules.queries._loops import loop_rows, relation_reads

_M = "# file: app/models.py\nfrom django.db import models\n\nclass Customer(models.Model):\n    name = models.CharField()\n\nclass Order(models.Model):\n    customer = models.ForeignKey(Customer, on_delete=models.CASCADE)\n    tags = models.ManyToManyField('Tag')\n\nclass Tag(models.Model):\n    name = models.CharField()\n"
_V = "# file: app/views.py\nfrom app.models import Order\n\n"
_SA = "# file: blog/models.py\nfrom sqlalchemy import ForeignKey\nfrom sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship\n\nclass Base(DeclarativeBase):\n    pass\n\nclass User(Base):\n    __tablename__ = 'users'\n    id: Mapped[int] = mapped_column(primary_key=True)\n    name: Mapped[str]\n\nclass Post(Base):\n    __tablename__ = 'posts'\n    id: Mapped[int] = mapped_column(primary_key=True)\n    author_id: Mapped[int] = mapped_column(ForeignKey('users.id'))\n    author: Mapped[User] = relationship()\n"


class LazyRelationInLoop(Rule):
    """
    ## What it does
    Flags a relation read on each row of a multi-row query inside a loop or a
    comprehension when the query does not load that relation: a ForeignKey/OneToOne
    (`order.customer.name`), a nested path (`order.customer.address.city`), a
    collection walked with `.all()` or an inner loop (`post.tags.all()`), or a
    SQLAlchemy relationship attribute (`post.author`, `len(post.comments)`).

    ## Why is this bad?
    Each read runs one more query, once per row: 100 orders make 101 queries (the
    "N+1" problem). The page gets slower with every row, and the database does the
    same tiny lookup again and again. One eager load fetches all related rows in one
    join or one extra query, whatever the number of rows.

    The relation's kind comes from the project's models (Django fields and reverse
    accessors, SQLAlchemy `relationship()`), so single-row fetches (`get()`, `first()`),
    loops over plain lists, `values()` rows, relations already loaded by
    `select_related`/`prefetch_related`/`joinedload`/`selectinload` or by
    `relationship(lazy="joined"|"selectin")` are not flagged.

    ## Example
    ```python
    from django.db import models

    class Customer(models.Model):
        name = models.CharField(max_length=100)

    class Order(models.Model):
        customer = models.ForeignKey(Customer, on_delete=models.CASCADE)

    def report():
        for order in Order.objects.filter(paid=True):
            print(order.customer.name)
    ```

    Use instead:
    ```python
    from django.db import models

    class Customer(models.Model):
        name = models.CharField(max_length=100)

    class Order(models.Model):
        customer = models.ForeignKey(Customer, on_delete=models.CASCADE)

    def report():
        for order in Order.objects.filter(paid=True).select_related("customer"):
            print(order.customer.name)
    ```

    ## Fix safety
    The fix adds the path to the query's existing `select_related`/`prefetch_related`/
    `.options(...)` call, or adds one where the query starts (imports included):
    `select_related` for single-valued steps, `prefetch_related` when a step is a
    collection; SQLAlchemy `joinedload` / `selectinload` likewise. It is safe when the
    query is built in the same function: the rows and their values are the same, only
    fetched together. It is unsafe when the rows come from a project helper (the helper
    may return something the added call does not accept). No fix for `lazy="dynamic"`.

    ## References
    - [Django: select_related](https://docs.djangoproject.com/en/stable/ref/models/querysets/#select-related)
    - [Django: prefetch_related](https://docs.djangoproject.com/en/stable/ref/models/querysets/#prefetch-related)
    - [SQLAlchemy: relationship loading techniques](https://docs.sqlalchemy.org/en/20/orm/queryguide/relationships.html)
    """

    code = "DBK201"
    message = "N+1 query: `{read}` loads the {kind} `{relation}` once per row of `{rows}`; add `{advice}` to the query"
    fix_title = "Load the relation with the rows"
    fix_availability = FixAvailability.SOMETIMES
    applicability = Applicability.SAFE
    scope = "project"
    valid = [
        _V + "def f():\n    for o in Order.objects.select_related('customer'):\n        print(o.customer.name)\n" + _M,
        _V + "def f():\n    o = Order.objects.get(pk=1)\n    return o.customer.name\n" + _M,
        _V + "def f(items):\n    return [o.customer for o in items]\n" + _M,
        _V + "def f():\n    return [o['customer__name'] for o in Order.objects.values('customer__name')]\n" + _M,
        _V + "def f():\n    for o in Order.objects.prefetch_related('tags'):\n        print([t.name for t in o.tags.all()])\n" + _M,
        _V + "def f():\n    return [o.customer_id for o in Order.objects.all()]\n" + _M,
        "# file: blog/views.py\nfrom sqlalchemy import select\nfrom sqlalchemy.orm import joinedload\nfrom blog.models import Post\n\ndef f(db):\n    return [p.author.name for p in db.scalars(select(Post).options(joinedload(Post.author))).all()]\n" + _SA,
    ]
    invalid = [
        Invalid(_V + "def f():\n    for o in Order.objects.all():\n        print(o.customer.name)\n" + _M,
                fixed="from app.models import Order\n\ndef f():\n    for o in Order.objects.all().select_related(\"customer\"):\n        print(o.customer.name)\n",
                line=5, message="`o.customer` loads the ForeignKey `Order.customer` once per row of `Order.objects.all()`"),
        Invalid(_V + "def f():\n    qs = Order.objects.select_related('x')\n    return [[t.name for t in o.tags.all()] for o in qs]\n" + _M,
                fixed="from app.models import Order\n\ndef f():\n    qs = Order.objects.select_related('x').prefetch_related(\"tags\")\n    return [[t.name for t in o.tags.all()] for o in qs]\n",
                line=5, message="add `prefetch_related(\"tags\")`"),
        Invalid("# file: blog/views.py\nfrom sqlalchemy import select\nfrom blog.models import Post\n\ndef f(db):\n    return [p.author.name for p in db.scalars(select(Post)).all()]\n" + _SA,
                fixed="from sqlalchemy import select\nfrom blog.models import Post\nfrom sqlalchemy.orm import joinedload\n\ndef f(db):\n    return [p.author.name for p in db.scalars(select(Post).options(joinedload(Post.author))).all()]\n",
                line=5, message="many-to-one"),
    ]

    def check(self, facts: ModuleFacts, project: Project) -> Iterator[Finding]:
        for loop, rows in loop_rows(project, facts):
            reads = [r for r in relation_reads(project, facts, loop, rows.model) if r.method in (None, "all")]
            paths = {r.path for r in reads}
            seen: set[str] = set()
            for read in reads:
                if read.path in seen or any(p.startswith(read.path + "__") for p in paths):
                    continue  # one finding per relation path; the longest path covers its prefixes
                seen.add(read.path)
                if is_loaded(rows, read.relations):
                    continue
                last = read.relations[-1]
                fix = eager_fix(rows, read.relations, facts, f"Add `{advice(rows, read.relations, facts)}` to the query",
                                Applicability.UNSAFE if rows.source_is_helper else Applicability.SAFE)
                finding = self.finding(
                    facts, read.span, fix=fix, read=read.text, kind=KINDS.get(last.kind, last.kind),
                    relation=f"{last.model.rpartition('.')[2]}.{last.name}", rows=rows.text,
                    advice=advice(rows, read.relations, facts))
                yield replace(finding, severity=severity_for(project, loop.function, facts.path))

