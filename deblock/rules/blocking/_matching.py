"""Shared matching for DBK1xx rules: which calls run on the event loop and hit the catalogue."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from deblock.analyzer.facts.model import CallFact, ModuleFacts
from deblock.analyzer.frameworks import LOOP
from deblock.analyzer.project import Project
from deblock.knowledge import BlockingCall, find_blocking
from deblock.model import Applicability, Finding, Fix

if TYPE_CHECKING:
    from deblock.rules._base import Rule


def short_name(qualname: str) -> str:
    return qualname.rpartition(".")[2]


def _sync_functions_on_loop(project: Project) -> frozenset[str]:
    return frozenset(
        qualname for qualname, entry in project.entry_points.items()
        if entry.runs_on == LOOP and qualname in project.functions and not project.functions[qualname].is_async
    )


def loop_calls(facts: ModuleFacts, project: Project) -> tuple[CallFact, ...]:
    """The module's calls that run on the event loop, computed once per module: directly
    inside an `async def`, or in a sync function the framework itself calls on the loop
    (a Starlette sync startup handler); never offloaded ones. Most code is not async, so
    the DBK1xx rules iterate this short list instead of every call."""
    def compute() -> tuple[CallFact, ...]:
        on_loop = project.memo("sync-functions-on-loop", lambda: _sync_functions_on_loop(project))
        return tuple(
            call for call in facts.calls
            if not call.offloaded and (call.in_async or call.function in on_loop)
        )

    return project.memo(("loop-calls", facts.path), compute)


def _loop_blocking_calls(facts: ModuleFacts, project: Project) -> dict[str, list[tuple[CallFact, BlockingCall]]]:
    by_code: dict[str, list[tuple[CallFact, BlockingCall]]] = {}
    for call in loop_calls(facts, project):
        # An awaited call is skipped: whatever it returns is awaitable, so it is not the
        # sync API the catalogue describes (flake8-async's rule for 2xx codes).
        if call.awaited or call.callee is None or call.used_as == "wrapped":
            continue
        entry = find_blocking(project.resolve(call.callee) or call.callee)
        if entry is not None:
            by_code.setdefault(entry.code, []).append((call, entry))
    return by_code


def blocking_calls_on_loop(facts: ModuleFacts, project: Project, code: str) -> list[tuple[CallFact, BlockingCall]]:
    """Calls made on the event loop that the catalogue lists under `code` (matched once
    per module for all DBK1xx families)."""
    return project.memo(("loop-blocking-calls", facts.path), lambda: _loop_blocking_calls(facts, project)).get(code, [])


def fix_for(rule: Rule, call: CallFact, entry: BlockingCall, library: str) -> Fix | None:
    """The catalogue's rewrite for a blocking call: its awaited async twin for this library,
    else its fallback (a worker thread). None outside an `async def`: `await` needs one."""
    if not call.in_async:
        return None
    template = entry.replacement_for(library)
    if template:
        replacement = template.partition("(")[0]
        return rule.make_fix(
            "replace_blocking_call", call.span,
            title=f"Replace with `await {replacement}(...)`",
            applicability=entry.safety, replacement=replacement,
            module=entry.import_for(library) or "", original=entry.match,
        )
    if entry.fallback == "to_thread":
        runner = {"asyncio": "asyncio.to_thread", "anyio": "anyio.to_thread.run_sync", "trio": "trio.to_thread.run_sync"}
        return rule.make_fix(
            "offload_to_thread", call.span, title=f"Run in a worker thread with `await {runner[library]}(...)`",
            applicability=Applicability.UNSAFE, library=library,
        )
    if entry.fallback == "sync_to_async":
        return rule.make_fix(
            "offload_to_thread", call.span, title="Wrap in `await sync_to_async(...)(...)`",
            applicability=Applicability.UNSAFE, library="asgiref",
        )
    return None


def family_findings(rule: Rule, facts: ModuleFacts, project: Project) -> Iterator[Finding]:
    """Findings of one DBK1xx family: every catalogue call under `rule.code` made on the
    loop. Message fields: `callee` (catalogue name), `function` (enclosing function),
    `delta` (what the fix changes)."""
    library = project.async_library(facts)
    for call, entry in blocking_calls_on_loop(facts, project, rule.code):
        yield rule.finding(
            facts, call.span, fix=fix_for(rule, call, entry, library),
            callee=callee_name(call, entry, project), function=short_name(call.function), delta=entry.semantic_delta,
        )


def callee_name(call: CallFact, entry: BlockingCall, project: Project) -> str:
    """The name a message shows: the catalogue row's, or for a type-wide row
    (`urllib3.PoolManager.*`) the row's type with the method actually called."""
    if not entry.match.endswith(".*") or call.callee is None:
        return entry.match
    return entry.match[:-1] + short_name(project.resolve(call.callee) or call.callee)
