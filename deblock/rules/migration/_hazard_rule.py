"""The DBK5xx rules are thin views over `deblock.migration.hazards.find_hazards`: each one
reports the hazards carrying its code in the file being checked."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from deblock.analyzer.facts.model import ModuleFacts
from deblock.analyzer.project import Project
from deblock.migration.hazards import Hazard, hazards_for
from deblock.model import Finding, Fix
from deblock.rules._base import Rule


def hazard_findings(rule: Rule, facts: ModuleFacts, project: Project,
                    fix: Callable[[Hazard], Fix | None] | None = None) -> Iterator[Finding]:
    """Findings for rule.code's hazards in this file; the message template takes
    `hazard` (what breaks) and `bridge` (what to do)."""
    for hazard in hazards_for(project, facts.path, rule.code):
        yield rule.finding(facts, hazard.span, fix=fix(hazard) if fix else None,
                           hazard=hazard.message, bridge=hazard.bridge or "")
