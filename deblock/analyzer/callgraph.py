"""The project call graph and the shortest blocking chain from any function.

Nodes are function qualnames (module names for module-level code); an edge
caller -> callee carries every call site. Blocking chains only go through sync
functions: calling an async function without awaiting it blocks nothing, and a
function whose body is offloaded (`@sync_to_async`) runs in a thread.

The hot path (building, callers, BFS) uses plain adjacency dicts; `.graph` builds the
networkx DiGraph on first use for consumers that want graph algorithms or drawing
(`deblock plan`). Importing networkx costs more than checking a whole small project,
so a plain `deblock check` never pays it.
"""

from __future__ import annotations

import fnmatch
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any

from deblock.analyzer.facts.model import CallFact, FunctionFact
from deblock.analyzer.facts.resolve import OFFLOAD_DECORATORS
from deblock.knowledge import BlockingCall, find_blocking
from deblock.model import Applicability

if TYPE_CHECKING:
    from deblock.analyzer.project import Project


@dataclass(frozen=True, slots=True)
class CallSite:
    path: str
    call: CallFact


@dataclass(frozen=True, slots=True)
class BlockingChain:
    """`functions[0]` calls `functions[1]` ... and the last one makes `call`, which blocks."""

    functions: tuple[str, ...]
    call: CallFact
    entry: BlockingCall
    path: str  # file of the blocking call
    target: str  # the blocking callable as resolved (`mylib.fetch` for a `mylib.*` pattern)

    def render(self, start: str | None = None) -> str:
        names = ([start] if start else []) + list(self.functions) + [self.target]
        return " → ".join(names)


def custom_blocking_calls(patterns: tuple[tuple[str, str], ...]) -> Callable[[str], BlockingCall | None] | None:
    """A matcher for `[tool.deblock.blocking-calls]` (fnmatch patterns, as flake8-async's
    ASYNC200), so chains through project code reach user-declared blocking calls too."""
    if not patterns:
        return None
    entries = [
        (pattern, BlockingCall(pattern, "DBK100", (), False, Applicability.DISPLAY_ONLY, suggestion, (), "", ""))
        for pattern, suggestion in patterns
    ]

    def match(name: str) -> BlockingCall | None:
        return next((entry for pattern, entry in entries if fnmatch.fnmatchcase(name, pattern)), None)

    return match


def _orm_entry(call: CallFact, project: Project, resolved: str) -> BlockingCall | None:
    from deblock.analyzer.orm_calls import sync_orm_io

    code = sync_orm_io(call, project)
    if code is None:
        return None
    return BlockingCall(resolved, code, (), False, Applicability.DISPLAY_ONLY,
                        "sync ORM I/O: use the async ORM API or sync_to_async", (), "", "")


def runs_in_thread(fn: FunctionFact) -> bool:
    return any(d.name in OFFLOAD_DECORATORS for d in fn.decorators)


class CallGraph:
    def __init__(self, project: Project) -> None:
        self.project = project
        self._sites: dict[tuple[str, str], list[CallSite]] = {}
        self._callers: dict[str, list[str]] = {}
        self._callees: dict[str, list[str]] = {}
        self._direct: dict[str, tuple[CallSite, BlockingCall, str]] = {}
        self._dispatch: dict[str, set[str]] = {}
        custom = custom_blocking_calls(project.settings.blocking_calls)
        for module in project:
            for call in module.calls:
                targets = project.call_targets(call)
                for target in targets:
                    self._add_edge(call.function, target.qualname, CallSite(module.path, call))
                if len(targets) > 1:  # one site dispatching to several methods: they share a colour
                    for target in targets:
                        self._dispatch.setdefault(target.qualname, set()).update(t.qualname for t in targets)
                if targets:
                    continue
                if call.offloaded or call.function in self._direct:
                    continue  # only a function's first blocking call is kept
                resolved = project.resolve(call.callee) or ""
                entry = find_blocking(resolved) or (custom(resolved) if custom and resolved else None)
                if entry is None and resolved:
                    entry = _orm_entry(call, project, resolved)
                if entry is not None:
                    self._direct[call.function] = (CallSite(module.path, call), entry, resolved)

    def _add_edge(self, caller: str, callee: str, site: CallSite) -> None:
        sites = self._sites.get((caller, callee))
        if sites is None:
            self._sites[(caller, callee)] = [site]
            self._callers.setdefault(callee, []).append(caller)
            self._callees.setdefault(caller, []).append(callee)
        else:
            sites.append(site)

    def callers(self, qualname: str) -> list[str]:
        return list(self._callers.get(qualname, ()))

    def callees(self, qualname: str) -> list[str]:
        return list(self._callees.get(qualname, ()))

    def dispatch_siblings(self, qualname: str) -> list[str]:
        """Functions one call site may run together with `qualname` (`self.repo.find()` in a
        base class, `repo` typed differently by each subclass), `qualname` included."""
        return sorted(self._dispatch.get(qualname, {qualname}))

    def sites(self, caller: str, callee: str) -> list[CallSite]:
        return list(self._sites.get((caller, callee), ()))

    @cached_property
    def graph(self) -> Any:
        """The call graph as a networkx DiGraph: nodes carry `is_async`, edges `sites`."""
        import networkx as nx

        graph = nx.DiGraph()
        for fn in self.project.functions.values():
            graph.add_node(fn.qualname, is_async=fn.is_async)
        for (caller, callee), sites in self._sites.items():
            graph.add_edge(caller, callee, sites=list(sites))
        return graph

    def _blocks_synchronously(self, qualname: str) -> bool:
        fn = self.project.functions.get(qualname)
        return fn is not None and not fn.is_async and not runs_in_thread(fn)

    @cached_property
    def _next_hop(self) -> dict[str, str | None]:
        """For every sync function that can block: the next function on its shortest chain
        (None when it blocks directly). One multi-source BFS over reversed edges."""
        hops: dict[str, str | None] = {}
        queue: deque[str] = deque()
        for qualname in sorted(self._direct):
            if self._blocks_synchronously(qualname):
                hops[qualname] = None
                queue.append(qualname)
        while queue:
            current = queue.popleft()
            for caller in sorted(self._callers.get(current, ())):
                if caller in hops or not self._blocks_synchronously(caller):
                    continue
                if all(site.call.offloaded for site in self._sites[(caller, current)]):
                    continue
                hops[caller] = current
                queue.append(caller)
        return hops

    def blocking_chain(self, qualname: str) -> BlockingChain | None:
        """The shortest chain by which calling `qualname` blocks, or None."""
        hops = self._next_hop
        if qualname not in hops:
            return None
        functions = [qualname]
        while (following := hops[functions[-1]]) is not None:
            functions.append(following)
        site, entry, target = self._direct[functions[-1]]
        return BlockingChain(tuple(functions), site.call, entry, site.path, target)
