from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

from deblock.analyzer.django_orm import QUERYSET, parse
from deblock.analyzer.facts.model import ArgFact, ModuleFacts
from deblock.analyzer.project import Project
from deblock.model import Finding, Span
from deblock.rules._base import Invalid, Rule
from deblock.rules._context import severity_for

_V = "# file: app/views.py\nfrom app.models import Book\n\n"
_M = "# file: app/models.py\nfrom django.db import models\n\nclass Book(models.Model):\n    stock = models.IntegerField()\n"


class QuerysetEvaluatedForSize(Rule):
    """
    ## What it does
    Flags a Django QuerySet evaluated only to learn its size or whether it is empty:
    `len(qs)`, `if qs:`, `not qs`, `bool(qs)`, when the rows are not used afterwards
    in the same function.

    ## Why is this bad?
    Evaluating a QuerySet fetches every row and builds a model instance for each one,
    only to count them. `qs.count()` runs `SELECT COUNT(*)` and `qs.exists()` fetches
    at most one row: the database does the work and nothing crosses the wire.

    ## Example
    ```python
    from django.db import models

    class Book(models.Model):
        stock = models.IntegerField()

    def stats():
        in_stock = Book.objects.filter(stock__gt=0)
        return {"in_stock": len(in_stock)}
    ```

    Use instead:
    ```python
    from django.db import models

    class Book(models.Model):
        stock = models.IntegerField()

    def stats():
        in_stock = Book.objects.filter(stock__gt=0)
        return {"in_stock": in_stock.count()}
    ```

    ## Known limitations
    Silent when the same QuerySet is iterated, indexed or passed on elsewhere in the
    function: then evaluating it once is right, and `len()`/`if qs:` reuse the rows
    (Django's docs say so). Two variables built by the same expression count as one.
    No automatic fix: the advice is shown only.

    ## References
    - [Django: count()](https://docs.djangoproject.com/en/stable/ref/models/querysets/#count)
    - [Django: exists()](https://docs.djangoproject.com/en/stable/ref/models/querysets/#exists)
    - [Django: when QuerySets are evaluated](https://docs.djangoproject.com/en/stable/ref/models/querysets/#when-querysets-are-evaluated)
    """

    code = "DBK207"
    message = "`{use}` fetches every row of a `{model}` QuerySet to {what}; use `{better}` instead"
    scope = "project"
    valid = [
        _V + "def f():\n    qs = Book.objects.all()\n    return len(qs), [b.stock for b in qs]\n" + _M,
        _V + "def f():\n    qs = Book.objects.all()\n    if qs:\n        return qs[0]\n" + _M,
        _V + "def f(rows):\n    return len(rows), Book.objects.count()\n" + _M,
    ]
    invalid = [
        Invalid(_V + "def f():\n    qs = Book.objects.filter(stock=0)\n    return len(qs)\n" + _M,
                line=5, message="`.count()`"),
        Invalid(_V + "def f():\n    qs = Book.objects.filter(stock=0)\n    if not qs:\n        return 'none'\n" + _M,
                line=5, message="`qs.exists()`"),
        Invalid(_V + "def f():\n    return bool(Book.objects.filter(stock=0))\n" + _M, line=4, message=".exists()"),
    ]

    def check(self, facts: ModuleFacts, project: Project) -> Iterator[Finding]:
        for call in facts.calls:
            callee = project.resolve(call.callee) or call.callee
            if callee in ("builtins.len", "builtins.bool") and len(call.args) == 1 and not call.keywords:
                arg = call.args[0]
                model = _queryset(project, _value(arg))
                if model and (arg.kind == "call" or not _used_elsewhere(facts, call.function, _value(arg), call.span)):
                    test = callee == "builtins.bool"
                    yield self._found(facts, project, call.span, call.function, f"{callee[9:]}(...)", model,
                                      "test it" if test else "count them", ".exists()" if test else ".count()")
            elif call.used_as == "test" and call.callee:
                model = _queryset(project, callee + "()")
                if model:
                    yield self._found(facts, project, call.span, call.function, call.text + "(...)", model,
                                      "test it", ".exists()")
        for use in facts.value_uses:
            model = _queryset(project, use.value) if use.how == "test" else None
            if model and not _used_elsewhere(facts, use.function, use.value, use.span):
                yield self._found(facts, project, use.span, use.function, f"if {use.name}:", model, "test it",
                                  f"{use.name}.exists()")

    def _found(self, facts: ModuleFacts, project: Project, span: Span, function: str, use: str, model: str,
               what: str, better: str) -> Finding:
        finding = self.finding(facts, span, use=use, model=model.rpartition(".")[2], what=what, better=better)
        return replace(finding, severity=severity_for(project, function, facts.path))


def _value(arg: ArgFact) -> str | None:
    if arg.kind == "ref" and arg.value:
        return str(arg.value)
    return f"{arg.value}()" if arg.kind == "call" and arg.value else None


def _queryset(project: Project, value: str | None) -> str | None:
    chain = parse(project, project.resolve(value) or value) if value else None
    return chain.model if chain is not None and chain.kind == QUERYSET and chain.final is None else None


def _used_elsewhere(facts: ModuleFacts, function: str, value: str | None, span: Span) -> bool:
    """Is the same QuerySet value iterated, indexed, tested or passed on elsewhere in the function?"""
    if any(loop.function == function and loop.iterable == value for loop in facts.iterations):
        return True
    if any(u.function == function and u.value == value and u.span != span for u in facts.value_uses):
        return True
    return any(c.function == function and not c.span.contains(span) and _mentions(c.args, c.keywords, value)
               for c in facts.calls)


def _mentions(args: tuple[ArgFact, ...], keywords: tuple[tuple[str, ArgFact], ...], value: str | None) -> bool:
    items = [*args, *(v for _, v in keywords)]
    return any((a.kind == "ref" and a.value == value) or
               (a.kind in ("list", "dict", "call") and _mentions(a.args, a.keywords, value)) for a in items)
