"""Which functions run on a request (or task) path, and through which chain.

`reach(project)` walks the call graph breadth-first from every framework entry point at
once, so each reached function keeps its shortest chain from the nearest entry point. An
entry point that is a class (a class-based view, a viewset, a ModelAdmin) reaches all of
its methods. `entries_reaching(project, fn)` walks the other way, for messages that name
every entry point behind a function (the cache rules name each GET that would be served
from a cache).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from deblock.analyzer.frameworks import EntryPoint
from deblock.analyzer.project import Project


@dataclass(frozen=True, slots=True)
class Reach:
    """How an entry point reaches a function: `chain` runs from the entry to the function."""

    entry: EntryPoint
    chain: tuple[str, ...]

    def render(self) -> str:
        return " -> ".join(self.chain)


def _roots(project: Project, entry: EntryPoint) -> list[str]:
    """The functions the framework calls for `entry`: the function, or a class's methods."""
    cls = project.classes.get(entry.qualname)
    if cls is None:
        return [entry.qualname]
    return [f"{cls.qualname}.{name}" for name in cls.methods]


def reach(project: Project) -> dict[str, Reach]:
    """Every function reachable from an entry point, with its shortest chain."""

    def compute() -> dict[str, Reach]:
        graph = project.callgraph
        found: dict[str, Reach] = {}
        pending: deque[str] = deque()
        for entry in project.entry_points.values():
            for root in _roots(project, entry):
                if root not in found:
                    chain = (entry.qualname,) if root == entry.qualname else (entry.qualname, root)
                    found[root] = Reach(entry, chain)
                    pending.append(root)
        while pending:
            name = pending.popleft()
            here = found[name]
            for callee in graph.callees(name):
                if callee not in found:
                    found[callee] = Reach(here.entry, (*here.chain, callee))
                    pending.append(callee)
        return found

    return project.memo("reach", compute)


def reach_of(project: Project, function: str) -> Reach | None:
    """The shortest chain to `function`, or to the class owning it (a method of a served class)."""
    table = reach(project)
    found = table.get(function)
    if found is None:
        owner = function.rpartition(".")[0]
        entry = project.entry_points.get(owner)
        if entry is not None:
            found = Reach(entry, (owner, function))
    return found


def _entry_methods(project: Project) -> dict[str, str]:
    """Method qualname -> the entry-point class that owns it."""
    return {
        f"{cls.qualname}.{m}": cls.qualname
        for cls_name in project.entry_points
        if (cls := project.classes.get(cls_name)) is not None
        for m in cls.methods
    }


def entries_reaching(project: Project, function: str) -> tuple[EntryPoint, ...]:
    """Every entry point whose calls reach `function` (sorted by qualname)."""

    def compute() -> tuple[EntryPoint, ...]:
        graph = project.callgraph
        entries = project.entry_points
        owners = project.memo("entry-class-methods", lambda: _entry_methods(project))
        seen = {function}
        pending = deque([function])
        found: dict[str, EntryPoint] = {}
        while pending:
            name = pending.popleft()
            for key in (name, owners.get(name)):
                if key is not None and key in entries:
                    found[key] = entries[key]
            for caller in graph.callers(name):
                if caller not in seen:
                    seen.add(caller)
                    pending.append(caller)
        return tuple(found[k] for k in sorted(found))

    return project.memo(("entries-reaching", function), compute)
