from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

from deblock.analyzer.facts.model import ArgFact, IterationFact, ModuleFacts
from deblock.analyzer.models import Model, model_graph
from deblock.analyzer.project import Project
from deblock.analyzer.queries import DJANGO, Rows, calls_within
from deblock.model import Applicability, Finding, Fix, FixAvailability
from deblock.rules._base import Invalid, Rule
from deblock.rules._context import severity_for
from deblock.rules.queries._loops import loop_rows

_M = "# file: app/models.py\nfrom django.db import models\n\nclass Customer(models.Model):\n    name = models.CharField()\n\nclass Order(models.Model):\n    customer = models.ForeignKey(Customer, on_delete=models.CASCADE)\n    number = models.CharField()\n    total = models.IntegerField()\n    paid = models.BooleanField()\n"
_V = "# file: app/views.py\nfrom app.models import Order\n\n"
_NARROWING = ("only", "defer", "values", "values_list", "select_related", "prefetch_related")


class WholeRowsForFewColumns(Rule):
    """
    ## What it does
    Flags a loop or a comprehension over a multi-row Django QuerySet whose body reads
    only one or two plain fields of each row (`o.number`, `o.customer_id`) and does
    nothing else with the row: no relation, no method call, no passing it along.

    ## Why is this bad?
    The query fetches every column of every row and builds a model instance per row,
    to throw almost all of it away: wide text/JSON columns are sent and decoded for nothing.
    `values_list(...)` fetches only the columns read, as tuples; `only(...)` keeps instances
    with just those columns. Reading only `pk` is flagged too: use `values_list("pk", flat=True)`.

    ## Example
    ```python
    from django.db import models

    class Order(models.Model):
        number = models.CharField(max_length=20)

    def numbers():
        return [o.number for o in Order.objects.filter(paid=True)]
    ```

    Use instead:
    ```python
    from django.db import models

    class Order(models.Model):
        number = models.CharField(max_length=20)

    def numbers():
        return [o.number for o in Order.objects.filter(paid=True).only("number")]
    ```

    ## Fix safety
    The fix adds `.only(...)` with the fields read (`<fk>_id` as the relation's name) after
    the first call on the manager. It is unsafe: the instances may be used after the loop,
    out of sight, and each deferred field read there runs one query per row.

    ## Known limitations
    A row used bare outside a call (`return o`, `d[k] = o`) is not seen. So a `for` body
    assigning any name, and a comprehension whose result is not `o.f` / `o.a: o.b`, stay silent.
    Only queries on the model's own manager are checked, not helpers nor related managers
    (`a.books.all()` may read a prefetch cache that `only()` would bypass).
    """

    code = "DBK208"
    message = "`{rows}` loads whole `{model}` rows to read {fields}; fetch only those columns with `values_list(...)` / `only(...)`"
    fix_title = "Load only the fields read"
    fix_availability = FixAvailability.SOMETIMES
    applicability = Applicability.UNSAFE
    scope = "project"
    valid = [
        _V + "def f():\n    return [o.customer.name for o in Order.objects.all()]\n" + _M,
        _V + "def f():\n    for o in Order.objects.all():\n        o.paid = True\n        o.save()\n" + _M,
        _V + "def f(out):\n    for o in Order.objects.all():\n        out.append((o.number, o))\n" + _M,
        _V + "def f():\n    return [o.number for o in Order.objects.only('number', 'total')]\n" + _M,
        _V + "def f():\n    return {o.id: o for o in Order.objects.all()}\n" + _M,
    ]
    invalid = [
        Invalid(_V + "def f():\n    return [o.number for o in Order.objects.filter(paid=True)]\n" + _M,
                fixed="from app.models import Order\n\ndef f():\n    return [o.number for o in Order.objects.filter(paid=True).only(\"number\")]\n",
                line=4, message="loads whole `Order` rows to read `number`"),
        Invalid(_V + "def f(out):\n    for o in Order.objects.all():\n        out.append(o.customer_id)\n        print(o.total)\n" + _M,
                fixed="from app.models import Order\n\ndef f(out):\n    for o in Order.objects.all().only(\"customer\", \"total\"):\n        out.append(o.customer_id)\n        print(o.total)\n",
                line=4, message="`customer_id` and `total`"),
    ]

    def check(self, facts: ModuleFacts, project: Project) -> Iterator[Finding]:
        for loop, rows in loop_rows(project, facts):
            model = model_graph(project).model(rows.model)
            calls = [c for span in loop.origins for c in calls_within(project, facts, span)]
            own = (project.resolve(loop.iterable) or loop.iterable or "").startswith(f"{rows.model}.")
            if (rows.orm != DJANGO or model is None or not own or rows.loaded or rows.eager_calls
                    or rows.select_related_all or any((c.callee or c.text).rpartition(".")[2] in _NARROWING for c in calls)):
                continue  # a related manager (maybe prefetched) or a helper; already narrowed; eager loads
            fields = _fields_read(facts, loop, model)
            if fields and len(fields) <= 2:
                finding = self.finding(facts, loop.iter_span, fix=_only_fix(rows, model, fields), rows=rows.text,
                                       model=model.qualname.rpartition(".")[2], fields=" and ".join(f"`{f}`" for f in fields))
                yield replace(finding, severity=severity_for(project, loop.function, facts.path))


