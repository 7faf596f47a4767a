"""Where query code runs, for severity: code reachable from an entry point (view, route,
serializer, admin, task) ranks higher than scripts, migrations and tests."""

from __future__ import annotations

from deblock.analyzer.project import Project
from deblock.model import Severity

_LOW_PRIORITY_PARTS = ("migrations", "tests", "test", "scripts", "management")


def served_functions(project: Project) -> frozenset[str]:
    """Functions reachable from any framework entry point through the call graph."""
    def compute() -> frozenset[str]:
        graph = project.callgraph
        seen: set[str] = set()
        pending = list(project.entry_points)
        while pending:
            name = pending.pop()
            if name in seen:
                continue
            seen.add(name)
            pending.extend(graph.callees(name))
        return frozenset(seen)

    return project.memo("served-functions", compute)


def severity_for(project: Project, function: str, path: str) -> Severity:
    """ERROR on request paths, WARNING elsewhere, INFO in migrations/tests/scripts."""
    parts = path.split("/")
    if any(p in _LOW_PRIORITY_PARTS for p in parts[:-1]) or parts[-1].startswith("test_"):
        return Severity.INFO
    if function in served_functions(project):
        return Severity.ERROR
    owner = function.rpartition(".")[0]
    if owner in served_functions(project):
        return Severity.ERROR  # a method of a served class-based view or viewset
    return Severity.WARNING
