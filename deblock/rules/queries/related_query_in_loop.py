from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

from deblock.analyzer.facts.model import ModuleFacts
from deblock.analyzer.project import Project
from deblock.analyzer.queries import DJANGO
from deblock.model import Applicability, Finding, FixAvailability
from deblock.query_knowledge import django_queries, sqlalchemy_queries
from deblock.rules._base import Invalid, Rule
from deblock.rules._context import severity_for
from deblock.rules.queries._eager import eager_fix, is_loaded
from deblock.rules.queries._loops import loop_rows, relation_reads

_M = "# file: app/models.py\nfrom django.db import models\n\nclass Order(models.Model):\n    pass\n\nclass Line(models.Model):\n    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name='lines')\n    qty = models.IntegerField()\n"
_V = "# file: app/views.py\nfrom app.models import Order\n\n"


class RelatedQueryInLoop(Rule):
    """
    ## What it does
    Flags a query on a related manager for each row of a multi-row query, inside a loop
    or a comprehension, when no prefetch can answer it: `order.lines.filter(...)`,
    `.exclude()`, `.order_by()`, `.values_list()`, `.aggregate()`, `.first()`, and
    `.count()`/`.exists()` on a relation that is not prefetched. SQLAlchemy
    `lazy="dynamic"` relationships queried per row (`post.comments.count()`) count too.

    ## Why is this bad?
    Each call runs one query per row (N+1), and unlike a plain relation read,
    `prefetch_related` does not help: a new filter or ordering always goes back to
    the database. The database can compute the same thing for all rows at once.

    ## Example
    ```python
    from django.db import models

    class Order(models.Model):
        pass

    class Line(models.Model):
        order = models.ForeignKey(Order, related_name="lines", on_delete=models.CASCADE)

    def report():
        for order in Order.objects.all():
            print(order.lines.count())
    ```

    Use instead:
    ```python
    from django.db import models

    class Order(models.Model):
        pass

    class Line(models.Model):
        order = models.ForeignKey(Order, related_name="lines", on_delete=models.CASCADE)

    def report():
        for order in Order.objects.annotate(line_count=models.Count("lines")):
            print(order.line_count)
    ```

    Counts and existence checks become `annotate(Count(...))`/`annotate(Exists(...))`;
    filtered or ordered subsets become `prefetch_related(Prefetch("lines",
    queryset=Line.objects.filter(...), to_attr="open_lines"))`; sums become
    `annotate(Sum(...))`.

    ## Fix safety
    For `count()`/`exists()` the fix prefetches the relation (`prefetch_related("lines")`
    added to the query), whose cache answers both without a query: N+1 queries become
    two. It is unsafe: every related row is loaded to be counted, which costs more
    memory than an `annotate(Count(...))` when relations are large. The other methods
    get no fix: the rewrite changes both the query and the loop body (the new attribute
    name), which a reviewer should choose.

    ## References
    - [Django: Prefetch objects](https://docs.djangoproject.com/en/stable/ref/models/querysets/#prefetch-objects)
    - [Django: aggregation with annotate](https://docs.djangoproject.com/en/stable/topics/db/aggregation/)
    """

    code = "DBK202"
    message = "N+1 query: `{read}` runs one query per row of `{rows}`; {advice}"
    fix_title = "Prefetch the relation so that its cache answers the call"
    fix_availability = FixAvailability.SOMETIMES
    applicability = Applicability.UNSAFE
    scope = "project"
    valid = [
        _V + "def f():\n    for o in Order.objects.prefetch_related('lines'):\n        print(o.lines.count())\n" + _M,
        _V + "def f():\n    o = Order.objects.get(pk=1)\n    return o.lines.filter(qty__gt=1).count()\n" + _M,
        _V + "def f():\n    for o in Order.objects.all():\n        print([l.qty for l in o.lines.all()])\n" + _M,
    ]
    invalid = [
        Invalid(_V + "def f():\n    for o in Order.objects.all():\n        print(o.lines.count())\n" + _M,
                line=5, message='`annotate(lines_count=Count("lines"))`',
                fixed="from app.models import Order\n\ndef f():\n    for o in Order.objects.all().prefetch_related(\"lines\"):\n"
                "        print(o.lines.count())\n"),
        Invalid(_V + "def f():\n    return [o.lines.filter(qty__gt=1) for o in Order.objects.prefetch_related('lines')]\n" + _M,
                line=4, message='Prefetch("lines"'),
    ]

    def check(self, facts: ModuleFacts, project: Project) -> Iterator[Finding]:
        knowledge = django_queries()
        for loop, rows in loop_rows(project, facts):
            for read in relation_reads(project, facts, loop, rows.model):
                if read.method is None:
                    continue
                last = read.relations[-1]
                if rows.orm == DJANGO:
                    if read.method == "all" or (read.method in knowledge.served_by_prefetch
                                                and is_loaded(rows, read.relations)):
                        continue  # DBK201's, or answered by the prefetch cache
                    if read.method not in knowledge.new_query | knowledge.served_by_prefetch:
                        continue
                elif last.lazy not in sqlalchemy_queries().query_lazy:
                    continue
                fix = None
                if rows.orm == DJANGO and read.method in knowledge.served_by_prefetch:
                    fix = eager_fix(rows, read.relations, facts, f'Add `prefetch_related("{read.path}")` to the query',
                                    Applicability.UNSAFE)
                finding = self.finding(facts, read.span, fix=fix, read=read.text, rows=rows.text,
                                       advice=_advice(rows.orm, read.path, read.method))
                yield replace(finding, severity=severity_for(project, loop.function, facts.path))


def _advice(orm: str, path: str, method: str) -> str:
    if orm != DJANGO:
        return "compute it for all rows in one grouped query (or a correlated subquery column) instead"
    name = path.replace("__", "_")
    if method == "count":
        return f'use `annotate({name}_count=Count("{path}"))` on the query and read `{name}_count`'
    if method == "exists":
        return f"use `annotate(has_{name}=Exists(...))` on the query and read `has_{name}`"
    if method in ("aggregate", "annotate"):
        return f'annotate the aggregate over `"{path}"` on the outer query instead'
    return (f'prefetch the subset once with `prefetch_related(Prefetch("{path}", queryset=..., '
            f'to_attr="...")`) and read the attribute')
