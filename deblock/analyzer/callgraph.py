"""The project call graph (networkx) and the shortest blocking chain from any function.

Nodes are function qualnames (module names for module-level code); an edge
caller -> callee carries every call site. Blocking chains only go through sync
functions: calling an async function without awaiting it blocks nothing, and a
function whose body is offloaded (`@sync_to_async`) runs in a thread.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

import networkx as nx

from deblock.analyzer.facts.model import CallFact, FunctionFact
from deblock.analyzer.facts.resolve import OFFLOAD_DECORATORS
from deblock.knowledge import BlockingCall, blocking_calls

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

    def render(self, start: str | None = None) -> str:
        names = ([start] if start else []) + list(self.functions) + [self.entry.match]
        return " → ".join(names)


def runs_in_thread(fn: FunctionFact) -> bool:
    return any(d.name in OFFLOAD_DECORATORS for d in fn.decorators)


class CallGraph:
    def __init__(self, project: Project) -> None:
        self.project = project
        self.graph = nx.DiGraph()
        self._direct: dict[str, tuple[CallSite, BlockingCall]] = {}
        catalogue = blocking_calls()
        for fn in project.functions.values():
            self.graph.add_node(fn.qualname, is_async=fn.is_async)
        for module in project:
            for call in module.calls:
                target = project.callee(call.callee)
                if target is not None:
                    self._add_edge(call.function, target.qualname, CallSite(module.path, call))
                    continue
                entry = catalogue.get(project.resolve(call.callee) or "")
                if entry is not None and not call.offloaded and call.function not in self._direct:
                    self._direct[call.function] = (CallSite(module.path, call), entry)

    def _add_edge(self, caller: str, callee: str, site: CallSite) -> None:
        if self.graph.has_edge(caller, callee):
            self.graph.edges[caller, callee]["sites"].append(site)
        else:
            self.graph.add_edge(caller, callee, sites=[site])

    def callers(self, qualname: str) -> list[str]:
        return list(self.graph.predecessors(qualname)) if qualname in self.graph else []

    def callees(self, qualname: str) -> list[str]:
        return list(self.graph.successors(qualname)) if qualname in self.graph else []

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
            for caller in sorted(self.graph.predecessors(current)):
                if caller in hops or not self._blocks_synchronously(caller):
                    continue
                sites = self.graph.edges[caller, current]["sites"]
                if all(site.call.offloaded for site in sites):
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
        site, entry = self._direct[functions[-1]]
        return BlockingChain(tuple(functions), site.call, entry, site.path)
