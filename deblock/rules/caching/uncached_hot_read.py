from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace

from deblock.analyzer.facts.model import FunctionFact, ModuleFacts
from deblock.analyzer.project import Project
from deblock.hot_read_knowledge import hot_reads
from deblock.model import Finding, Fix, FixAvailability, Severity
from deblock.rules._base import Invalid, Rule
from deblock.rules.caching._hot import (
    Read,
    cache_fix_args,
    cacheable_reads,
    entries_text,
    read_text,
    writes_text,
)

_D = "# file: shop/views.py\nfrom django.views.decorators.http import require_GET, require_POST\nfrom shop.models import Book\n"
_U = "# file: shop/models.py\nfrom django.db import models\nclass Book(models.Model):\n    title = models.CharField()\n" \
     "# file: shop/urls.py\nfrom django.urls import path\nfrom shop import views\nurlpatterns = [path('b/', views.top)]\n"


class UncachedHotRead(Rule):
    """
    ## What it does
    Flags a read-only query, an outbound HTTP GET or a known-expensive call on a GET path
    whose inputs are only constants, settings or request parameters, with no cache on the
    path. The message names the GET entry points that reach it and the project's writes of
    the same model (and of the models one relation away) that a cache would have to be
    invalidated by.

    ## Why is this bad?
    Every request recomputes the same answer: the database (or the other service) does the
    same work for each visitor, and it is the first thing to fall over under load. A cache
    with a short TTL turns N identical queries per second into one per TTL.

    ## Example
    ```python
    # file: shop/views.py
    from django.http import JsonResponse
    from django.views.decorators.http import require_GET
    from shop.models import Book
    @require_GET
    def top(request):
        return JsonResponse({"n": Book.objects.count()})
    # file: shop/models.py
    from django.db import models
    class Book(models.Model):
        title = models.CharField()
    # file: shop/urls.py
    from django.urls import path
    from shop import views
    urlpatterns = [path("b/", views.top)]
    ```
    Use instead:
    ```python
    # file: shop/views.py
    from django.core.cache import cache
    from django.http import JsonResponse
    from django.views.decorators.http import require_GET
    from shop.models import Book
    @require_GET
    def top(request):
        return JsonResponse({"n": cache.get_or_set("k", lambda: Book.objects.count(), 60)})
    # file: shop/models.py
    from django.db import models
    class Book(models.Model):
        title = models.CharField()
    # file: shop/urls.py
    from django.urls import path
    from shop import views
    urlpatterns = [path("b/", views.top)]
    ```

    ## Fix safety
    Unsafe: readers see data up to `ttl` seconds old until the writes listed in the message
    delete the key. Offered for reads in sync code whose result no other code filters,
    counts or iterates. Django ORM reads become `cache.get_or_set(key, lambda: <read>, ttl)`
    (a QuerySet is cached as a `list`). In a project that already uses `cachetools`,
    SQLAlchemy reads and outbound GETs go through a module-level `cachetools.TTLCache`
    (`_cached_read(key, lambda: <read>)`, one copy per worker process; an ORM row comes
    back detached from later sessions). The key is the function's qualified name plus
    the route parameters used. Elsewhere the message is advice.

    ## Options
    `[tool.deblock.rules.DBK401] ttl = 60`: the timeout the fix writes, in seconds.

    ## Known limitations
    Reads that depend on the user (`request.user`, `login_required`, the session) are left
    alone, as are reads in loops (DBK205), DRF viewsets and reads whose inputs deblock
    cannot trace. It is a suggestion: INFO, WARNING for aggregates and outbound calls.
    """

    @dataclass(frozen=True)
    class Options:
        ttl: int = hot_reads().default_ttl

    code = "DBK401"
    message = "`{read}` runs on every {entries} with the same inputs and no cache on the path; {writes}"
    fix_title = "Cache it with `cache.get_or_set(key, lambda: ..., ttl)`"
    fix_availability = FixAvailability.SOMETIMES
    scope = "project"
    valid = [
        _D + "from django.core.cache import cache\n@require_GET\ndef top(request):\n"
             "    return cache.get_or_set('k', lambda: Book.objects.count(), 60)\n" + _U,
        _D + "@require_GET\ndef top(request):\n    return Book.objects.filter(owner=request.user).count()\n" + _U,
        _D + "@require_POST\ndef top(request):\n    return Book.objects.count()\n" + _U,
    ]
    invalid = [
        Invalid(_D + "@require_GET\ndef top(request):\n    return Book.objects.count()\n" + _U, line=5,
                message="no writes of `Book` found in the project",
                fixed=_D.split("\n", 1)[1] + "from django.core.cache import cache\n\n@require_GET\ndef top(request):\n"
                      "    return cache.get_or_set(\"shop.views.top:Book.count\", lambda: Book.objects.count(), 60)\n"),
        Invalid(_D + "@require_GET\ndef top(request):\n    return list(Book.objects.filter(title='x'))\n"
                "@require_POST\ndef add(request):\n    Book.objects.create(title='x')\n" + _U, line=5,
                message="shop/views.py:8 (add)"),
    ]

    def check(self, facts: ModuleFacts, project: Project) -> Iterator[Finding]:
        for read, fn, entries in cacheable_reads(project, facts):
            finding = self.finding(facts, read.call.span, fix=self._fix(project, facts, read, fn),
                                   read=read_text(read), entries=entries_text(entries), writes=writes_text(project, read))
            yield replace(finding, severity=Severity.WARNING if read.expensive else Severity.INFO)

    def _fix(self, project: Project, facts: ModuleFacts, read: Read, fn: FunctionFact) -> Fix | None:
        args = cache_fix_args(project, facts, read, fn)
        if args is None:
            return None
        title = "Keep it in a `cachetools.TTLCache`" if args["backend"] == "cachetools" else None
        return self.make_fix("wrap_in_cache", read.call.span, title=title, ttl=str(self.options.ttl), **args)

