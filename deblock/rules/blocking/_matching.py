"""Shared matching for DBK1xx rules: which calls run on the event loop and hit the catalogue."""

from __future__ import annotations

from collections.abc import Iterator

from deblock.analyzer.facts.model import CallFact, ModuleFacts
from deblock.analyzer.frameworks import LOOP
from deblock.analyzer.project import Project
from deblock.knowledge import BlockingCall, blocking_calls


def short_name(qualname: str) -> str:
    return qualname.rpartition(".")[2]


def on_event_loop(call: CallFact, project: Project) -> bool:
    """Does this call run on the event loop? Directly inside an `async def`, or in the
    body of a sync function the framework itself calls on the loop (a Starlette sync
    startup handler). Offloaded calls never do."""
    if call.offloaded:
        return False
    if call.in_async:
        return True
    entry = project.entry_points.get(call.function)
    return entry is not None and entry.runs_on == LOOP


def blocking_calls_on_loop(facts: ModuleFacts, project: Project, code: str) -> Iterator[tuple[CallFact, BlockingCall]]:
    """Calls made on the event loop that the catalogue lists under `code`.

    An awaited call is skipped: whatever it returns is awaitable, so it is not the
    sync API the catalogue describes (flake8-async's rule for 2xx codes).
    """
    catalogue = blocking_calls()
    for call in facts.calls:
        if call.awaited or call.callee is None or not on_event_loop(call, project):
            continue
        entry = catalogue.get(project.resolve(call.callee) or call.callee)
        if entry is not None and entry.code == code:
            yield call, entry
