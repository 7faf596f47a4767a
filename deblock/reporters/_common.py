"""Pieces shared by the machine formats: fingerprints, 1-based positions, paths, rule metadata.

Positions: `Span` columns are 0-based characters with an exclusive end (LibCST's
model); every format here prints them 1-based, so an end column is "the column after
the last character" (SARIF's definition, ruff's `end_location`).
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from deblock.model import Finding, Severity, Span
from deblock.rules import Rule, all_rules

HOME_URL = "https://deblock.readthedocs.io/"
FINGERPRINT_LENGTH = 16
# Findings that are about the run rather than the code: JUnit reports them as <error>.
SYNTAX_ERROR_CODE = "DBK001"
INTERNAL_ERROR_PREFIX = "DBK9"


@dataclass(frozen=True)
class RuleMeta:
    """What reporters need to know about a rule; built from the finding when no rule is registered."""

    code: str
    name: str
    summary: str
    docs: str  # the rule's markdown docstring ("" for an unregistered code)
    url: str | None
    severity: Severity
    family: str


def registry() -> tuple[type[Rule], ...]:
    """Every registered rule, in code order (a seam: tests pin the registry through it)."""
    return all_rules()


def fallback_meta(finding: Finding) -> RuleMeta:
    """A code with no rule class (yet), e.g. one the engine emits: describe it from the finding."""
    summary = f"{finding.code} ({finding.name})."
    return RuleMeta(finding.code, finding.name, summary, "", None, finding.severity, "other")


def meta_for(rule: type[Rule]) -> RuleMeta:
    # deblock.rules.<family>.<module>: the family folder doubles as a SARIF tag.
    parts = rule.__module__.split(".")
    family = parts[2] if len(parts) > 3 and parts[:2] == ["deblock", "rules"] else "other"
    return RuleMeta(rule.code, rule.name, rule.summary(), rule.docs(), rule.url(), rule.severity, family)


def rule_catalog(findings: Sequence[Finding]) -> list[RuleMeta]:
    """The registry, then a fallback entry for each code that fired without a rule class."""
    metas = [meta_for(rule) for rule in registry()]
    known = {m.code for m in metas}
    for finding in findings:
        if finding.code not in known:
            metas.append(fallback_meta(finding))
            known.add(finding.code)
    return metas


def fix_title(finding: Finding) -> str:
    if finding.fix is not None and finding.fix.title:
        return finding.fix.title
    return "Apply the suggested fix"


def remaining(findings: Sequence[Finding]) -> list[Finding]:
    """Findings still present in the code (with `--show-fixes`, applied ones are passed in too)."""
    return [f for f in findings if not f.fix_applied]


def is_run_error(code: str) -> bool:
    return code == SYNTAX_ERROR_CODE or code.startswith(INTERNAL_ERROR_PREFIX)


def posix_path(path: str, root: Path | None = None) -> str:
    """A POSIX path relative to `root` when it lies inside it; findings' paths usually already are."""
    pure = PurePosixPath(path)
    if root is not None and pure.is_absolute():
        try:
            return pure.relative_to(PurePosixPath(Path(root).absolute().as_posix())).as_posix()
        except ValueError:
            pass
    return pure.as_posix()


def fingerprints(findings: Sequence[Finding]) -> list[str]:
    """A line-independent identity per finding, stable when code above it moves.

    Key = (path, code, message) plus the occurrence index among equal keys, so two
    identical messages in one file still differ. Applied fixes count separately so
    that `--show-fixes` does not renumber the findings that remain.
    """
    seen: Counter[tuple[str, str, str, bool]] = Counter()
    out = []
    for finding in findings:
        key = (posix_path(finding.path), finding.code, finding.message, finding.fix_applied)
        index = seen[key]
        seen[key] += 1
        parts = [*key[:3], str(index)] + (["applied"] if finding.fix_applied else [])
        out.append(hashlib.sha256("\0".join(parts).encode("utf-8")).hexdigest()[:FINGERPRINT_LENGTH])
    return out


def location(line: int, col: int) -> dict[str, int]:
    """ruff's `{row, column}` with a 1-based column."""
    return {"row": line, "column": col + 1}


def region(span: Span) -> dict[str, int]:
    """SARIF region: 1-based columns, `endColumn` is the column after the last character."""
    return {"startLine": span.line, "startColumn": span.col + 1, "endLine": span.end_line, "endColumn": span.end_col + 1}


def positions(span: Span) -> dict[str, dict[str, int]]:
    """GitLab's `{begin, end}` with 1-based lines and columns."""
    return {
        "begin": {"line": span.line, "column": span.col + 1},
        "end": {"line": span.end_line, "column": span.end_col + 1},
    }
