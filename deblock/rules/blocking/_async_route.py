"""Matching for DBK131 (blocking-async-route): what keeps a route on the loop, what blocks
in it, and whether project code awaits it."""

from __future__ import annotations

from weakref import WeakKeyDictionary

from deblock.analyzer.facts.model import CallFact
from deblock.analyzer.project import Project
from deblock.knowledge import find_blocking
from deblock.rules.blocking._matching import short_name

# A route calling these (`asyncio.create_task`, `get_running_loop`) needs the loop: keep it async.
_LOOP_LIBRARIES = ("asyncio.", "anyio.", "trio.")


def needs_loop(call: CallFact, project: Project) -> bool:
    return not call.offloaded and (project.resolve(call.callee) or call.callee or "").startswith(_LOOP_LIBRARIES)


def blocking_via(call: CallFact, project: Project) -> str | None:
    """The catalogue name or project function by which this call blocks, if it does."""
    if call.offloaded or call.callee is None:
        return None
    name = project.resolve(call.callee) or call.callee
    if find_blocking(name) is not None:
        return name
    target = project.callee(call.callee)
    if target is not None and not target.is_async and project.callgraph.blocking_chain(target.qualname):
        return target.qualname
    return None


_AWAITED: WeakKeyDictionary[Project, dict[str, list[CallFact]]] = WeakKeyDictionary()  # by callee's last name


def awaited_anywhere(qualname: str, project: Project) -> bool:
    """Does project code `await` this function? (Indexed once per project by callee name.)"""
    if project not in _AWAITED:
        _AWAITED[project] = by_name = {}
        for call in (c for module in project for c in module.calls if c.awaited and c.callee):
            by_name.setdefault(call.callee.rpartition(".")[2], []).append(call)  # type: ignore[union-attr]
    calls = _AWAITED[project].get(short_name(qualname), [])
    return any((t := project.callee(c.callee)) is not None and t.qualname == qualname for c in calls)
