from __future__ import annotations

from collections.abc import Iterator

from deblock.analyzer.facts.model import ModuleFacts
from deblock.analyzer.project import Project
from deblock.model import Applicability, Finding, FixAvailability
from deblock.rules._base import Invalid, Rule, Valid
from deblock.rules.blocking._matching import short_name
from deblock.rules.blocking._orm import django_hits

_MODELS = "# file: app/models.py\nfrom django.db import models\n\nclass Book(models.Model):\n    pass\n"


class SyncDjangoOrmInAsync(Rule):
    """
    ## What it does
    Flags Django ORM queries run synchronously on the event loop: a QuerySet or manager
    chain ending in an evaluating method (`get`, `first`, `count`, `create`, `update`…),
    iterating a QuerySet with a plain `for`, `list(qs)`/`len(qs)`/`bool(qs)`, `if qs:`
    and indexing on a QuerySet expression, a model instance's `save()`, `delete()` or
    `refresh_from_db()`, shortcuts such as `get_object_or_404()` and `authenticate()`,
    and `transaction.atomic` in an `async def`.

    ## Why is this bad?
    The ORM is synchronous. In an `async def`, Django refuses to run it and raises
    `SynchronousOnlyOperation`; with the guard disabled, the query blocks the event
    loop and every other request waits. Django 4.1 added awaitable `a`-twins of the
    evaluating methods and `async for`; 4.2 added `asave()`, `adelete()` and
    `arefresh_from_db()`; 5.0 added `aget_object_or_404()` and the async auth
    functions. Transactions have no async form: move the transactional
    block into a sync function and call it with `await sync_to_async(fn)()`.

    Chainable methods (`filter`, `exclude`, `order_by`, `select_related`…) build a
    query without running it and are not flagged.

    ## Example
    ```python
    from django.db import models

    class Book(models.Model):
        title = models.CharField(max_length=200)

    async def latest_title(request):
        book = Book.objects.filter(published=True).first()
        return book.title
    ```

    Use instead:
    ```python
    from django.db import models

    class Book(models.Model):
        title = models.CharField(max_length=200)

    async def latest_title(request):
        book = await Book.objects.filter(published=True).afirst()
        return book.title
    ```

    ## Fix safety
    When the project's Django version (`target-django`, else the version its
    requirements, `pyproject.toml` or lock file name) has the twin, the call becomes
    `await ….a<method>(...)` and `for` over a QuerySet becomes `async for`; otherwise,
    and for `list()`/`len()`/`bool()`, the call is wrapped in
    `await sync_to_async(...)(...)`. The fixes are unsafe: the query becomes a
    suspension point where other tasks run and the task can be cancelled. Truth tests,
    indexing, `iterator()` and `transaction.atomic` are reported without a fix.

    Lazy attributes count too: a forward ForeignKey/OneToOne relation read on a model
    instance (`book.author`) unless the query used `select_related`, and `request.user`
    in an async Django view (fixed to `await request.auser()` on Django 5.0+).

    ## Known limitations
    QuerySets held in a variable and then tested (`if qs:`) or indexed (`qs[0]`) are
    not detected yet; nor are reverse relations and many-to-many managers read as
    attributes, or `select_related` applied to a QuerySet stored in a variable.

    ## References
    - [Asynchronous queries](https://docs.djangoproject.com/en/stable/topics/db/queries/#async-queries)
    - [Asynchronous support: the ORM](https://docs.djangoproject.com/en/stable/topics/async/#queries-the-orm)
    """

    code = "DBK110"
    message = "Sync Django ORM {what} on the event loop in `{function}`: {advice}"
    fix_title = "Use the async ORM API"
    fix_availability = FixAvailability.SOMETIMES
    applicability = Applicability.UNSAFE
    valid = [
        _MODELS + "# file: app/views.py\nfrom .models import Book\n\ndef view(request):\n    return Book.objects.get(pk=1)\n",
        _MODELS + "# file: app/views.py\nfrom .models import Book\n\nasync def view(request):\n"
        "    qs = Book.objects.filter(x=1).order_by('id')\n    async for b in qs:\n        print(b)\n"
        "    return await qs.aget(pk=1)\n",
        _MODELS + "# file: app/views.py\nfrom asgiref.sync import sync_to_async\nfrom .models import Book\n\n"
        "async def view(request):\n    return await sync_to_async(lambda: Book.objects.count())()\n",
        Valid("# file: app/views.py\nasync def view(cache):\n    return cache.objects.filter(x=1).first()\n"),
    ]
    invalid = [
        Invalid(
            "# file: app/views.py\nfrom .models import Book\n\nasync def view(request):\n"
            "    return Book.objects.filter(x=1).first()\n" + _MODELS,
            fixed="from .models import Book\n\nasync def view(request):\n"
            "    return await Book.objects.filter(x=1).afirst()\n",
            config={"target-django": "4.2"}, line=4, message="Sync Django ORM `Book.objects.filter(...).first()` on the event loop",
        ),
        Invalid(
            "# file: app/views.py\nfrom .models import Book\n\nasync def view(request):\n"
            "    b = Book(title='x')\n    b.save()\n" + _MODELS,
            fixed="from .models import Book\nfrom asgiref.sync import sync_to_async\n\nasync def view(request):\n"
            "    b = Book(title='x')\n    await sync_to_async(b.save)()\n",
            config={"target-django": "4.1"}, line=5, message="`await b.asave(...)` (Django 4.2+)",
        ),
        Invalid(
            "# file: app/views.py\nfrom .models import Book\n\nasync def view(request):\n"
            "    for b in Book.objects.all():\n        print(b)\n" + _MODELS,
            fixed="from .models import Book\n\nasync def view(request):\n"
            "    async for b in Book.objects.all():\n        print(b)\n",
            config={"target-django": "5.0"}, line=4, message="iterating a QuerySet",
        ),
        Invalid(
            "# file: app/views.py\nfrom django.db import transaction\n\nasync def view(request):\n"
            "    with transaction.atomic():\n        pass\n",
            line=4, message="`transaction.atomic()`",
        ),
    ]

    def check(self, facts: ModuleFacts, project: Project) -> Iterator[Finding]:
        for hit in django_hits(facts, project):
            fix = None
            if hit.codemod and hit.span:
                fix = self.make_fix(hit.codemod, hit.span, title=hit.title, **dict(hit.args))
            yield self.finding(facts, hit.span, fix=fix, what=hit.what, function=short_name(hit.function), advice=hit.advice)
