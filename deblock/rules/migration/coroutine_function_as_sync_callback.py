from __future__ import annotations

from collections.abc import Iterator

from deblock.analyzer.facts.model import ModuleFacts
from deblock.analyzer.project import Project
from deblock.model import Finding
from deblock.rules._base import Invalid, Rule
from deblock.rules.migration._hazard_rule import hazard_findings


class CoroutineFunctionAsSyncCallback(Rule):
    """
    ## What it does
    Flags an `async def` used where the caller needs a sync function:
    - passed to a callable that calls it and uses its result without awaiting:
      `filter`, `sorted`/`max`/`min(key=)`, `functools.reduce`, `re.sub`,
      `json.dumps(default=)`, `threading.Thread(target=)`, `threading.Timer`,
      `atexit.register`, `signal.signal`, SQLAlchemy `event.listen`, or to a worker
      thread (`asyncio.to_thread`, `run_in_executor`, `sync_to_async`);
    - registered with a decorator whose framework calls it synchronously (Celery
      tasks, Django template tags and filters, SQLAlchemy `listens_for`, Flask-Login
      loaders, Click/Typer commands, pydantic validators);
    - overriding a method a framework calls synchronously (`Model.save/delete/clean`,
      `Form.clean*`, generic-view `get_queryset`/`get_context_data`, DRF serializer and
      view methods, `ModelAdmin` methods, `BaseCommand.handle`, `logging.Handler.emit`, ...).

    ## Why is this bad?
    Calling an `async def` only creates a coroutine. A sync caller gets that object
    instead of the result: `filter` keeps every item (a coroutine is truthy), `sorted` compares coroutines, a thread
    target or a Celery task returns without running the body, Django's `save()` never
    writes, and Python warns "coroutine ... was never awaited". Nothing raises where
    the bug is.

    ## Example
    ```python
    async def affordable(item):
        return await fetch_price(item) < 10

    async def in_budget(items):
        return list(filter(affordable, items))
    ```

    Use instead:
    ```python
    async def affordable(item):
        return await fetch_price(item) < 10

    async def in_budget(items):
        return [item for item in items if await affordable(item)]
    ```

    ## References
    - [Coroutines](https://docs.python.org/3/library/asyncio-task.html#coroutines)
    - [Django: asynchronous support](https://docs.djangoproject.com/en/stable/topics/async/)
    - [Celery and asyncio](https://github.com/celery/celery/issues/6552)
    """

    code = "DBK502"
    message = "{hazard}: {bridge}"
    scope = "project"
    valid = [
        "def price(item):\n    return 1\n\ndef total(items):\n    return sum(map(price, items))\n",
        "import asyncio\n\nasync def price(item):\n    return 1\n\nasync def total(items):\n"
        "    return await asyncio.gather(*map(price, items))\n",
        "from celery import shared_task\n\n@shared_task\ndef send(order_id):\n    pass\n",
        "from django.db import models\n\nclass Book(models.Model):\n    async def refresh_prices(self):\n        pass\n",
    ]
    invalid = [
        Invalid("async def cheap(item):\n    return True\n\nasync def total(items):\n    return list(filter(cheap, items))\n",
                line=5, message="`cheap` is async but `filter` tests a coroutine object per item"),
        Invalid("import threading\n\nasync def warm():\n    pass\n\nthreading.Thread(target=warm).start()\n", line=6),
        Invalid("from celery import shared_task\n\n@shared_task\nasync def send(order_id):\n    pass\n",
                line=3, message="Celery runs tasks synchronously"),
        Invalid("from django.db import models\n\nclass Book(models.Model):\n    async def save(self, *args, **kwargs):\n"
                "        pass\n", line=4, message="overrides `django.db.models.Model.save`"),
    ]

    def check(self, facts: ModuleFacts, project: Project) -> Iterator[Finding]:
        yield from hazard_findings(self, facts, project)
