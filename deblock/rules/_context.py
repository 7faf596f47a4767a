"""Where code runs, for severity: code reachable from an entry point (view, route,
serializer, admin, task) ranks higher than scripts, migrations and tests."""

from __future__ import annotations

from deblock.analyzer.project import Project
from deblock.analyzer.reach import is_low_priority_path, reach_of
from deblock.model import Severity

__all__ = ["is_low_priority_path", "severity_for"]


def severity_for(project: Project, function: str, path: str) -> Severity:
    """ERROR on request paths, WARNING elsewhere, INFO in migrations/tests/scripts."""
    if is_low_priority_path(path):
        return Severity.INFO
    if reach_of(project, function) is not None:
        return Severity.ERROR
    return Severity.WARNING