def _fields_read(facts: ModuleFacts, loop: IterationFact, model: Model) -> list[str] | None:
    """Plain fields read on the element, in order; None if it may be used otherwise."""
    element = loop.targets[0]

    def inside(span) -> bool:
        return loop.span.contains(span) and not loop.iter_span.contains(span)
    if loop.kind == "for" and set(loop.assigned) - set(loop.targets):
        return None  # `best = o` is invisible otherwise
    reads = [a for a in facts.attributes if a.name == element and a.function == loop.function and inside(a.span)]
    if any(not a.path or a.path[0] not in model.fields for a in reads):
        return None
    for call in (c for c in facts.calls if c.function == loop.function and inside(c.span)):
        parts = call.text.split(".")
        if parts[0] == element and (len(parts) < 3 or parts[1] not in model.fields):
            return None  # `o.save()`, `o.lines.all()`
        if element in call.reads and _bare_refs(call.args, call.keywords) > sum(call.span.contains(a.span) for a in reads):
            return None  # `f(o)`: a loop variable's ref resolves to None, like `o.number`
    if loop.kind == "comprehension" and not _element_is_reads(loop, reads):
        return None
    return list(dict.fromkeys(a.path[0] for a in reads))


def _bare_refs(args: tuple[ArgFact, ...], keywords: tuple[tuple[str, ArgFact], ...]) -> int:
    values = [*args, *(v for _, v in keywords)]
    return sum(1 for a in values if a.kind == "ref" and a.value is None) + sum(
        _bare_refs(a.args, a.keywords) for a in values if a.kind in ("list", "dict"))


def _element_is_reads(loop: IterationFact, reads: list) -> bool:
    """The comprehension's element is exactly `o.f` (or `o.a: o.b`), laid out on one line."""
    spans = sorted((a.chain_span or a.span for a in reads), key=lambda s: (s.line, s.col))
    before = [s for s in spans if (s.line, s.col) < (loop.iter_span.line, loop.iter_span.col)]
    if not before or len(before) > 2 or {s.line for s in before} | {loop.iter_span.line} != {loop.span.line}:
        return False
    if before[0].col != loop.span.col + 1 or (len(before) == 2 and before[1].col != before[0].end_col + 2):
        return False  # `[o.a ...]`, `{o.a: o.b ...}`
    return before[-1].end_col + len(f" for {loop.targets[0]} in ") == loop.iter_span.col


def _only_fix(rows: Rows, model: Model, fields: list[str]) -> Fix | None:
    if rows.source is None:  # still reported, without a fix
        return None
    names = [f[:-3] if f.endswith("_id") and f[:-3] in model.relations else f for f in fields]
    arg = ", ".join(f'"{n}"' for n in dict.fromkeys(names))
    return Fix("add_eager_load", rows.source, f"Add `.only({arg})` to the query", Applicability.UNSAFE,
               (("arg", arg), ("imports", ""), ("method", "only"), ("mode", rows.source_mode)))
