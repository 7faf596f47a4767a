"""Where code runs, for severity: code reachable from an entry point (view, route,
serializer, admin, task) ranks higher than scripts, migrations and tests."""

from __future__ import annotations

from deblock.analyzer.project import Project
from deblock.analyzer.reach import reach_of
from deblock.model import Severity

_LOW_PRIORITY_PARTS = ("migrations", "tests", "test", "scripts", "management")


def is_low_priority_path(path: str) -> bool:
    """Migrations, tests, scripts and management commands: code that never serves a request."""
    parts = path.split("/")
    return any(p in _LOW_PRIORITY_PARTS for p in parts[:-1]) or parts[-1].startswith("test_")


def severity_for(project: Project, function: str, path: str) -> Severity:
    """ERROR on request paths, WARNING elsewhere, INFO in migrations/tests/scripts."""
    if is_low_priority_path(path):
        return Severity.INFO
    if reach_of(project, function) is not None:
        return Severity.ERROR
    return Severity.WARNING
