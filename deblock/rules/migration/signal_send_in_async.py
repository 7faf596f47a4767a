from __future__ import annotations

from collections.abc import Iterator

from deblock.analyzer.facts.model import ModuleFacts
from deblock.analyzer.project import Project
from deblock.migration.hazards import Hazard
from deblock.model import Applicability, Finding, Fix, FixAvailability
from deblock.rules._base import Invalid, Rule
from deblock.rules.migration._hazard_rule import hazard_findings


class SignalSendInAsync(Rule):
    """
    ## What it does
    Flags `Signal.send()` and `send_robust()` on a Django signal (a `Signal()` of the
    project, or one of Django's built-in signals) called on the event loop.

    ## Why is this bad?
    `send()` calls the sync receivers right there, on the event loop, where their ORM
    queries raise `SynchronousOnlyOperation` and any I/O blocks every other request.
    Since Django 5.0 it runs async receivers through `async_to_sync`, which raises
    `RuntimeError` when called from the event loop's thread. `await signal.asend()`
    (Django 5.0+) runs async receivers on the loop and sync ones in a thread.

    ## Example
    ```python
    from django.dispatch import Signal

    order_placed = Signal()

    async def checkout(request):
        order_placed.send(sender=None, request=request)
    ```

    Use instead:
    ```python
    from django.dispatch import Signal

    order_placed = Signal()

    async def checkout(request):
        await order_placed.asend(sender=None, request=request)
    ```

    ## Fix safety
    Offered when the project's Django version (`target-django`, else its dependency
    files) is 5.0 or later: `send(...)` becomes `await ....asend(...)` and
    `send_robust(...)` becomes `await ....asend_robust(...)`. It is unsafe: sync
    receivers now run in a worker thread (through `sync_to_async`) and the receivers
    of one call may run concurrently, so receivers relying on running in the caller's
    thread, or in order, change behaviour.

    ## References
    - [Django: signals, sending signals](https://docs.djangoproject.com/en/stable/topics/signals/#sending-signals)
    - [Django 5.0 release notes: asynchronous signals](https://docs.djangoproject.com/en/stable/releases/5.0/#signals)
    """

    code = "DBK506"
    message = "{hazard}: {bridge}"
    fix_title = "Replace with `await signal.asend(...)`"
    fix_availability = FixAvailability.SOMETIMES
    applicability = Applicability.UNSAFE
    scope = "project"
    _signal = "from django.dispatch import Signal\n\nplaced = Signal()\n\n"
    valid = [
        _signal + "def checkout(request):\n    placed.send(sender=None)\n",
        _signal + "async def checkout(request):\n    await placed.asend(sender=None)\n",
        "async def notify(bus):\n    bus.send('x')\n",
    ]
    invalid = [
        Invalid(_signal + "async def checkout(request):\n    placed.send(sender=None)\n",
                fixed=_signal + "async def checkout(request):\n    await placed.asend(sender=None)\n",
                line=6, config={"target-django": "5.1"}),
        Invalid("from django.db.models.signals import post_save\n\nasync def touch(book):\n"
                "    post_save.send_robust(sender=type(book), instance=book)\n", line=4,
                message="`await sync_to_async(post_save.send_robust)(...)` (Django 5.0 adds `asend_robust`)",
                config={"target-django": "4.2"}),
    ]

    def check(self, facts: ModuleFacts, project: Project) -> Iterator[Finding]:
        version = project.django_version
        asend = version is not None and version >= (5, 0)
        yield from hazard_findings(self, facts, project, self._fix if asend else None)

    def _fix(self, hazard: Hazard) -> Fix:
        twin = "asend_robust" if "send_robust" in hazard.message else "asend"
        return self.make_fix("django_async_twin", hazard.span, title=f"Replace with `await ....{twin}(...)`",
                             method=twin)
